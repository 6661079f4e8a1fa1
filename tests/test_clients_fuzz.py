"""Property-based fuzzing of load_client: any input ends in a result or a ClientDataError."""
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_training.clients import ClientDataError, load_client

# CRM_FUZZ_EXAMPLES=2000 for a longer hunt; 60 keeps the suite fast
FUZZ = settings(max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADERS = ["订单编号", "客户编号", "下单时间", "实付金额", "渠道", "是否退货", "Order ID", "Customer ID",
           "Order Date", "Net Amount", "数量", "原订单编号", "姓名", "电子邮箱", "净推荐值", "评论",
           "工单编号", "创建时间", "x", "", "金额", "金额"]
CELLS = ["A1", "C1", "2024/1/5 13:05", "2024年1月5日", "05.01.2024", "13/13/2024", "2024-02-30",
         "￥1,234.50", "1.234,50", "-5", "(3)", "abc", "", " ", "是", "否", "门店", "微信", "1e400",
         "nan", "NULL", "\"", "\"a,b\"", "x\ny", "9" * 30, "\u0000", "😀", "-", "0", "11",
         "2024-01-05T13:05:00+08:00", "2024-01-05T13:05Z", "12:00", "1/2/3", "2024-W01"]


def _outcome(path, **kw):
    try:
        res = load_client(path, progress=False, today="2025-01-01", **kw)
    except ClientDataError as e:
        assert str(e) and "\n" not in str(e)
        return None
    # a result always renders, and is either usable or says why not
    res.to_text(), res.to_markdown(), res.to_html(), res.to_text(redact=True)
    for issue in res.report.issues:
        assert issue.severity in ("error", "warning") and issue.message
    if res._data is not None:
        t = res.data.transactions
        assert t["customer_id"].notna().all() and t["timestamp"].notna().all()
        assert t["amount"].notna().all()
        assert (t.loc[t["amount"] < 0, "is_return"]).all()
    else:
        assert not res.ok and res.report.errors
    return res


@FUZZ
@given(content=st.binary(max_size=3000),
       suffix=st.sampled_from([".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".xls"]))
def test_any_bytes(content, suffix):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"export{suffix}"
        p.write_bytes(content)
        _outcome(p)


@st.composite
def text_tables(draw):
    ncol = draw(st.integers(1, 7))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=ncol, max_size=ncol))
    rows = draw(st.lists(st.lists(st.one_of(st.sampled_from(CELLS), st.text(max_size=8)),
                                  min_size=max(ncol - 1, 0), max_size=ncol + 1), max_size=12))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    title = draw(st.sampled_from(["", "销售报表\n", "\n\n"]))
    text = title + "\n".join(delim.join(r) for r in [header] + rows)
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    try:
        return text.encode(enc), enc
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


@FUZZ
@given(table=text_tables(), dayfirst=st.sampled_from([None, True, False]),
       decimal=st.sampled_from([None, ",", "."]))
def test_any_text_table(table, dayfirst, decimal):
    content, _ = table
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "订单.csv"
        p.write_bytes(content)
        _outcome(p, dayfirst=dayfirst, decimal=decimal)


@FUZZ
@given(table=text_tables(), other=text_tables())
def test_any_folder(table, other):
    with tempfile.TemporaryDirectory() as d:
        Path(d, "customers.csv").write_bytes(table[0])
        Path(d, "orders.csv").write_bytes(other[0])
        _outcome(Path(d))
