"""The report runner: parameters checked before anything runs, the template run with papermill,
HTML without code, the executed notebook kept, nothing written when a report fails, batches, PDF.

Small templates built here test the mechanics quickly; the kit's own template runs twice at a
small size (English, and Chinese printed to PDF). CI installs chromium and sets
CRM_REQUIRE_BROWSER=1: the PDF test must then run, never skip.
"""
import ast
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import crm_training
from crm_training.cli import main
from crm_training.report import runner
from crm_training.report.runner import (ReportCellError, ReportParameterError, ReportParams,
                                        batch_summary, build_batch, build_report, find_chromium)

REQUIRE_BROWSER = bool(os.environ.get("CRM_REQUIRE_BROWSER"))
CJK = re.compile(r"[\u4e00-\u9fff]")
SMALL = 600  # customers in the runs of the real template: enough for every chapter


def _template(path, *cells):
    """A template notebook with the runner's parameters cell, then ``cells`` (source strings;
    those starting with '#' are markdown)."""
    params = new_code_cell("\n".join(f"{k} = {v!r}" for k, v in
                                     ReportParams().to_papermill().items()))
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params] + [
        new_markdown_cell(c) if c.startswith("#") else new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    d = tmp_path_factory.mktemp("templates")
    tiny = _template(
        d / "tiny.ipynb",
        "import warnings\nimport matplotlib.pyplot as plt\n"
        "from crm_training.fonts import configure_matplotlib\nconfigure_matplotlib(language)",
        "# Summary for the client",
        "print(f'{company}: {n_customers} customers, seed {seed}, horizon {horizon}')\n"
        "warnings.warn('a warning the client must not see')",
        "fig, ax = plt.subplots(figsize=(3, 2)); ax.bar(['a', 'b'], [2, 1])\n"
        "ax.set_title('Chart title'); plt.show()")
    tiny = _template(  # the same, failing for a company called Gamma ...
        d / "tiny_or_fail.ipynb", "if company.startswith('Gamma'):\n"
        "    raise ValueError(f'no segment for {company}')",
        *[c.source for c in nbformat.read(tiny, as_version=4).cells[1:]])
    failing = _template(d / "failing.ipynb", "x = 1",
                        "values = {}\nraise ValueError(f'no segment for {company}')")
    return {"tiny": tiny, "failing": failing}


def _no_partials(folder: Path):
    return not [p for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


# ---------------------------------------------------------------------------------------------
# parameters

BAD = [
    ({"industy": "bank"}, "unknown parameter 'industy' (did you mean 'industry'?)"),
    ({"customers": 500}, "unknown parameter 'customers' (did you mean 'n_customers'?)"),
    ({"colour": "red"}, "unknown parameter 'colour' (parameters: company, industry"),
    ({"industry": "banking"}, "unknown industry 'banking' (choose from retail, bank"),
    ({"language": "fr"}, "language must be 'en' or 'zh', not 'fr'"),
    ({"n_customers": 10}, "n_customers must be between 200 and 2,000,000, not 10"),
    ({"n_customers": "many"}, "n_customers must be a whole number, not 'many'"),
    ({"horizon": 0}, "horizon must be between 1 and 60 months, not 0"),
    ({"horizon": 12.5}, "horizon must be a whole number, not 12.5"),
    ({"seed": "7"}, "seed must be a whole number >= 0, not '7'"),
    ({"seed": True}, "seed must be a whole number >= 0, not True"),
    ({"seed": -1}, "seed must be a whole number >= 0, not -1"),
    ({"company": "  "}, "company must be a non-empty name"),
    ({"data_dir": "/no/such/folder"}, "data_dir /no/such/folder does not exist"),
]


@pytest.mark.parametrize("mapping, message", BAD, ids=[next(iter(m)) for m, _ in BAD])
def test_each_bad_parameter_is_named(mapping, message):
    problems = ReportParams.from_mapping(mapping).problems()
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_defaults_are_valid_and_every_industry_accepted():
    for industry in crm_training.INDUSTRIES:
        assert ReportParams(industry=industry, language="zh").problems() == []


def test_client_folder_is_validated(tmp_path):
    bad = tmp_path / "client"
    bad.mkdir()
    (bad / "transactions.csv").write_text("order_id,customer_id,date,amount\n"
                                          "A1,C1,2024-01-05,abc\nA2,C2,2024-01-06,5\n")
    [problem] = ReportParams(data_dir=str(bad)).problems()
    assert problem.startswith(f"data_dir {bad} fails validation")
    assert "amounts that could not be read" in problem and "line 2" in problem
    empty = tmp_path / "empty"
    empty.mkdir()
    [problem] = ReportParams(data_dir=str(empty)).problems()
    assert problem.startswith(f"data_dir {empty} cannot be loaded") and "no client files" in problem


def test_every_problem_at_once_and_nothing_written(tmp_path, templates):
    out = tmp_path / "reports" / "acme"
    out.mkdir(parents=True)
    (out / "keep.txt").write_text("earlier work")
    with pytest.raises(ReportParameterError) as e:
        build_report({"company": "Acme", "industy": "bank", "language": "de", "seed": 1.5,
                      "horizon": 999, "data_dir": str(tmp_path / "missing")}, out,
                     template=templates["tiny"])
    text = "\n".join(e.value.problems)
    assert len(e.value.problems) == 6, text
    for part in ("'industy'", "'de'", "seed", "horizon", "does not exist", "is not empty"):
        assert part in text
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert _no_partials(out.parent)
    assert str(e.value).startswith("6 problems: ")


def test_missing_template_is_a_parameter_error(tmp_path):
    with pytest.raises(ReportParameterError, match="report template .*nope.ipynb not found"):
        build_report({}, tmp_path / "r", template=tmp_path / "nope.ipynb")
    assert not (tmp_path / "r").exists()


def test_pdf_needs_chromium_and_for_chinese_a_cjk_font(tmp_path, monkeypatch, templates):
    monkeypatch.setattr(runner, "find_chromium", lambda: None)
    monkeypatch.setattr(runner, "_cjk_font", lambda: None)
    with pytest.raises(ReportParameterError) as e:
        build_report({"language": "zh"}, tmp_path / "r", pdf=True, template=templates["tiny"])
    chromium, font = e.value.problems
    assert "apt-get install chromium" in chromium
    assert "apt-get install fonts-noto-cjk" in font
    assert not (tmp_path / "r").exists()
    # English needs no CJK font, and HTML alone needs neither tool
    assert ReportParams(language="en").problems(pdf=True) == [chromium]
    assert ReportParams(language="zh").problems() == []


def test_template_parameters_match_report_params():
    assert runner.TEMPLATE.is_file(), "the report template must ship with the package"
    nb = nbformat.read(runner.TEMPLATE, as_version=4)
    [cell] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values = {node.targets[0].id: ast.literal_eval(node.value)
              for node in ast.parse(cell.source).body}
    assert values == ReportParams().to_papermill()


def test_package_exports_resolve():
    import crm_training.report as report

    assert sorted(report.__all__) == sorted(report._WHERE)
    for name in report.__all__:
        assert getattr(report, name) is not None, name
    assert report.build_report is build_report


# ---------------------------------------------------------------------------------------------
# running (small templates)

def test_command_builds_html_without_code_and_keeps_the_notebook(tmp_path, templates,
                                                                 monkeypatch, capsys):
    monkeypatch.setattr(runner, "TEMPLATE", templates["tiny"])
    out = tmp_path / "reports" / "acme"
    code = main(["report", "--company", "Acme Stores", "--industry", "bank", "--customers",
                 "900", "--seed", "3", "--horizon", "24", "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert str(out / "report.html") in printed.out and str(out / "report.ipynb") in printed.out
    assert re.search(r"Report written in \d+\.\d s", printed.out)
    assert sorted(p.name for p in out.iterdir()) == [".crm-training.json", "report.html",
                                                     "report.ipynb"]
    assert _no_partials(out.parent)

    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<title>Acme Stores</title>" in html
    assert "Acme Stores: 900 customers, seed 3, horizon 24" in html  # parameters reached cells
    assert "<h1" in html and "Summary for the client" in html
    for code_line in ("configure_matplotlib(language)", "warnings.warn(", "plt.show()",
                      "n_customers = ", "# Parameters"):
        assert code_line not in html
    assert not re.search(r'class="[^"]*\b(hl-ipython3|jp-InputPrompt)\b', html)
    assert "<svg" in html and ">Chart title</text>" in html  # chart inline, text kept as text
    assert "must not see" not in html  # stderr stays in the notebook only
    assert not re.search(r'<script[^>]+src="https?://', html)  # opens (and prints) offline

    nb = nbformat.read(out / "report.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["company"] == "Acme Stores"
    streams = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("must not see" in s for s in streams)


def test_failing_cell_is_named_and_nothing_is_written(tmp_path, templates):
    out = tmp_path / "acme"
    with pytest.raises(ReportCellError) as e:
        build_report({"company": "Acme"}, out, template=templates["failing"])
    message = str(e.value)
    assert re.fullmatch(r"cell \d+, line 2 \(\"raise ValueError\(f'no segment for \{company\}'\)"
                        r"\"\) failed: ValueError: no segment for Acme", message), message
    assert not out.exists() and _no_partials(tmp_path)


def test_batch_builds_the_good_reports_and_reports_the_others(tmp_path, templates, capsys):
    spec = tmp_path / "spec" / "batch.yml"
    spec.parent.mkdir()
    spec.write_text("""
defaults:
  industry: bank
reports:
  - company: Acme Bank
    out: out/acme
  - company: Beta Bank
    industry: banking
    out: out/beta
  - company: Gamma Bank
    out: out/gamma
  - company: 华夏银行
    language: zh
    colour: red
""", encoding="utf-8")
    code = main(["report", "--batch", str(spec), "--template", str(templates["tiny"]),
                 "--quiet"])
    printed = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in printed.err + printed.out
    table = printed.out
    assert re.search(r"ok +Acme Bank +\d+\.\d +.*out/acme", table)
    assert re.search(r"invalid +Beta Bank +- +unknown industry 'banking'", table)
    assert re.search(r"failed +Gamma Bank +\d+\.\d +cell \d+, line 2 .*ValueError: no segment for Gamma",
                     table)
    assert re.search(r"invalid +华夏银行 +- +'out' .* missing; unknown parameter 'colour'", table)
    assert "1 of 4 reports built" in table
    built = spec.parent / "out"
    assert sorted(p.name for p in built.iterdir()) == ["acme"]  # relative to the spec's folder
    assert (built / "acme" / "report.html").is_file()


def test_batch_spec_errors(tmp_path):
    spec = tmp_path / "b.yml"
    with pytest.raises(ReportParameterError, match="not found"):
        build_batch(spec)
    spec.write_text("reports: [unclosed\n")
    with pytest.raises(ReportParameterError, match="not valid YAML"):
        build_batch(spec)
    spec.write_text("default: {industry: bank}\nreports: []\n")
    with pytest.raises(ReportParameterError) as e:
        build_batch(spec)
    assert e.value.problems == ["unknown key 'default' in the batch spec (did you mean "
                                "'defaults'?)", "'reports:' must be a non-empty list of reports"]
    spec.write_text("reports:\n  - {company: A, industry: nope, out: same}\n"
                    "  - {company: B, out: same}\n  - just a string\n")
    results = build_batch(spec, progress=False)  # every entry invalid: nothing runs
    assert [r.status for r in results] == ["invalid"] * 3
    assert "also the folder of entry 1" in results[1].error
    assert "must be a mapping" in results[2].error


def test_command_line_errors_exit_2_in_one_line(tmp_path, capsys):
    assert main(["report", "--industry", "banking", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-training report: unknown industry 'banking'")
    assert len(err.strip().splitlines()) == 1
    assert main(["report", "--language", "fr", "--customers", "5", "--out",
                 str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "language" in err and "n_customers" in err
    assert main(["report", "--company", "A"]) == 2
    assert "--out is required" in capsys.readouterr().err
    assert main(["report", "--batch", "x.yml", "--industry", "bank"]) == 2
    assert "drop --industry" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_batch_summary_aligns_chinese_names():
    rows = batch_summary([runner.BatchResult("华夏银行", Path("a"), "ok", 1.0),
                          runner.BatchResult("Acme", Path("b"), "ok", 2.0)]).splitlines()
    # both time columns end at the same terminal column (Chinese characters are two wide)
    assert runner._width(rows[1].split("1.0")[0]) == runner._width(rows[2].split("2.0")[0])


# ---------------------------------------------------------------------------------------------
# the kit's template, small size

def _real_template():
    assert runner.TEMPLATE.is_file(), "the report template must ship with the package"


def _headings(html):
    return [re.sub(r"<[^>]+>|¶", "", h).strip()
            for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)]


def test_real_report_in_english(tmp_path):
    _real_template()
    result = build_report({"company": "Northwind Bank", "industry": "bank",
                           "n_customers": SMALL, "seed": 3}, tmp_path / "en")
    html = result.html.read_text(encoding="utf-8")
    assert "<title>Northwind Bank</title>" in html and '<html lang="en">' in html
    assert not re.search(r'class="[^"]*\bhl-ipython3\b', html)
    assert "compute_findings(" not in html and "import crm_training" not in html
    heads = _headings(html)
    assert len(heads) >= 7, heads  # title + six chapters at least
    assert "Northwind Bank" in heads[0]
    assert not any(CJK.search(h) for h in heads)
    assert result.notebook.is_file() and result.notebook.parent == result.html.parent


def test_real_report_in_chinese_with_pdf(tmp_path):
    _real_template()
    pdf = find_chromium() is not None or REQUIRE_BROWSER
    result = build_report({"company": "华夏银行", "industry": "bank", "language": "zh",
                           "n_customers": SMALL, "seed": 3}, tmp_path / "zh", pdf=pdf)
    html = result.html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "<title>华夏银行</title>" in html
    heads = _headings(html)
    assert len(heads) >= 7 and all(CJK.search(h) for h in heads), heads
    assert "华夏银行" in heads[0]
    svg_text = re.findall(r"<text[^>]*>([^<]*)</text>", html)
    assert svg_text and any(CJK.search(t) for t in svg_text)  # chart labels in Chinese, as text
    assert not re.search(r'class="[^"]*\bhl-ipython3\b', html)
    if not pdf:
        pytest.skip("chromium not installed: PDF not checked (CI sets CRM_REQUIRE_BROWSER=1)")
    data = result.pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 1
    fonts = set(re.findall(rb"/FontName\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", data))
    assert any(b"CJK" in f or b"SourceHan" in f or b"WenQuanYi" in f for f in fonts), fonts


HOSTILE_COMPANY = '<script>alert("x")</script> [y](javascript:alert(2)) <svg onload=alert(3)>'


def test_real_report_escapes_what_the_client_wrote(tmp_path):
    """A company name and client ids written as HTML or Markdown links stay text."""
    _real_template()
    data = crm_training.generate("retail", SMALL, seed=3)
    top = data.transactions.groupby("customer_id")["amount"].sum().nlargest(20).index
    hostile = {cid: f"<img src=x onerror=alert({i})>" for i, cid in enumerate(top)}
    src = tmp_path / "client"
    src.mkdir()
    for name in ("customers", "transactions", "surveys", "tickets"):
        df = getattr(data, name).assign(
            customer_id=lambda d: d["customer_id"].replace(hostile))
        df.to_csv(src / f"{name}.csv", index=False)
    result = build_report({"company": HOSTILE_COMPANY, "data_dir": str(src)}, tmp_path / "r")
    html = result.html.read_text(encoding="utf-8")
    for active in (r"<img\b", r"<script>alert", r"<svg[^>]*\bonload", r'href="javascript:',
                   r"<[a-z]+\b[^>]*\son[a-z]+\s*="):
        assert not re.search(active, html), active
    # ... and are shown as the text they are (the top customers' table lists the ids)
    assert "&lt;img src=x onerror=alert(0)&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; [y](javascript:alert(2))" in html \
        or "&lt;script&gt;alert(\"x\")&lt;/script&gt; [y](javascript:alert(2))" in html
