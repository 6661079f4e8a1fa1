"""MBG/NBD beside BG/NBD, and a CLV you can check: the model against lifetimes' own code and fit
on CDNOW, recovery of simulated truth, the holdout comparison that picks the report's model,
the cumulative tracking chart, the horizon warning, and one churn figure in report and
workshop.

Reference figures, and where they come from:

* ``LIFETIMES_MBG`` - lifetimes 0.11.3 ``ModifiedBetaGeoFitter().fit(frequency, recency, T)``
  (default settings) on ``cdnow_customers_summary.csv`` (the 2,357-customer cohort, weeks), run
  once from the wheel's code (autograd installed beside it in a scratch folder): parameters
  and ``summary["se(coef)"]``.
* The likelihood, P(alive) and both expectations are compared at arbitrary parameters with the
  functions of ``lifetimes/fitters/modified_beta_geo_fitter.py``, read from the wheel and run
  with numpy in place of autograd (``_lifetimes_mbg``), so the formulas are the reference's,
  not a re-typed copy.
"""
from __future__ import annotations

import ast
import os
import textwrap
import warnings
import zipfile
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.special as sc
from scipy import optimize

import clv_data
import crm_training
from clv_data import cdnow_log
from crm_training.clv import (BetaGeoModel, ModifiedBetaGeoModel, churn_probability,
                              clv_forecast, compare_holdout, holdout_check, rfm_summary,
                              simulate_mbg_nbd)
from crm_training.clv.base import check_rfm
from crm_training.clv.mbg_nbd import _mbg_nbd_negloglik
from crm_training.clv.plotting import HOLDOUT_LABELS, plot_holdout

# lifetimes 0.11.3 ModifiedBetaGeoFitter on the CDNOW cohort (see the module docstring)
LIFETIMES_MBG = {"r": 0.524838, "alpha": 6.182988, "a": 0.891356, "b": 1.614000}
LIFETIMES_MBG_SE = {"r": 0.083264, "alpha": 0.695597, "a": 0.154785, "b": 0.537472}
PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee 2005


# -- the reference code, read from the lifetimes wheel --------------------------------------
def _fitter_source() -> str:
    path = "lifetimes/fitters/modified_beta_geo_fitter.py"
    folder = clv_data._installed()
    if folder is not None and not os.environ.get(clv_data.ENV):
        return (folder.parent / "fitters" / "modified_beta_geo_fitter.py").read_text()
    with zipfile.ZipFile(clv_data.lifetimes_wheel()) as z:
        return z.read(path).decode("utf-8")


@pytest.fixture(scope="module")
def lifetimes_mbg():
    """The methods of lifetimes' ModifiedBetaGeoFitter as plain functions (numpy for
    autograd.numpy; ``self`` is a stand-in that only holds the parameters)."""
    source = _fitter_source()
    cls = next(n for n in ast.parse(source).body
               if isinstance(n, ast.ClassDef) and n.name == "ModifiedBetaGeoFitter")
    space = {"np": np, "log": np.log, "logaddexp": np.logaddexp, "gammaln": sc.gammaln,
             "beta": sc.beta, "gamma": sc.gamma, "hyp2f1": sc.hyp2f1, "warnings": warnings}
    funcs = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            exec(textwrap.dedent(ast.get_source_segment(source, node)), space)  # noqa: S102
            funcs[node.name] = space[node.name]

    def bound(params):
        me = SimpleNamespace(_unload_params=lambda *k: [params[x] for x in k])
        return SimpleNamespace(
            alive=lambda x, t, T: funcs["conditional_probability_alive"](me, x, t, T),
            conditional=lambda ft, x, t, T: funcs[
                "conditional_expected_number_of_purchases_up_to_time"](me, ft, x, t, T),
            new=lambda t: funcs["expected_number_of_purchases_up_to_time"](me, t))

    return SimpleNamespace(nll=funcs["_negative_log_likelihood"], bound=bound)


@pytest.fixture(scope="module")
def mbg_cdnow(cdnow):
    return ModifiedBetaGeoModel().fit(cdnow)


def _arrays(df):
    return (df["frequency"].to_numpy(float), df["recency"].to_numpy(float),
            df["T"].to_numpy(float))


# -- against lifetimes on CDNOW -------------------------------------------------------------
def test_fit_on_cdnow_matches_lifetimes(mbg_cdnow, cdnow, lifetimes_mbg):
    for k, v in LIFETIMES_MBG.items():
        assert mbg_cdnow.params_[k] == pytest.approx(v, rel=1e-3), k
    for k, v in LIFETIMES_MBG_SE.items():
        assert mbg_cdnow.stderr_[k] == pytest.approx(v, rel=0.01), k
    assert mbg_cdnow.converged_ and mbg_cdnow.n_customers_ == 2357
    # lifetimes' own likelihood at our estimates is at least as high as at its own
    x, t, T = _arrays(cdnow)
    w = np.ones(len(x))

    def ref_ll(p):
        return -lifetimes_mbg.nll(np.log([p[k] for k in ("r", "alpha", "a", "b")]), x, t, T, w,
                                  0.0) * len(x)

    assert ref_ll(mbg_cdnow.params_) >= ref_ll(LIFETIMES_MBG) - 1e-6
    assert mbg_cdnow.loglik_ == pytest.approx(ref_ll(mbg_cdnow.params_), abs=1e-6)
    assert mbg_cdnow.loglik_ == pytest.approx(-9582.133, abs=1e-3)
    # the same fit as BG/NBD in likelihood (-9582.4), a very different view of one-time buyers
    bg = BetaGeoModel().fit(cdnow)
    one = cdnow["frequency"].to_numpy() == 0
    assert bg.expected_probability_alive(cdnow)[one].eq(1.0).all()
    alive = mbg_cdnow.expected_probability_alive(cdnow)
    assert alive[one].iloc[0] == pytest.approx(0.38972, abs=1e-5)   # lifetimes: 0.389716
    assert alive.mean() == pytest.approx(0.448724, abs=1e-5)          # lifetimes: 0.448722
    assert mbg_cdnow.expected_purchases(cdnow, 39).sum() == pytest.approx(1576.74, abs=0.05)


@pytest.mark.parametrize("params", [LIFETIMES_MBG, {"r": 0.3, "alpha": 2.0, "a": 1.7, "b": 0.6},
                                    {"r": 2.5, "alpha": 15.0, "a": 0.4, "b": 7.0}])
def test_formulas_equal_the_lifetimes_code(params, cdnow, lifetimes_mbg):
    data = pd.concat([cdnow, pd.DataFrame({"customer_id": [-1, -2], "frequency": [0, 60],
                                           "recency": [0.0, 50.0], "T": [70.0, 70.0]})])
    x, t, T = _arrays(data)
    model = ModifiedBetaGeoModel()
    model.params_ = dict(params)
    theta = np.log([params[k] for k in ("r", "alpha", "a", "b")])
    rows = model._rows(check_rfm(data))
    assert _mbg_nbd_negloglik(theta, rows)[0] == pytest.approx(
        lifetimes_mbg.nll(theta, x, t, T, np.ones(len(x)), 0.0), rel=1e-12)
    ref = lifetimes_mbg.bound(params)
    np.testing.assert_allclose(model.expected_probability_alive(data), ref.alive(x, t, T),
                               rtol=1e-12)
    np.testing.assert_allclose(model.expected_purchases(data, 26.0),
                               ref.conditional(26.0, x, t, T), rtol=1e-9)
    ages = np.array([0.5, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(model.expected_purchases_new_customer(ages), ref.new(ages),
                               rtol=1e-9)


def test_gradient_is_exact(cdnow):
    rows = ModifiedBetaGeoModel()._rows(check_rfm(cdnow))
    rng = np.random.default_rng(4)
    for theta in np.log([0.5, 6.0, 0.9, 1.6]) + rng.normal(0, 0.5, (3, 4)):
        g = _mbg_nbd_negloglik(theta, rows)[1]
        num = optimize.approx_fprime(theta, lambda th: _mbg_nbd_negloglik(th, rows)[0], 1e-7)
        np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-8)


def test_heavy_buyers_stay_finite(mbg_cdnow, lifetimes_mbg):
    heavy = pd.DataFrame({"customer_id": [1, 2, 3], "frequency": [400, 2000, 2000],
                          "recency": [77.9, 77.95, 70.0], "T": [78.0, 78.0, 78.0]})
    pred = mbg_cdnow.expected_purchases(heavy, 52.0).to_numpy()
    alive = mbg_cdnow.expected_probability_alive(heavy).to_numpy()
    ref = lifetimes_mbg.bound(mbg_cdnow.params_)
    x, t, T = _arrays(heavy)
    with np.errstate(all="ignore"):
        direct = ref.conditional(52.0, x, t, T)
    assert direct[0] == pytest.approx(pred[0], rel=1e-9)   # lifetimes' direct formula ...
    assert np.isnan(direct[1]) and np.isfinite(pred).all()  # ... overflows at x = 2000
    # x = 2000: the posterior given the history (lam ~ Gamma(r + x, alpha + T), p ~ Beta(a,
    # b + x + 1) for an active customer), simulated: purchases in the next 52 weeks until the
    # customer drops out after one of them
    p = mbg_cdnow.params_
    rng = np.random.default_rng(2)
    lam = rng.gamma(p["r"] + 2000, 1 / (p["alpha"] + 78.0), 200_000)
    drop = rng.beta(p["a"], p["b"] + 2001, 200_000)
    bought = np.minimum(rng.poisson(52 * lam), rng.geometric(drop))
    assert pred[1] == pytest.approx(alive[1] * bought.mean(),
                                    abs=4 * bought.std() / np.sqrt(len(bought)))
    # one silent for 8 weeks after buying 25 times a week has surely left
    assert alive[2] < 1e-20 and pred[2] < 1e-15


# -- recovery of simulated truth ------------------------------------------------------------
def test_recovers_simulated_parameters_within_their_standard_errors():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    T = np.random.default_rng(1).uniform(52, 104, 20_000)
    model = ModifiedBetaGeoModel().fit(simulate_mbg_nbd(20_000, T, seed=1, **truth))
    for k, v in truth.items():
        assert abs(model.params_[k] - v) < 3 * model.stderr_[k], (k, model.params_[k])
        assert model.params_[k] == pytest.approx(v, rel=0.1), k


def test_one_time_buyers_can_be_gone_and_new_customers_expect_the_simulated_purchases():
    # Holdout purchases and P(alive) by groups of past purchases are checked against the
    # simulated future for all three models in test_clv_models; here what only MBG/NBD has:
    # one-time buyers, whom BG/NBD would call certainly alive, often left at once.
    params = {"r": 0.8, "alpha": 6.0, "a": 1.3, "b": 2.5}
    model = ModifiedBetaGeoModel()
    model.params_ = params
    n = 100_000
    data = simulate_mbg_nbd(n, np.random.default_rng(5).uniform(20, 60, n), seed=5, **params)
    one = data["frequency"] == 0
    assert data["true_alive"][one].mean() < 0.6   # many one-time buyers left at once
    alive = model.expected_probability_alive(data[one]).to_numpy()
    assert abs(alive.mean() - data["true_alive"][one].mean()) < 0.01
    freq = simulate_mbg_nbd(200_000, 40.0, seed=3, **params)["frequency"]
    assert abs(freq.mean() - model.expected_purchases_new_customer(40.0)) < 4 * freq.std() / \
        np.sqrt(len(freq))


def test_p_alive_recovers_the_generators_alive_share_where_bg_nbd_does_not():
    # The kit's generator is a Pareto/NBD process: a customer can be gone before a second
    # purchase. MBG/NBD's mean P(alive) lands near the true share of active customers;
    # BG/NBD's calls every one-time buyer active and overstates it.
    data = crm_training.generate("retail", 5000, seed=7)
    rfm = rfm_summary(data.transactions)
    truth = data.truth["customers"].set_index("customer_id")["alive"]
    alive = truth.reindex(rfm["customer_id"].astype(str)).to_numpy(dtype=bool)
    one = rfm["frequency"].to_numpy() == 0
    mbg = ModifiedBetaGeoModel().fit(rfm).expected_probability_alive(rfm).to_numpy()
    bg = BetaGeoModel().fit(rfm).expected_probability_alive(rfm).to_numpy()
    assert abs(mbg.mean() - alive.mean()) < 0.05
    assert abs(mbg[one].mean() - alive[one].mean()) < 0.08
    assert bg.mean() - alive.mean() > 0.1 and (bg[one] == 1).all()
    assert alive[one].mean() < 0.6


# -- the holdout check and the model choice ------------------------------------------------
@pytest.fixture(scope="module")
def sample_log():
    log = cdnow_log(sample=True)
    return log.assign(transaction_id=[f"t{i}" for i in range(len(log))])


@pytest.fixture(scope="module")
def comparison(sample_log):
    return compare_holdout(sample_log)


def test_holdout_check_of_mbg_nbd_on_the_raw_log_gives_the_lifetimes_fit(comparison):
    check = comparison["checks"]["mbg_nbd"]
    assert check["model_name"] == "MBG/NBD" and check["customers"] == 2357
    est = check["summary"]["estimate"]
    for k, v in LIFETIMES_MBG.items():   # the first 39 weeks are the lifetimes summary
        assert est[k] == pytest.approx(v, rel=0.01), k
    bg = comparison["checks"]["bg_nbd"]
    for k, v in PUBLISHED_BG.items():
        assert bg["summary"]["estimate"][k] == pytest.approx(v, rel=0.01), k
    assert check["actual"] == bg["actual"] == 1882       # holdout repeat purchase days
    # both under-forecast CDNOW's holdout; MBG/NBD more in total, less per customer
    assert bg["error"] == pytest.approx(-0.1215, abs=5e-4)
    assert check["error"] == pytest.approx(-0.1622, abs=5e-4)
    assert bg["per_customer_mae"] == pytest.approx(0.7855, abs=5e-4)
    assert check["per_customer_mae"] == pytest.approx(0.7648, abs=5e-4)


def test_the_choice_follows_the_stated_criterion(sample_log, comparison):
    assert comparison["criterion"] == "mae" and comparison["model"] == "mbg_nbd"
    assert comparison["scores"] == {k: c["per_customer_mae"]
                                    for k, c in comparison["checks"].items()}
    by_total = compare_holdout(sample_log, criterion="total")
    assert by_total["model"] == "bg_nbd"
    assert by_total["scores"]["bg_nbd"] == pytest.approx(0.1215, abs=5e-4)
    with pytest.raises(ValueError, match="criterion"):
        compare_holdout(sample_log, criterion="rmse")
    with pytest.raises(ValueError, match="model must be one of"):
        holdout_check(sample_log, model="pareto")


def test_tracking_counts_the_log_and_sums_the_model(sample_log, comparison):
    check = comparison["checks"]["mbg_nbd"]
    track = check["tracking"]
    model = check["model"]
    cal = check["calibration_weeks"]
    # actual: repeat purchase days of the cohort (each customer's first day left out), counted
    # here with plain pandas
    days = sample_log.drop_duplicates(["customer_id", "timestamp"])
    first = days.groupby("customer_id")["timestamp"].transform("min")
    repeat = days.loc[days["timestamp"] > first, "timestamp"]
    since = (repeat - pd.Timestamp("1997-01-01")).dt.days
    for week in (10.0, 20.0, 39.0, 60.0):
        assert track.loc[week, "actual"] == (since <= week * 7).sum(), week
    assert track.loc[cal, "actual"] == check["calibration_actual"] == 2457
    assert track["actual"].iloc[-1] == 2457 + check["actual"]
    assert track["forecast"].iloc[-1] == pytest.approx(2457 + check["predicted"], rel=1e-9)
    assert track["forecast"][track.index < cal].isna().all()
    # model: every customer's new-customer expectation from the first purchase day, summed
    split_T = days.groupby("customer_id")["timestamp"].min().rsub(
        pd.Timestamp("1997-09-30")).dt.days / 7
    assert track.loc[cal, "model"] == pytest.approx(
        model.expected_purchases_new_customer(split_T.to_numpy()).sum(), rel=1e-9)
    assert track["model"].iloc[-1] == pytest.approx(
        model.expected_purchases_new_customer(split_T.to_numpy() + check["weeks"]).sum(),
        rel=1e-9)
    assert track["actual"].is_monotonic_increasing and track["model"].is_monotonic_increasing


def test_plot_holdout_draws_the_tracking_in_either_language(comparison):
    check = comparison["checks"]["mbg_nbd"]
    fig, axes = plt.subplots(1, 2)
    for ax, language in zip(axes, ("en", "zh")):
        plot_holdout(check, language=language, ax=ax)
        words = HOLDOUT_LABELS[language]
        assert ax.get_title() == words["title"].format(model="MBG/NBD")
        assert ax.get_xlabel() == words["x_weeks"] and ax.get_ylabel() == words["y"]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[:3] == [words["actual"], words["model"], words["forecast"]]
        lines = ax.get_lines()
        np.testing.assert_allclose(lines[0].get_ydata(), check["tracking"]["actual"])
        np.testing.assert_allclose(lines[1].get_ydata(), check["tracking"]["model"])
        stated = ax.texts[0].get_text()
        assert "1,577" in stated and "1,882" in stated and "-16.2%" in stated
    assert "保留期" in axes[1].texts[0].get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="language"):
        plot_holdout(check, language="fr")
    with pytest.raises(ValueError, match="tracking"):
        plot_holdout({k: v for k, v in check.items() if k != "tracking"})


def test_forecast_says_which_model_and_warns_of_a_long_horizon(sample_log):
    fc = clv_forecast(sample_log, months=36)
    assert fc.selection["model"] == "mbg_nbd" and fc.selection["basis"] == "holdout"
    assert fc.selection["name"] == "MBG/NBD" and isinstance(fc.model, ModifiedBetaGeoModel)
    assert fc.selection["check"] is fc.selection["checks"]["mbg_nbd"]
    assert fc.horizon == {"horizon_months": 36, "history_months": 17.9, "warning": True}
    assert clv_forecast(sample_log, months=24).horizon["warning"] is False
    table, rfm, model, _ = fc               # still unpacks as before
    assert model is fc.model and len(table) == len(rfm) == 2357
    bg = clv_forecast(sample_log, months=24, model="bg_nbd")
    assert bg.selection["basis"] == "given" and isinstance(bg.model, BetaGeoModel)
    # the same customers, the other model: the P(alive) of one-time buyers is the difference
    one = (rfm["frequency"] == 0).to_numpy()
    assert (bg.table["p_alive"].to_numpy()[one] == 1).all()
    assert table["p_alive"].to_numpy()[one].max() < 0.6


def test_without_a_holdout_check_the_better_likelihood_decides():
    # every repeat purchase falls after the middle of the log: the calibration half has none,
    # so neither model can be checked on a holdout; the whole log still fits both
    rng = np.random.default_rng(0)
    n = 300
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 150, n), unit="D")
    again = pd.Timestamp("2024-07-01") + pd.to_timedelta(rng.integers(0, 180, 2 * n), unit="D")
    who = rng.integers(0, n, 2 * n)
    tx = pd.DataFrame({"customer_id": np.r_[np.arange(n), who].astype(str),
                       "timestamp": np.r_[first.to_numpy(), again.to_numpy()],
                       "amount": rng.gamma(2.0, 20.0, 3 * n)})
    tx.loc[len(tx)] = ["0", pd.Timestamp("2024-12-31"), 10.0]
    fc = clv_forecast(tx, months=12)
    assert fc.selection["basis"] == "likelihood" and fc.selection["check"] is None
    assert set(fc.selection["failed"]) == {"bg_nbd", "mbg_nbd"}
    ll = fc.selection["loglik"]
    assert fc.selection["model"] == max(ll, key=ll.get)


# -- one churn figure in report and workshop ------------------------------------------------
@pytest.fixture(scope="module")
def cdnow_client():
    log = cdnow_log()            # the master log: 23,570 customers of 1997's first quarter
    log = log.assign(transaction_id=[f"t{i}" for i in range(len(log))])
    return crm_training.CRMData(customers=pd.DataFrame({"customer_id": log["customer_id"]
                                                        .unique()}), transactions=log)


def test_report_and_workshop_show_one_churn_figure_on_cdnow(cdnow_client):
    from crm_training.report.findings import compute_findings
    from crm_training.workshop.analysis import WorkshopData, segment_customers

    f = compute_findings(cdnow_client, horizon_months=36)
    c = f.clv
    assert c["model_name"] == "MBG/NBD" and c["model_choice"]["basis"] == "holdout"
    assert c["model_choice"]["criterion"] == "mae"
    assert c["horizon_warning"] == {"horizon_months": 36, "history_months": 17.9}
    table = c["table"]
    pd.testing.assert_series_equal(table["churn_probability"], churn_probability(table))
    assert c["one_time_share"] == pytest.approx(0.511, abs=1e-3)
    # the report's "probably lost": P(alive) below 0.5 of the chosen model
    assert c["at_risk_share"] == pytest.approx((table["p_alive"] < 0.5).mean())
    assert c["alternative"]["model_name"] == "BG/NBD"
    assert c["alternative"]["one_time_mean_p_alive"] == 1.0   # BG/NBD: all one-timers alive
    assert c["at_risk_share"] > 3 * c["alternative"]["at_risk_share"]

    work = WorkshopData(cdnow_client, clv_months=36)
    pd.testing.assert_series_equal(work.churn_risk(), churn_probability(table),
                                   check_names=False)
    a = segment_customers(work).assignment
    for group in ("high", "medium", "potential"):
        ids = a.index[a["value_tier"] == group]
        shown = a.loc[ids, "churn_probability"].mean()          # the workshop's tier figure
        assert shown == pytest.approx(1 - table.loc[ids, "p_alive"].mean(), abs=1e-4), group
    tiers = segment_customers(work).tiers
    assert tiers.loc["high", "mean_churn_probability"] == pytest.approx(
        1 - table.loc[a.index[a["value_tier"] == "high"], "p_alive"].mean(), abs=1e-4)


def test_a_chosen_model_that_cannot_fit_the_whole_log_falls_back(sample_log, monkeypatch):
    # MBG/NBD wins the holdout; if its fit of the whole log gave no usable P(alive), the
    # forecast says so and uses BG/NBD rather than failing
    def broken(self, data):
        return pd.Series(np.nan, index=pd.Index(data["customer_id"]))

    monkeypatch.setattr(ModifiedBetaGeoModel, "expected_probability_alive", broken)
    fc = clv_forecast(sample_log, months=12)
    assert fc.selection["basis"] == "fallback" and fc.selection["model"] == "bg_nbd"
    assert "MBG/NBD fit is degenerate" in fc.selection["failed"]["mbg_nbd"]
    assert fc.selection["check"] is fc.selection["checks"]["bg_nbd"]
    assert np.isfinite(fc.table.to_numpy()).all()
    with pytest.raises(ValueError, match="no lifetime value can be forecast"):
        clv_forecast(sample_log, months=12, model="mbg_nbd")
