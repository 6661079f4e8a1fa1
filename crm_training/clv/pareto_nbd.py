"""The Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

While active, a customer buys at Poisson rate ``lam ~ Gamma(r, alpha)``; the active lifetime is
exponential with rate ``mu ~ Gamma(s, beta)``. Chapter 2 contrasts it with BG/NBD: dropout can
happen at any time, not only right after a purchase.

Numerics (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model"): the likelihood holds
a difference of two Gauss hypergeometric terms. Each term is rewritten with Euler's
transformation as ``(alpha+u)^-(r+x) (beta+u)^-s 2F1(1, r+x; r+s+x+1; z)`` (for alpha >= beta;
the mirror form otherwise), whose series has positive terms and converges at z = 1, and the
difference is taken in log space (``log1p(-exp(.))``) so millions of customers and heavy buyers
neither overflow nor cancel.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln, hyp2f1

from .base import CLVModel, wsum, check_rfm

__all__ = ["ParetoNBDModel"]


def _log_term(u, x, r, alpha, s, beta):
    """log of the hypergeometric term at time u (u = recency or T), Euler-transformed."""
    c = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + u)
        return -(r + x) * np.log(alpha + u) - s * np.log(beta + u) + np.log(hyp2f1(1, r + x, c, z))
    z = (beta - alpha) / (beta + u)
    return (-(s + 1) * np.log(beta + u) - (r + x - 1) * np.log(alpha + u)
            + np.log(hyp2f1(1, s + 1, c, z)))


def _pieces(x, t, T, r, alpha, s, beta):
    """(log of the 'alive at T' term, log of the 'died in (t, T]' term), both without the
    common factor Gamma(r+x) alpha^r beta^s / Gamma(r)."""
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    lt = _log_term(t, x, r, alpha, s, beta)
    lT = _log_term(T, x, r, alpha, s, beta)
    with np.errstate(divide="ignore"):
        log_a0 = lt + np.log(-np.expm1(np.minimum(lT - lt, 0.0)))
    log_died = np.log(s) - np.log(r + s + x) + log_a0
    return log_alive, log_died


def _pair_index(i, j, n_j):
    """Distinct (i, j) index pairs and, for each row, the index of its pair."""
    key = i.astype(np.int64) * n_j + j
    uniq, inverse = np.unique(key, return_inverse=True)
    return uniq // n_j, uniq % n_j, inverse


def _with_pairs(rows):
    rows.pairs_xt = _pair_index(rows.ix, rows.it, len(rows.ut))
    rows.pairs_xT = _pair_index(rows.ix, rows.iT, len(rows.uT))
    return rows


def _pareto_nbd_negloglik(theta, rows) -> float:
    r, alpha, s, beta = np.exp(theta)
    x, T, w = rows.x, rows.T, rows.weight
    # The hypergeometric terms depend on (x, recency) and (x, T) only: compute them once per
    # distinct pair (all non-repeaters share one pair, a cohort shares its T values).
    ax, at, ainv = rows.pairs_xt
    bx, bT, binv = rows.pairs_xT
    lt = _log_term(rows.ut[at], rows.ux[ax], r, alpha, s, beta)[ainv]
    lT = _log_term(rows.uT[bT], rows.ux[bx], r, alpha, s, beta)[binv]
    with np.errstate(divide="ignore"):
        log_a0 = lt + np.log(-np.expm1(np.minimum(lT - lt, 0.0)))
    log_died = np.log(s) - np.log(r + s + x) + log_a0
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    ll = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
          + np.logaddexp(log_alive, log_died))
    value = -wsum(w, ll) / w.sum()
    return value if np.isfinite(value) else 1e300


class ParetoNBDModel(CLVModel):
    """Pareto/NBD model fitted by maximum likelihood; parameters ``r, alpha, s, beta``.

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
    >>> from crm_training.clv.simulate import simulate_pareto_nbd
    >>> data = simulate_pareto_nbd(3000, T=39.0, r=0.55, alpha=10.6, s=0.6, beta=11.7, seed=0)
    >>> model = ParetoNBDModel().fit(data)
    >>> sorted(model.params_)
    ['alpha', 'beta', 'r', 's']
    """

    _param_names = ("r", "alpha", "s", "beta")

    def _initial(self, rows) -> np.ndarray:
        w = rows.weight
        mean_x = max(wsum(w, rows.x) / w.sum(), 0.1)
        mean_T = max(wsum(w, rows.T) / w.sum(), 1e-3)
        return np.array([1.0, mean_T / mean_x, 1.0, mean_T])

    def _rows(self, cols):
        return _with_pairs(super()._rows(cols))

    def _subset(self, rows, keep, scale):
        return _with_pairs(super()._subset(rows, keep, scale))

    def _negloglik(self, theta, rows):
        return _pareto_nbd_negloglik(theta, rows)

    def _arrays(self, data):
        cols = check_rfm(data)
        p = self._fitted()
        return cols, cols["frequency"], cols["recency"], cols["T"], (
            p["r"], p["alpha"], p["s"], p["beta"])

    def expected_probability_alive(self, data: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation (T).

        Examples
        --------
        >>> import pandas as pd
        >>> m = ParetoNBDModel()
        >>> m.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> df = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 2],
        ...                    "recency": [0.0, 30.43], "T": [38.86, 38.86]})
        >>> m.expected_probability_alive(df).round(3).tolist()
        [0.295, 0.869]
        """
        cols, x, t, T, (r, alpha, s, beta) = self._arrays(data)
        log_alive, log_died = _pieces(x, t, T, r, alpha, s, beta)
        return self._series(expit(log_alive - log_died), cols, "probability_alive")

    def expected_purchases(self, data: pd.DataFrame, future_t) -> pd.Series:
        """Expected number of purchases of each customer in the next ``future_t`` time units.

        Examples
        --------
        >>> import pandas as pd
        >>> m = ParetoNBDModel()
        >>> m.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> df = pd.DataFrame({"customer_id": ["c1"], "frequency": [2],
        ...                    "recency": [30.43], "T": [38.86]})
        >>> round(float(m.expected_purchases(df, future_t=39).iloc[0]), 2)
        1.46
        """
        cols, x, t, T, (r, alpha, s, beta) = self._arrays(data)
        ft = np.broadcast_to(np.asarray(future_t, dtype=float), x.shape)
        if np.any(ft < 0):
            raise ValueError("future_t must be non-negative")
        log_alive, log_died = _pieces(x, t, T, r, alpha, s, beta)
        p_alive = expit(log_alive - log_died)
        value = (r + x) / (alpha + T) * (beta + T) * _decay_integral(
            s - 1, np.log1p(ft / (beta + T))) * p_alive
        return self._series(value, cols, "expected_purchases")

    def expected_purchases_new_customer(self, t):
        """Expected number of repeat purchases of a new customer in a period of length ``t``.

        Examples
        --------
        >>> m = ParetoNBDModel()
        >>> m.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> round(float(m.expected_purchases_new_customer(39.0)), 3)
        1.213
        """
        p = self._fitted()
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise ValueError("t must be non-negative")
        value = r * beta / alpha * _decay_integral(s - 1, np.log1p(t / beta))
        return float(value) if np.ndim(value) == 0 else value

    def _simulate(self, T, seed):
        from .simulate import simulate_pareto_nbd
        return simulate_pareto_nbd(len(np.atleast_1d(T)), T, seed=seed, **self._fitted())


def _decay_integral(k, log_ratio):
    """(1 - exp(-k L)) / k, with its limit L at k = 0 (the s = 1 case of Pareto/NBD)."""
    k = np.asarray(k, dtype=float)
    small = np.abs(k) < 1e-8
    ks = np.where(small, 1.0, k)
    return np.where(small, log_ratio, -np.expm1(-ks * log_ratio) / ks)
