"""BG/NBD, Pareto/NBD and Gamma-Gamma: published CDNOW estimates, exact formulas, recovery of
simulated truth, robustness and clear errors."""
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize
from scipy.special import gammaln, hyp2f1
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import clv_data
from clv_data import cdnow_summary, cdnow_with_spend
from crm_training.clv import (BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel,
                              ParetoNBDModel, simulate_bg_nbd, simulate_gamma_gamma,
                              simulate_mbg_nbd, simulate_pareto_nbd)
from crm_training.clv.base import check_rfm
from crm_training.clv.beta_geo import _bg_nbd_negloglik, _bg_nbd_negloglik_reference
from crm_training.clv.gamma_gamma import _gamma_gamma_negloglik
from crm_training.clv.pareto_nbd import _pieces


def rel_err(fitted: dict, truth: dict) -> dict:
    return {k: abs(fitted[k] / v - 1) for k, v in truth.items()}


@pytest.fixture(scope="module")
def bg_cdnow(cdnow):
    return BetaGeoModel().fit(cdnow)


@pytest.fixture(scope="module")
def pareto_cdnow(cdnow):
    return ParetoNBDModel().fit(cdnow)


def one(x, t, T, cid="c"):
    return pd.DataFrame({"customer_id": [cid], "frequency": [x], "recency": [t], "T": [T]})


# -- published CDNOW estimates (Fader, Hardie & Lee 2005) -------------------------------------
def test_bg_nbd_matches_published_cdnow_estimates(bg_cdnow):
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert max(rel_err(bg_cdnow.params_, published).values()) < 0.01
    assert bg_cdnow.loglik_ == pytest.approx(-9582.4, abs=0.1)
    assert bg_cdnow.converged_ and bg_cdnow.n_customers_ == 2357


def test_pareto_nbd_matches_published_cdnow_estimates(pareto_cdnow):
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    assert max(rel_err(pareto_cdnow.params_, published).values()) < 0.01
    assert pareto_cdnow.loglik_ == pytest.approx(-9595.0, abs=0.1)


def test_standard_errors_match_the_reference_on_cdnow(bg_cdnow, pareto_cdnow):
    # Standard errors from the observed information, as lifetimes reports them for CDNOW.
    reference = {"r": 0.0126, "alpha": 0.378, "a": 0.186, "b": 0.705}
    for k, v in reference.items():
        assert bg_cdnow.stderr_[k] == pytest.approx(v, rel=0.01), k
    pareto = {"r": 0.048, "alpha": 0.843, "s": 0.189, "beta": 6.21}
    for k, v in pareto.items():
        assert pareto_cdnow.stderr_[k] == pytest.approx(v, rel=0.03), k
    table = bg_cdnow.summary()
    assert list(table.columns) == ["estimate", "std_error", "ci_low", "ci_high"]
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()


def test_gamma_gamma_matches_published_cdnow_estimates():
    model = GammaGammaModel().fit(cdnow_with_spend())
    published = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert max(rel_err(model.params_, published).values()) < 0.01
    assert model.params_["v"] == model.params_["gamma"]
    assert model.n_customers_ == 946  # only the customers with repeat purchases


def test_bg_nbd_conditional_expectation_of_the_paper(bg_cdnow):
    # FHL 2005: customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
    value = bg_cdnow.expected_purchases(one(2, 30.43, 38.86), future_t=39).iloc[0]
    assert value == pytest.approx(1.226, abs=0.001)


def test_cdnow_predictions_add_up_to_the_cohort(bg_cdnow, pareto_cdnow, cdnow):
    # Both models expect the cohort's next 39 weeks at a similar, plausible total
    # (the cohort made 1,882 repeat purchases in the 39 weeks after its first 39 weeks).
    bg = bg_cdnow.expected_purchases(cdnow, 39).sum()
    pn = pareto_cdnow.expected_purchases(cdnow, 39).sum()
    assert 1500 < bg < 1900 and 1500 < pn < 1900
    assert abs(bg - pn) / bg < 0.05


def test_missing_wheel_fails_loudly_with_the_command(monkeypatch, tmp_path):
    # CI must never skip the CDNOW tests silently: a wrong path fails and says how to get it.
    monkeypatch.setenv(clv_data.ENV, str(tmp_path / "nowhere.whl"))
    with pytest.raises(pytest.fail.Exception, match="pip download --no-deps lifetimes==0.11.3"):
        clv_data.lifetimes_wheel.__wrapped__()


# -- exact formulas ---------------------------------------------------------------------------
def test_bg_nbd_gradient_is_exact(cdnow):
    rows = BetaGeoModel()._rows(check_rfm(cdnow))
    theta = np.log([0.5, 3.0, 1.2, 2.0])
    analytic = _bg_nbd_negloglik(theta, rows)[1]
    numeric = optimize.approx_fprime(theta, lambda th: _bg_nbd_negloglik(th, rows)[0], 1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


def test_bg_nbd_fast_likelihood_equals_the_term_by_term_form(cdnow):
    data = pd.concat([cdnow, simulate_bg_nbd(3000, 52.0, r=0.3, alpha=4.0, a=0.8, b=2.5, seed=9)])
    rows = BetaGeoModel()._rows(check_rfm(data))
    for theta in (np.log([0.5, 3.0, 1.2, 2.0]), np.log([2.0, 30.0, 0.3, 9.0])):
        fast, ref = _bg_nbd_negloglik(theta, rows), _bg_nbd_negloglik_reference(theta, rows)
        assert fast[0] == pytest.approx(ref[0], rel=1e-12)
        np.testing.assert_allclose(fast[1], ref[1], rtol=1e-9, atol=1e-13)


def test_large_data_take_the_warm_start_path_to_the_same_estimates():
    # Above 200,000 distinct rows the fit starts from a sample; it must end where a plain
    # L-BFGS fit on all rows ends.
    data = simulate_bg_nbd(250_000, np.random.default_rng(3).uniform(30, 100, 250_000),
                           r=0.6, alpha=5.0, a=0.8, b=2.5, seed=3)
    model = BetaGeoModel().fit(data)
    rows = model._rows(check_rfm(data))
    plain = model._minimize(rows, np.log(model._initial(rows)), tol=1e-12)
    for k, v in zip(model._param_names, np.exp(plain.x)):
        assert model.params_[k] == pytest.approx(v, rel=1e-5)


@pytest.mark.parametrize("kind", ["bg", "pareto", "gg"])
def test_warm_start_path_of_every_model(kind, monkeypatch):
    # Force the large-data path (sample fit, then the full data) on small data: same estimates.
    T = np.random.default_rng(6).uniform(30, 90, 4000)
    if kind == "bg":
        model, data = BetaGeoModel(), simulate_bg_nbd(4000, T, 0.8, 6.0, 1.3, 2.5, seed=6)
    elif kind == "pareto":
        model, data = ParetoNBDModel(), simulate_pareto_nbd(4000, T, 0.8, 6.0, 0.9, 20.0, seed=6)
    else:
        x = np.random.default_rng(6).integers(1, 8, 4000)
        data = pd.DataFrame({"customer_id": np.arange(4000), "frequency": x,
                             "monetary_value": simulate_gamma_gamma(x, 6.0, 4.0, 15.0, seed=6)})
        model = GammaGammaModel()
    plain = clone(model).fit(data).params_
    monkeypatch.setattr("crm_training.clv.base._WARM_START_ROWS", 1000)
    warm = model.fit(data).params_
    rel = 1e-3 if kind == "pareto" else 1e-4  # Pareto/NBD: finite-difference gradient
    for k, v in plain.items():
        assert warm[k] == pytest.approx(v, rel=rel), k


def test_gamma_gamma_gradient_is_exact():
    model = GammaGammaModel()
    rows = model._rows(model._check(cdnow_with_spend()))
    theta = np.log([3.0, 2.0, 10.0])
    analytic = _gamma_gamma_negloglik(theta, rows)[1]
    numeric = optimize.approx_fprime(theta, lambda th: _gamma_gamma_negloglik(th, rows)[0], 1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("x,t,T,future", [(0, 0.0, 20.0, 10.0), (3, 12.5, 30.0, 52.0),
                                          (12, 29.0, 30.0, 5.0)])
def test_bg_nbd_euler_transform_equals_textbook_formula(x, t, T, future):
    m = BetaGeoModel()
    m.params_ = {"r": 0.7, "alpha": 6.0, "a": 1.4, "b": 3.0}
    r, alpha, a, b = 0.7, 6.0, 1.4, 3.0
    z = future / (alpha + T + future)
    textbook = ((a + b + x - 1) / (a - 1)
                * (1 - ((alpha + T) / (alpha + T + future)) ** (r + x)
                   * hyp2f1(r + x, b + x, a + b + x - 1, z))
                / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t)) ** (r + x)))
    assert m.expected_purchases(one(x, t, T), future).iloc[0] == pytest.approx(textbook, rel=1e-9)


@pytest.mark.parametrize("params", [
    {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7},   # alpha < beta branch
    {"r": 1.3, "alpha": 20.0, "s": 0.9, "beta": 4.0},     # alpha >= beta branch
])
@pytest.mark.parametrize("x,t,T", [(0, 0.0, 30.0), (2, 20.0, 38.9), (6, 8.0, 25.0)])
def test_pareto_nbd_likelihood_equals_numerical_integral(params, x, t, T):
    r, alpha, s, beta = params["r"], params["alpha"], params["s"], params["beta"]

    # Mixed over lambda in closed form, over the death time tau numerically (FH 2005, eq. 4):
    # L = G [ (alpha+T)^-(r+x) (beta/(beta+T))^s + int_t^T (alpha+u)^-(r+x) s beta^s
    #     (beta+u)^-(s+1) du ],  G = Gamma(r+x) alpha^r / Gamma(r)
    G = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha))
    died = integrate.quad(lambda u: (alpha + u) ** -(r + x) * s * beta ** s
                          * (beta + u) ** -(s + 1), t, T, epsabs=0, epsrel=1e-12)[0]
    expected = G * ((alpha + T) ** -(r + x) * (beta / (beta + T)) ** s + died)
    log_alive, log_died = _pieces(np.array([x]), np.array([t]), np.array([T]), r, alpha, s, beta)
    got = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                 + np.logaddexp(log_alive, log_died))[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_new_customer_expectation_matches_simulation():
    # E[X(t)] of a new customer equals the mean frequency of simulated customers observed for t.
    bg = {"r": 0.8, "alpha": 6.0, "a": 1.3, "b": 2.5}
    pn = {"r": 0.8, "alpha": 6.0, "s": 0.9, "beta": 20.0}
    for model, sim, params in [(BetaGeoModel(), simulate_bg_nbd, bg),
                               (ParetoNBDModel(), simulate_pareto_nbd, pn)]:
        model.params_ = params
        freq = sim(200_000, 40.0, seed=3, **params)["frequency"]
        se = freq.std() / np.sqrt(len(freq))
        assert abs(freq.mean() - model.expected_purchases_new_customer(40.0)) < 4 * se


@pytest.mark.parametrize("kind", ["bg", "mbg", "pareto"])
def test_conditional_predictions_match_simulated_future(kind):
    # With the true parameters, predicted future purchases and P(alive) match what the simulated
    # customers then did, overall and within groups of past behaviour.
    if kind in ("bg", "mbg"):
        params = {"r": 0.8, "alpha": 6.0, "a": 1.3, "b": 2.5}
        model, sim = ((BetaGeoModel(), simulate_bg_nbd) if kind == "bg"
                      else (ModifiedBetaGeoModel(), simulate_mbg_nbd))
    else:
        params = {"r": 0.8, "alpha": 6.0, "s": 0.9, "beta": 20.0}
        model, sim = ParetoNBDModel(), simulate_pareto_nbd
    model.params_ = params
    data = sim(100_000, np.random.default_rng(5).uniform(20, 60, 100_000), seed=5,
               future_t=26.0, **params)
    pred = model.expected_purchases(data, 26.0).to_numpy()
    alive = model.expected_probability_alive(data).to_numpy()
    groups = np.minimum(data["frequency"].to_numpy(), 6)
    for g in np.unique(groups):
        sel = groups == g
        actual = data["frequency_holdout"].to_numpy()[sel]
        se = actual.std() / np.sqrt(sel.sum()) + 1e-3
        assert abs(actual.mean() - pred[sel].mean()) < 4 * se, g
        was_alive = data["true_alive"].to_numpy()[sel]
        se_alive = np.sqrt(max(was_alive.mean() * (1 - was_alive.mean()), 1e-4) / sel.sum())
        assert abs(was_alive.mean() - alive[sel].mean()) < 4 * se_alive + 1e-3, g


def test_gamma_gamma_expected_spend_formula():
    m = GammaGammaModel()
    m.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44, "v": 15.44}
    df = pd.DataFrame({"customer_id": ["new", "x2"], "frequency": [0, 2],
                       "monetary_value": [0.0, 22.35]})
    spend = m.expected_customer_spend(df)
    assert spend["new"] == pytest.approx(6.25 * 15.44 / 2.74)          # population mean
    assert spend["x2"] == pytest.approx(6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 2.74))


# -- recovery of simulated truth ----------------------------------------------------------------
def test_bg_nbd_recovers_simulated_parameters():
    truth = {"r": 1.0, "alpha": 5.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(0).uniform(52, 104, 20_000)
    model = BetaGeoModel().fit(simulate_bg_nbd(20_000, T, seed=0, **truth))
    assert max(rel_err(model.params_, truth).values()) < 0.10


def test_pareto_nbd_recovers_simulated_parameters():
    # r and alpha within 10%; s and beta (the dropout gamma, strongly correlated with each
    # other) within 15%, and their ratio, the mean dropout rate, within 10%.
    truth = {"r": 1.0, "alpha": 5.0, "s": 0.8, "beta": 15.0}
    T = np.random.default_rng(1).uniform(52, 104, 20_000)
    model = ParetoNBDModel().fit(simulate_pareto_nbd(20_000, T, seed=1, **truth))
    err = rel_err(model.params_, truth)
    assert err["r"] < 0.10 and err["alpha"] < 0.10
    assert err["s"] < 0.15 and err["beta"] < 0.15
    ratio = model.params_["s"] / model.params_["beta"]
    assert ratio == pytest.approx(truth["s"] / truth["beta"], rel=0.10)


def test_gamma_gamma_recovers_simulated_parameters():
    truth = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    x = np.random.default_rng(2).integers(1, 11, 30_000)
    data = pd.DataFrame({"customer_id": np.arange(len(x)), "frequency": x,
                         "monetary_value": simulate_gamma_gamma(x, seed=2, **truth)})
    model = GammaGammaModel().fit(data)
    assert max(rel_err(model.params_, truth).values()) < 0.10


# -- aggregation, robustness, contract ----------------------------------------------------------
def test_duplicated_customers_give_the_same_fit(cdnow, bg_cdnow):
    doubled = pd.concat([cdnow, cdnow.assign(customer_id=cdnow["customer_id"] + 10_000)])
    model = BetaGeoModel().fit(doubled)
    for k, v in bg_cdnow.params_.items():
        assert model.params_[k] == pytest.approx(v, rel=1e-4)
    assert model.loglik_ == pytest.approx(2 * bg_cdnow.loglik_, rel=1e-8)
    assert model.n_customers_ == 2 * len(cdnow)
    for k, v in bg_cdnow.stderr_.items():   # twice the data: standard errors / sqrt(2)
        assert model.stderr_[k] == pytest.approx(v / np.sqrt(2), rel=1e-3)


def test_heavy_buyers_and_large_populations_do_not_overflow(bg_cdnow, pareto_cdnow):
    heavy = pd.DataFrame({"customer_id": ["a", "b", "c"], "frequency": [3000, 3000, 500],
                          "recency": [99.99, 40.0, 10.0], "T": [100.0, 100.0, 2000.0]})
    for model in (bg_cdnow, pareto_cdnow):
        alive = model.expected_probability_alive(heavy)
        for values in (model.expected_purchases(heavy, 52), alive):
            assert np.isfinite(values).all() and (values >= 0).all()
        # 30 purchases a week: silent for 0.01 weeks is normal, for 60 weeks means gone.
        assert alive["a"] > 0.5 and alive["b"] < 1e-6
    # A million customers (CDNOW 425 times): same estimates, log-likelihood 425 times larger.
    big = pd.concat([cdnow_summary()] * 425, ignore_index=True)
    model = BetaGeoModel().fit(big)
    assert model.n_customers_ == 1_001_725
    assert model.loglik_ == pytest.approx(425 * bg_cdnow.loglik_, rel=1e-8)
    assert model.params_["r"] == pytest.approx(bg_cdnow.params_["r"], rel=1e-4)


def test_sklearn_contract(cdnow):
    model = BetaGeoModel(max_iter=500)
    assert model.get_params() == {"max_iter": 500, "tol": 1e-10}
    assert not hasattr(model, "params_")
    assert model.fit(cdnow) is model
    assert not hasattr(clone(model), "params_")
    with pytest.raises(NotFittedError, match="fit"):
        ParetoNBDModel().expected_probability_alive(cdnow)


def test_predictions_are_indexed_by_customer(bg_cdnow, cdnow):
    alive = bg_cdnow.expected_probability_alive(cdnow)
    assert alive.index.name == "customer_id" and list(alive.index[:3]) == [1, 2, 3]
    assert alive.between(0, 1).all()
    assert (alive[cdnow.set_index("customer_id")["frequency"] == 0] == 1).all()  # BG/NBD property
    per_customer = bg_cdnow.expected_purchases(cdnow, future_t=cdnow["T"].to_numpy())
    assert (per_customer >= 0).all()


# -- clear errors -------------------------------------------------------------------------------
def test_errors_when_nobody_repeats():
    data = pd.DataFrame({"customer_id": [1, 2, 3], "frequency": [0, 0, 0],
                         "recency": [0.0, 0.0, 0.0], "T": [10.0, 5.0, 3.0]})
    for model in (BetaGeoModel(), ParetoNBDModel()):
        with pytest.raises(ValueError, match="no customer made a repeat purchase"):
            model.fit(data)
    with pytest.raises(ValueError, match="no customer has a repeat purchase"):
        GammaGammaModel().fit(data.assign(monetary_value=0.0))


def test_errors_on_bad_input(cdnow):
    with pytest.raises(ValueError, match=r"missing column\(s\) \['T'\]"):
        BetaGeoModel().fit(cdnow.drop(columns="T"))
    with pytest.raises(ValueError, match="'T'.*negative"):
        BetaGeoModel().fit(cdnow.assign(T=cdnow["T"] - 50))
    with pytest.raises(ValueError, match="frequency > 0 but recency 0"):
        BetaGeoModel().fit(pd.concat([cdnow, one(2, 0.0, 10.0)]))
    with pytest.raises(ValueError, match="recency is larger than T"):
        ParetoNBDModel().fit(pd.concat([cdnow, one(2, 12.0, 10.0)]))
    with pytest.raises(ValueError, match="missing or infinite"):
        BetaGeoModel().fit(cdnow.assign(recency=np.nan))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['monetary_value'\]"):
        GammaGammaModel().fit(cdnow)
    with pytest.raises(TypeError, match="DataFrame"):
        BetaGeoModel().fit(cdnow.to_numpy())


def test_all_first_seen_at_the_end_cannot_be_fitted():
    data = pd.DataFrame({"customer_id": [1, 2], "frequency": [0, 0], "recency": [0.0, 0.0],
                         "T": [0.0, 0.0]})
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        BetaGeoModel().fit(data)


def test_gamma_gamma_leaves_out_non_positive_spend_with_a_warning():
    data = cdnow_with_spend()
    data.loc[data.index[:3], ["frequency", "monetary_value"]] = [1, 0.0]
    with pytest.warns(UserWarning, match="3 repeat customer"):
        model = GammaGammaModel().fit(data)
    usable = (data["frequency"] > 0) & (data["monetary_value"] > 0)
    assert model.n_customers_ == usable.sum() < 946 + 3


def test_gamma_gamma_rejects_infinite_mean():
    m = GammaGammaModel()
    m.params_ = {"p": 2.0, "q": 0.8, "gamma": 5.0, "v": 5.0}
    with pytest.raises(ValueError, match="q = 0.800 <= 1"):
        m.expected_customer_spend(pd.DataFrame({"customer_id": [1], "frequency": [1],
                                                "monetary_value": [3.0]}))


@pytest.mark.filterwarnings("ignore:.*ran to its bound")
def test_one_customer_fits_with_a_warning():
    with pytest.warns(RuntimeWarning, match="only 1 customer"):
        model = BetaGeoModel().fit(one(3, 20.0, 30.0))
    assert model.expected_probability_alive(one(3, 20.0, 30.0)).between(0, 1).all()
