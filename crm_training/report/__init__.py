"""Case-study reports: a template notebook run with papermill into a finished HTML (and PDF) report.

``crm-training report`` builds one report, or many from a YAML spec (:func:`build_batch`). The
runner validates the parameters before any cell runs (:class:`ReportParams`), keeps the executed
notebook beside ``report.html`` and writes nothing when a report fails. The template's analysis
helpers (:func:`compute_findings`, :func:`recommend`, :func:`executive_summary`) turn the engines'
results into the report's figures, recommendations and sentences.

Names load on first use, so the command line starts quickly.

Examples
--------
>>> from crm_training.report import ReportParams
>>> ReportParams(company="Acme", industry="bank", language="zh").problems()
[]
"""
import importlib

_FROM = {
    "runner": ("ReportParams", "ReportResult", "BatchResult", "ReportError",
               "ReportParameterError", "ReportCellError", "build_report", "build_batch",
               "batch_summary", "read_batch_spec", "render_pdf", "find_chromium", "TEMPLATE"),
    "findings": ("compute_findings", "report_data", "Findings", "LANGUAGES", "HORIZON_RANGE",
                 "N_CUSTOMERS_RANGE"),
    "recommendations": ("recommend", "evaluate_rules", "roadmap", "expected_return"),
    "text": ("executive_summary",),
}
_WHERE = {name: module for module, names in _FROM.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name):  # PEP 562: import on first use; the content modules may not exist yet
    if name in _WHERE:
        try:
            module = importlib.import_module(f".{_WHERE[name]}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{_WHERE[name]}":
                raise
            raise AttributeError(f"crm_training.report.{name} is not available yet "
                                 f"({__name__}.{_WHERE[name]} is missing)") from None
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
