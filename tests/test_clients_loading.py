"""load_client on a corpus of realistic bad exports, each with its intended outcome and message."""
import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from crm_training.clients import ClientDataError, load_client

TODAY = "2025-06-30"
HEAD_EN = "Order ID,Customer ID,Order Date,Net Amount\n"


def _excel(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


# name: (file name, bytes or a writer, ok, codes that must be reported, text the report must show)
CORPUS = {
    "gbk_chinese_headers": (
        "订单.csv", ("订单编号,客户编号,下单时间,实付金额\nA1,C1,2024/1/5 13:05,\"￥1,234.50\"\n"
                     "A2,C2,2024-01-06,88\n").encode("gbk"), True, [], ""),
    "utf8_bom": (
        "orders.csv", ("\ufeff" + HEAD_EN + "A1,C1,2024-01-05,10\n").encode("utf-8"), True, [], ""),
    "semicolon_decimal_comma": (
        "orders.csv", "Order ID;Customer ID;Order Date;Net Amount\nA1;C1;05.01.2024;1.234,50\n"
                      "A2;C1;06.01.2024;7,5\n".encode(), True, [], ""),
    "tab_separated": (
        "orders.tsv", "Order ID\tCustomer ID\tOrder Date\tNet Amount\nA1\tC1\t2024-01-05\t3\n"
                      .encode(), True, [], ""),
    "mixed_dates": (
        "orders.csv", (HEAD_EN + "A1,C1,2024/1/5 13:05,1\nA2,C1,2024年1月6日,2\n"
                       "A3,C1,07.01.2024,3\nA4,C1,2024-01-08,4\n").encode(), True, [], ""),
    "ambiguous_slashes": (
        "orders.csv", (HEAD_EN + "A1,C1,05/01/2024,1\nA2,C1,06/02/2024,2\n").encode(), True,
        ["ambiguous_dates"], "could be day-first or month-first"),
    "currency_strings": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,\"1,234.50元\"\nA2,C1,2024-01-06,¥ 99\n"
                       "A3,C1,2024-01-07,(5.00)\n").encode(), True, [], ""),
    "duplicates": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA1,C1,2024-01-05,10\n"
                       "A1,C2,2024-01-06,11\n").encode(), True,
        ["duplicate_row", "duplicate_id"], "repeat an earlier row exactly"),
    "blank_ids": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA2,,2024-01-06,11\nA3,  ,2024-01-07,12\n"
                       ",C1,2024-01-08,13\n").encode(), False,
        ["blank_customer_id", "blank_id"], "blank customer ids"),
    "future_dates": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA2,C1,2031-01-01,11\n").encode(), True,
        ["future_date"], "timestamp after 2025-06-30"),
    "bad_dates": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA2,C1,2024-13-45,11\nA3,C1,someday,12\n")
        .encode(), False, ["bad_required_value"], "dates that could not be read"),
    "bad_amounts": (
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,ten\nA2,C1,2024-01-06,11\n").encode(), False,
        ["bad_required_value"], "amount='ten'"),
    "negative_not_return": (
        "orders.csv", ("Order ID,Customer ID,Order Date,Net Amount,是否退货\n"
                       "A1,C1,2024-01-05,10,否\nA2,C1,2024-01-06,-10,否\n").encode(), True,
        ["negative_not_return"], "negative amounts not flagged as returns"),
    "header_only": ("orders.csv", HEAD_EN.encode(), False, ["empty_file"],
                    "header but no data rows"),
    "zero_bytes": ("orders.csv", b"", False, ["empty_file"], "empty (0 bytes)"),
    "random_bytes": ("garbage.csv", np.random.default_rng(0).bytes(5000), False,
                     ["unreadable_file"],
                     "garbage.csv is not a text table: it could not be decoded as UTF-8 or GBK"),
    # Windows-1252 (é before a comma) is neither UTF-8 nor GBK: read as Western European text
    "wrong_encoding_cp1252": (
        "orders.csv", (HEAD_EN + "A1,Café Müller,2024-01-05,10\n").encode("cp1252"), True,
        [], "csv, cp1252"),
    "missing_amount": (
        "orders.csv", "Order ID,Customer ID,Order Date,Remarks\nA1,C1,2024-01-05,x\n".encode(),
        False, ["missing_columns"],
        "required column(s) missing for transactions: amount; columns found: Order ID, "
        "Customer ID, Order Date, Remarks"),
    "ragged_lines": (  # 1 line of 30 lost (3%): a warning
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA2,C1,2024-01-06,11,extra\n"
                       + "".join(f"B{i},C1,2024-01-07,12\n" for i in range(28))).encode(),
        True, ["malformed_lines"], "line 3"),
    "ragged_lines_many": (  # 1 line of 3 lost (33%): more than --max-bad-rows allows
        "orders.csv", (HEAD_EN + "A1,C1,2024-01-05,10\nA2,C1,2024-01-06,11,extra\n"
                       "A3,C1,2024-01-07,12\n").encode(), False,
        ["malformed_lines", "too_many_bad_rows"], "1 of the 3 records of orders.csv (33.3%)"),
    "excel_title_row": (
        "orders.xlsx", lambda p: _excel(p, [["2024年销售明细"], [], ["订单编号", "客户ID", "订单日期",
                                                               "金额"],
                                            ["A1", "C1", dt.datetime(2024, 1, 5, 13, 5), 1234.5],
                                            ["A2", 1002, "2024/1/6", "￥88"]]),
        True, [], ""),
    "old_excel": ("orders.xls", b"\xd0\xcf\x11\xe0junk", False, ["unreadable_file"],
                  "save it as .xlsx or CSV"),
}


def _write(tmp_path, name):
    fname, content, *_ = CORPUS[name]
    p = tmp_path / fname
    if callable(content):
        content(p)
    else:
        p.write_bytes(content)
    return p


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_corpus_outcome_and_message(tmp_path, case):
    path = _write(tmp_path, case)
    _, _, ok, codes, text = CORPUS[case]
    res = load_client(path, today=TODAY, progress=False)
    assert res.ok is ok, res.to_text()
    reported = res.report.codes()
    for code in codes:
        assert code in reported, res.to_text()
    if not codes:
        assert reported == [], res.to_text()
    assert text in res.to_text()
    if ok:
        assert len(res.data.transactions) > 0


def test_corpus_values(tmp_path):
    def tx(case):
        return load_client(_write(tmp_path, case), today=TODAY, progress=False).data.transactions

    t = tx("gbk_chinese_headers")
    assert t["amount"].tolist() == [1234.5, 88.0]
    assert t["timestamp"].astype(str).tolist() == ["2024-01-05 13:05:00", "2024-01-06 00:00:00"]
    assert tx("semicolon_decimal_comma")["amount"].tolist() == [1234.5, 7.5]
    assert tx("currency_strings")["amount"].tolist() == [1234.5, 99.0, -5.0]
    assert tx("mixed_dates")["timestamp"].dt.day.tolist() == [5, 6, 7, 8]
    t = tx("excel_title_row")
    assert t["customer_id"].tolist() == ["C1", "1002"] and t["amount"].tolist() == [1234.5, 88.0]
    assert tx("wrong_encoding_cp1252")["customer_id"].tolist() == ["Café Müller"]
    t = tx("negative_not_return")
    assert t["is_return"].tolist() == [False, True]
    assert t["original_transaction_id"].tolist()[1] == "A1"  # linked by customer and amount


def test_report_lists_all_problems_at_once_with_lines(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(HEAD_EN + "\n".join([
        "A1,C1,2024-01-05,10",       # line 2
        "A1,C1,2024-01-05,10",       # 3: duplicate row
        "A2,,2024-01-06,11",         # 4: blank customer
        "A3,C1,2024-13-45,12",       # 5: bad date
        "A4,C1,2024-01-07,abc",      # 6: bad amount
        "A5,C2,2030-01-01,5",        # 7: future
    ] + [f"B{i},C3,2024-02-{i:02d},x{i}" for i in range(1, 9)]) + "\n", encoding="utf-8")
    res = load_client(p, today=TODAY, progress=False)
    by_code = {}
    for i in res.report.issues:
        by_code.setdefault(i.code, []).append(i)
    assert [e["line"] for e in by_code["duplicate_row"][0].examples] == [3]
    assert [e["line"] for e in by_code["blank_customer_id"][0].examples] == [4]
    assert [e["line"] for e in by_code["future_date"][0].examples] == [7]
    bad = {i.column: i for i in by_code["bad_required_value"]}
    assert [e["line"] for e in bad["timestamp"].examples] == [5]
    assert bad["timestamp"].examples[0]["timestamp"] == "2024-13-45"
    # all 9 bad amounts counted, five shown
    assert bad["amount"].count == 9 and len(bad["amount"].examples) == 5
    assert [e["line"] for e in bad["amount"].examples] == [6, 8, 9, 10, 11]
    assert all(i.severity == "error" for i in by_code["bad_required_value"])
    assert by_code["future_date"][0].severity == "warning"
    # every dropped row is in the cleaning log, with its reason (the future purchase too)
    assert res.cleaning.dropped("transactions") == 1 + 1 + 1 + 9 + 1
    assert len(res.data.transactions) == 14 - 13
    assert res.data.transactions["timestamp"].max() < pd.Timestamp("2030-01-01")
    text = res.to_text()
    assert "ERROR" in text and "WARNING" in text and "NOT USABLE" in text


def test_folder_of_files_tables_guessed_and_orphans_added(tmp_path):
    (tmp_path / "客户资料.csv").write_text(
        "客户编号,姓名,手机号,性别,注册日期\nC1,张伟,13812345678,男,2023-05-01\n"
        "C2,李娜,13987654321,女,2023-06-01\nC2,李娜,13987654321,女,2023-06-01\n",
        encoding="utf-8")
    (tmp_path / "export_2024.csv").write_text(
        "订单号,会员ID,交易时间,支付金额,渠道\nA1,C1,2024-01-05,10,门店\nA2,C9,2024-01-06,20,线上\n",
        encoding="gb18030")
    (tmp_path / "service.csv").write_text(
        "工单编号,客户编号,创建时间,问题描述\nT1,C1,2024-02-01,please call 13812345678\n",
        encoding="utf-8")
    (tmp_path / "notes.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    res = load_client(tmp_path, today=TODAY, progress=False)
    tables = {s.file: s.table for s in res.sources}
    assert tables == {"客户资料.csv": "customers", "export_2024.csv": "transactions",
                      "service.csv": "tickets", "notes.csv": None}
    codes = res.report.codes()
    assert "unknown_table" in codes and "orphan_customer" in codes and "duplicate_row" in codes
    d = res.data
    assert sorted(d.customers["customer_id"]) == ["C1", "C2", "C9"]
    assert d.customers.set_index("customer_id").loc["C1", "gender"] == "male"
    assert d.transactions["channel"].tolist() == ["store", "website"]
    assert d.tickets["created_at"].iloc[0] == pd.Timestamp("2024-02-01")
    assert d.meta["source"] == "client"


def test_dict_source_and_explicit_mapping_wins(tmp_path):
    p = tmp_path / "x.csv"
    # "金额" would be guessed as the amount; the mapping says the paid column is "实收"
    p.write_text("单据,客户,日期,金额,实收\nA1,C1,2024-01-05,100,90\n", encoding="utf-8")
    res = load_client({"transactions": p}, mapping={"单据": "transaction_id", "客户": "customer_id",
                                                    "实收": "amount"}, progress=False)
    assert res.ok, res.to_text()
    assert res.data.transactions["amount"].tolist() == [90.0]
    assert res.sources[0].columns == {"单据": "transaction_id", "客户": "customer_id",
                                      "实收": "amount", "日期": "timestamp"}


def test_yaml_mapping_with_files_and_options(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "dump1.csv").write_text("No;Kunde;Datum;Betrag\nA1;C1;05/01/2024;1,5\n",
                                   encoding="utf-8")
    m = tmp_path / "map.yml"
    m.write_text("transactions:\n  No: transaction_id\n  Kunde: customer_id\n  Datum: timestamp\n"
                 "  Betrag: amount\nfiles:\n  dump1.csv: transactions\n"
                 "options:\n  dayfirst: false\n  decimal: ','\n", encoding="utf-8")
    res = load_client(src, mapping=m, progress=False)
    t = res.data.transactions
    assert t["timestamp"].iloc[0] == pd.Timestamp("2024-05-01") and t["amount"].iloc[0] == 1.5
    assert "ambiguous_dates" not in res.report.codes()


def test_mapping_errors_are_clear(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text(HEAD_EN + "A1,C1,2024-01-05,1\n")
    with pytest.raises(ClientDataError, match="'amout' is not a column of the data model"):
        load_client(p, mapping={"Net Amount": "amout"})
    bad = tmp_path / "m.yml"
    bad.write_text("a: [unclosed\n")
    with pytest.raises(ClientDataError, match="not valid YAML"):
        load_client(p, mapping=bad)
    res = load_client(p, mapping={"Betrag": "amount"}, progress=False)
    assert "mapping_column_not_found" in res.report.codes()
    with pytest.raises(ClientDataError, match="does not exist"):
        load_client(tmp_path / "nothing.csv")


def test_unusable_result_says_why(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_bytes(b"")
    res = load_client(p, progress=False)
    with pytest.raises(ClientDataError, match="no usable client data: the file is empty"):
        res.data


def test_parquet_export(tmp_path):
    p = tmp_path / "orders.parquet"
    pd.DataFrame({"order_id": ["a", "b"], "customer_id": [1, 2],
                  "order_date": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 10:00"]),
                  "net_amount": [1.5, -2.0]}).to_parquet(p)
    res = load_client(p, progress=False)
    t = res.data.transactions
    assert t["customer_id"].tolist() == ["1", "2"]
    assert t["is_return"].tolist() == [False, True]
    assert t["timestamp"].iloc[1] == pd.Timestamp("2024-01-02 10:00")


def test_values_with_line_breaks_and_quotes(tmp_path):
    p = tmp_path / "surveys.csv"
    p.write_text('问卷编号,客户编号,时间,净推荐值,评论\nS1,C1,2024-01-05,9,"很好,\n下次再来"\n'
                 'S2,C1,2024-01-06,11,"say ""hi"""\n', encoding="utf-8")
    res = load_client(p, progress=False, today=TODAY)
    s = res.data.surveys
    assert s["comment"].tolist() == ["很好,\n下次再来", 'say "hi"']
    assert "out_of_range" in res.report.codes()  # NPS 11 blanked, logged
    assert s["nps"].isna().tolist() == [False, True]


def test_encoding_sniffed_when_the_sample_cuts_a_character(tmp_path):
    from crm_training.clients.reading import SAMPLE_BYTES, sniff_encoding

    for enc in ("gbk", "utf-8"):
        sample = ("a" + "门店" * SAMPLE_BYTES).encode(enc)[:SAMPLE_BYTES]
        assert sniff_encoding(sample) == ("gb18030" if enc == "gbk" else "utf-8")
    # a whole file larger than the sample, in GBK
    p = tmp_path / "big.csv"
    rows = "".join(f"A{i},C{i % 97},2024-01-05,{i}.5,门店\n" for i in range(60_000))
    p.write_bytes(("订单编号,客户编号,下单时间,金额,渠道\n" + rows).encode("gbk"))
    assert p.stat().st_size > SAMPLE_BYTES
    res = load_client(p, progress=False)
    assert res.ok and len(res.data.transactions) == 60_000
    assert (res.data.transactions["channel"] == "store").all()


def test_flat_mapping_applies_to_the_files_that_have_the_column(tmp_path):
    (tmp_path / "customers.csv").write_text("会员卡号,姓名\nM1,张伟\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text("单据号,会员卡号,日期,金额\nA1,M1,2024-01-05,10\n",
                                         encoding="utf-8")
    res = load_client(tmp_path, mapping={"会员卡号": "customer_id", "单据号": "transaction_id"},
                      progress=False)
    assert res.ok, res.to_text()
    assert res.data.transactions["customer_id"].tolist() == ["M1"]
    assert res.data.customers["name"].tolist() == ["张伟"]
    res = load_client(tmp_path, mapping={"卡号": "customer_id"}, progress=False)
    assert "mapping_column_not_found" in res.report.codes()


def test_a_saved_kit_dataset_validates_without_losing_columns(tmp_path):
    """The kit's own CSV output is a client export too: every column maps to itself."""
    import crm_training
    from crm_training.clients import load_client

    crm_training.generate("telecom", 300, seed=3).save(tmp_path / "tel", format="csv")
    res = load_client(tmp_path / "tel", progress=False)
    assert res.ok
    original = crm_training.load(tmp_path / "tel")
    assert res.data.tickets["resolved"].tolist() == original.tickets["resolved"].tolist()
    assert not [i for i in res.report.issues if "resolved" in str(i)]


def test_missing_resolved_flag_is_derived_from_resolved_at(tmp_path):
    from crm_training.clients import load_client

    p = tmp_path / "tickets.csv"
    p.write_text("ticket_id,customer_id,created_at,resolved_at\n"
                 "K1,C1,2024-01-01 10:00,2024-01-02 09:00\nK2,C1,2024-01-03 10:00,\n",
                 encoding="utf-8")
    res = load_client(p, progress=False, table="tickets")
    assert res.data.tickets["resolved"].tolist() == [True, False]
    assert "derived from resolved_at" in res.to_text()
