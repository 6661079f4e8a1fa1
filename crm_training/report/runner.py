"""Build case-study reports: validate the parameters, run the template, export HTML (and PDF).

The template notebook (``template.ipynb`` beside this module) tells one client's story; this
module runs it with papermill and turns it into a finished report folder::

    out/report.html    the report, no code shown (nbconvert HTMLExporter, inputs excluded)
    out/report.ipynb   the executed notebook, kept for whoever wants to see how a figure was made
    out/report.pdf     with ``pdf=True``: the HTML printed by headless Chromium

The HTML is typeset for print as a deliverable: a cover page (the template's cell tagged
``report-cover``), a table of contents linked to the headings (with page numbers in the PDF),
page numbers in the footer, the paper of ``paper`` (A4 or US Letter: by default Letter in
English, A4 in Chinese), and headings kept with what they introduce.

Parameters are checked before any cell runs and every problem is reported at once
(:class:`ReportParameterError`); a report that fails half-way (a cell raises, Chromium fails)
leaves nothing behind: the folder is written through :func:`crm_training.fileio.atomic_output_dir`.
:func:`build_batch` builds many reports from a YAML spec; ``crm-training report`` is the command.

Examples
--------
>>> p = ReportParams.from_mapping({"company": "Acme", "industy": "bank", "language": "fr"})
>>> for problem in p.problems():
...     print(problem)
unknown parameter 'industy' (did you mean 'industry'?)
language must be 'en' or 'zh', not 'fr'
"""
from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).with_name("template.ipynb")
LANGUAGES = ("en", "zh")
PAPERS = {"a4": "A4", "letter": "letter"}  # --paper -> CSS @page size
N_CUSTOMERS_RANGE = (200, 2_000_000)
HORIZON_RANGE = (1, 60)  # months ahead for value and churn figures
CELL_TIMEOUT = 600  # seconds per cell: a stuck kernel fails the report instead of hanging
CHROMIUM_HINT = ("install Chromium: on Debian/Ubuntu `sudo apt-get install chromium` (the "
                 "command must be on PATH as chromium or chromium-browser)")
FONT_HINT = ("a Chinese PDF needs a CJK font: on Debian/Ubuntu `sudo apt-get install "
             "fonts-noto-cjk`, elsewhere install Noto Sans CJK SC")


class ReportError(Exception):
    """A report could not be built (nothing was written)."""


class ReportParameterError(ReportError, ValueError):
    """The parameters (or the output folder, or the tools a PDF needs) are unusable.

    ``problems`` lists every problem found, one sentence each.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(self.problems[0] if n == 1 else
                         f"{n} problems: " + "; ".join(self.problems))


class ReportCellError(ReportError):
    """A cell of the template raised: names the cell, the line and the exception."""

    def __init__(self, cell_index, source, ename, evalue, traceback=()):
        self.cell_index, self.source, self.ename, self.evalue = cell_index, source, ename, evalue
        lines = source.splitlines()
        line = _failing_line(traceback, len(lines))
        if line is None:  # no traceback to go by: name the cell by its first line of code
            text = next((ln.strip() for ln in lines
                         if ln.strip() and not ln.strip().startswith("#")), "")
            where = f"cell {cell_index}"
        else:
            text, where = lines[line - 1].strip(), f"cell {cell_index}, line {line}"
        if len(text) > 70:
            text = text[:67] + "..."
        super().__init__(f"{where} ({text!r}) failed: {ename}: {evalue}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failing_line(traceback, n_lines):
    """Line of the cell where the exception was raised (IPython marks it ``---> N``)."""
    for frame in traceback or ():
        for row in _ANSI.sub("", str(frame)).splitlines():
            m = re.match(r"\s*-+>\s*(\d+)", row)
            if m and 1 <= int(m.group(1)) <= n_lines:
                return int(m.group(1))  # the first frame is the cell's own
    return None


@dataclass
class ReportParams:
    """The parameters of one report (the template's ``parameters`` cell).

    Parameters
    ----------
    company : the client's name: the report's title and the subject of its sentences.
    industry : one of :data:`crm_training.INDUSTRIES` (the scenario, and the benchmarks used).
    n_customers : size of the synthetic data (ignored when ``data_dir`` is given).
    seed : random seed of the synthetic data (same seed, same report).
    language : "en" or "zh" (every heading, label and chart in that language).
    data_dir : a client's export folder (validated with :func:`crm_training.load_client`)
        instead of synthetic data.
    horizon : analysis horizon in months (value and churn projections).
    margin : share of revenue that is profit (0.3 = 30%), for data without costs; without it
        such data are reported as revenue, and said so.
    currency : ISO code or symbol of the amounts (default: detected from the data).
    assumptions : overrides of the money assumptions
        (:data:`~crm_training.report.findings.DEFAULT_ASSUMPTIONS`: discount rate, effects,
        costs, years), e.g. read from ``--assumptions file.yml``; all are printed in the report.
    paper : "a4" or "letter", the paper the report is typeset for (HTML print and PDF);
        None: Letter in English, A4 in Chinese (see :meth:`paper_size`).

    Examples
    --------
    >>> ReportParams(company="Acme", industry="bank").validate().language
    'en'
    """

    company: str = "Example Co."
    industry: str = "retail"
    n_customers: int = 5000
    seed: int = 7
    language: str = "en"
    data_dir: str | None = None
    horizon: int = 36
    margin: float | None = None
    currency: str | None = None
    assumptions: dict | None = None
    paper: str | None = None
    unknown: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name != "unknown"]

    @classmethod
    def from_mapping(cls, mapping) -> "ReportParams":
        """Parameters from a dict (a batch entry, keyword arguments); unknown names are kept
        aside and reported by :meth:`problems`, not raised."""
        known = {k: v for k, v in mapping.items() if k in cls.names()}
        return cls(**known, unknown={k: v for k, v in mapping.items() if k not in known})

    def paper_size(self) -> str:
        """The paper: ``paper`` when given, else "a4" for Chinese and "letter" for English.

        Examples
        --------
        >>> ReportParams(language="zh").paper_size(), ReportParams(paper="A4").paper_size()
        ('a4', 'a4')
        """
        if self.paper is None:
            return "a4" if self.language == "zh" else "letter"
        return str(self.paper).lower()

    def to_papermill(self) -> dict:
        """The values injected into the template (``data_dir`` as an absolute path)."""
        values = {name: getattr(self, name) for name in self.names()}
        if self.data_dir is not None:
            values["data_dir"] = str(Path(self.data_dir).resolve())
        return values

    def problems(self, out=None, force: bool = False, pdf: bool = False,
                 inputs=()) -> list[str]:
        """Every problem with these parameters, the output folder and, for a PDF, the tools.

        ``inputs`` are other files the run reads (a template): the output may not overlap
        them, nor ``data_dir``. Nothing is written or run (a client folder is read and
        validated).
        """
        from crm_training import INDUSTRIES

        found = []
        for name in self.unknown:
            close = difflib.get_close_matches(str(name), self.names(), n=1, cutoff=0.6)
            found.append(f"unknown parameter {name!r}"
                         + (f" (did you mean {close[0]!r}?)" if close else
                            f" (parameters: {', '.join(self.names())})"))
        if not isinstance(self.company, str) or not self.company.strip():
            found.append(f"company must be a non-empty name, not {self.company!r}")
        if self.industry not in INDUSTRIES:
            found.append(f"unknown industry {self.industry!r} (choose from "
                         f"{', '.join(INDUSTRIES)})")
        if self.language not in LANGUAGES:
            found.append(f"language must be 'en' or 'zh', not {self.language!r}")
        if self.paper is not None and (not isinstance(self.paper, str)
                                       or self.paper.lower() not in PAPERS):
            found.append(f"paper must be 'a4' or 'letter', not {self.paper!r}")
        found += _int_problem("n_customers", self.n_customers, N_CUSTOMERS_RANGE)
        found += _int_problem("horizon", self.horizon, HORIZON_RANGE, unit=" months")
        if not _is_int(self.seed) or self.seed < 0:
            found.append(f"seed must be a whole number >= 0, not {self.seed!r}")
        from crm_training.money import check_margin, currency_code

        for check, value in ((check_margin, self.margin), (currency_code, self.currency)):
            try:
                check(value)
            except ValueError as e:
                found.append(str(e))
        if self.assumptions is not None:
            from crm_training.report.findings import assumption_problems

            found += assumption_problems(self.assumptions)
        if self.data_dir is not None:
            if not isinstance(self.data_dir, (str, os.PathLike)) or not str(self.data_dir) \
                    or "\x00" in str(self.data_dir):
                found.append(f"data_dir must be a folder, not {self.data_dir!r}")
            else:
                found += _client_problems(self.data_dir)
        if out is not None:
            from crm_training.fileio import OutputError, check_output_dir

            try:  # never where the client's data (or any other input) is
                check_output_dir(out, force=force, inputs=[self.data_dir, *inputs])
            except OutputError as e:
                found.append(f"--out: {e}")
        if pdf:
            if find_chromium() is None:
                found.append(f"a PDF needs Chromium, which was not found: {CHROMIUM_HINT}")
            if self.language == "zh" and _cjk_font() is None:
                found.append(FONT_HINT)
        return found

    def validate(self, out=None, force: bool = False, pdf: bool = False,
                 inputs=()) -> "ReportParams":
        """Return self, or raise :class:`ReportParameterError` listing every problem."""
        found = self.problems(out=out, force=force, pdf=pdf, inputs=inputs)
        if found:
            raise ReportParameterError(found)
        return self


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _int_problem(name, value, bounds, unit=""):
    lo, hi = bounds
    if not _is_int(value):
        return [f"{name} must be a whole number, not {value!r}"]
    if not lo <= value <= hi:
        return [f"{name} must be between {lo:,} and {hi:,}{unit}, not {value:,}"]
    return []


def _is_file(path) -> bool:
    """``Path.is_file``, False for a name the file system refuses (too long, say)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _client_problems(data_dir) -> list[str]:
    from crm_training.clients import ClientDataError, load_client

    path = Path(data_dir)
    try:
        exists = path.exists()
    except OSError as e:  # a name too long for the file system, say
        return [f"data_dir {path} cannot be read: {e.strerror or e}"]
    if not exists:
        return [f"data_dir {path} does not exist"]
    try:
        loaded = load_client(path, progress=False)
        _ = loaded.data  # raises when nothing usable could be built
    except ClientDataError as e:
        return [f"data_dir {path} cannot be loaded: {e}"]
    if not loaded.ok:
        return [f"data_dir {path} fails validation (fix the export or clean it with "
                f"`crm-training validate {path} --out DIR`):\n{loaded.report.to_text()}"]
    return []


def _cjk_font():
    from crm_training.fonts import find_cjk_font

    return find_cjk_font()


@dataclass(frozen=True)
class ReportResult:
    """Where a report was written, and how long its steps took (seconds)."""

    html: Path
    notebook: Path
    pdf: Path | None = None
    seconds: float = 0.0
    timings: dict = field(default_factory=dict, repr=False)
    warnings: tuple = field(default=(), repr=False)


@contextlib.contextmanager
def _kernel_environment():
    """Figures must show inline in the kernel even when the caller forces a non-interactive
    backend (MPLBACKEND=Agg, as test suites do): the kernel inherits our environment."""
    old = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = old


def execute_template(params: ReportParams, output: Path, template=None,
                     timeout: int = CELL_TIMEOUT) -> dict:
    """Run the template with papermill into ``output``; return its timings.

    Raises :class:`ReportCellError` naming the failing cell.
    """
    from papermill.exceptions import PapermillExecutionError

    from ..nbrun import execute_notebook

    template = Path(template) if template is not None else TEMPLATE
    if not _is_file(template):
        raise ReportError(f"report template {template} not found")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crm-report-cwd-") as cwd, _kernel_environment():
        try:
            execute_notebook(  # papermill's, robust to the client's lost wake-ups
                str(template), str(output), parameters=params.to_papermill(),
                kernel_name="python3", progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=timeout, cwd=cwd,
                # the kernel's own log (a TCP transport notice, the interrupt it logs when
                # shut down) is not the user's concern; a failing cell is reported above
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        except PapermillExecutionError as e:
            raise ReportCellError(e.cell_index, e.source, e.ename, e.evalue,
                                  e.traceback) from None
        except Exception as e:  # a dead kernel, a timeout: still one clear line
            raise ReportError(f"running the template failed: {type(e).__name__}: "
                              f"{str(e).strip().splitlines()[-1] if str(e).strip() else ''}"
                              ) from e
    total = time.perf_counter() - t0
    import nbformat

    nb = nbformat.read(output, as_version=4)
    cells = [(i, (c.source.strip().splitlines() or [""])[0][:80],
              float(c.metadata.get("papermill", {}).get("duration") or 0.0))
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    return {"execute": total, "cells": cells,
            "kernel_start": max(total - sum(s for *_, s in cells), 0.0)}


_CDN_SCRIPT = re.compile(r'<script src="https?://[^"]*">\s*</script>\s*')
_SVG_IMG = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)"[^>]*/?>')
_SVG_START = re.compile(r"<svg\b")


def _inline_svg(match) -> str:
    """An SVG chart inline rather than as an image: its text stays searchable and selectable
    in the browser and the PDF, drawn by the reader's fonts."""
    import base64

    svg = base64.b64decode(match.group(1)).decode("utf-8")
    start = _SVG_START.search(svg)
    return svg[start.start():] if start else match.group(0)


_CODE_MARKUP = re.compile(r'class="[^"]*\b(hl-ipython3|jp-InputPrompt|jp-CodeMirrorEditor)\b')
COVER_TAG = "report-cover"  # the template's cell that makes the cover page

# Printing (HTML printed by a browser, and the PDF). Chromium draws the @page margin boxes
# (page numbers) since version 131. Nothing forces a page break but the cover: headings and the
# opening words of a section stay with the table or chart they introduce instead.
_PRINT_CSS = """<style>
@page { size: %(size)s; margin: 17mm 16mm 18mm;
  @bottom-left { content: "%(footer)s"; font-size: 8pt; color: #777; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #777; } }
@page :first { @bottom-left { content: none; } @bottom-right { content: none; } }
.celltag_report-cover h1 { font-size: 2.1em; line-height: 1.25; margin: 1em 0 0.8em; }
.celltag_report-cover p { font-size: 1.1em; color: #444; margin: 0.3em 0; }
.celltag_report-cover { border-bottom: 1px solid #bbb; padding-bottom: 1.5em; }
.report-toc { padding: 1em var(--jp-cell-padding, 5px) 0.5em; }
.report-toc-title { font-size: 1.45em; font-weight: 600; margin: 0 0 0.6em; }
.report-toc ol { list-style: none; margin: 0; padding: 0; }
.report-toc li { margin: 0.25em 0; }
.report-toc li.toc-h3 { padding-left: 1.6em; font-size: 0.95em; }
.report-toc a { display: flex; align-items: baseline; color: inherit; text-decoration: none; }
.report-toc .toc-leader { flex: 1; margin: 0 0.4em; border-bottom: 1px dotted #aaa; }
.report-toc .toc-page { min-width: 2em; text-align: right; }
.report-toc .toc-page:empty { min-width: 0; }
.report-toc li:has(.toc-page:empty) .toc-leader { visibility: hidden; }
.report-appendix table { table-layout: auto; width: 100%%; }
.jp-RenderedHTMLCommon .report-appendix th, .jp-RenderedHTMLCommon .report-appendix td {
  text-align: left; vertical-align: top; }
.jp-RenderedHTMLCommon .report-appendix th { white-space: nowrap; }
.jp-RenderedHTMLCommon .report-appendix td.num { text-align: right; white-space: nowrap; }
@media print {
  .celltag_report-cover { break-after: page; border: none; padding-top: 55mm; }
  .celltag_report-cover h1 { font-size: 26pt; }
  .report-toc { break-inside: avoid; }
  /* JupyterLab's outputs scroll (overflow: auto) and are table cells: printed, that makes
     every cell's outputs one block that cannot be split, pushed whole to the next page */
  body, .jp-OutputArea-child, .jp-OutputArea-output { display: block; }
  .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { overflow: visible; }
  /* keep a chart, a table row, a list item or a short table or list on one page ... */
  .jp-OutputArea-child, .jp-OutputArea-output, tr, img, svg, li { break-inside: avoid; }
  /* ... a long table or list may run on between rows (the header repeats) */
  .jp-OutputArea-child:has(tbody > tr:nth-child(16), li:nth-child(9), .report-appendix),
  .jp-OutputArea-output:has(tbody > tr:nth-child(16), li:nth-child(9), .report-appendix) {
    break-inside: auto; }
  .report-appendix table:not(:has(tbody > tr:nth-child(16))) { break-inside: avoid; }
  /* text runs on from page to page like a book's: never fewer than three lines on either */
  .jp-OutputArea-child:has(> .jp-RenderedMarkdown), .jp-RenderedMarkdown { break-inside: auto; }
  p, li { orphans: 3; widows: 3; }
  thead { display: table-header-group; }
  /* a heading never ends a page: it goes with what follows it (an output that ends in a
     heading passes this on to the next output) */
  h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  .jp-OutputArea-output svg { max-width: 100%%; height: auto; max-height: 92mm; }
}
</style>
"""


def _css_string(value: str) -> str:
    """``value`` as the inside of a CSS string: anything but letters, digits and spaces as a
    CSS escape (a company called ``"</style>`` stays text)."""
    return "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in value)


def print_css(paper: str = "letter", footer: str = "") -> str:
    """The print styles of a report on ``paper`` ("a4" or "letter"), ``footer`` on the left of
    every page but the cover.

    Examples
    --------
    >>> "size: A4;" in print_css("a4") and "counter(pages)" in print_css("a4")
    True
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    return _PRINT_CSS % {"size": PAPERS[paper], "footer": _css_string(footer)}


_CELL_START = re.compile(r'<div class="jp-Cell[ "][^>]*>')  # a cell (not jp-Cell-...)
_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def contents_html(body: str, title: str) -> str:
    """The table of contents of ``body``: every h2 and h3 that has an id, linked, with an empty
    ``toc-page`` slot that :func:`render_pdf` fills with the heading's page in the PDF.

    Examples
    --------
    >>> toc = contents_html('<h2 id="a">1. Value<a class="anchor-link">¶</a></h2>', "Contents")
    >>> re.findall(r'href="([^"]*)"><span class="toc-text">([^<]*)<', toc)
    [('#a', '1. Value')]
    """
    import html as _html

    items = []
    for level, anchor, inner in _HEADING.findall(body):
        shown = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        if shown:  # shown stays escaped: it is the heading's own (escaped) text
            items.append(f'<li class="toc-h{level}"><a class="toc-link" href="#{anchor}">'
                         f'<span class="toc-text">{shown}</span><span class="toc-leader">'
                         '</span><span class="toc-page"></span></a></li>')
    if not items:
        return ""
    return (f'<nav class="report-toc"><p class="report-toc-title">{_html.escape(title)}</p><ol>\n'
            + "\n".join(items) + "\n</ol></nav>")


def _with_contents(body: str, title: str) -> str:
    """``body`` with a table of contents after the cover cell (none without a cover)."""
    cover = re.search(r'<div class="jp-Cell [^"]*\bcelltag_' + COVER_TAG + r'\b[^"]*"', body)
    if cover is None:
        return body
    after = _CELL_START.search(body, cover.end())
    end = after.start() if after else body.rindex("</main>")
    toc = contents_html(body[end:], title)
    return body[:end] + toc + "\n" + body[end:] if toc else body


def export_html(notebook: Path, html: Path, title: str, language: str = "en",
                paper: str | None = None) -> list[str]:
    """Write the executed notebook as HTML without any code; return the warnings removed.

    Cells' stderr (Python warnings) stays in the notebook but not in the client's report. The
    page is typeset for ``paper`` (default: A4 in Chinese, Letter in English) with a table of
    contents after the cover cell (tagged ``report-cover``) and page numbers when printed.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    removed = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            keep = []
            for out in cell.outputs:
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    removed.append(out.get("text", "").strip())
                else:
                    keep.append(out)
            cell.outputs = keep
    nb.metadata["title"] = title
    quiet = logging.getLogger("crm_training.report.html")
    quiet.setLevel(logging.ERROR)  # e.g. "alternative text is missing": not the user's concern
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, language_code=language[:2], log=quiet)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # a report must open offline and print without network: drop require.js / MathJax CDNs
    body = _CDN_SCRIPT.sub("", body)
    body = _SVG_IMG.sub(_inline_svg, body)
    body = re.sub(r'<html lang="[^"]*">', f'<html lang="{_html_lang(language)}">', body, count=1)
    from .text import t

    paper = paper or ("a4" if language == "zh" else "letter")
    body = body.replace("</head>", print_css(paper, title) + "</head>", 1)
    body = _with_contents(body, t("h_contents", language))
    if _CODE_MARKUP.search(body):  # never show code to a client
        raise ReportError("internal error: code cells leaked into the HTML export")
    html.write_text(body, encoding="utf-8")
    return [w for w in removed if w]


def _html_lang(language: str) -> str:
    return "zh-CN" if language == "zh" else "en"


def find_chromium() -> str | None:
    """Path of a Chromium executable (``chromium``, ``chromium-browser``), or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _print(chromium: str, html: Path, pdf: Path, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="crm-report-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
               f"--print-to-pdf={Path(pdf).resolve()}", "--no-pdf-header-footer",
               Path(html).resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium did not finish printing the PDF in {timeout:.0f} s")
    if not (Path(pdf).is_file() and Path(pdf).read_bytes()[:5] == b"%PDF-"):
        tail = [ln for ln in (proc.stderr or "").splitlines() if "dbus" not in ln][-3:]
        raise ReportError(f"Chromium could not print the PDF (exit {proc.returncode}): "
                          + " | ".join(tail))


def _pdf_object(data: bytes, number: int) -> bytes:
    m = re.search(rb"(?<![0-9])%d 0 obj\b(.*?)endobj" % number, data, re.S)
    return m.group(1) if m else b""


def pdf_pages(data: bytes) -> list[int]:
    """Object numbers of the pages of a PDF (as Chromium writes it: no object streams), in
    page order."""
    root = re.search(rb"/Root\s+(\d+) 0 R", data)
    catalog = _pdf_object(data, int(root.group(1))) if root else b""
    top = re.search(rb"/Pages\s+(\d+) 0 R", catalog)
    pages, todo = [], [int(top.group(1))] if top else []
    while todo:  # depth first, in the order of /Kids
        number = todo.pop(0)
        node = _pdf_object(data, number)
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", node)
        if kids and re.search(rb"/Type\s*/Pages\b", node):
            todo[:0] = [int(k) for k in re.findall(rb"(\d+) 0 R", kids.group(1))]
        else:
            pages.append(number)
    return pages


def pdf_anchor_pages(data: bytes) -> dict[str, int]:
    """The page (1-based) of every named destination of a PDF (Chromium writes one for each
    element a link points to): ``{anchor id: page}``; ``{}`` when there are none."""
    import urllib.parse

    root = re.search(rb"/Root\s+(\d+) 0 R", data)
    catalog = _pdf_object(data, int(root.group(1))) if root else b""
    dests = re.search(rb"/Dests\s+(\d+) 0 R", catalog)
    if dests is None:
        return {}
    index = {page: i + 1 for i, page in enumerate(pdf_pages(data))}
    out = {}
    for name, page in re.findall(rb"/([^\s/\[\]<>()]+)\s*\[\s*(\d+) 0 R",
                                 _pdf_object(data, int(dests.group(1)))):
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m.group(1).decode()), name)
        if int(page) in index:  # Chromium writes non-ASCII ids percent-encoded
            out[urllib.parse.unquote(raw.decode("utf-8", "replace"))] = index[int(page)]
    return out


_TOC_ENTRY = re.compile(r'(<a class="toc-link" href="#([^"]+)">.*?<span class="toc-page">)'
                        r'(</span>)', re.S)


def render_pdf(html: Path, pdf: Path, timeout: float = 180) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (no network, a fresh profile).

    A table of contents (see :func:`contents_html`) gets its page numbers: the first print
    says on which page each heading fell, a second print shows them (the numbers take room
    kept for them, so no page moves).
    """
    chromium = find_chromium()
    if chromium is None:
        raise ReportError(f"a PDF needs Chromium, which was not found: {CHROMIUM_HINT}")
    _print(chromium, html, pdf, timeout)
    text = Path(html).read_text(encoding="utf-8")
    if not _TOC_ENTRY.search(text):
        return Path(pdf)
    import html as _html
    import urllib.parse

    pages = pdf_anchor_pages(Path(pdf).read_bytes())  # ids as written: Chinese percent-encoded
    numbered = _TOC_ENTRY.sub(lambda m: m.group(1) + str(pages.get(
        urllib.parse.unquote(_html.unescape(m.group(2))), "")) + m.group(3), text)
    if pages and numbered != text:  # beside the report: the same folder, the same base URL
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".html",
                                         dir=Path(html).parent, delete=False) as f:
            f.write(numbered)
        try:
            _print(chromium, Path(f.name), pdf, timeout)
        finally:
            os.unlink(f.name)
    return Path(pdf)


def build_report(params, out, pdf: bool = False, force: bool = False, template=None,
                 timeout: int = CELL_TIMEOUT, checked: bool = False,
                 inputs=()) -> ReportResult:
    """Build one report folder: ``report.html``, ``report.ipynb`` and optionally ``report.pdf``.

    Parameters
    ----------
    params : ReportParams or a dict of parameters.
    out : the report folder: new or empty; ``force`` replaces a report folder the kit wrote
        before (never any other folder, never one holding ``data_dir`` or the template).
    pdf : also print the report to PDF with headless Chromium.
    template : another template notebook (default: the kit's ``template.ipynb``).
    timeout : seconds any one cell may take.
    checked : the parameters were just validated by the caller (a client folder is not loaded
        twice); the output folder is checked again in any case.
    inputs : further files or folders the output may not overlap (a batch spec, the other
        entries' data).

    Returns
    -------
    ReportResult with the paths written and the timings.

    Raises
    ------
    ReportParameterError
        Before anything runs, listing every problem (nothing is written).
    ReportCellError, ReportError
        When the run fails (nothing is written).
    """
    from crm_training.fileio import atomic_output_dir

    if not isinstance(params, ReportParams):
        params = ReportParams.from_mapping(dict(params))
    template = Path(template) if template is not None else TEMPLATE
    inputs = [params.data_dir, template, *inputs]
    if checked:
        problems = ReportParams(company=params.company).problems(out=out, force=force,
                                                                 inputs=inputs)
    else:
        problems = params.problems(out=out, force=force, pdf=pdf, inputs=inputs)
    if not _is_file(template):
        problems.append(f"report template {template} not found")
    if problems:
        raise ReportParameterError(problems)
    out = Path(out)
    t0 = time.perf_counter()
    from crm_training.fileio import OutputError

    try:
        with atomic_output_dir(out, force=force, inputs=inputs, kind="report") as tmp:
            timings = execute_template(params, tmp / "report.ipynb", template, timeout)
            t1 = time.perf_counter()
            removed = export_html(tmp / "report.ipynb", tmp / "report.html", params.company,
                                  params.language, params.paper_size())
            timings["html"] = time.perf_counter() - t1
            if pdf:
                t2 = time.perf_counter()
                render_pdf(tmp / "report.html", tmp / "report.pdf")
                timings["pdf"] = time.perf_counter() - t2
    except OutputError as e:
        raise ReportError(str(e)) from None
    return ReportResult(html=out / "report.html", notebook=out / "report.ipynb",
                        pdf=out / "report.pdf" if pdf else None,
                        seconds=time.perf_counter() - t0, timings=timings,
                        warnings=tuple(removed))


# ---------------------------------------------------------------------------------------------
# batches

@dataclass
class BatchResult:
    """One entry of a batch: ``status`` is "ok", "invalid" (not run) or "failed"."""

    name: str
    out: Path | None
    status: str
    seconds: float = 0.0
    error: str = ""
    result: ReportResult | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


_ENTRY_EXTRA = ("out", "pdf")
_SPEC_PATHS = ("out", "data_dir")


def _spec_path(value, key: str, folder: Path) -> tuple[str, str | None]:
    """A path of a spec entry: relative ones are under the spec's folder and must stay there;
    absolute ones are taken as written. Returns ``(path, problem or None)``."""
    if not isinstance(value, str) or not value.strip():
        return value, f"{key} must be a folder name, not {value!r}"
    if "\x00" in value:
        return value, f"{key} {value!r} is not a valid path (it holds a NUL character)"
    p = Path(value).expanduser()  # "~/reports/x" in a spec means the home folder
    if p.is_absolute():
        return str(p), None
    full = Path(os.path.normpath(folder / p))
    base = Path(os.path.normpath(folder))
    if full != base and base not in full.parents:
        return value, (f"{key} {value!r} leaves the spec's folder; relative paths stay under "
                       f"{base} (write an absolute path to go elsewhere)")
    real, real_base = Path(os.path.realpath(full)), Path(os.path.realpath(base))
    if real != real_base and real_base not in real.parents:
        return value, f"{key} {value!r} leads out of the spec's folder through a symbolic link"
    return str(full), None


def read_batch_spec(spec_path) -> list[dict]:
    """The entries of a batch spec, each a dict of parameters plus ``out`` and ``pdf``.

    The spec is YAML: optional ``defaults:`` shared by every entry, and ``reports:``, a list of
    entries. ``out`` and ``data_dir`` are relative to the spec's folder and must stay under it
    (an absolute path, or one starting with ``~``, may go elsewhere). A spec cannot choose the
    template notebook (running a
    notebook runs its code): ``crm-training report --batch spec.yml --template T`` names it on
    the command line. Problems of an entry are kept in its ``_problem`` list::

        defaults: {industry: bank, n_customers: 5000}
        reports:
          - {company: Acme Bank, out: acme}
          - {company: 华夏银行, language: zh, out: huaxia, pdf: true}
    """
    import yaml

    spec_path = Path(spec_path)
    if not _is_file(spec_path):
        raise ReportParameterError([f"batch spec {spec_path} not found"])
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ReportParameterError([f"batch spec {spec_path} is not valid YAML: {first}"]
                                   ) from None
    except OSError as e:
        raise ReportParameterError([f"batch spec {spec_path} cannot be read: {e.strerror}"]
                                   ) from None
    problems = []
    if not isinstance(spec, dict):
        raise ReportParameterError([f"batch spec {spec_path} must be a mapping with "
                                    "'defaults:' and 'reports:'"])
    for key in spec:
        if key not in ("defaults", "reports"):
            close = difflib.get_close_matches(str(key), ["defaults", "reports"], n=1)
            problems.append(f"unknown key {key!r} in the batch spec"
                            + (f" (did you mean {close[0]!r}?)" if close else ""))
    defaults = spec.get("defaults") or {}
    reports = spec.get("reports")
    if not isinstance(defaults, dict):
        problems.append("'defaults:' must be a mapping of parameter: value")
    if not isinstance(reports, list) or not reports:
        problems.append("'reports:' must be a non-empty list of reports")
    if problems:
        raise ReportParameterError(problems)
    entries = []
    for i, item in enumerate(reports, 1):
        entry = dict(defaults)
        found = []
        if isinstance(item, dict):
            entry.update(item)
        else:
            found.append(f"entry {i} must be a mapping of parameter: value, not {item!r}")
        entry = {str(k): v for k, v in entry.items()}
        if "template" in entry:
            entry.pop("template")
            found.append("a batch spec may not choose the template notebook (running it would "
                         "run its code): name it on the command line with --template")
        for key in _SPEC_PATHS:
            if key in entry and not (key == "data_dir" and entry[key] is None):
                entry[key], problem = _spec_path(entry[key], key, spec_path.parent)
                if problem:
                    found.append(problem)
        if found:
            entry["_problem"] = found
        entries.append(entry)
    return entries


def build_batch(spec_path, force: bool = False, progress: bool = True,
                template=None) -> list[BatchResult]:
    """Build every report of a YAML spec (see :func:`read_batch_spec`).

    Every entry is validated first: invalid ones are reported and skipped, the others are
    built; a report that fails is reported and the rest still finish. ``template`` (from the
    command line, never from the spec) replaces the kit's template for every entry. No output
    folder may overlap the spec, the template or any entry's data.

    Returns
    -------
    list of BatchResult, in the order of the spec (see :func:`batch_summary`).
    """
    from tqdm.auto import tqdm

    entries = read_batch_spec(spec_path)
    template = Path(template) if template is not None else None
    every_input = [Path(spec_path)] + [Path(e["data_dir"]) for e in entries
                                       if isinstance(e.get("data_dir"), str)
                                       and "\x00" not in e["data_dir"]]
    if template is not None:
        every_input.append(template)
    results, todo, seen = [], [], {}
    for i, entry in enumerate(entries, 1):
        name = str(entry.get("company") or f"entry {i}")
        out = entry.get("out")
        problems = list(entry.pop("_problem", []))
        pdf = entry.get("pdf", False)
        if out is None:
            problems.append("'out' (the report folder) is missing")
        elif isinstance(out, str) and "\x00" not in out:
            key = Path(os.path.realpath(out))
            nested = next((j for k, j in seen.items() if k == key or k in key.parents
                           or key in k.parents), None)
            if nested is not None:  # one report folder inside another could never be replaced
                problems.append(f"out {out} is also the folder of entry {nested}, or holds it "
                                "or sits inside it")
            else:
                seen[key] = i
        if not isinstance(pdf, bool):
            problems.append(f"pdf must be true or false, not {pdf!r}")
        if template is not None and not _is_file(template):
            problems.append(f"template {template} not found")
        params = ReportParams.from_mapping({k: v for k, v in entry.items()
                                            if k not in _ENTRY_EXTRA})
        if isinstance(out, str) and "\x00" not in out:
            problems += params.problems(out=out, force=force, pdf=pdf is True,
                                        inputs=every_input)
        else:
            problems += params.problems(pdf=pdf is True)
        ok_out = isinstance(out, str) and not problems
        result = BatchResult(name, Path(out) if ok_out else (Path(out) if isinstance(out, str)
                                                             else None),
                             "invalid" if problems else "ok", error="; ".join(problems))
        results.append(result)
        if not problems:
            todo.append((result, params, pdf))
    bar = tqdm(todo, desc="reports", unit="report", disable=not progress, file=sys.stderr)
    for result, params, pdf in bar:
        bar.set_postfix_str(result.name[:30])
        t0 = time.perf_counter()
        try:
            result.result = build_report(params, result.out, pdf=pdf, force=force,
                                         template=template, checked=True, inputs=every_input)
        except ReportError as e:
            result.status, result.error = "failed", str(e)
        except Exception as e:  # one broken report must not stop the batch
            result.status, result.error = "failed", f"{type(e).__name__}: {e}"
        result.seconds = time.perf_counter() - t0
    bar.close()
    return results


def _width(text: str) -> int:
    """Columns a string takes in a terminal (Chinese characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def batch_summary(results: list[BatchResult]) -> str:
    """A plain-text table of a batch: status, company, time and folder or error.

    Examples
    --------
    >>> print(batch_summary([BatchResult("Acme", Path("r/acme"), "ok", 12.5),
    ...                      BatchResult("Beta", None, "invalid", error="unknown industry")]))
    status   report  seconds  folder / problem
    ok       Acme       12.5  r/acme
    invalid  Beta          -  unknown industry
    1 of 2 reports built
    """
    rows = [("status", "report", "seconds", "folder / problem")]
    for r in results:
        rows.append((r.status, r.name, f"{r.seconds:.1f}" if r.status != "invalid" else "-",
                     str(r.out) if r.ok else " ".join(r.error.split())))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = [(_pad(a, widths[0]) + "  " + _pad(b, widths[1]) + "  "
              + " " * (widths[2] - _width(c)) + c + "  " + d).rstrip() for a, b, c, d in rows]
    built = sum(r.ok for r in results)
    lines.append(f"{built} of {len(results)} reports built")
    return "\n".join(lines)
