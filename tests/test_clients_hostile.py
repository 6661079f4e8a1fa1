"""A hostile corpus of client files: nothing is lost, corrupted or read from outside the folder
without the report saying so. Every file is built here, small, in tmp_path; each case states its
intended outcome (severity, code, count, lines, message)."""
import datetime as dt
import decimal
import os
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crm_training.clients.reading as reading
from crm_training.clients import ClientDataError, load_client
from crm_training.clients.parsing import parse_amount, parse_datetime
from crm_training.clients.reading import list_client_files, read_raw

TODAY = "2025-06-30"
HEAD = "Order ID,Customer ID,Order Date,Net Amount"


def _load(path, **kw):
    return load_client(path, today=TODAY, progress=False, **kw)


def _issues(res, code):
    return [i for i in res.report.issues if i.code == code]


def _one(res, code):
    found = _issues(res, code)
    assert len(found) == 1, res.to_text()
    return found[0]


def _lines(issue):
    return [e["line"] for e in issue.examples]


def _csv(tmp_path, rows, name="orders.csv", head=HEAD, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes((head + "\n" + "\n".join(rows) + "\n").encode(encoding))
    return p


def _adds_up(res, records):
    """Rows kept + rows the cleaning log dropped == the data records of the (one) file."""
    kept = len(res.data.transactions) if res._data is not None else 0
    assert kept + res.cleaning.dropped("transactions") == records, res.to_text()


# ---------------------------------------------------------------------- decimal marks, currency
def test_decimal_mark_is_decided_per_cell(tmp_path):
    # was 95.0: one mark decided for the whole column
    res = _load(_csv(tmp_path, ["A1,C1,2024-01-05,9.5", 'A2,C1,2024-01-06,"1,5"',
                                "A3,C1,2024-01-07,12.25"]))
    assert res.data.transactions["amount"].tolist() == [9.5, 1.5, 12.25]
    issue = _one(res, "mixed_decimal_marks")
    assert issue.severity == "warning" and issue.count == 1 and _lines(issue) == [3]
    assert "2 with a decimal point (e.g. '9.5') and 1 with a decimal comma (e.g. '1,5')" \
        in issue.message
    assert res.ok


def test_an_ambiguous_amount_in_a_mixed_column_is_an_error_until_decided(tmp_path):
    p = _csv(tmp_path, ["A1,C1,2024-01-05,9.5", 'A2,C1,2024-01-06,"2,5"',
                        'A3,C1,2024-01-07,"1,234"', "A4,C1,2024-01-08,7.25"])
    res = _load(p)
    issue = _one(res, "ambiguous_decimal")
    assert issue.severity == "error" and issue.count == 1 and _lines(issue) == [4]
    assert "'1,234'" in issue.message and "decimal='" in issue.message
    assert not res.ok
    res = _load(p, decimal=".")  # the consultant decides: no error, the cell follows
    assert "ambiguous_decimal" not in res.report.codes() and res.ok
    assert res.data.transactions["amount"].tolist() == [9.5, 2.5, 1234.0, 7.25]


def test_a_set_decimal_mark_never_rewrites_a_cell_that_says_otherwise():
    p = parse_amount(pd.Series(["9.5", "1.234,50", "2,5"]), decimal=",")
    assert p.values.tolist() == [9.5, 1234.5, 2.5]  # was 95.0
    assert [f.code for f in p.findings] == ["mixed_decimal_marks"]
    assert p.findings[0].cells.tolist() == [True, False, False]


def test_mixed_currencies_are_reported_not_merged(tmp_path):
    # was 123456.0 for the euro amount
    res = _load(_csv(tmp_path, ['A1,C1,2024-01-05,"1 234,56 €"', 'A2,C1,2024-01-06,"¥1,234.50"',
                                'A3,C1,2024-01-07,"¥88"']))
    assert res.data.transactions["amount"].tolist() == [1234.56, 1234.5, 88.0]
    issue = _one(res, "mixed_currencies")
    assert issue.severity == "error" and issue.count == 1 and _lines(issue) == [2]
    assert "2 in CNY (e.g. '¥1,234.50'), 1 in EUR (e.g. '1 234,56 €')" in issue.message
    assert "not convert" in issue.message and not res.ok
    assert res.data.meta["currency"] == ""


def test_the_currency_is_recorded(tmp_path):
    res = _load(_csv(tmp_path, ['A1,C1,2024-01-05,"￥1,234.50"', "A2,C1,2024-01-06,88元"]))
    assert res.ok and res.data.meta["currency"] == "CNY"
    assert parse_amount(pd.Series(["€ 3,5", "4"])).notes == ["currency:EUR", "decimal comma"]


# ---------------------------------------------------------------------- quotes, lines
def test_an_unclosed_quote_names_its_line_and_loses_nothing_else(tmp_path):
    rows = [f"A{i},C{i % 7},2024-01-{i % 28 + 1:02d},{i}.5" for i in range(1, 503)]
    rows[2] = 'A3,C3,2024-01-04,"3.5'  # line 4: the quote never closes
    res = _load(_csv(tmp_path, rows))
    issue = _one(res, "unclosed_quote")
    # one line of 502 lost: a warning (under --max-bad-rows), named by its line
    assert issue.severity == "warning" and issue.count == 1 and _lines(issue) == [4]
    assert issue.message.startswith("line 4 opens a quoted value")
    # was: 500 of 502 rows swallowed into one value, with a one-row message
    t = res.data.transactions
    assert len(t) == 501 and "A3" not in set(t["transaction_id"])
    assert t["transaction_id"].iloc[-1] == "A502"
    assert res.ok
    _adds_up(res, 502)
    strict = load_client(_csv(tmp_path, rows), progress=False, max_bad_rows=0)
    assert not strict.ok and "too_many_bad_rows" in strict.report.codes()


def test_a_stray_quote_closed_lines_later_is_found_too(tmp_path):
    rows = [f"A{i},C1,2024-01-{i:02d},{i}" for i in range(1, 21)]
    rows[2] = 'A3,C1,"2024-01-03,3'  # line 4 opens ...
    rows[9] = 'A10,C1,2024-01-10,"10'  # ... line 11 closes, mid-value
    res = _load(_csv(tmp_path, rows))
    issue = _one(res, "unclosed_quote")
    assert _lines(issue) == [4]
    ids = res.data.transactions["transaction_id"].tolist()
    assert "A5" in ids and "A20" in ids and "A3" not in ids
    _adds_up(res, 20)


@pytest.mark.parametrize("end", ["\n", ""])
def test_a_quote_left_open_on_the_last_line(tmp_path, end):
    p = tmp_path / "orders.csv"
    p.write_text(HEAD + '\nA1,C1,2024-01-05,1\nA2,C1,2024-01-06,"2' + end)
    res = _load(p)
    issue = _one(res, "unclosed_quote")
    assert _lines(issue) == [3] and issue.count == 1
    assert res.data.transactions["transaction_id"].tolist() == ["A1"]  # not read as 2
    _adds_up(res, 2)


def test_a_legitimate_multi_line_value_is_not_an_unclosed_quote(tmp_path):
    p = tmp_path / "surveys.csv"
    p.write_text("问卷编号,客户编号,时间,净推荐值,评论\nS1,C1,2024-01-05,9,\"很好, 很快, 很便宜,\n"
                 "下次, 再来, 谢谢, 好\"\nS2,C1,2024-01-06,x,ok\n", encoding="utf-8")
    res = _load(p)
    assert "unclosed_quote" not in res.report.codes()
    assert _lines(_one(res, "bad_value")) == [4]  # the line of S2 in the file, not row 3


def test_reported_lines_are_file_lines(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_bytes(b"Sales 2024\r\n\r\nOrder ID,Customer ID,Order Date,Net Amount,Note\r\n"
                  b'A1,C1,2024-01-05,10,"a\r\nb\r\nc"\r\n'       # lines 4-6
                  b"A2,C1,2024-01-06,11,x,extra\r\n"             # 7: wrong field count
                  b"\r\n"                                        # 8: empty
                  b'A3,C1,2024-01-07,12,"multi\nline"\r\n'       # 9-10
                  b"   \r\n"                                     # 11: spaces only
                  b"A4,C1,2024-01-08,ten,z\r\n"                  # 12: bad amount
                  b"A5,C1,2024-01-09,13,z")                      # 13, no final line break
    res = _load(p)
    assert _lines(_one(res, "malformed_lines")) == [7]
    assert _lines(_one(res, "blank_rows")) == [8, 11]
    assert _lines(_one(res, "bad_required_value")) == [12]
    assert read_raw(p, progress=False).frame.index.tolist() == [4, 8, 9, 12, 13]
    _adds_up(res, 7)


@pytest.mark.parametrize("body, records", [
    (["A1,C1,2024-01-05,1", "", "A2,C1,2024-01-06,2", "   ", ",,,"], 5),
    (["A1,C1,2024-01-05,1,extra", "A2,C1", "A3,C1,2024-01-07,3"], 3),
    (['A1,C1,2024-01-05,"1', "A2,C1,2024-01-06,2", "A3,C1,2024-01-07,3"], 3),
    (["A1,C1,2024-01-05,1", "A1,C1,2024-01-05,1", "A2,,2024-01-06,2", "A3,C1,never,3",
      "A4,C1,2024-01-08,x", "A5,C1,9999-12-31,5"], 6),
    (['A1,C1,2024-01-05,"1\n2"', "A2,C1,2024-01-06,2"], 2),
])
def test_what_was_read_adds_up(tmp_path, body, records):
    res = _load(_csv(tmp_path, body))
    _adds_up(res, records)
    assert "records were read but" not in res.to_text()  # load_client's own check


def test_rows_of_a_file_that_is_not_used_are_logged_too(tmp_path):
    _csv(tmp_path, ["A1,C1,2024-01-05,10"], name="orders.csv")
    (tmp_path / "notes.csv").write_text("foo,bar\n1,2\n3,4\n\n")
    (tmp_path / "customers.csv").write_text("Name,Email\nAnn,a@x.cn\n")  # no customer id
    res = _load(tmp_path)
    gone = {s.file: s.count for s in res.cleaning.steps if s.reason.startswith("the file was")}
    assert gone == {"notes.csv": 3, "customers.csv": 1}


# ---------------------------------------------------------------------- encodings
def test_a_utf8_file_with_one_gbk_line_decodes_every_line_right(tmp_path):
    head = "订单编号,客户编号,下单时间,实付金额,姓名\n"
    p = tmp_path / "orders.csv"
    p.write_bytes((head + "A1,C1,2024-01-05,10,张伟\nA2,C2,2024-01-06,11,王芳\n").encode()
                  + "A3,C3,2024-01-07,12,李娜\n".encode("gbk")
                  + "A4,C4,2024-01-08,13,刘洋\n".encode())
    raw = read_raw(p, progress=False)
    assert raw.frame["姓名"].tolist() == ["张伟", "王芳", "李娜", "刘洋"]  # was 寮犱紵 ...
    assert raw.encoding == "utf-8 + gb18030"
    res = _load(p)
    issue = _one(res, "mixed_encoding")
    assert issue.severity == "warning" and issue.count == 1 and _lines(issue) == [4]
    assert "1 line in GB18030 (GBK)" in issue.message and res.ok


def test_a_gbk_line_beyond_the_sample_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 256)
    rows = [f"A{i},C1,2024-01-05,{i},张伟" for i in range(40)]
    p = tmp_path / "orders.csv"
    p.write_bytes(("Order ID,Customer ID,Order Date,Net Amount,Name\n" + "\n".join(rows[:30])
                   + "\n").encode() + (rows[30] + "\n").encode("gbk")
                  + ("\n".join(rows[31:]) + "\n").encode())
    raw = read_raw(p, progress=False)
    assert (raw.frame["Name"] == "张伟").all()
    assert raw.problems[0]["code"] == "mixed_encoding"
    assert list(raw.problems[0]["lines"]) == [32]


def test_a_gbk_file_with_one_utf8_line(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_bytes("订单编号,客户编号,下单时间,实付金额\nA1,张伟,2024-01-05,10\n".encode("gbk")
                  + "A2,王芳,2024-01-06,11\n".encode() + "A3,李娜,2024-01-07,12\n".encode("gbk"))
    res = _load(p)
    assert res.data.transactions["customer_id"].tolist() == ["张伟", "王芳", "李娜"]
    assert _lines(_one(res, "mixed_encoding")) == [3]
    assert res.sources[0].encoding == "gb18030 + utf-8"


@pytest.mark.parametrize("names", [["José Müller", "Zoë Ångström"], ["Müller", "Jürgen"]])
def test_latin1_names_decode_right_and_say_so(tmp_path, names):
    # "Müller" alone is valid GB18030 (as 黮ler): it must still be read as Western text
    p = _csv(tmp_path, [f"A{i},{n},2024-01-05,1" for i, n in enumerate(names)],
             encoding="cp1252")
    res = _load(p)
    assert res.data.transactions["customer_id"].tolist() == names
    assert res.sources[0].encoding == "cp1252" and res.report.codes() == []
    assert "csv, cp1252" in res.to_text()


def test_text_that_decodes_but_is_garbled_is_reported(tmp_path):
    # UTF-8 files holding text once decoded with the wrong encoding and saved again
    p = tmp_path / "customers.csv"
    p.write_text("Customer ID,Name\nC1,张伟\nC2,寮犱紵\nC3,JosÃ© MÃ¼ller\nC4,王秀英\n"
                 "C5,陳志明\nC6,José Müller\nC7,琨玥\n", encoding="utf-8")  # C5-C7 are fine
    res = _load(p)
    issue = _one(res, "mojibake")
    assert issue.severity == "warning" and issue.count == 2 and _lines(issue) == [3, 4]
    assert issue.column == "name" and "column 'Name' holds text that looks garbled" in \
        issue.message
    assert [e["name"] for e in issue.examples] == ["寮犱紵 (probably 张伟)",
                                                   "JosÃ© MÃ¼ller (probably José Müller)"]
    assert "张伟" not in issue.message  # names only in examples, which redaction hides
    assert "张伟" not in res.to_text(redact=True) and "张伟" in res.to_text()
    assert res.data.customers["name"].tolist()[0] == "张伟"


def test_random_bytes_are_still_not_text(tmp_path):
    p = tmp_path / "garbage.csv"
    p.write_bytes(np.random.default_rng(1).bytes(4000))
    with pytest.raises(ClientDataError, match="is not a text table"):
        read_raw(p, progress=False)


# ---------------------------------------------------------------------- dates and times
@pytest.mark.parametrize("text, iso", [
    ("2024/1/5 1:05 PM", "2024-01-05 13:05:00"), ("2024-01-05 01:05pm", "2024-01-05 13:05:00"),
    ("2024/1/5 下午3:05", "2024-01-05 15:05:00"), ("2024/1/5 上午11:30", "2024-01-05 11:30:00"),
    ("2024-01-05 12:30 AM", "2024-01-05 00:30:00"), ("2024-01-05 12:30 PM", "2024-01-05 12:30:00"),
    ("2024年1月5日 下午3:05", "2024-01-05 15:05:00"), ("05.01.2024 3 p.m.", "2024-01-05 15:00:00"),
    ("2024-01-05 晚上9:15:30", "2024-01-05 21:15:30"), ("5/1/2024 11:59 pm", "2024-01-05 23:59:00"),
])
def test_twelve_hour_clocks(text, iso):
    p = parse_datetime(pd.Series([text]))
    assert str(p.values.iloc[0]) == iso and not p.bad.iloc[0]


@pytest.mark.parametrize("text", ["2024-01-05 13:05 PM", "2024-01-05 0:30 PM", "1:05 PM"])
def test_impossible_or_dateless_clocks_are_unreadable(text):
    assert parse_datetime(pd.Series([text])).bad.tolist() == [True]


def test_dates_beyond_pandas_range_are_per_row_problems(tmp_path):
    # each one crashed the whole file ("unexpected OutOfBoundsDatetime")
    res = _load(_csv(tmp_path, ["A1,C1,9999-12-31,1", "A2,C1,0001-01-01,2", "A3,C1,31.12.9999,3",
                                "A4,C1,2024-01-05,4", "A5,C1,2024-13-45,5"]))
    bad = {i.message.split(";")[0]: i for i in _issues(res, "bad_required_value")}
    oor = bad["dates before 1677 or after 2262, beyond the dates the kit can hold"]
    assert oor.severity == "error" and oor.count == 3 and _lines(oor) == [2, 3, 4]
    assert _lines(bad["dates that could not be read"]) == [6]
    assert res.data.transactions["transaction_id"].tolist() == ["A4"]
    _adds_up(res, 5)


def test_out_of_range_dates_in_excel_and_parquet(tmp_path):
    x = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Order ID", "Customer ID", "Order Date", "Net Amount"])
    wb.active.append(["A1", "C1", dt.datetime(9999, 12, 31), 1])
    wb.active.append(["A2", "C1", dt.datetime(2024, 1, 5), 2])
    wb.save(x)
    q = tmp_path / "more_orders.parquet"
    pq.write_table(pa.table({"Order ID": ["B1", "B2"], "Customer ID": ["C1", "C1"],
                             "Order Date": pa.array([dt.datetime(1, 1, 1), dt.datetime(2024, 1, 6)],
                                                    pa.timestamp("us")),
                             "Net Amount": [1.0, 2.0]}), q)
    res = _load(tmp_path)
    lines = {i.file: _lines(i) for i in _issues(res, "bad_required_value")}
    assert lines == {"orders.xlsx": [2], "more_orders.parquet": [1]}
    assert sorted(res.data.transactions["transaction_id"]) == ["A2", "B2"]


def test_day_and_month_order_per_cell(tmp_path):
    res = _load(_csv(tmp_path, ["A1,C1,13/01/2024,1", "A2,C1,14/02/2024,2", "A3,C1,01/13/2024,3"]))
    assert res.data.transactions["timestamp"].dt.strftime("%m-%d").tolist() == \
        ["01-13", "02-14", "01-13"]
    issue = _one(res, "mixed_date_order")
    assert issue.severity == "warning" and _lines(issue) == [4] and res.ok
    res = _load(_csv(tmp_path, ["A1,C1,13/01/2024,1", "A2,C1,05/01/2024,2",
                                "A3,C1,01/13/2024,3"]))
    issue = _one(res, "ambiguous_date_order")
    assert issue.severity == "error" and _lines(issue) == [3] and "'05/01/2024'" in issue.message


# ---------------------------------------------------------------------- odd flags, Parquet
def test_return_flags_with_blanks_and_unreadable_amounts(tmp_path):
    # crashed: pandera met NA in the return checks ("unexpected ValueError")
    p = _csv(tmp_path, ["A0,C1,2024-01-01,x,TRUE", "A1,C1,2024-01-02,x,1", "A2,C1,2024-01-03,10,",
                        "A3,C1,2024-01-04,-10, ", "A4,C1,2024-01-05,5,TRUE"],
             head=HEAD + ",是否退货")
    res = _load(p)
    t = res.data.transactions.set_index("transaction_id")
    assert t["is_return"].to_dict() == {"A2": False, "A3": True, "A4": True}
    assert t.loc["A4", "amount"] == -5.0
    assert _lines(_one(res, "bad_required_value")) == [2, 3]


def test_parquet_columns_of_every_kind(tmp_path):
    p = tmp_path / "orders.parquet"
    pq.write_table(pa.table({
        "order_id": pa.array(["a", "b", "c"]).dictionary_encode(),
        "customer_id": pa.array([b"C1", b"C2", b"\xff\xfe"], pa.binary()),
        "order_date": pa.array([dt.datetime(2024, 1, 1, 2), dt.datetime(2024, 1, 2, 2), None],
                               pa.timestamp("us", tz="UTC")).cast(
                                   pa.timestamp("us", tz="Asia/Shanghai")),
        "amount": pa.array([decimal.Decimal("1.50"), decimal.Decimal("-2.25"), None],
                           pa.decimal128(10, 2)),
        "photo": pa.array([b"\x89PNG\xff", b"\xff\xd8\xff", None], pa.binary()),
        "tags": pa.array([["x"], [], None], pa.list_(pa.string())),
        "wait": pa.array([dt.timedelta(1)] * 3),
    }), p)
    res = _load(p)
    t = res.data.transactions
    assert t["transaction_id"].tolist() == ["a", "b"]
    assert t["timestamp"].dt.hour.tolist() == [10, 10]  # Shanghai wall clock
    assert t["amount"].tolist() == [1.5, -2.25] and t["is_return"].tolist() == [False, True]
    binary = {i.message.split(" holds")[0]: i for i in _issues(res, "binary_column")}
    assert binary["column 'customer_id'"].count == 1
    assert _lines(binary["column 'customer_id'"]) == []
    skipped = " ".join(i.message for i in _issues(res, "unsupported_column"))
    for col in ("'photo' holds binary data", "'tags' holds lists", "'wait' holds durations"):
        assert col in skipped
    assert "unexpected" not in res.to_text()


# ---------------------------------------------------------------------- unreadable files
def test_an_unreadable_file_costs_that_file_only(tmp_path, monkeypatch):
    _csv(tmp_path, ["A1,C1,2024-01-05,10"], name="orders.csv")
    (tmp_path / "customers.csv").write_text("Customer ID,Name\nC1,Ann\n")
    real = reading._open

    def no_access(path):
        if path.name == "customers.csv":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(reading, "_open", no_access)
    res = _load(tmp_path)
    issue = _one(res, "unreadable_file")
    assert issue.file == "customers.csv" and issue.severity == "error"
    assert issue.message == ("customers.csv could not be read (PermissionError: Permission "
                             "denied)")
    assert res.data.transactions["transaction_id"].tolist() == ["A1"]


def test_folders_pipes_and_dead_links_named_like_exports_are_skipped(tmp_path):
    _csv(tmp_path, ["A1,C1,2024-01-05,10"], name="orders.csv")
    (tmp_path / "2024.csv").mkdir()
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")
        with pytest.raises(ClientDataError, match="pipe.csv is not a regular file"):
            read_raw(tmp_path / "pipe.csv")  # never blocks waiting for a writer
    res = _load(tmp_path)
    reasons = {i.file: i.message for i in _issues(res, "skipped_file")}
    assert reasons["2024.csv"] == "2024.csv is a folder, not a file; skipped"
    assert "does not exist" in reasons["gone.csv"]
    assert all(i.severity == "warning" for i in _issues(res, "skipped_file"))
    assert res.ok and len(res.data.transactions) == 1


def test_a_fault_in_one_file_does_not_stop_the_folder(tmp_path, monkeypatch):
    import crm_training.clients.loader as loader

    _csv(tmp_path, ["A1,C1,2024-01-05,10"], name="orders.csv")
    (tmp_path / "customers.csv").write_text("Customer ID,Name\nC1,Ann\n")
    real = loader.parse_table

    def faulty(raw, table, *a, **k):
        if table == "customers":
            raise TypeError("boom")
        return real(raw, table, *a, **k)

    monkeypatch.setattr(loader, "parse_table", faulty)
    res = _load(tmp_path)
    issue = _one(res, "unreadable_file")
    assert issue.file == "customers.csv" and "fault in the kit (TypeError: boom)" in issue.message
    assert len(res.data.transactions) == 1


def test_links_out_of_the_client_folder_are_not_followed(tmp_path):
    folder = tmp_path / "client"
    folder.mkdir()
    secret = tmp_path / "elsewhere" / "salaries.csv"
    secret.parent.mkdir()
    secret.write_text(HEAD + "\nS1,C9,2024-01-05,99999\n")
    _csv(folder, ["A1,C1,2024-01-05,10"], name="orders.csv")
    (folder / "more_orders.csv").symlink_to(secret)
    (folder / "same_orders.csv").symlink_to(folder / "orders.csv")  # inside: followed
    assert [p.name for p in list_client_files(folder)] == ["orders.csv", "same_orders.csv"]
    res = _load(folder)
    issue = _one(res, "skipped_file")
    assert issue.file == "more_orders.csv" and issue.severity == "warning"
    assert issue.message == ("more_orders.csv is a link to a file outside the client folder; "
                             "links out of the folder are not followed")
    assert "S1" not in set(res.data.transactions["transaction_id"])
    assert "\n" not in issue.message


# ---------------------------------------------------------------------- limits
def _zip_bomb(path, size):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "0" * size + "</sheetData>")


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "ZIP_RATIO_MIN_BYTES", 1 << 20)

    def never(*a, **k):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    p = tmp_path / "orders.xlsx"
    _zip_bomb(p, 8 << 20)  # 8 MB of sheet XML in a few KB
    assert p.stat().st_size < 64 << 10
    res = _load(p)
    issue = _one(res, "unreadable_file")
    assert "it may be a zip bomb" in issue.message and "holding 8 MB" in issue.message
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 4 << 20)
    with pytest.raises(ClientDataError, match="would decompress to 8 MB, more than the kit's "
                                              "limit"):
        read_raw(p)


def test_a_sheet_declaring_a_million_rows_is_read_as_it_is(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Order ID", "Customer ID", "Order Date", "Net Amount"])
    ws.append(["A1", "C1", "2024-01-05", 5])
    for j, v in enumerate(["A2", "C1", "2024-01-06", 3], start=1):
        ws.cell(row=1_048_576, column=j, value=v)  # the sheet now spans a million rows
    p = tmp_path / "orders.xlsx"
    wb.save(p)
    raw = read_raw(p)
    assert raw.frame.index.tolist() == [2, 1_048_576] and raw.records == 2
    ws.cell(row=3, column=16_000, value="far")  # and 16,000 columns
    wb.save(p)
    with pytest.raises(ClientDataError, match="values beyond column 2,000"):
        read_raw(p)


def test_row_and_column_limits(tmp_path, monkeypatch):
    p = _csv(tmp_path, [f"A{i},C1,2024-01-05,{i}" for i in range(30)])
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    with pytest.raises(ClientDataError, match="has more than 10 rows, the most the kit reads"):
        read_raw(p, progress=False)
    monkeypatch.setattr(reading, "MAX_ROWS", 100)
    monkeypatch.setattr(reading, "MAX_COLUMNS", 3)
    with pytest.raises(ClientDataError, match="has 4 columns, more than the 3 the kit reads"):
        read_raw(p, progress=False)
    q = tmp_path / "orders.parquet"
    pq.write_table(pa.table({c: ["x"] for c in "abcd"}), q)
    with pytest.raises(ClientDataError, match="has 4 columns"):
        read_raw(q)


def test_huge_values_are_cut_in_every_message(tmp_path):
    huge = "9" * 5000 + "x"
    p = _csv(tmp_path, [f"A1,C1,2024-01-05,{huge}", "A2,C1,2024-01-06,1",
                        f"A3,C1,2024-01-07,1,{huge}"])
    res = _load(p)
    text = res.to_text()
    assert len(text) < 4000
    shown = _one(res, "bad_required_value").examples[0]["amount"]
    assert len(shown) == 80 and shown.endswith("…")
    assert _one(res, "malformed_lines").examples[0]["text_of_line"].endswith("…")


# ---------------------------------------------------------------------- across files and sheets
def test_overlapping_exports_are_not_double_counted(tmp_path):
    # was: A2 read twice (sum 400), no issue
    head = "订单编号,客户编号,下单时间,实付金额"
    _csv(tmp_path, ["A1,C1,2024-01-05,100", "A2,C1,2024-01-06,100", "A3,C1,2024-01-07,5"],
         name="订单_a.csv", head=head)
    _csv(tmp_path, ["A2,C1,2024-01-06,100", "A3,C2,2024-01-07,7", "A4,C1,2024-01-08,100"],
         name="订单_b.csv", head=head)
    res = _load(tmp_path)
    t = res.data.transactions
    assert sorted(t["transaction_id"]) == ["A1", "A2", "A3", "A3-2", "A4"]
    assert t["amount"].sum() == 312
    copy = _one(res, "overlapping_rows")
    assert copy.file == "订单_b.csv" and copy.severity == "warning" and copy.count == 1
    assert _lines(copy) == [2] and copy.examples[0]["copy_of"] == "订单_a.csv:3"
    same_id = _one(res, "duplicate_id")
    assert same_id.file == "订单_b.csv" and _lines(same_id) == [3]
    assert "earlier file (订单_a.csv)" in same_id.message
    step = next(s for s in res.cleaning.steps if s.file == "订单_b.csv" and s.action == "dropped")
    assert step.count == 1 and step.examples == [{"line": 2, "copy_of": "订单_a.csv:3"}]
    assert "records were read but" not in res.to_text()


def test_a_customer_listed_in_two_files_is_reported(tmp_path):
    # was clean: C1 twice with different phones
    (tmp_path / "客户_1月.csv").write_text("客户编号,姓名,手机\nC1,张伟,13812345678\nC2,李娜,139\n")
    (tmp_path / "客户_2月.csv").write_text("客户编号,姓名,手机\nC1,张伟,13800000000\nC3,王芳,137\n")
    res = _load(tmp_path)
    issue = _one(res, "duplicate_customer")
    assert issue.file == "客户_2月.csv" and _lines(issue) == [2]
    assert issue.examples[0]["earlier"] == "客户_1月.csv:2"
    assert sorted(res.data.customers["customer_id"]) == ["C1", "C2", "C3"]


def test_the_same_file_reached_twice_is_read_once(tmp_path):
    p = _csv(tmp_path, ["A1,C1,2024-01-05,10", "A2,C1,2024-01-06,20"])
    (tmp_path / "orders_link.csv").symlink_to(p)
    os.link(p, tmp_path / "orders_hard.csv")
    res = _load(tmp_path)
    assert len(res.data.transactions) == 2  # was 6
    same = _issues(res, "same_file")
    assert {i.file for i in same} == {"orders_link.csv", "orders_hard.csv"}
    assert all("is the same file as orders.csv" in i.message for i in same)
    assert res.ok and "overlapping_rows" not in res.report.codes()


def test_every_visible_sheet_that_holds_a_table_is_read(tmp_path):
    head = ["订单编号", "客户编号", "下单时间", "实付金额"]
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "配置"
    hidden.append(["渠道代码", "渠道名称"])
    hidden.append(["01", "门店"])
    hidden.sheet_state = "hidden"
    wb.create_sheet("Sheet1")  # empty
    jan = wb.create_sheet("1月")
    jan.append(head)
    jan.append(["J1", "C1", dt.datetime(2024, 1, 5), 10])
    feb = wb.create_sheet("2月")
    feb.append(head)
    feb.append(["F1", "C1", dt.datetime(2024, 2, 5), 20])
    feb.append(["F2", "C1", dt.datetime(2024, 2, 6), "ten"])
    notes = wb.create_sheet("说明")
    notes.append(["本表由系统导出"])
    wb.active = 2
    p = tmp_path / "orders.xlsx"
    wb.save(p)
    res = _load(p)
    # was: only the hidden first sheet 配置, or only 1月
    assert sorted(res.data.transactions["transaction_id"]) == ["F1", "J1"]
    assert [s.file for s in res.sources] == ["orders.xlsx!1月", "orders.xlsx!2月"]
    bad = _one(res, "bad_required_value")
    assert bad.file == "orders.xlsx!2月" and _lines(bad) == [3]
    note = _one(res, "skipped_sheets")
    assert note.message == ("orders.xlsx: read sheets '1月', '2月'; not read: '配置' (hidden), "
                            "'Sheet1' (empty), '说明' (its columns are not those of a table)")
    assert "orders.xlsx!1月 -> transactions: 1 rows (excel)" in res.to_text()


def test_a_workbook_with_one_table_sheet_keeps_its_plain_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"  # an empty first sheet: was "no header and no data"
    ws = wb.create_sheet("订单")
    ws.append(["订单编号", "客户编号", "下单时间", "实付金额"])
    ws.append(["A1", "C1", dt.datetime(2024, 1, 5), 10])
    wb.save(tmp_path / "orders.xlsx")
    res = _load(tmp_path / "orders.xlsx")
    assert res.ok and res.data.transactions["transaction_id"].tolist() == ["A1"]
    assert [s.file for s in res.sources] == ["orders.xlsx"]
    assert _one(res, "skipped_sheets").message == ("orders.xlsx: read sheet '订单'; not read: "
                                                   "'Sheet1' (empty)")


def test_sub_folders_are_listed_not_silently_ignored(tmp_path):
    _csv(tmp_path, ["A1,C1,2024-01-05,10"])
    (tmp_path / "2月").mkdir()
    _csv(tmp_path / "2月", ["B1,C1,2024-02-05,10"])
    res = _load(tmp_path)
    issue = _one(res, "skipped_file")
    assert issue.message == "2月 is a sub-folder, not read: give it as its own source"


# ---------------------------------------------------------------------- encodings (2)
def test_big5_files_are_read_as_big5(tmp_path):
    # was gb18030: 飲料 -> '都\ue19d', with no issue
    words = ["飲料", "便當", "鳳梨酥", "牛肉麵"] * 10
    rows = [f"T{i},C1,2024-01-05,10,{x}" for i, x in enumerate(words)]
    p = _csv(tmp_path, rows, head=HEAD + ",Category", encoding="big5")
    res = _load(p)
    assert res.sources[0].encoding == "cp950" and res.ok and res.report.codes() == []
    assert res.data.transactions["category"].tolist()[:4] == ["飲料", "便當", "鳳梨酥", "牛肉麵"]


def test_a_gbk_line_in_a_western_file_is_read_right_and_reported(tmp_path):
    # was: 张伟 -> 'ÕÅÎ°', no issue
    p = tmp_path / "orders.csv"
    p.write_bytes((HEAD + ",Name\n").encode() + "".join(
        f"A{i},C1,2024-01-05,10,Café\n" for i in range(100)).encode("cp1252")
        + "B1,C1,2024-01-05,10,张伟\n".encode("gbk"))
    res = _load(p)
    assert res.data.transactions["customer_id"].notna().all()
    raw = read_raw(p, progress=False)
    assert raw.frame["Name"].tolist()[-2:] == ["Café", "张伟"]
    issue = _one(res, "mixed_encoding")
    assert _lines(issue) == [102] and "1 line in GB18030 (GBK)" in issue.message


def test_private_use_characters_are_reported_as_garbled(tmp_path):
    garbled = "飲料".encode("big5").decode("gb18030")  # '都\ue19d'
    p = _csv(tmp_path, ["A1,C1,2024-01-05,10,茶叶", f"A2,C1,2024-01-05,10,{garbled}"],
             head=HEAD + ",Category")
    res = _load(p)
    issue = _one(res, "mojibake")
    assert _lines(issue) == [3] and issue.examples[0]["category"].endswith("(probably 飲料)")


# ---------------------------------------------------------------------- amounts (2)
def test_dot_thousands_without_decimals_are_never_silent(tmp_path):
    # was [250.0, 125.5, 99.0], no note (an Indonesian POS file: every amount wrong)
    p = _csv(tmp_path, ["A1,C1,2024-01-05,250.000", "A2,C1,2024-01-05,125.500",
                        "A3,C1,2024-01-05,99.000", "A4,C1,2024-01-05,1.250.000"])
    res = _load(p)
    assert res.data.transactions["amount"].tolist() == [250000, 125500, 99000, 1250000]
    issue = _one(res, "ambiguous_decimal")
    assert issue.severity == "warning" and issue.count == 3 and _lines(issue) == [2, 3, 4]
    assert "read as a thousands separator" in issue.message and "'1.250.000'" in issue.message
    res = _load(p, decimal=",")
    assert res.report.codes() == [] and res.data.transactions["amount"].iloc[0] == 250000
    # nothing else decides: thousands, said so
    p = parse_amount(pd.Series(["250.000", "125.500", "99.000"]))
    assert p.values.tolist() == [250000, 125500, 99000]
    assert [(f.code, f.severity) for f in p.findings] == [("ambiguous_decimal", "warning")]
    assert "nothing else in the column decides; read as thousands separators" in \
        p.findings[0].message


def test_a_few_decimals_do_not_make_many_amounts_three_decimal(tmp_path):
    p = parse_amount(pd.Series(["250.000", "125.500", "99.000", "80.000", "1.500", "12.5"]))
    assert p.values.tolist() == [250000, 125500, 99000, 80000, 1500, 12.5]
    f = p.findings[-1]
    assert f.code == "ambiguous_decimal" and f.severity == "error"
    assert "only 1 other amount shows it as the decimal mark (e.g. '12.5')" in f.message
    # the column's own decimals decide a few
    p = parse_amount(pd.Series(["12.50", "9.95", "1.250"]))
    assert p.values.tolist() == [12.5, 9.95, 1.25] and p.findings[0].severity == "warning"


def test_numbers_a_workbook_stored_are_never_ambiguous(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Order ID", "Customer ID", "Order Date", "Net Amount"])
    wb.active.append(["A1", "C1", dt.datetime(2024, 1, 5), 1.234])
    wb.active.append(["A2", "C1", dt.datetime(2024, 1, 6), 250.5])
    wb.save(tmp_path / "orders.xlsx")
    res = _load(tmp_path / "orders.xlsx")
    assert res.data.transactions["amount"].tolist() == [1.234, 250.5]
    assert res.report.codes() == []


@pytest.mark.parametrize("text", ["(12.50", "12.50)", "12 50", "1 2345"])
def test_half_parentheses_and_odd_spaces_are_not_amounts(text):
    # were 12.5 and 1250
    assert parse_amount(pd.Series([text])).bad.tolist() == [True]


def test_spaces_grouping_thousands_are_still_read():
    p = parse_amount(pd.Series(["1 234,56 €", "12 345 678", "(3)"]))
    assert p.values.tolist() == [1234.56, 12345678, -3] and not p.bad.any()


def test_a_currency_column_gives_the_currency(tmp_path):
    head = "Order ID,Customer ID,Order Date,Net Amount,Currency"
    res = _load(_csv(tmp_path, ["A1,C1,2024-01-05,10,EUR", "A2,C1,2024-01-06,20,eur"],
                     head=head))
    assert res.ok and res.data.meta["currency"] == "EUR"  # was ''
    assert "Currency -> (the currency of the amounts)" in res.to_text()
    res = _load(_csv(tmp_path, ["A1,C1,2024-01-05,113,USD", "A2,C1,2024-01-06,95,EUR",
                                "A3,C1,2024-01-07,880,CNY", "A4,C1,2024-01-08,20,USD"],
                     head=head))
    issue = _one(res, "mixed_currencies")  # was: 1108 summed, no issue
    assert issue.severity == "error" and issue.column == "amount" and _lines(issue) == [3, 4]
    assert "2 in USD, 1 in EUR, 1 in CNY" in issue.message and "not convert" in issue.message
    assert not res.ok and res.data.meta["currency"] == ""


# ---------------------------------------------------------------------- dates (2)
def test_one_date_does_not_decide_a_thousand(tmp_path):
    # was: all 1,000 read as 1 May, no note
    p = _csv(tmp_path, [f"E{i},C1,05/01/2024,1" for i in range(1000)] + ["U1,C1,01/13/2024,1"])
    res = _load(p)
    issue = _one(res, "ambiguous_date_order")
    assert issue.severity == "error" and issue.count == 1000
    assert "only 1 cell of the column decides it ('01/13/2024', line 1002)" in issue.message
    assert "read month-first" in issue.message and not res.ok
    res = _load(p, dayfirst=True)
    assert "ambiguous_date_order" not in res.report.codes()
    assert res.data.transactions["timestamp"].dt.month.value_counts().to_dict() == {1: 1001}


def test_two_date_orders_appended_are_reported(tmp_path):
    p = _csv(tmp_path, [f"E{i},C1,05/01/2024,1" for i in range(100)]
             + [f"U{i},C1,01/{13 + i % 10}/2024,1" for i in range(30)])
    res = _load(p)
    issue = _one(res, "mixed_date_order")
    assert issue.severity == "error" and issue.count == 100 and _lines(issue)[0] == 2
    assert "30 dates can only be month-first" in issue.message
    assert "two exports appended?" in issue.message


def test_utc_offsets_are_not_dropped(tmp_path):
    # was three wall-clock times 20:00, 04:00, 15:00 for the same instant
    p = _csv(tmp_path, ["Z1,C1,2024-01-05T20:00:00Z,1", "Z2,C1,2024-01-06T04:00:00+08:00,1",
                        "Z3,C1,2024-01-05T15:00:00-05:00,1", "Z4,C1,2024-01-05T21:00:00Z,1"])
    res = _load(p)
    assert res.data.transactions["timestamp"].astype(str).tolist() == [
        "2024-01-05 20:00:00", "2024-01-05 20:00:00", "2024-01-05 20:00:00",
        "2024-01-05 21:00:00"]
    issue = _one(res, "mixed_time_zones")
    assert issue.severity == "warning" and _lines(issue) == [3, 4]
    assert "2 at +00:00" in issue.message and "most common offset is +00:00" in issue.message
    res = _load(_csv(tmp_path, ["Z1,C1,2024-01-05 10:00:00 +0800,1"]))
    assert res.data.transactions["timestamp"].dt.hour.tolist() == [10]
    assert "kept as written, as wall-clock times at +08:00" in _one(res, "time_zone_offset").message


@pytest.mark.parametrize("text", ["2024", "2024-01", "2024/1", "2024.01"])
def test_a_year_or_a_month_is_not_a_date(tmp_path, text):
    # were read as 1 January
    res = _load(_csv(tmp_path, [f"A1,C1,{text},1", "A2,C1,2024-01-05,1"]))
    issue = _one(res, "bad_required_value")
    assert issue.message.startswith("dates without a day") and _lines(issue) == [2]


@pytest.mark.parametrize("text, iso", [
    ("2024/1/5 晚上12:30", "2024-01-05 00:30:00"), ("2024/1/5 凌晨12:30", "2024-01-05 00:30:00"),
    ("2024/1/5 半夜12:05", "2024-01-05 00:05:00"), ("2024/1/5 晚上11:30", "2024-01-05 23:30:00"),
    ("2024/1/5 半夜1:30", "2024-01-05 01:30:00"), ("2024/1/5 傍晚6:10", "2024-01-05 18:10:00"),
])
def test_chinese_night_clocks(text, iso):
    # 晚上12:30 was 12:30 (noon)
    p = parse_datetime(pd.Series([text]))
    assert str(p.values.iloc[0]) == iso and not p.bad.iloc[0]


def test_excel_serial_numbers_in_a_date_column(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Order ID", "Customer ID", "Order Date", "Net Amount"])
    wb.active.append(["A1", "C1", 45296.5, 10])  # a General-formatted date: 2024-01-05 12:00
    wb.active.append(["A2", "C1", dt.datetime(2024, 1, 6), 10])
    wb.save(tmp_path / "orders.xlsx")
    res = _load(tmp_path / "orders.xlsx")
    assert res.data.transactions["timestamp"].astype(str).tolist() == [
        "2024-01-05 12:00:00", "2024-01-06 00:00:00"]  # was: an unreadable date
    issue = _one(res, "excel_serial_dates")
    assert _lines(issue) == [2] and "'45296.5' is 2024-01-05 12:00" in issue.message


# ---------------------------------------------------------------------- Parquet and Excel ids
def test_parquet_float_ids_and_phones_are_integers(tmp_path):
    p = tmp_path / "customers.parquet"
    pd.DataFrame({"客户编号": [13812345678.0, 2.5, np.nan], "手机": [13812345678.0, np.nan, 1.0]}
                 ).to_parquet(p)
    res = _load(p)
    c = res.data.customers
    assert c["customer_id"].tolist() == ["13812345678", "2.5"]  # was '1.3812345678e+10'
    assert c["phone"].tolist()[0] == "13812345678"
    issue = _one(res, "numeric_id")
    assert _lines(issue) == [2] and "stored as decimal numbers" in issue.message


def test_formulas_without_a_saved_value_say_so(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Order ID", "Customer ID", "Order Date", "Net Amount", "Price"])
    ws.append(["A1", "C1", dt.datetime(2024, 1, 5), "=E2*2", 5])  # openpyxl saves no value
    ws.append(["A2", "C1", dt.datetime(2024, 1, 6), 7, 5])
    wb.save(tmp_path / "orders.xlsx")
    res = _load(tmp_path / "orders.xlsx")
    issue = _one(res, "blank_required_value")  # was "blank amount"
    assert "formulas without a saved value" in issue.message
    assert "open and save the workbook in Excel" in issue.message and _lines(issue) == [2]
    _adds_up(res, 2)


def test_duplicate_headers_are_reported_and_both_kept(tmp_path):
    head = "订单编号,客户编号,下单时间,实付金额,实付金额"
    res = _load(_csv(tmp_path, ["A1,C1,2024-01-05,10,99"], head=head))
    issue = _one(res, "duplicate_headers")
    assert issue.message.startswith("the header names '实付金额' 2 times (columns 4, 5): column "
                                    "4 was used as amount, the others were read as '实付金额.1'")
    assert res.data.transactions["amount"].tolist() == [10]
    wb = openpyxl.Workbook()
    wb.active.append(head.split(","))
    wb.active.append(["A1", "C1", dt.datetime(2024, 1, 5), 10, 99])
    wb.save(tmp_path / "orders.xlsx")
    res = _load(tmp_path / "orders.xlsx")  # was: both unusable, amount missing
    assert res.data.transactions["amount"].tolist() == [10]
    assert "(columns D, E): column D was used as amount" in _one(res, "duplicate_headers").message


def test_excel_text_wrappers_are_unwrapped(tmp_path):
    res = _load(_csv(tmp_path, ['="A001",="13812345678",2024-01-05,="128.00"']))
    t = res.data.transactions
    assert t["transaction_id"].tolist() == ["A001"] and t["customer_id"].tolist() == ["13812345678"]
    assert t["amount"].tolist() == [128.0] and res.ok


# ---------------------------------------------------------------------- crashes and refusals (2)
def test_a_field_longer_than_the_csv_modules_limit(tmp_path):
    # was "could not be readed because of a fault in the kit (Error: field larger than ...)"
    p = tmp_path / "工单.csv"
    p.write_text("工单号,客户编号,创建时间,内容\nT1,C1,2024-01-05," + "x" * 140_000 + "\n",
                 encoding="utf-8")
    res = _load(p)
    assert res.ok and len(res.data.tickets["text"].iloc[0]) == 140_000


def test_a_fault_while_reading_says_read(tmp_path, monkeypatch):
    import crm_training.clients.loader as loader

    _csv(tmp_path, ["A1,C1,2024-01-05,10"])

    def faulty(*a, **k):
        raise TypeError("boom")

    monkeypatch.setattr(loader, "read_raw", faulty)
    issue = _one(_load(tmp_path / "orders.csv"), "unreadable_file")
    assert "could not be read because of a fault in the kit (TypeError: boom)" in issue.message


def test_one_nul_byte_is_a_problem_of_its_line(tmp_path):
    # was: the whole file "is not a text table"
    p = tmp_path / "orders.csv"
    p.write_bytes((HEAD + "\nA1,C1,2024-01-05,1\n").encode() + b"A2,C\x002,2024-01-05,1\n")
    res = _load(p)
    assert res.data.transactions["customer_id"].tolist() == ["C1", "C2"]
    issue = _one(res, "nul_bytes")
    assert issue.severity == "warning" and _lines(issue) == [3]
    assert issue.message.startswith("1 line holds NUL bytes")


def test_a_header_cell_typed_on_two_lines(tmp_path):
    # was: every data line malformed, or the header's second line dropped as a row
    p = tmp_path / "orders.csv"
    p.write_text('订单编号,客户编号,下单时间,"实付金额\n(元)",备注\nA1,C1,2024-01-05,1,x\n'
                 'A2,C1,2024-01-06,2,y\n', encoding="utf-8")
    res = _load(p)
    assert res.ok and res.report.codes() == []
    assert res.data.transactions["amount"].tolist() == [1, 2]
    assert read_raw(p, progress=False).frame.index.tolist() == [3, 4]
    _adds_up(res, 2)


def test_an_unclosed_quote_in_the_header_names_line_one(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text('"' + HEAD + "\nA1,C1,2024-01-05,10\n")
    res = _load(p)
    issue = _one(res, "unclosed_quote")
    assert issue.severity == "error" and _lines(issue) == [1]
    assert issue.message.startswith("the header (line 1) opens a quoted value")
    assert res.data.transactions["transaction_id"].tolist() == ["A1"]


def test_the_columns_found_are_capped(tmp_path):
    head = ",".join(f"field number {i} " + "x" * 150 for i in range(2000))
    p = tmp_path / "orders.csv"
    p.write_text(head + "\n" + ",".join("1" for _ in range(2000)) + "\n")
    res = _load(p)
    issue = _one(res, "missing_columns")
    assert issue.message.endswith("… and 1,980 more") and len(issue.message) < 4000
