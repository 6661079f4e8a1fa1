"""The streamed loader gives the report, the cleaning log and the tables of the in-memory
loader, on hostile exports cut into many parts (tiny ``chunk_bytes``): what a file decides as a
whole (day order, decimal mark, repeated rows and ids across parts, returns whose order is in
another part, customers only seen in transactions) must come out the same."""
import random
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crm_training as ct
from crm_training.clients import ClientDataError, load_client
from crm_training.clients.streamed import load_client_streamed, text_parts

TODAY = "2025-06-01"


def _orders(n=240, seed=1, dayfirst=True, comma=True, derived=False):
    """A transactions export with every problem that spans parts of the file."""
    rng = random.Random(seed)
    head = "订单导出 2025年\n\n" + ("" if derived else "订单编号;") + \
        "客户编号;下单时间;实付金额;渠道;是否退货;备注\n"
    lines = []
    for k in range(n):
        d, mth = rng.randint(1, 12), rng.randint(1, 12)
        # only late rows decide the day order (a day above 12)
        if k > n * 3 // 4 and k % 7 == 0:
            d = rng.randint(13, 28)
        date = f"{d:02d}/{mth:02d}/2024" if dayfirst else f"{mth:02d}/{d:02d}/2024"
        amt = rng.choice([9.5, 12.25, 100.0, 1234.5, 19.9])
        text = f"{amt:,.2f}"
        if comma:  # decimal comma, thousands dots: decided by the later amounts only
            text = text.replace(",", "_").replace(".", ",").replace("_", ".") if k > n // 2 \
                else f"{int(amt)}"
        cust = f"C{rng.randint(1, 40):03d}"
        ret = "否"
        if k % 17 == 5:  # a return of an earlier order of the customer
            ret = "是"
            text = "-" + text
        note = rng.choice(["", "ok", '"two\nlines"', '"a;b"', "退货"])
        row = ([] if derived else [f"O{k:05d}"]) + [cust, date, text, rng.choice(
            ["门店", "微信", "APP", "电话"]), ret, note]
        lines.append(";".join(row))
        if k % 23 == 3:
            lines.append(lines[rng.randrange(len(lines))])  # a row exported twice
        if not derived and k % 29 == 11:  # an id used again for another order
            lines.append(";".join([f"O{rng.randrange(k + 1):05d}", cust, date, "5", "门店",
                                   "否", ""]))
        if k % 31 == 7:
            lines.append("")
        if k % 37 == 9:
            lines.append("bad;line")
        if k % 41 == 13:
            lines.append(";".join(([] if derived else [""]) + [cust, "01/01/2030", "5", "门店",
                                                               "否", ""]))
    return head + "\n".join(lines) + "\n"


def _both(path, chunk, **kw):
    mem = load_client(path, progress=False, today=TODAY, **kw)
    out = Path(tempfile.mkdtemp()) / "out"
    streamed = load_client_streamed(path, out, progress=False, today=TODAY, chunk_bytes=chunk,
                                    **kw)
    return mem, streamed, out


def _same(mem, streamed, out):
    assert streamed.to_text() == mem.to_text()
    pd.testing.assert_frame_equal(streamed.report.to_frame(), mem.report.to_frame())
    pd.testing.assert_frame_equal(streamed.cleaning.to_frame(), mem.cleaning.to_frame())
    assert [i.examples for i in streamed.report.issues] == \
        [i.examples for i in mem.report.issues]
    if mem._data is None:
        assert not streamed.built and not streamed.rows
        return
    got = ct.load(out)
    for name, df in mem.data.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], df, check_categorical=False,
                                      obj=name)
    assert (out / "validation" / "report.html").exists()


@pytest.mark.parametrize("derived", [False, True])
@pytest.mark.parametrize("enc", ["gb18030", "utf-8"])
def test_a_hostile_export_in_many_parts_reads_as_it_does_whole(tmp_path, enc, derived):
    p = tmp_path / "订单.csv"
    p.write_bytes(_orders(derived=derived).encode(enc))
    _, _, parts, _ = text_parts(p, 700)
    assert len(parts) > 8  # many cuts, some inside the rows that span two lines
    mem, streamed, out = _both(p, 700)
    codes = set(mem.report.codes())
    assert {"malformed_lines", "blank_rows", "future_date"} <= codes
    assert derived or {"duplicate_id", "duplicate_row"} <= codes
    assert not derived or "identical_rows" in codes
    # the late rows decide: day-first dates and decimal commas for the whole file
    tx = mem.data.transactions
    assert tx["amount"].abs().max() == 1234.5
    assert any(s.action == "linked" for s in mem.cleaning.steps)
    _same(mem, streamed, out)


def test_month_first_and_point_decimals_are_decided_over_the_file(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(_orders(seed=4, dayfirst=False, comma=False), encoding="utf-8")
    mem, streamed, out = _both(p, 500)
    assert mem.data.transactions["timestamp"].dt.month.nunique() > 1
    _same(mem, streamed, out)


def test_a_folder_with_customers_and_a_parquet_log(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "orders.csv").write_text(_orders(seed=7, comma=False), encoding="utf-8")
    cust = pd.DataFrame({"customer_id": [f"C{k:03d}" for k in range(1, 31)] + ["C002"],
                         "name": [f"Name {k}" for k in range(31)],
                         "signup_date": ["2023-01-05"] * 31})
    cust.to_csv(folder / "customers.csv", index=False)
    mem, streamed, out = _both(folder, 400)
    assert "duplicate_customer" in mem.report.codes()
    assert any(s.action == "added" for s in mem.cleaning.steps)  # ids only in the orders
    _same(mem, streamed, out)
    # the same orders as Parquet, read in row batches
    pq = tmp_path / "orders.parquet"
    pd.read_csv(folder / "orders.csv", sep=";", skiprows=2, dtype=str,
                keep_default_na=False).to_parquet(pq, index=False)
    mem, streamed, out = _both(pq, 2000)
    _same(mem, streamed, out)


def test_one_part_is_the_in_memory_loader(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(_orders(seed=9), encoding="utf-8")
    _same(*_both(p, 10 ** 9))


def test_the_output_never_goes_into_the_inputs(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(_orders(n=20), encoding="utf-8")
    from crm_training.fileio import OutputError

    with pytest.raises((OutputError, ClientDataError)):
        load_client_streamed(tmp_path, tmp_path / "out", progress=False, chunk_bytes=200)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["orders.csv"]


FUZZ = settings(max_examples=8, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CELLS = ["A1", "C1", "C2", "2024/1/5 13:05", "05.01.2024", "13/01/2024", "01/13/2024",
         "05/01/2024", "1.234,50", "1,234.50", "12,5", "12.5", "-5", "abc", "", "是", "否",
         "门店", "微信", "\"a;b\"", "\"x\ny\"", "2030-01-01", "0"]


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["A1", "A2", "A3", "", "A1"]),
                               st.sampled_from(["C1", "C2", "", "C3"]),
                               st.sampled_from(CELLS), st.sampled_from(CELLS),
                               st.sampled_from(CELLS)), min_size=1, max_size=40),
       chunk=st.integers(120, 600))
def test_random_exports_read_the_same_in_parts(rows, chunk):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "orders.csv"
        p.write_text("Order ID;Customer ID;Order Date;Net Amount;Returned\n" +
                     "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
        try:
            mem = load_client(p, progress=False, today=TODAY)
        except ClientDataError:
            with pytest.raises(ClientDataError):
                load_client_streamed(p, Path(d) / "o", progress=False, today=TODAY,
                                     chunk_bytes=chunk)
            return
        out = Path(d) / "out"
        streamed = load_client_streamed(p, out, progress=False, today=TODAY, chunk_bytes=chunk)
        _same(mem, streamed, out)
