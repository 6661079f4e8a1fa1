"""The BG/NBD ("beta-geometric / negative binomial") model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting your customers the easy way". While active, a customer
buys at Poisson rate ``lam ~ Gamma(r, alpha)``; after each repeat purchase the customer drops out
for good with probability ``p ~ Beta(a, b)``. Chapter 2 fits it to predict future purchases and
the probability that a customer is still active.

Numerics: the log-likelihood is computed in log space (``gammaln``, ``betaln``, ``logaddexp``)
with an analytic gradient, on unique (frequency, recency, T) rows; the conditional expectation
uses Euler's transformation of the hypergeometric function, so heavy buyers do not overflow.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from .base import CLVModel, wsum, check_rfm

__all__ = ["BetaGeoModel"]


def _x_pieces(r, alpha, a, b, x):
    """Likelihood pieces that depend on the frequency x only, and their derivatives."""
    rep = x > 0
    xm = np.where(rep, x, 1.0)  # keeps the x == 0 branch finite; masked below
    bab = betaln(a, b)
    dg_ab, dg_abx = digamma(a + b), digamma(a + b + x)
    return {
        "c": gammaln(r + x) - gammaln(r) + r * np.log(alpha),
        "B1": betaln(a, b + x) - bab,
        "B2": np.where(rep, betaln(a + 1, b + xm - 1) - bab, -np.inf),
        "dc_dr": digamma(r + x) - digamma(r) + np.log(alpha),
        "dB1_da": dg_ab - dg_abx,
        "dB1_db": digamma(b + x) - dg_abx - digamma(b) + dg_ab,
        "dB2_da": np.where(rep, digamma(a + 1) - dg_abx - digamma(a) + dg_ab, 0.0),
        "dB2_db": np.where(rep, digamma(b + xm - 1) - dg_abx - digamma(b) + dg_ab, 0.0),
    }


def _prepare(rows):
    """Weights summed per distinct x and per distinct T, and the repeat buyers' rows.

    The log-likelihood is ll = c(x) + l1(x, T) + softplus(l2(x, t) - l1(x, T)) with
    l1 = B1(x) - (r + x) log(alpha + T); the first two terms add up per distinct x and T
    (a few hundred values), and the softplus term is 0 for customers without repeat purchases,
    so only repeat buyers' rows are visited at each step of the optimiser.
    """
    x = rows.ux[rows.ix]
    rep = x > 0
    rows.Wx = np.bincount(rows.ix, weights=rows.weight, minlength=len(rows.ux))
    rows.WT = np.bincount(rows.iT, weights=rows.weight, minlength=len(rows.uT))
    rows.WxT = np.bincount(rows.iT, weights=rows.weight * x, minlength=len(rows.uT))
    rows.rep = (rows.ix[rep], rows.it[rep], rows.iT[rep], rows.weight[rep], x[rep])
    return rows


def _bg_nbd_negloglik(theta: np.ndarray, rows) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of the BG/NBD and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    P = _x_pieces(r, alpha, a, b, rows.ux)
    LT, IT = np.log(alpha + rows.uT), 1.0 / (alpha + rows.uT)
    Lt, It = np.log(alpha + rows.ut), 1.0 / (alpha + rows.ut)
    Wx, WT, WxT = rows.Wx, rows.WT, rows.WxT
    # Separable part: sum of c + l1 over all customers, from per-value totals.
    rWT = r * WT + WxT
    ll = wsum(Wx, P["c"] + P["B1"]) - wsum(rWT, LT)
    g = np.array([wsum(Wx, P["dc_dr"]) - wsum(WT, LT),
                  Wx.sum() * r / alpha - wsum(rWT, IT),
                  wsum(Wx, P["dB1_da"]),
                  wsum(Wx, P["dB1_db"])])
    # Repeat buyers: softplus(d), d = l2 - l1 = B2 - B1 + (r + x)(log(alpha+T) - log(alpha+t)).
    ix, it, iT, w, x = rows.rep
    if len(w):
        dL = LT[iT] - Lt[it]
        rx = x + r
        d = (P["B2"] - P["B1"])[ix] + rx * dL
        ll += wsum(w, np.logaddexp(0.0, d))
        ws = w * expit(d)
        wsx = np.bincount(ix, weights=ws, minlength=len(rows.ux))
        g += np.array([wsum(ws, dL),
                       wsum(ws * rx, IT[iT] - It[it]),
                       wsum(wsx, P["dB2_da"] - P["dB1_da"]),
                       wsum(wsx, P["dB2_db"] - P["dB1_db"])])
    total = Wx.sum()
    return -ll / total, -g * np.array([r, alpha, a, b]) / total  # chain rule: log-parameters


def _bg_nbd_negloglik_reference(theta: np.ndarray, rows) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and gradient, written term by term for every row (the
    plain form of the model; the fit uses the faster :func:`_bg_nbd_negloglik`)."""
    r, alpha, a, b = np.exp(theta)
    x = rows.ux
    rep = x > 0
    # Pieces that depend on x only (few distinct values).
    c = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    bab = betaln(a, b)
    B1 = betaln(a, b + x) - bab
    xm = np.where(rep, x, 1.0)  # keeps the x == 0 branch finite; masked below
    B2 = np.where(rep, betaln(a + 1, b + xm - 1) - bab, -np.inf)
    dg_ab, dg_abx = digamma(a + b), digamma(a + b + x)
    dc_dr = digamma(r + x) - digamma(r) + np.log(alpha)
    dB1_da = dg_ab - dg_abx
    dB1_db = digamma(b + x) - dg_abx - digamma(b) + dg_ab
    dB2_da = np.where(rep, digamma(a + 1) - dg_abx - digamma(a) + dg_ab, 0.0)
    dB2_db = np.where(rep, digamma(b + xm - 1) - dg_abx - digamma(b) + dg_ab, 0.0)
    # Pieces that depend on T or on recency only.
    LT, IT = np.log(alpha + rows.uT), 1.0 / (alpha + rows.uT)
    Lt, It = np.log(alpha + rows.ut), 1.0 / (alpha + rows.ut)
    ix, it, iT, w = rows.ix, rows.it, rows.iT, rows.weight
    rx = r + x[ix]
    LTr, Ltr = LT[iT], Lt[it]
    l1 = B1[ix] - rx * LTr
    l2 = B2[ix] - rx * Ltr
    m = np.maximum(l1, l2)
    e1, e2 = np.exp(l1 - m), np.exp(l2 - m)
    s = e1 + e2
    w1, w2 = e1 / s, e2 / s
    ll = c[ix] + m + np.log(s)
    total = w.sum()
    grad = np.array([
        wsum(w, dc_dr[ix] - w1 * LTr - w2 * Ltr),
        wsum(w, r / alpha - rx * (w1 * IT[iT] + w2 * It[it])),
        wsum(w, w1 * dB1_da[ix] + w2 * dB2_da[ix]),
        wsum(w, w1 * dB1_db[ix] + w2 * dB2_db[ix]),
    ]) * np.array([r, alpha, a, b])  # chain rule for log-parameters
    return -wsum(w, ll) / total, -grad / total


class BetaGeoModel(CLVModel):
    """BG/NBD model fitted by maximum likelihood; parameters ``r, alpha, a, b``.

    Parameters
    ----------
    max_iter : maximum number of optimiser iterations.
    tol : relative tolerance on the log-likelihood at convergence.

    Attributes
    ----------
    params_ : dict of the fitted parameters.
    loglik_ : log-likelihood at the fitted parameters.
    n_customers_, n_iter_, converged_ : size of the data, optimiser iterations, success flag.

    Examples
    --------
    >>> from crm_training.clv.simulate import simulate_bg_nbd
    >>> data = simulate_bg_nbd(5000, T=52.0, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=0)
    >>> model = BetaGeoModel().fit(data)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.26, 'alpha': 4.18, 'a': 0.82, 'b': 2.53}
    >>> model.expected_purchases(data.head(2), future_t=10).round(2).tolist()
    [0.07, 0.04]
    """

    _param_names = ("r", "alpha", "a", "b")
    _analytic_gradient = True
    _dropout_shift = -1  # chances to drop out: after each repeat purchase (MBG/NBD: 0, at 0 too)

    def _initial(self, rows) -> np.ndarray:
        w = rows.weight
        mean_x = max(wsum(w, rows.x) / w.sum(), 0.1)
        mean_T = max(wsum(w, rows.T) / w.sum(), 1e-3)
        return np.array([1.0, mean_T / mean_x, 1.0, 3.0])

    _prepare = staticmethod(_prepare)  # the likelihood's sums per distinct x and T

    def _rows(self, cols):
        return self._prepare(super()._rows(cols))

    def _subset(self, rows, keep, scale):
        return self._prepare(super()._subset(rows, keep, scale))

    def _negloglik(self, theta, rows):
        return _bg_nbd_negloglik(theta, rows)

    # -- predictions -----------------------------------------------------------------------
    def _log_odds_dead(self, x, t, T):
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        xm = np.where(x > 0, x, 1.0)
        lo = np.log(a) - np.log(b + xm - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t))
        return np.where(x > 0, lo, -np.inf)

    def expected_probability_alive(self, data: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation (T).

        Examples
        --------
        >>> import pandas as pd
        >>> m = BetaGeoModel()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> df = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 2],
        ...                    "recency": [0.0, 30.43], "T": [38.86, 38.86]})
        >>> m.expected_probability_alive(df).round(3).tolist()
        [1.0, 0.727]
        """
        cols = check_rfm(data)
        x, t, T = cols["frequency"], cols["recency"], cols["T"]
        return self._series(expit(-self._log_odds_dead(x, t, T)), cols, "probability_alive")

    def expected_purchases(self, data: pd.DataFrame, future_t) -> pd.Series:
        """Expected number of purchases of each customer in the next ``future_t`` time units.

        ``future_t`` is a scalar or one value per customer, in the time unit of recency and T.

        Examples
        --------
        >>> import pandas as pd
        >>> m = BetaGeoModel()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> df = pd.DataFrame({"customer_id": ["c1"], "frequency": [2],
        ...                    "recency": [30.43], "T": [38.86]})
        >>> round(float(m.expected_purchases(df, future_t=39).iloc[0]), 2)
        1.23
        """
        cols = check_rfm(data)
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        x, t, T = cols["frequency"], cols["recency"], cols["T"]
        ft = np.broadcast_to(np.asarray(future_t, dtype=float), x.shape)
        if np.any(ft < 0):
            raise ValueError("future_t must be non-negative")
        z = ft / (alpha + T + ft)
        c = a + b + self._dropout_shift  # BG/NBD: a + b - 1; MBG/NBD (dropout at 0 too): a + b
        # Euler's transformation: ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, c-a+1+x; c+x; z)
        # = (1-z)^(a-1) 2F1(c-r, a-1; c+x; z), which stays finite for large x.
        hyp = np.power(1 - z, a - 1) * hyp2f1(c - r, a - 1, c + x, z)
        value = (c + x) / (a - 1) * (1 - hyp) * expit(-self._log_odds_dead(x, t, T))
        return self._series(value, cols, "expected_purchases")

    def expected_purchases_new_customer(self, t):
        """Expected number of repeat purchases of a new customer in a period of length ``t``.

        Examples
        --------
        >>> m = BetaGeoModel()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(float(m.expected_purchases_new_customer(39.0)), 3)
        1.197
        """
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise ValueError("t must be non-negative")
        z = t / (alpha + t)
        hyp = np.power(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        value = (a + b - 1) / (a - 1) * (1 - hyp)
        return float(value) if value.ndim == 0 else value

    def _simulate(self, T, seed):
        from .simulate import simulate_bg_nbd
        return simulate_bg_nbd(len(np.atleast_1d(T)), T, seed=seed, **self._fitted())
