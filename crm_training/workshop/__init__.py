"""The client workshop (consultants, live in front of a client): an ipywidgets dashboard over
the kit's segmentation, CLV and churn functions, run in JupyterLab or as a Voila app
(``crm-training workshop``, notebooks/workshop.ipynb).

:mod:`.analysis` computes (plain, tested functions); :mod:`.dashboard` only lays out widgets
and renders those results. Names load on first use, so the command line starts quickly.

Examples
--------
>>> from crm_training.workshop import rfm_thresholds
>>> rfm_thresholds(frequency=(2, 5))
{'F': [2.0, 3.0, 4.0, 5.0]}
"""
import importlib

_FROM = {
    "analysis": ("WorkshopData", "Segmentation", "segment_customers", "tier_table", "rfm_table",
                 "top_clv", "top_churn_risk", "rfm_thresholds", "default_rfm_ranges",
                 "assignment_csv", "csv_download_html"),
    "dashboard": ("Dashboard",),
}
__all__ = [name for names in _FROM.values() for name in names]


def __getattr__(name):  # PEP 562: ipywidgets and scikit-learn load only when used
    for module, names in _FROM.items():
        if name in names:
            return getattr(importlib.import_module(f".{module}", __name__), name)
    raise AttributeError(f"module 'crm_training.workshop' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
