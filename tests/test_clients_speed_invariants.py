"""The fast paths of client loading give exactly what the plain pandas code gives.

Duplicate rows and ids are found from 64-bit row hashes, then confirmed by pandas on the rows
whose hash repeats: a hash shared by different rows (forced here) must never report a false
duplicate. Returns are linked on hashed customer codes, checked and redone exactly when a hash
is shared; ties are broken by row order, the same on a subset of the rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_training.clients import cleaning, validation
from crm_training.clients.report import CleaningLog, ValidationReport
from crm_training.clients.validation import ParsedTable, check_rules, duplicated_rows


def _frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": pd.Series(rng.choice(["x", "y", None, "客户", ""], n), dtype="str"),
        "b": rng.choice([0.0, -0.0, np.nan, 1.5], n),
        "c": pd.Series(rng.choice([True, False, None], n), dtype="boolean"),
        "t": pd.to_datetime(rng.choice(["2024-01-01", None, "2024-01-02"], n)),
        "k": pd.Categorical(rng.choice(["p", "q", None], n)),
        "o": pd.Series(rng.choice(["u", None, 1], n), dtype=object),
        "i": rng.integers(0, 3, n),
    })


@pytest.mark.parametrize("duckdb", [True, False])
@pytest.mark.parametrize("cols", [None, ["a"], ["a", "b"], ["o", "k"], ["t", "c", "i"]])
def test_duplicated_rows_is_pandas_duplicated(monkeypatch, duckdb, cols):
    if not duckdb:  # the numpy hashes, used without DuckDB
        monkeypatch.setattr(validation, "_duckdb_hashes", lambda d, groups: None)
    d = _frame()
    want = (d.duplicated(keep="first") if cols is None else
            d.duplicated(cols, keep="first")).to_numpy()
    assert (duplicated_rows(d, cols) == want).all()


def test_equal_rows_have_equal_hashes_and_others_differ():
    d = pd.DataFrame({"s": pd.Series(["ab", "ab", "ba", None, None, ""], dtype="str"),
                      "f": [0.0, -0.0, 0.0, np.nan, np.nan, 0.0]})
    h = validation.row_hashes(d, ["s", "f"])
    assert h[0] == h[1] and h[3] == h[4]
    assert len({h[0], h[2], h[3], h[5]}) == 4


def _parsed(n=400, seed=1):
    rng = np.random.default_rng(seed)
    typed = pd.DataFrame({
        "transaction_id": pd.Series([f"T{i}" for i in range(n)], dtype="str"),
        "customer_id": pd.Series([f"C{i}" for i in rng.integers(0, 30, n)], dtype="str"),
        "timestamp": pd.to_datetime("2024-01-01") + pd.to_timedelta(
            rng.integers(0, 50, n), unit="D"),
        "amount": rng.choice([10.0, 20.0, -10.0], n),
    }, index=pd.Index(np.arange(2, n + 2), name="line"))
    typed.iloc[50] = typed.iloc[10]  # an exact copy
    typed.iloc[60, 0] = typed.iloc[20, 0]  # a repeated id, other content
    return ParsedTable("orders.csv", "transactions", typed.astype(str), typed)


def _report(pt):
    rep = ValidationReport()
    check_rules(pt, rep, today=pd.Timestamp("2030-01-01"))
    return [(i.code, i.count, i.message, i.examples, list(i.rows)) for i in rep.issues]


def test_a_shared_hash_never_reports_a_false_duplicate(monkeypatch):
    want = _report(_parsed())
    assert {"duplicate_row", "duplicate_id"} <= {r[0] for r in want}
    # every row gets the same hash: all rows are candidates, pandas decides
    monkeypatch.setattr(validation, "_duckdb_hashes",
                        lambda d, groups: [np.zeros(len(d), np.uint64) for _ in groups])
    assert _report(_parsed()) == want


def _returns_frame():
    ts = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02",
                         "2024-01-03", "2024-01-03"])
    return pd.DataFrame({
        "transaction_id": pd.Series(["A", "B", "C", "D", "R1", "R2"], dtype="str"),
        "customer_id": pd.Series(["c", "c", "d", "c", "c", "d"], dtype="str"),
        "timestamp": ts, "amount": [20.0, 20.0, 20.0, 35.0, -20.0, -20.0],
        "is_return": pd.array([False, False, False, False, True, True], dtype="boolean"),
    })


def test_link_returns_ties_go_by_row_order_and_subsets_agree():
    df = _returns_frame()
    out = cleaning.link_returns(df.copy(), "f.csv", CleaningLog())
    links = dict(zip(out["transaction_id"], out["original_transaction_id"]))
    assert links["R1"] == "B" and links["R2"] == "C"  # A and B tie: the later row
    sub = df.iloc[[0, 1, 4]].copy()  # the same rows, in the same order
    out_sub = cleaning.link_returns(sub, "f.csv", CleaningLog())
    assert out_sub["original_transaction_id"].iloc[-1] == "B"


def test_link_returns_is_exact_when_customer_hashes_collide(monkeypatch):
    want = cleaning.link_returns(_returns_frame(), "f.csv", CleaningLog())
    monkeypatch.setattr(cleaning, "row_hashes", lambda d, cols: np.zeros(len(d), np.uint64))
    got = cleaning.link_returns(_returns_frame(), "f.csv", CleaningLog())
    pd.testing.assert_frame_equal(got, want)
    assert got["original_transaction_id"].iloc[-1] == "C"  # customer d's order, not c's


def test_first_dates_is_the_pandas_groupby():
    ids = pd.Series(["b", "B", "a", "é", "客户", "Z", "a", "ä", "~", "😀", "a0", "ab"],
                    dtype="str")
    first = pd.Series(pd.to_datetime([f"2024-01-0{i % 9 + 1}" for i in range(len(ids))]))
    first = first.astype("datetime64[ns]")
    first[3] = pd.NaT
    seen = pd.DataFrame({"customer_id": ids, "first": first})
    pd.testing.assert_series_equal(cleaning._first_dates(seen),
                                   seen.groupby("customer_id", sort=True)["first"].min())


@pytest.mark.parametrize("blank", [False, True])
def test_occurrence_counts_as_over_the_whole_export(blank):
    ids = pd.Series(["a", "b", "a", "c", "a", "b"], dtype="str",
                    index=pd.Index(range(2, 8), name="line"))
    if blank:
        ids[5] = None
    typed = pd.DataFrame({"transaction_id": ids})
    pt = ParsedTable("f.csv", "transactions", typed, typed)
    pt.prior = pd.Series([0, 1, 0, 0, 0, 1], index=typed.index)
    whole = typed.groupby("transaction_id", sort=False).cumcount() + 1
    whole = whole + pt.prior.reindex(whole.index).fillna(0).astype(int)
    rows = pd.Index([4, 6, 7])
    got = cleaning._occurrence(pt, "transaction_id", rows).loc[rows]
    pd.testing.assert_series_equal(got, whole.loc[rows])
