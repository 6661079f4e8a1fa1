"""Experiments: known values of the tests, sample size and power, difference-in-differences, and
recovery of the generator's true effects over many seeds (95% intervals cover the truth)."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import crm_training
from crm_training.evaluation import (ab_test, campaign_conversion, difference_in_differences,
                                     mean_difference_test, pilot_did, power_means,
                                     power_proportions, sample_size_means,
                                     sample_size_proportions, two_proportion_test)


# ----------------------------------------------------------------------------- known values
def test_two_proportion_test_by_hand():
    r = two_proportion_test(50, 100, 60, 100)
    assert r["difference"] == pytest.approx(0.10)
    assert r["se"] == pytest.approx(math.sqrt(0.5 * 0.5 / 100 + 0.6 * 0.4 / 100))
    se0 = math.sqrt(0.55 * 0.45 * (2 / 100))
    assert r["z"] == pytest.approx(0.10 / se0)
    assert r["p_value"] == pytest.approx(0.15518, abs=1e-4)
    assert r["ci_low"] == pytest.approx(0.10 - 1.959964 * r["se"], abs=1e-6)
    assert r["relative_lift"] == pytest.approx(0.2)


def test_two_proportion_test_bad_input():
    with pytest.raises(ValueError, match="exceed"):
        two_proportion_test(11, 10, 5, 10)
    with pytest.raises(ValueError, match="n_a"):
        two_proportion_test(0, 0, 5, 10)
    with pytest.raises(ValueError, match="alpha"):
        two_proportion_test(1, 10, 5, 10, alpha=1.5)


def test_mean_difference_matches_welch():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 40), rng.normal(0.5, 2, 60)
    r = mean_difference_test(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert r["t"] == pytest.approx(ref.statistic)
    assert r["p_value"] == pytest.approx(ref.pvalue)
    assert r["difference"] == pytest.approx(b.mean() - a.mean())
    with pytest.raises(ValueError, match="two numeric"):
        mean_difference_test([1.0], [1.0, 2.0])


def test_sample_size_by_hand():
    # Fleiss without continuity correction, 10% -> 12%, alpha 5%, power 80%
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = (za * math.sqrt(2 * 0.11 * 0.89) + zb * math.sqrt(0.1 * 0.9 + 0.12 * 0.88)) ** 2 / 0.02 ** 2
    assert sample_size_proportions(0.10, 0.02) == math.ceil(n) == 3841
    assert sample_size_means(1.0, 0.2) == math.ceil(2 * (za + zb) ** 2 / 0.04) == 393
    # power at the sample size reaches the target, and falls with fewer customers
    assert power_proportions(0.10, 0.02, 3841) == pytest.approx(0.8, abs=0.002)
    assert power_proportions(0.10, 0.02, 1000) < 0.4
    assert power_means(1.0, 0.2, 393) == pytest.approx(0.8, abs=0.002)
    with pytest.raises(ValueError, match="p_control"):
        sample_size_proportions(0.99, 0.05)
    with pytest.raises(ValueError, match="power"):
        sample_size_means(1.0, 0.2, power=1.2)


def _panel():
    # 2x2 cells with known means: control 1 -> 2, treated 1 -> 4: DiD = 2
    y = [0.5, 1.5, 1.5, 2.5, 0.0, 2.0, 3.0, 5.0]
    return pd.DataFrame({"y": y, "treated": [0, 0, 0, 0, 1, 1, 1, 1],
                         "post": [0, 0, 1, 1, 0, 0, 1, 1], "unit": [1, 2, 1, 2, 3, 4, 3, 4],
                         "row": range(8)})


def test_did_estimate_and_robust_se_by_hand():
    d = _panel()
    r = difference_in_differences(d, "y", "treated", "post")
    assert r["estimate"] == pytest.approx(2.0)
    # HC1 of a saturated 2x2 model: n/(n-k) * sum over cells of (ML variance / cell size)
    cells = d.groupby(["treated", "post"])["y"]
    var = (cells.apply(lambda v: ((v - v.mean()) ** 2).sum()) / cells.size() ** 2).sum()
    assert r["se"] == pytest.approx(math.sqrt(8 / 4 * var))
    assert r["means"].loc["treated", "after"] == pytest.approx(4.0)
    # clustering on single rows is HC1 again
    r1 = difference_in_differences(d, "y", "treated", "post", cluster="row")
    assert r1["se"] == pytest.approx(r["se"])


def test_did_fixed_effects_equal_pooled_on_a_balanced_panel():
    d = _panel()
    fe = difference_in_differences(d, "y", "treated", "post", unit="unit")
    assert fe["estimate"] == pytest.approx(2.0)


def test_did_needs_four_cells():
    d = _panel().query("not (treated == 1 and post == 1)")
    with pytest.raises(ValueError, match="four"):
        difference_in_differences(d, "y", "treated", "post")
    with pytest.raises(ValueError, match="missing"):
        difference_in_differences(d, "y", "group", "post")


def test_unknown_experiment_is_named():
    data = crm_training.generate("retail", 300, seed=1)
    with pytest.raises(ValueError, match="no experiment 'nope'"):
        ab_test(data, "nope")


# ------------------------------------------------------------------- ground-truth recovery
SEEDS = range(40)


@pytest.fixture(scope="module")
def runs():
    """40 small companies; the campaign covers 80% of customers so every run is informative."""
    out = []
    for seed in SEEDS:
        data = crm_training.generate("retail", 3000, seed=seed, campaign_share=0.8,
                                     campaign_uplift=0.15)
        truth = data.truth["interventions"].set_index(["name", "metric"])["true_effect"]
        out.append((ab_test(data), truth["campaign_ab", "conversion_30d"],
                    pilot_did(data), truth["service_upgrade_pilot", "csat"]))
    return out


def test_ab_test_intervals_cover_the_true_effect(runs):
    covered = [r["ci_low"] <= truth <= r["ci_high"] for r, truth, _, _ in runs]
    assert np.mean(covered) >= 0.9
    # and the estimates centre on the truth (no bias beyond noise)
    errors = np.array([r["difference"] - truth for r, truth, _, _ in runs])
    assert abs(errors.mean()) < 2 * errors.std() / np.sqrt(len(errors))


def test_pilot_did_intervals_cover_the_true_effect(runs):
    covered = [r["ci_low"] <= truth <= r["ci_high"] for _, _, r, truth in runs]
    assert np.mean(covered) >= 0.9
    z = np.array([(r["estimate"] - truth) / r["se"] for _, _, r, truth in runs])
    assert abs(z.mean()) < 0.5


def test_campaign_conversion_counts_orders_in_the_window():
    data = crm_training.generate("retail", 1500, seed=4, campaign_share=0.8)
    conv = campaign_conversion(data)
    exp = data.experiments.query("experiment_id == 'campaign_ab'")
    assert len(conv) == len(exp)
    start = exp["start_date"].iloc[0]
    tx = data.transactions
    later = tx[(~tx["is_return"]) & (tx["timestamp"] >= start + pd.Timedelta(days=31))]
    only_later = set(later["customer_id"]) - set(conv.loc[conv["converted"], "customer_id"])
    # a customer whose only orders are after the window is not converted
    assert not conv.loc[conv["customer_id"].isin(only_later), "converted"].any()
