"""Round trip: data saved as a typical Chinese client export loads back equal, table by table."""
import datetime as dt

import openpyxl
import pandas as pd
import pytest

import crm_training
from crm_training.clients import load_client, to_crmdata
from crm_training.schema import CODE_LABELS_ZH, TABLES


def _export_zh(data, folder, encoding="gb18030"):
    """Write every table the way a Chinese CRM exports it: Chinese file names and headers,
    Chinese codes, 是/否 flags, 2024/01/05 13:05:07 dates, GBK-family encoding."""
    folder.mkdir()
    for name, t in TABLES.items():
        df = data.tables[name]
        out = {}
        for c in t.columns:
            s = df[c.name]
            if c.dtype == "category":
                s = s.astype("object").map(lambda v: CODE_LABELS_ZH.get(v, v), na_action="ignore")
            elif c.dtype == "bool":
                s = s.map({True: "是", False: "否"})
            elif c.dtype.startswith("datetime"):
                s = s.dt.strftime("%Y/%m/%d %H:%M:%S")
            out[c.label_zh] = s
        pd.DataFrame(out).to_csv(folder / f"{t.label_zh}.csv", index=False, encoding=encoding)


def _assert_same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(a.tables[name].reset_index(drop=True), b.tables[name],
                                      obj=name)


@pytest.mark.parametrize("industry, locale", [("retail", "en_US"), ("coffee_chain", "zh_CN")])
def test_generated_data_as_chinese_export_loads_back_equal(tmp_path, industry, locale):
    data = crm_training.generate(industry, n_customers=150, seed=11, locale=locale)
    _export_zh(data, tmp_path / "export")
    res = load_client(tmp_path / "export", today="2100-01-01", progress=False)
    assert res.ok and res.report.issues == [], res.to_text()
    assert res.cleaning.steps == [], res.to_text()  # nothing to clean in clean data
    assert {s.table for s in res.sources} == set(TABLES)
    _assert_same(data, res.data)
    assert res.data.meta["source"] == "client"


def test_hand_made_data_round_trip_through_excel_and_parquet(tmp_path):
    tx = pd.DataFrame({
        "transaction_id": ["T1", "T2", "R1"], "customer_id": ["c1", "c2", "c1"],
        "timestamp": pd.to_datetime(["2024-01-05 13:05", "2024-02-01 09:00", "2024-02-03 10:00"]),
        "channel": ["store", "app", "store"], "category": ["tea", "coffee", "tea"],
        "quantity": [2, 1, -2], "amount": [30.5, 12.0, -30.5], "cost": [12.0, 5.0, -12.0],
        "is_return": [False, False, True], "original_transaction_id": [None, None, "T1"]})
    cust = pd.DataFrame({"customer_id": ["c1", "c2"], "name": ["王芳", "Li Lei"],
                         "gender": ["female", "male"], "birth_year": [1990, None],
                         "signup_date": pd.to_datetime(["2023-05-01", "2023-06-01"]),
                         "loyalty_member": [True, False], "marketing_consent": [False, True]})
    data = to_crmdata({"customers": cust, "transactions": tx})
    src = tmp_path / "src"
    src.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["交易明细（导出）"])  # a title row above the header
    ws.append([c.label_zh for c in TABLES["transactions"].columns])
    for r in data.transactions.itertuples(index=False):
        ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                   (None if pd.isna(v) else v) for v in r])
    wb.save(src / "orders.xlsx")
    data.customers.to_parquet(src / "customers.parquet")
    res = load_client(src, today="2100-01-01", progress=False)
    assert res.ok and res.report.issues == [], res.to_text()
    _assert_same(data, res.data)
