"""The MBG/NBD ("modified beta-geometric / negative binomial") model of repeat purchasing.

Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for
customer base analysis", with the erratum of Wagner & Hoppe (2008). The BG/NBD of Fader, Hardie &
Lee (2005) lets a customer drop out only just after a repeat purchase, so a customer who never
bought again is certain to be active: P(alive | x = 0) = 1, however long ago the one purchase
was. The MBG/NBD also lets the customer drop out at time 0, just after the first purchase:
while active a customer buys at Poisson rate ``lam ~ Gamma(r, alpha)``, and at the first
purchase and after each repeat purchase drops out for good with probability ``p ~ Beta(a, b)``.
A one-time buyer is then active with probability ``1 / (1 + a / b ((alpha + T) / alpha) ** r)``,
which falls as T grows.

Likelihood of one customer (x repeat purchases, the last at t, observed for T)::

    L = Gamma(r + x) alpha^r / Gamma(r) * [ B(a, b + x + 1) / B(a, b) / (alpha + T)^(r + x)
                                          + B(a + 1, b + x) / B(a, b) / (alpha + t)^(r + x) ]

Numerics: as for :mod:`.beta_geo`, in log space (``gammaln``, ``betaln``, a softplus for the sum
of the two terms) with an analytic gradient, on unique (frequency, recency, T) rows; the
conditional expectation uses Euler's transformation of the hypergeometric function.
"""
from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from .base import wsum
from .beta_geo import BetaGeoModel

__all__ = ["ModifiedBetaGeoModel"]


def _prepare(rows):
    """Weights summed per distinct x and per distinct T (the separable part of the likelihood).

    ll = c(x) + B1(x) - (r + x) log(alpha + T) + softplus(d(x, t, T)); the first three terms add
    up per distinct x and T, the softplus term is visited once per unique row.
    """
    x = rows.ux[rows.ix]
    rows.Wx = np.bincount(rows.ix, weights=rows.weight, minlength=len(rows.ux))
    rows.WT = np.bincount(rows.iT, weights=rows.weight, minlength=len(rows.uT))
    rows.WxT = np.bincount(rows.iT, weights=rows.weight * x, minlength=len(rows.uT))
    return rows


def _mbg_nbd_negloglik(theta: np.ndarray, rows) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of the MBG/NBD and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    ux = rows.ux
    dg_ab, dg_abx1 = digamma(a + b), digamma(a + b + ux + 1)
    c = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    B1 = betaln(a, b + ux + 1) - betaln(a, b)
    LT, IT = np.log(alpha + rows.uT), 1.0 / (alpha + rows.uT)
    Lt, It = np.log(alpha + rows.ut), 1.0 / (alpha + rows.ut)
    Wx, WT, WxT = rows.Wx, rows.WT, rows.WxT
    rWT = r * WT + WxT
    ll = wsum(Wx, c + B1) - wsum(rWT, LT)
    g = np.array([wsum(Wx, digamma(r + ux) - digamma(r) + np.log(alpha)) - wsum(WT, LT),
                  Wx.sum() * r / alpha - wsum(rWT, IT),
                  wsum(Wx, dg_ab - dg_abx1),
                  wsum(Wx, digamma(b + ux + 1) - dg_abx1 - digamma(b) + dg_ab)])
    # Every customer, one-time buyers too, may have dropped out: d = log-odds of "dropped out".
    ix, it, iT, w = rows.ix, rows.it, rows.iT, rows.weight
    x = ux[ix]
    rx = r + x
    dL = LT[iT] - Lt[it]
    d = np.log(a) - np.log(b + x) + rx * dL
    ll += wsum(w, np.logaddexp(0.0, d))
    ws = w * expit(d)
    g += np.array([wsum(ws, dL), wsum(ws * rx, IT[iT] - It[it]), ws.sum() / a,
                   -wsum(ws, 1.0 / (b + x))])
    total = Wx.sum()
    return -ll / total, -g * np.array([r, alpha, a, b]) / total  # chain rule: log-parameters


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD model fitted by maximum likelihood; parameters ``r, alpha, a, b``.

    The same interface as :class:`~crm_training.clv.BetaGeoModel` (``fit`` on an RFM summary,
    ``expected_purchases``, ``expected_probability_alive``, ``params_``, ``stderr_``,
    ``summary()``); unlike it, a customer without repeat purchases is not certain to be active.

    Parameters
    ----------
    max_iter : maximum number of optimiser iterations.
    tol : relative tolerance on the log-likelihood at convergence.

    Examples
    --------
    >>> import numpy as np
    >>> from crm_training.clv.simulate import simulate_mbg_nbd
    >>> T = np.random.default_rng(1).uniform(52, 104, 20_000)
    >>> data = simulate_mbg_nbd(20_000, T, r=0.5, alpha=6.0, a=0.9, b=1.6, seed=1)
    >>> model = ModifiedBetaGeoModel().fit(data)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.5, 'alpha': 5.9, 'a': 0.9, 'b': 1.53}
    >>> never_again = data[data["frequency"] == 0].head(2)
    >>> model.expected_probability_alive(never_again).round(3).tolist()
    [0.337, 0.283]
    """

    # the parameters, their start values and P(alive) from the odds are BetaGeoModel's

    _prepare = staticmethod(_prepare)  # BetaGeoModel's _rows and _subset call it

    def _negloglik(self, theta, rows):
        return _mbg_nbd_negloglik(theta, rows)

    # -- predictions -----------------------------------------------------------------------
    def _log_odds_dead(self, x, t, T):
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t))

    # expected_purchases: BetaGeoModel's formula with a + b in place of a + b - 1, Wagner &
    # Hoppe's (2008) correction of Batislam et al. (2007), e.g. with the CDNOW fit r 0.525,
    # alpha 6.183, a 0.891, b 1.614, a customer with x = 2, t_x = 30.43, T = 38.86 expects
    # 1.26 purchases in the next 39 weeks (lifetimes' ModifiedBetaGeoFitter: the same).
    _dropout_shift = 0

    def expected_purchases_new_customer(self, t):
        """Expected number of repeat purchases of a new customer in a period of length ``t``:
        ``b / (a - 1) * [1 - (alpha / (alpha + t)) ** r * 2F1(r, b + 1; a + b; t / (alpha + t))]``.

        Examples
        --------
        >>> m = ModifiedBetaGeoModel()
        >>> m.params_ = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
        >>> round(float(m.expected_purchases_new_customer(39.0)), 3)
        1.183
        """
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise ValueError("t must be non-negative")
        z = t / (alpha + t)
        hyp = np.power(1 - z, a - 1) * hyp2f1(a + b - r, a - 1, a + b, z)
        value = b / (a - 1) * (1 - hyp)
        return float(value) if value.ndim == 0 else value

    def _simulate(self, T, seed):
        from .simulate import simulate_mbg_nbd
        return simulate_mbg_nbd(len(np.atleast_1d(T)), T, seed=seed, **self._fitted())
