"""The generator's fast paths give exactly what the plain numpy they replace gives.

Seeded data must stay identical byte for byte, so each shortcut (packed-key sort, comparison
counts instead of searchsorted, column-wise row draws, ids written in blocks, gathered id bytes,
in-place timestamps) is checked value for value against the straightforward expression.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crm_training.datagen import core, people, purchases


@pytest.mark.parametrize("case", ["uniform", "ties", "dense", "clustered"])
def test_time_order_is_argsort(case):
    rng = np.random.default_rng(3)
    m = 120_000
    t = {"uniform": rng.random(m) * 1096,
         "ties": np.round(rng.random(m) * 1096, 3),  # many exact ties: argsort's own order
         "dense": 5 + rng.random(m) * 1e-9,  # keys that quantise alike
         "clustered": np.r_[rng.random(m // 2), 1e6 + rng.random(m // 2)]}[case]
    assert np.array_equal(core.time_order(t), np.argsort(t))


def test_pick_matches_searchsorted():
    for k in (2, 6, 20, 40):
        w = np.random.default_rng(k).random(k) + 0.01
        cum = np.cumsum(w / w.sum())
        expected = np.searchsorted(cum, np.random.default_rng(9).random(50_000),
                                   side="right").clip(max=k - 1)
        assert np.array_equal(core.pick(np.random.default_rng(9), w, 50_000), expected)


@pytest.mark.parametrize("k", [2, 4, 7, 9])
def test_pick_rows_columns_match_the_matrix(k):
    rng = np.random.default_rng(k)
    probs = rng.random((30_000, k)) * rng.random((30_000, 1))
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    expected = (np.random.default_rng(1).random((30_000, 1)) > cum).sum(axis=1).clip(max=k - 1)
    cols = [probs[:, j].copy() for j in range(k)]
    assert np.array_equal(core.pick_rows(np.random.default_rng(1), probs), expected)
    assert np.array_equal(core.pick_rows(np.random.default_rng(1), cols), expected)


@pytest.mark.parametrize("n,width", [(9_999, 4), (10_000, 5), (123_456, 8), (20_001, 9)])
def test_make_ids_in_blocks_equals_formatting(n, width):
    fast = people.make_ids("T", n, width)
    slow = people.format_ids("T", np.arange(1, n + 1), width)
    assert fast.equals(slow)
    assert fast.to_pylist()[-1] == f"T{n:0{width}d}"


def test_gathered_id_bytes_equal_arrow_take():
    ids = people.make_ids("C", 50_000, 7)
    idx = np.random.default_rng(0).integers(0, 50_000, 70_000)
    valid = np.random.default_rng(1).random(70_000) < 0.3
    rows = people.fixed_rows(ids)
    assert people.take_rows(rows, idx).equals(ids.take(pa.array(idx)))
    assert people.take_rows(rows, idx, valid).equals(ids.take(pa.array(idx, mask=~valid)))
    depth = np.random.default_rng(2).integers(1, 4, 50_000)
    assert people.repeat_rows(rows, depth).equals(ids.take(pa.array(np.repeat(np.arange(50_000),
                                                                             depth))))


def test_strings_of_one_width_share_their_offsets():
    a, b = people.make_ids("K", 30_000, 7), people.make_ids("S", 20_000, 7)
    assert a.buffers()[1].address == b.buffers()[1].address
    assert b.to_pylist()[:2] == ["S0000001", "S0000002"]


def test_timestamps_in_place_equal_the_plain_conversion():
    data = core.generate("retail", 50, seed=1)
    t = np.r_[np.random.default_rng(0).random(100_000) * 1000, 0.0, 999.9999999]
    start = pd.Timestamp(data.meta["start"])
    plain = (np.datetime64(start.to_datetime64(), "s")
             + np.round(t * 86400.0).astype(np.int64).astype("timedelta64[s]")).astype(
        "datetime64[ns]")

    class P:  # just what timestamps() reads
        pass

    pop = P()
    pop.start = start
    assert np.array_equal(core.Population.timestamps(pop, t), plain)
    assert np.array_equal(core.Population.timestamps(pop, t.copy(), overwrite=True), plain)
    with np.errstate(invalid="ignore"):
        nan = core.Population.timestamps(pop, np.array([1.0, np.nan]))
    assert np.isnat(nan[1]) and nan[0] == np.datetime64(start + pd.Timedelta(days=1))


def test_piecewise_inverse_with_counts_equals_the_gather():
    rng = np.random.default_rng(5)
    n = 5_000
    breaks = np.c_[np.where(rng.random(n) < 0.5, rng.random(n) * 500, np.inf),
                   np.where(rng.random(n) < 0.5, rng.random(n) * 500, np.inf)]
    rate = purchases.PiecewiseRate(rng.random(n) / 30, breaks, np.c_[np.full(n, 1.3),
                                                                     np.full(n, 0.7)])
    t0 = rng.random(n) * 100
    counts = rng.poisson(5, n)
    owner = np.repeat(np.arange(n), counts)
    h = rng.random(owner.size) * 40
    slow = purchases.PiecewiseRate(rate.base, breaks, rate.factors).inverse(t0, h, owner=owner)
    assert np.array_equal(rate.inverse(t0, h, owner=owner, counts=counts), slow)
