"""The real CDNOW log, as a consultant receives it, from export to report and workshop.

The log ships inside the lifetimes wheel (see ``clv_data``); ``cdnow_export`` writes it the way
a client's system would: "Customer ID, Order Date, Qty, Sales" with US dates and "$" amounts,
or a GBK file with Chinese headers. No order ids, no customers file: the smallest export.
"""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import crm_training
from crm_training.cli import main
from crm_training.clients import load_client

from clv_data import cdnow_export, cdnow_log

SALT = "cdnow test salt, long enough"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee 2005


def _text(path) -> str:
    t = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


def _params(text: str) -> dict:
    m = re.search(r"r = ([\d.]+), α = ([\d.]+), a = ([\d.]+), b = ([\d.]+)", text)
    assert m, text[:2000]
    return dict(zip(("r", "alpha", "a", "b"), map(float, m.groups())))


@pytest.fixture(scope="module")
def sample_checked(tmp_path_factory):
    """The 2,357-customer cohort: exported, then validate --out --anonymise (CLI)."""
    tmp = tmp_path_factory.mktemp("cdnow")
    src = cdnow_export(tmp / "export", sample=True)
    out = tmp / "checked"
    code = main(["validate", str(src.parent), "--out", str(out), "--anonymise", "--salt", SALT,
                 "--quiet"])
    return src, out, code


def test_the_smallest_export_validates_with_ids_made_and_nothing_lost(sample_checked, capsys):
    src, out, code = sample_checked
    assert code == 0
    log = cdnow_log(sample=True)
    assert {p.name for p in out.iterdir()} == {"tables", "validation", ".crm-training.json"}
    data = crm_training.load(out)  # the folder as validate wrote it
    t = data.transactions
    assert len(t) == len(log) and t["amount"].sum() == pytest.approx(log["amount"].sum())
    assert data.customers["customer_id"].nunique() == 2357 == log["customer_id"].nunique()
    assert t["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert t["timestamp"].max() == pd.Timestamp("1998-06-30")  # month-first read right
    assert data.meta["currency"] == "USD"
    assert t["transaction_id"].is_unique and t["transaction_id"].str.match(r"T1\.\d+$").all()
    assert not t["customer_id"].isin(log["customer_id"]).any()  # pseudonymised
    cleaning = pd.read_csv(out / "validation" / "cleaning.csv")
    made = cleaning[cleaning["column"] == "transaction_id"]
    assert made["count"].tolist() == [len(log)] and "one made per row" in made["reason"].iloc[0]
    again = load_client(out, progress=False)  # what report --data and the workshop load
    assert again.ok and again.saved == out and len(again.data.transactions) == len(log)
    assert again.cleaning.steps[0].reason == made["reason"].iloc[0]


def test_report_on_the_checked_folder_prints_the_published_fit(sample_checked, tmp_path):
    _, out, _ = sample_checked
    rep = tmp_path / "report"
    assert main(["report", "--data", str(out), "--out", str(rep), "--margin", "0.3",
                 "--company", "CDNOW", "--quiet"]) == 0
    text = _text(rep / "report.html")
    fitted = _params(text)
    for k, v in PUBLISHED.items():  # first 39 weeks of the cohort, as in the paper
        assert fitted[k] == pytest.approx(v, rel=0.01), (k, fitted)
    assert "first 39 weeks" in text and "2,357 customers" in text
    assert "Amounts are in USD" in text and "margin of 30%" in text
    assert "not available: it needs the surveys table" in text
    assert "one made per row" in text  # the appendix says what the kit did to the data


def test_gbk_chinese_copy_validates_to_the_same_figures(tmp_path):
    src = cdnow_export(tmp_path / "导出", sample=True, language="zh")
    res = load_client(src.parent, progress=False)
    assert res.ok, res.to_text()
    assert res.sources[0].encoding in ("gbk", "gb18030")
    log = cdnow_log(sample=True)
    t = res.data.transactions
    assert len(t) == len(log) and t["amount"].sum() == pytest.approx(log["amount"].sum())
    assert res.data.meta["currency"] == "CNY"
    assert (t["quantity"].to_numpy() == log["quantity"].to_numpy()).all()
    assert res.data.customers["customer_id"].nunique() == 2357


def test_the_master_log_keeps_its_repeated_lines_and_says_so(tmp_path):
    src = cdnow_export(tmp_path / "export")
    res = load_client(src, progress=False)
    assert res.ok, res.to_text()
    log = cdnow_log()
    assert len(res.data.transactions) == len(log) == 69_659
    assert len(res.data.customers) == 23_570
    same = [i for i in res.report.issues if i.code == "identical_rows"]
    # 255 lines repeat another on every column: without order ids, kept and reported
    assert len(same) == 1 and same[0].count == int(log.duplicated().sum()) == 255


def test_workshop_opens_the_checked_folder(sample_checked):
    from types import SimpleNamespace

    from crm_training.workshop import Dashboard
    from crm_training.workshop.cli import DATA_ENV, check_arguments

    _, out, _ = sample_checked
    checked = check_arguments(SimpleNamespace(data=str(out), root=None, port=0,
                                              no_browser=True))
    assert not isinstance(checked, str), checked  # (was: "holds no client files")
    assert checked[1][DATA_ENV] == str(out.resolve())
    d = Dashboard(data_dir=out, root=str(out), seed=1)
    # the first tab: usable, with the warning about the 255 identical lines, shown in full
    assert "The client data are usable, with 1 warning:" in d.notes["data"].value
    assert "Validation: 0 errors, 1 warning" in d.validation.value
    assert "repeat an earlier row on every column" in d.validation.value
    assert len(d.work.data.customers) == 2357
    assert "6,919 transactions:" in d.status.value and "NOT clean" not in d.status.value


# ----------------------------------------------------------------------------- sources.json
SOURCE_KEYS = {"file", "table", "status", "format", "encoding", "delimiter", "sheet",
               "header_line", "rows_read", "rows_kept", "columns", "derived", "ignored", "codes"}
CDNOW_MAPPING = {"Customer ID": "customer_id", "Order Date": "timestamp", "Qty": "quantity",
                 "Sales": "amount"}


def test_the_checked_folder_records_how_its_files_were_read(sample_checked):
    import json

    src, out, _ = sample_checked
    record = json.loads((out / "validation" / "sources.json").read_text(encoding="utf-8"))
    assert record["version"] == 1 and record["anonymised"] is True
    [s] = record["sources"]
    assert set(s) == SOURCE_KEYS
    log = cdnow_log(sample=True)
    assert (s["file"], s["table"], s["status"], s["format"], s["delimiter"]) == \
        (src.name, "transactions", "ok", "csv", ",")
    assert s["encoding"] == "utf-8" and s["sheet"] is None and s["header_line"] == 1
    assert s["rows_read"] == s["rows_kept"] == len(log)
    assert {c["client"]: c["kit"] for c in s["columns"]} == CDNOW_MAPPING
    assert {c["how"] for c in s["columns"]} == {"name"}  # recognised names, no mapping file
    assert s["derived"] == ["transaction_id"] and s["ignored"] == [] and s["codes"] == {}
    loaded = load_client(out, progress=False)  # the record travels with the loaded folder
    assert loaded.data.meta["sources"] == record
    t = loaded.data.transactions
    assert len(t) == s["rows_kept"]
    for c in s["columns"] + [{"kit": k} for k in s["derived"]]:  # each field holds data
        assert t[c["kit"]].notna().all(), c
    assert t["amount"].sum() == pytest.approx(log["amount"].sum())
    assert "sources" not in json.loads((out / "tables" / "meta.json").read_text())


def test_sources_json_names_the_mapping_file_and_codes_and_leaks_nothing(tmp_path):
    import json

    src = tmp_path / "张伟_13812345678_订单.csv"  # a file name a redacted report hides
    src.write_text("Kunde,Order Date,Sales,Profit,Channel,Renee Booker\n"
                   + "".join(f"C{i % 5},2024-01-{i % 28 + 1:02d},{10 + i},{i},Kiosk 13912345678,x\n"
                             for i in range(40)), encoding="utf-8")
    mapping = tmp_path / "map.yml"
    mapping.write_text("Kunde: customer_id\ncodes:\n  channel: {Kiosk 13912345678: store}\n",
                       encoding="utf-8")
    for anonymise in (False, True):
        out = tmp_path / f"out_{anonymise}"
        argv = ["validate", str(src), "--mapping", str(mapping), "--out", str(out), "--quiet"]
        assert main(argv + (["--anonymise", "--salt", SALT] if anonymise else [])) == 0
        text = (out / "validation" / "sources.json").read_text(encoding="utf-8")
        [s] = json.loads(text)["sources"]
        cols = {c["kit"]: c for c in s["columns"]}
        assert cols["customer_id"]["how"] == "mapping" and cols["amount"]["how"] == "name"
        assert cols["cost"]["how"] == "content" and cols["cost"]["rule"].startswith("cost =")
        assert cols["cost"]["client"] == ("column 4" if anonymise else "Profit")
        assert s["derived"] == ["transaction_id"]
        assert s["rows_read"] == s["rows_kept"] == 40
        if not anonymise:
            assert s["file"] == src.name and cols["customer_id"]["client"] == "Kunde"
            assert s["ignored"] == ["Renee Booker"]
            assert s["codes"] == {"channel": {"Kiosk 13912345678": "store"}}
            from crm_training.report import text

            loaded = load_client(out, progress=False)  # the appendix says how it was decided
            en, zh = text.data_quality_html(loaded, "en"), text.data_quality_html(loaded, "zh")
            assert 'Kunde</span> → customer_id (mapping file)' in en
            assert 'Kunde</span> → 客户编号（映射文件）' in zh
            assert 'Profit</span> → cost (cost = amount - profit)' in en
            assert 'Kiosk 13912345678</span> → <span translate="no">store</span>' in zh
            continue
        html_text = (out / "validation" / "report.html").read_text(encoding="utf-8")
        assert s["file"] == "file 1.csv" and s["file"] in html_text  # as report.html names it
        assert cols["customer_id"]["client"] == "column 1" and s["ignored"] == ["column 6"]
        assert s["codes"] == {"channel": {"Kiosk [phone]": "store"}}
        for secret in ("张伟", "13812345678", "13912345678", "Renee Booker", "Kunde"):
            assert secret not in text, secret


def test_the_appendix_reads_the_mapping_from_sources_json(sample_checked, tmp_path):
    import shutil

    from crm_training.report import text

    _, checked, _ = sample_checked
    out = tmp_path / "checked"
    shutil.copytree(checked, out)
    page = out / "validation" / "report.html"  # not where the appendix reads it any more
    page.write_text(re.sub(r"<h2>Sources</h2>\s*<pre>.*?</pre>", "", page.read_text(
        encoding="utf-8"), flags=re.S), encoding="utf-8")
    loaded = load_client(out, progress=False)
    en, zh = text.data_quality_html(loaded, "en"), text.data_quality_html(loaded, "zh")
    for client, kit in CDNOW_MAPPING.items():
        assert f'<span translate="no">{client}</span> → {kit}' in en
        label = crm_training.schema.TABLES["transactions"][kit].label_zh
        assert f'<span translate="no">{client}</span> → {label}' in zh, (client, label)
    assert "transaction_id: derived" in en and "推导生成" in zh
    assert text.t("dq_saved", "en").replace("'", "&#x27;") in en
    assert "6,919" in en and "orders.csv" in en and "tables/" not in en
    # an older folder, without sources.json: its report.html is still parsed ...
    shutil.copy(checked / "validation" / "report.html", page)
    (out / "validation" / "sources.json").unlink()
    loaded = load_client(out, progress=False)
    assert "sources" not in loaded.data.meta
    for language, kit in (("en", "customer_id"), ("zh", "客户编号")):
        assert f'<span translate="no">Customer ID</span> → {kit}' in \
            text.data_quality_html(loaded, language)
    # ... and with neither, the appendix lists the tables and says the mapping is not recorded
    page.unlink()
    loaded = load_client(out, progress=False)
    en, zh = text.data_quality_html(loaded, "en"), text.data_quality_html(loaded, "zh")
    assert "does not record how the client" in en and "未记录客户文件的读取方式" in zh
    assert "tables/transactions.parquet" in en and "Customer ID" not in en
