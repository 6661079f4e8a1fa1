"""A report typeset as a deliverable: the paper (A4 for Chinese, Letter for English, --paper),
a cover, a table of contents linked to the headings and numbered in the PDF, page numbers,
whole-number ticks where counts are drawn, a Chinese report in Chinese to its appendix, and
no sentence or roadmap row said twice.

Two real reports are built once (English and Chinese, printed to PDF) and shared by the tests;
the --paper option runs through the command line on a one-cell template. CI installs chromium
and sets CRM_REQUIRE_BROWSER=1: the PDF tests must then run, never skip.
"""
import html
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.cli import main
from crm_training.report import text
from crm_training.report.findings import compute_findings
from crm_training.report.recommendations import recommend, roadmap_table
from crm_training.report.runner import (
    ReportParams,
    build_report,
    contents_html,
    find_chromium,
    pdf_anchor_pages,
    pdf_pages,
    print_css,
)

REQUIRE_BROWSER = bool(os.environ.get("CRM_REQUIRE_BROWSER"))
HAS_BROWSER = find_chromium() is not None
SMALL = 600  # customers: every section of the report stands
A4, LETTER = (595, 842), (612, 792)  # points
# words a Chinese report may show in Latin letters: acronyms, units, model and currency names
ALLOWED_LATIN = {"NPS", "CSAT", "RFM", "Erlang", "C", "CLV", "B2B", "P", "p", "ROI", "SLA", "h",
                 "s", "Gini", "DiD", "Q", "BG", "MBG", "NBD", "r", "a", "b", "CNY", "USD", "APP",
                 "App"}


def _need_browser():
    if not HAS_BROWSER:
        if REQUIRE_BROWSER:
            pytest.fail("chromium is required (CRM_REQUIRE_BROWSER=1) but was not found")
        pytest.skip("chromium not installed: PDF not checked (CI sets CRM_REQUIRE_BROWSER=1)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The English (bank) and the Chinese (retail) report, with PDFs when Chromium is here."""
    root = tmp_path_factory.mktemp("layout")
    return {
        "en": build_report({"company": "Acme Bank", "industry": "bank", "n_customers": SMALL,
                            "seed": 3}, root / "en", pdf=HAS_BROWSER),
        "zh": build_report({"company": "华联超市", "industry": "retail", "language": "zh",
                            "n_customers": SMALL, "seed": 3}, root / "zh", pdf=HAS_BROWSER),
    }


def _page_size(pdf: Path) -> tuple[int, int]:
    """Width and height (points) of the first page's MediaBox; every page has the same."""
    data = pdf.read_bytes()
    boxes = {tuple(round(float(v)) for v in m.groups()[2:]) for m in re.finditer(
        rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", data)}
    assert len(boxes) == 1, boxes
    return boxes.pop()


def _visible_text(page: str) -> str:
    """The words a reader sees: no head, style, script, SVG metadata or comment, and none of
    what the client wrote or the checker's English messages (marked translate="no")."""
    body = page[page.index("<body"):]
    body = re.sub(r"<(script|style|metadata)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    body = re.sub(r'<(\w+)[^>]*\btranslate="no"[^>]*>.*?</\1>', " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _latin_words(page: str) -> set:
    return set(re.findall(r"[A-Za-z]+", _visible_text(page))) - ALLOWED_LATIN


# ----------------------------------------------------------------------------- the paper
def test_paper_follows_the_language_unless_given():
    assert ReportParams(language="en").paper_size() == "letter"
    assert ReportParams(language="zh").paper_size() == "a4"
    assert ReportParams(language="zh", paper="letter").paper_size() == "letter"
    assert ReportParams(paper="a5").problems() == ["paper must be 'a4' or 'letter', not 'a5'"]
    assert "size: A4;" in print_css("a4") and "size: letter;" in print_css("letter")


def test_pdf_is_letter_in_english_and_a4_in_chinese(reports):
    _need_browser()
    assert _page_size(reports["en"].pdf) == LETTER
    assert _page_size(reports["zh"].pdf) == A4


def _tiny_template(path: Path) -> Path:
    params = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in
                                                 ReportParams().to_papermill().items()))
    params.metadata["tags"] = ["parameters"]
    cover = nbformat.v4.new_code_cell("from IPython.display import Markdown, display\n"
                                      "display(Markdown('# ' + company))")
    cover.metadata["tags"] = ["report-cover"]
    body = nbformat.v4.new_code_cell("display(Markdown('## Section\\n\\nWords.'))")
    nb = nbformat.v4.new_notebook(cells=[params, cover, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_paper_option_of_the_command(tmp_path, capsys):
    template = _tiny_template(tmp_path / "tiny.ipynb")
    code = main(["report", "--company", "Acme", "--paper", "a5", "--out", str(tmp_path / "x"),
                 "--template", str(template), "--quiet"])
    assert code == 2 and "paper must be 'a4' or 'letter', not 'a5'" in capsys.readouterr().err
    out = tmp_path / "a4"
    args = ["report", "--company", "Acme", "--paper", "a4", "--out", str(out), "--template",
            str(template), "--quiet"] + (["--pdf"] if HAS_BROWSER else [])
    assert main(args) == 0, capsys.readouterr().err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "size: A4;" in page and "size: letter;" not in page  # English, but A4 as asked
    _need_browser()
    assert _page_size(out / "report.pdf") == A4


# ----------------------------------------------------------------------------- cover, contents
def test_cover_contents_and_page_numbers_in_the_html(reports):
    for language, result in reports.items():
        page = result.html.read_text(encoding="utf-8")
        cover = re.search(r'<div class="jp-Cell [^"]*\bcelltag_report-cover\b', page).start()
        toc = page.index('<nav class="report-toc">')
        summary = page.index(f'id="{_anchor(page, text.t("h_summary", language))}"')
        assert cover < toc < summary  # cover, then contents, then the report
        cover_text = _visible_text("<body>" + page[cover:toc])
        company = "Acme Bank" if language == "en" else "华联超市"
        assert company in cover_text
        assert text.t("title", language, company=company) in cover_text
        assert re.search(r"2023-01-01.{1,8}2025-12-31", cover_text), cover_text  # the data
        assert re.search(r"\d{4}-\d\d-\d\d", cover_text.split("2025-12-31")[-1])  # built on
        links = re.findall(r'<a class="toc-link" href="#([^"]+)"', page)
        h2 = re.findall(r'<h2 id="([^"]+)"', page)
        assert links[0] == h2[0] and set(h2) <= set(links)  # every chapter, in order
        assert links == [a for a in re.findall(r'<h[23] id="([^"]+)"', page) if a in links]
        assert text.t("h_contents", language) in page
        assert "counter(page)" in page and "counter(pages)" in page  # the footer's numbers
        assert "@page :first" in page  # ... not on the cover


def _anchor(page: str, heading: str) -> str:
    m = re.search(r'<h2 id="([^"]+)">' + re.escape(heading), page)
    assert m, heading
    return m.group(1)


def test_pdf_contents_point_at_the_pages_of_their_headings(reports):
    _need_browser()
    import urllib.parse

    for result in reports.values():
        data = result.pdf.read_bytes()
        n = len(pdf_pages(data))
        pages = pdf_anchor_pages(data)
        links = [urllib.parse.unquote(a) for a in re.findall(
            r'<a class="toc-link" href="#([^"]+)"', result.html.read_text(encoding="utf-8"))]
        shown = [pages[a] for a in links]  # each heading of the contents has its page
        assert shown == sorted(shown) and shown[0] == 2 and shown[-1] <= n  # after the cover
        assert 6 <= n <= 16, n


def test_contents_lists_linked_headings_and_escapes_them():
    toc = contents_html('<h2 id="a">1. A &amp; B<a class="anchor-link" href="#a">¶</a></h2>'
                        '<h3 id="b">Sub</h3><h4 id="c">Caption</h4>', "Contents")
    assert re.findall(r'href="#(\w)"', toc) == ["a", "b"]  # captions (h4) are not listed
    assert "1. A &amp; B" in toc and "¶" not in toc
    assert contents_html("<p>no heading</p>", "Contents") == ""


def test_footer_text_cannot_break_out_of_the_css():
    css = print_css("a4", 'Acme "</style><script>x</script>')
    assert "</style><script>" not in css and css.count("</style>") == 1


# ----------------------------------------------------------------------------- the Chinese report
def test_chinese_report_has_no_english_words(reports):
    page = reports["zh"].html.read_text(encoding="utf-8")
    assert not _latin_words(page), sorted(_latin_words(page))
    assert text.t("h_contents", "zh") in page and "Contents" not in _visible_text(page)


def _client_folder(root: Path) -> Path:
    rng = np.random.default_rng(1)
    n = 400
    folder = root / "export"
    folder.mkdir()
    pd.DataFrame({"Customer ID": rng.integers(1, 120, n),
                  "Order Date": pd.Timestamp("2024-01-01")
                  + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
                  "Sales": rng.gamma(2, 30, n).round(2)}).to_csv(folder / "orders.csv",
                                                                index=False)
    return folder


def test_chinese_appendix_is_chinese_with_the_mapping_checks_and_cleaning(tmp_path):
    from crm_training.clients import load_client

    export = _client_folder(tmp_path)
    checked = tmp_path / "checked"
    assert main(["validate", str(export), "--out", str(checked), "--quiet"]) == 0
    for folder in (export, checked):  # the export as it is, and the folder validate wrote
        loaded = load_client(folder, progress=False)
        zh = text.data_quality_html(loaded, "zh")
        page = f"<body>{zh}</body>"
        for key in ("dq_sources", "dq_rows", "dq_mapping", "dq_problem", "dq_reason"):
            assert text.t(key, "zh") in zh, key
        assert "数据校验：" in zh and "清洗记录：共" in zh
        # the column mapping of the client's own file, even from the checked folder
        assert '<span translate="no">orders.csv</span>' in zh
        assert '<span translate="no">Customer ID</span> → 客户编号' in zh
        assert "None." not in zh and "Validation:" not in zh
        assert not _latin_words(page), sorted(_latin_words(page))
        en = text.data_quality_html(loaded)  # English stays the default
        assert "Validation: 0 errors" in en and "Customer ID</span> → customer_id" in en
        assert "Cleaning log: " in en


# ----------------------------------------------------------------------------- charts
def test_counts_are_drawn_on_whole_ticks():
    import matplotlib.pyplot as plt

    from crm_training.evaluation.plotting import plot_cash_flows
    from crm_training.evaluation.roi import initiative_cash_flows
    from crm_training.segmentation.plotting import plot_class_shares
    from crm_training.service.erlang import staffing_table
    from crm_training.service.plotting import plot_staffing

    import matplotlib

    for language in ("en", "zh"):  # as the report draws them, in either language
        with matplotlib.rc_context():
            quiet = staffing_table(2 / 3600, 360, 20).head(3)  # a quiet desk: 1-3 agents
            fig = plot_staffing(quiet, language=language)
            agents = fig.axes[0].get_xticks()
            lo, hi = fig.axes[0].get_xlim()
            shown = [x for x in agents if lo <= x <= hi]
            assert len(shown) >= 2 and all(float(x).is_integer() for x in agents), agents
            fig = plot_cash_flows(initiative_cash_flows(1000, 600, 100, horizon_years=3),
                                  currency="CNY", language=language)
            assert [float(x) for x in fig.axes[0].get_xticks()] == [0.0, 1.0, 2.0, 3.0]
            ax = plot_class_shares(pd.Series(["high", "medium", "medium", "potential"]),
                                   language=language)
            assert all(float(y).is_integer() for y in ax.get_yticks())
        plt.close("all")
    assert fig.axes[0].get_xlabel() == "年" and ax.get_ylabel() == "客户数"


# ----------------------------------------------------------------------------- said once
@pytest.fixture(scope="module")
def findings():
    return compute_findings(crm_training.generate("retail", SMALL, seed=3), horizon_months=36,
                            seed=3)


def _sentences(lines):
    return [s.strip() for line in lines for s in re.split(r"(?<=[.。])\s+|(?<=。)", line)
            if s.strip()]


def test_executive_summary_says_each_thing_once(findings):
    for language in ("en", "zh"):
        summary = text.executive_summary(findings, recommend(findings, language), language)
        sentences = _sentences(summary)
        assert len(sentences) == len(set(sentences)), sentences
        # the top 20% (the high-value tier) and their share of value: in the first bullet only
        top20 = text.fmt_pct(findings.concentration["top20_share"])
        high = text.fmt_pct(findings.segments["high_tier_value_share"])
        assert top20 in summary[0] and high not in summary[1], summary[:2]


def test_roadmap_has_one_row_per_quarter_and_no_row_twice():
    recs = pd.DataFrame({"action": ["win_back", "first_contact_resolution",
                                    "fix_detractor_journeys", "unify_channels"],
                         "npv": [5.0, 4.0, 3.0, -1.0], "payback_years": [0.5, 2.0, 2.5, np.nan],
                         "investment": [1.0, 2.0, 3.0, 4.0]})
    for language in ("en", "zh"):
        table = roadmap_table(recs, language)
        assert table["quarter"].is_unique, table
        assert not table.duplicated(["phase", "actions"]).any(), table
        assert len(table) == 3  # Q1 quick win, Q2 pilot and review, Q3-Q4 rollout
        assert table["quarter"].iloc[-1] == ("Q3–Q4" if language == "en" else "第3–4季度")
    en = roadmap_table(recs, "en")
    q2 = en.iloc[1]
    assert "Pilot against a control group" in q2["phase"] and "Review" in q2["phase"]
    assert "Unify channel standards" in q2["actions"] and "Fix detractor journeys" in q2["actions"]
