"""RFM scores, tie handling, fixed thresholds and the named segment grid."""
import numpy as np
import pandas as pd
import pytest

from crm_training.segmentation.features import customer_features, percentile_scores
from crm_training.segmentation.rfm import (RFM_SEGMENT_GRID, RFM_SEGMENT_LABELS_ZH, RFM_SEGMENTS,
                                            rfm_eight_classes, rfm_scores, rfm_segment,
                                            rfm_segment_summary)


def _features(recency, frequency, monetary):
    n = len(recency)
    return pd.DataFrame({"recency_days": recency, "frequency": frequency, "monetary": monetary},
                        index=pd.Index([f"c{i:02d}" for i in range(n)], name="customer_id"))


def test_percentile_scores_quintiles_and_direction():
    s = pd.Series(np.arange(10.0))
    assert percentile_scores(s).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert percentile_scores(s, higher_is_better=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert percentile_scores(s, q=2).tolist() == [1] * 5 + [2] * 5


def test_ties_average_share_a_score_first_splits_them():
    # six one-order customers, then 2, 3, 5, 8 orders
    s = pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 5, 8])
    avg = percentile_scores(s, ties="average")
    # mid-rank of the six ties is 3.5 -> floor(5 * 3 / 10) + 1 = 2
    assert avg.tolist() == [2] * 6 + [4, 4, 5, 5]
    first = percentile_scores(s, ties="first")
    assert first.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with pytest.raises(ValueError, match="ties"):
        percentile_scores(s, ties="dense")


def test_edge_cases_one_customer_all_equal_and_missing():
    assert percentile_scores(pd.Series([7.0])).tolist() == [3]
    assert percentile_scores(pd.Series([2.0] * 6)).tolist() == [3] * 6
    out = percentile_scores(pd.Series([1.0, np.nan, 3.0]))
    assert out.isna().tolist() == [False, True, False]
    scores = rfm_scores(_features([10], [1], [5.0]))
    assert scores[["R", "F", "M"]].iloc[0].tolist() == [3, 3, 3]
    assert scores["segment"].iloc[0] == "Need attention"


def test_rfm_scores_hand_case_and_segment_names():
    f = _features([5, 40, 100, 200, 400], [12, 6, 3, 2, 1], [900.0, 400, 150, 80, 20])
    s = rfm_scores(f)
    assert s["rfm"].tolist() == ["555", "444", "333", "222", "111"]
    assert s["segment"].astype(str).tolist() == ["Champions", "Loyal", "Need attention",
                                                 "Hibernating", "Lost"]
    assert s["segment_zh"].tolist()[0] == "冠军客户"
    assert s["rfm_total"].tolist() == [15, 12, 9, 6, 3]


def test_fm_rounds_half_up_and_grid_lookups():
    # F=4, M=5 -> FM = floor(4.5 + 0.5) = 5; F=1, M=2 -> 2
    r = pd.Series([5, 5, 1, 2, 3, 4])
    fm = pd.Series([1, 5, 1, 5, 3, 1])
    assert rfm_segment(r, fm).astype(str).tolist() == [
        "New", "Champions", "Lost", "Cannot lose them", "Need attention", "Promising"]
    assert set(RFM_SEGMENT_GRID.to_numpy().ravel()) == set(RFM_SEGMENTS)
    assert set(RFM_SEGMENT_LABELS_ZH) == set(RFM_SEGMENTS)
    with pytest.raises(ValueError, match="no segment"):
        rfm_segment(pd.Series([6]), pd.Series([1]))


def test_custom_thresholds_boundaries():
    f = _features([0, 30, 31, 90, 365, 366], [1, 2, 3, 5, 10, 11], [0.0, 1, 2, 3, 4, 5])
    s = rfm_scores(f, thresholds={"R": [30, 90, 180, 365], "F": [2, 3, 5, 10]})
    # R: <= 30 -> 5, <= 90 -> 4, <= 180 -> 3, <= 365 -> 2, beyond -> 1
    assert s["R"].tolist() == [5, 5, 4, 4, 2, 1]
    # F: 1 + number of cut points reached (>=)
    assert s["F"].tolist() == [1, 2, 3, 4, 5, 5]
    # M stays quantile-based
    assert s["M"].tolist() == percentile_scores(f["monetary"]).tolist()


@pytest.mark.parametrize("bad, msg", [({"R": [1, 2, 3]}, "4 cut points"),
                                      ({"F": [1, 3, 2, 4]}, "strictly increasing"),
                                      ({"X": [1, 2, 3, 4]}, "keys")])
def test_bad_thresholds_named(bad, msg):
    with pytest.raises(ValueError, match=msg):
        rfm_scores(_features([1, 2], [1, 2], [1.0, 2]), thresholds=bad)


def test_missing_columns_and_single_day_of_data():
    tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [10.0, 20, 30],
                       "timestamp": pd.to_datetime(["2025-03-01 09:00", "2025-03-01 12:00",
                                                    "2025-03-01 18:00"])})
    s = rfm_scores(tx)
    assert (s["recency_days"] < 1).all()  # as_of = the day after the last order
    assert s["F"].tolist() == [3, 3, 3]  # one order each: all tied in the middle
    assert s["M"].tolist() == [1, 3, 5]
    with pytest.raises(ValueError, match="timestamp"):
        rfm_scores(tx.drop(columns="timestamp"))


def test_features_respect_as_of_and_returns():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-10", "2025-02-10", "2025-01-05"]),
        "amount": [100.0, -30, 50, 20], "is_return": [False, True, False, False],
        "category": ["x", "x", "y", "z"]})
    f = customer_features(tx, as_of="2025-02-01")
    assert f.loc["a", "frequency"] == 1 and f.loc["a", "monetary"] == 70.0
    assert f.loc["a", "recency_days"] == 31.0
    assert f.loc["a", "n_categories"] == 1
    assert np.isnan(f.loc["a", "profit"])  # no cost column: unknown, not zero
    unknown = tx.assign(is_return=pd.array([pd.NA, pd.NA, False, pd.NA], dtype="boolean"))
    pd.testing.assert_frame_equal(customer_features(unknown, as_of="2025-02-01"), f)  # by sign


def test_segments_on_generated_data_track_truth():
    import crm_training
    data = crm_training.generate("retail", 3000, seed=5)
    s = rfm_scores(data)
    # quintiles: with ties="average" every score level is used for R and M
    assert set(s["R"]) == {1, 2, 3, 4, 5} and set(s["M"]) == {1, 2, 3, 4, 5}
    truth = data.truth["customers"].set_index("customer_id")
    seg = truth["segment"].reindex(s.index).astype(str)
    champions = s["segment"] == "Champions"
    lost = s["segment"] == "Lost"
    # champions are mostly alive high-rate customers; the lost are mostly gone
    assert truth["alive"].reindex(s.index)[champions].mean() > 0.85
    assert truth["alive"].reindex(s.index)[lost].mean() < 0.4
    assert (seg[champions] == "vip").mean() > 3 * (seg == "vip").mean()
    summary = rfm_segment_summary(s)
    assert summary["customers"].sum() == len(s)
    assert summary.loc["Champions", "revenue_share"] > summary.loc["Champions", "customer_share"]


def test_eight_classes():
    f = _features([5, 300, 10, 250], [9, 8, 1, 1], [900.0, 800, 20, 900])
    out = rfm_eight_classes(f)
    assert out["class"].tolist() == ["important value", "important retention",
                                     "general development", "important win-back"]
    with pytest.raises(ValueError, match="reference"):
        rfm_eight_classes(f, reference="mode")


def test_unparsed_dates_and_text_amounts_are_named():
    tx = pd.DataFrame({"customer_id": ["a"], "timestamp": ["2025-01-01"], "amount": [1.0]})
    with pytest.raises(ValueError, match="timestamp"):
        rfm_scores(tx)
    tx = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2025-01-01"]),
                       "amount": ["1.0"]})
    with pytest.raises(ValueError, match="amount"):
        rfm_scores(tx)
    with pytest.raises(TypeError, match="CRMData"):
        rfm_scores([1, 2, 3])
