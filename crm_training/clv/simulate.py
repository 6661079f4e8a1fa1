"""Seeded simulators of the BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma generative processes.

They draw customer summaries (frequency, recency, T, monetary value) straight from the models'
stories, so a fitted model can be checked against the parameters that made the data (chapter 2
uses them to show what "recovering the truth" means). Vectorised: no loop per customer.

Time is in whatever unit ``T`` is given in; the rates ``alpha`` and ``beta`` are in the same unit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_bg_nbd", "simulate_mbg_nbd", "simulate_pareto_nbd", "simulate_gamma_gamma"]


def _T_array(n_customers: int, T) -> np.ndarray:
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    T = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    if np.any(~np.isfinite(T)) or np.any(T < 0):
        raise ValueError("T must be finite and non-negative")
    return T


def _last_arrival(rng, window: np.ndarray, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Time of the x-th of n Poisson arrivals spread uniformly over [0, window]."""
    # The x-th order statistic of n uniforms is Beta(x, n - x + 1); x = 0 means no repeat.
    recency = np.zeros_like(window)
    has = x > 0
    recency[has] = window[has] * rng.beta(x[has], n[has] - x[has] + 1)
    return recency


def _frame(x, recency, T, truth: dict) -> pd.DataFrame:
    n = len(T)
    out = pd.DataFrame({
        "customer_id": pd.array(np.char.add("S", np.char.zfill(np.arange(n).astype(str), 7)),
                                dtype="string"),
        "frequency": x.astype(np.int64),
        "recency": recency,
        "T": T,
    })
    for name, values in truth.items():
        out[name] = values
    return out


def simulate_bg_nbd(n_customers: int, T, r: float, alpha: float, a: float, b: float,
                    seed: int, future_t: float | None = None) -> pd.DataFrame:
    """Draw customer summaries from the BG/NBD model (Fader, Hardie & Lee 2005).

    Each customer buys at Poisson rate ``lam ~ Gamma(r, scale=1/alpha)`` and, after every repeat
    purchase, drops out for good with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    n_customers : number of customers.
    T : observation length per customer (scalar or array), in the time unit of ``alpha``.
    r, alpha, a, b : the model's parameters.
    seed : seed of the random generator.
    future_t : if given, also simulate ``frequency_holdout``, the purchases in (T, T + future_t].

    Returns
    -------
    DataFrame with customer_id, frequency, recency, T and the latent ``true_lambda``,
    ``true_p`` and ``true_alive`` (still active at T).

    Examples
    --------
    >>> df = simulate_bg_nbd(1000, T=52.0, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=1)
    >>> list(df.columns[:4])
    ['customer_id', 'frequency', 'recency', 'T']
    >>> bool((df["recency"] <= df["T"]).all())
    True
    """
    return _geometric_dropout(n_customers, T, r, alpha, a, b, seed, future_t, at_first=False)


def simulate_mbg_nbd(n_customers: int, T, r: float, alpha: float, a: float, b: float,
                     seed: int, future_t: float | None = None) -> pd.DataFrame:
    """Draw customer summaries from the MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    As :func:`simulate_bg_nbd`, but the customer may also drop out at time 0, just after the
    first purchase: at the first purchase and after every repeat purchase the customer drops
    out for good with probability ``p ~ Beta(a, b)``, so some customers never buy again because
    they left at once.

    Parameters
    ----------
    n_customers : number of customers.
    T : observation length per customer (scalar or array), in the time unit of ``alpha``.
    r, alpha, a, b : the model's parameters.
    seed : seed of the random generator.
    future_t : if given, also simulate ``frequency_holdout``, the purchases in (T, T + future_t].

    Returns
    -------
    DataFrame with customer_id, frequency, recency, T and the latent ``true_lambda``,
    ``true_p`` and ``true_alive`` (still active at T).

    Examples
    --------
    >>> df = simulate_mbg_nbd(20_000, T=52.0, r=0.5, alpha=6.0, a=0.9, b=1.6, seed=1)
    >>> one_time = df["frequency"] == 0
    >>> bool(df.loc[one_time, "true_alive"].mean() < 0.5)  # many one-time buyers left at once
    True
    """
    return _geometric_dropout(n_customers, T, r, alpha, a, b, seed, future_t, at_first=True)


def _geometric_dropout(n_customers, T, r, alpha, a, b, seed, future_t, at_first: bool):
    """BG/NBD (``at_first=False``: a chance to drop out after each repeat purchase) or
    MBG/NBD (``True``: at the first purchase too) customers."""
    rng = np.random.default_rng(seed)
    T = _T_array(n_customers, T)
    ft = 0.0 if future_t is None else float(future_t)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    n_all = rng.poisson(lam * (T + ft))   # purchases an immortal customer makes in [0, T + ft]
    n = rng.binomial(n_all, np.divide(T, T + ft, out=np.ones_like(T), where=T + ft > 0))
    # k repeat purchases happen before the customer leaves (MBG/NBD: k = 0 is leaving right
    # after the first purchase)
    k = rng.geometric(np.maximum(p, 1e-300)) - int(at_first)
    x = np.minimum(n, k)
    recency = _last_arrival(rng, T, x, n)
    out = _frame(x, recency, T, {"true_lambda": lam, "true_p": p, "true_alive": k > n})
    if future_t is not None:
        out["frequency_holdout"] = np.minimum(n_all, k) - x
    return out


def simulate_pareto_nbd(n_customers: int, T, r: float, alpha: float, s: float, beta: float,
                        seed: int, future_t: float | None = None) -> pd.DataFrame:
    """Draw customer summaries from the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Each customer buys at Poisson rate ``lam ~ Gamma(r, scale=1/alpha)`` during an exponential
    lifetime with rate ``mu ~ Gamma(s, scale=1/beta)``.

    Parameters
    ----------
    n_customers : number of customers.
    T : observation length per customer (scalar or array), in the time unit of ``alpha``.
    r, alpha, s, beta : the model's parameters.
    seed : seed of the random generator.
    future_t : if given, also simulate ``frequency_holdout``, the purchases in (T, T + future_t].

    Returns
    -------
    DataFrame with customer_id, frequency, recency, T and the latent ``true_lambda``,
    ``true_mu`` and ``true_alive``.

    Examples
    --------
    >>> df = simulate_pareto_nbd(500, T=39.0, r=0.55, alpha=10.6, s=0.6, beta=11.7, seed=2)
    >>> int(df["frequency"].min())
    0
    """
    rng = np.random.default_rng(seed)
    T = _T_array(n_customers, T)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    mu = rng.gamma(s, 1.0 / beta, n_customers)
    tau = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    ft = 0.0 if future_t is None else float(future_t)
    window = np.minimum(tau, T)
    window_all = np.minimum(tau, T + ft)
    n_all = rng.poisson(lam * window_all)
    x = rng.binomial(n_all, np.divide(window, window_all, out=np.ones_like(T),
                                      where=window_all > 0))
    recency = _last_arrival(rng, window, x, x)
    out = _frame(x, recency, T, {"true_lambda": lam, "true_mu": mu, "true_alive": tau > T})
    if future_t is not None:
        out["frequency_holdout"] = n_all - x
    return out


def simulate_gamma_gamma(frequency, p: float, q: float, gamma: float, seed: int) -> np.ndarray:
    """Draw each customer's mean spend per repeat purchase from the Gamma-Gamma model.

    A customer's spend per order is ``Gamma(p, scale=1/nu)`` with ``nu ~ Gamma(q, scale=1/gamma)``
    varying across customers; the mean of ``x`` orders is returned (0 where ``x`` is 0).

    Parameters
    ----------
    frequency : number of repeat purchases per customer.
    p, q, gamma : the model's parameters (mean spend of the population is ``p * gamma / (q - 1)``).
    seed : seed of the random generator.

    Returns
    -------
    ndarray of mean spend per customer.

    Examples
    --------
    >>> m = simulate_gamma_gamma([0, 1, 5], p=6.25, q=3.74, gamma=15.44, seed=0)
    >>> bool(m[0] == 0.0 and m[1] > 0)
    True
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    if np.any(x < 0):
        raise ValueError("frequency must be non-negative")
    nu = rng.gamma(q, 1.0 / gamma, x.shape)
    total = np.zeros(x.shape)
    has = x > 0
    total[has] = rng.gamma(p * x[has], 1.0 / nu[has])  # sum of x Gamma(p, 1/nu) draws
    return np.divide(total, x, out=np.zeros(x.shape), where=has)
