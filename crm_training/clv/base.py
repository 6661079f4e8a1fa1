"""The shared base of the CLV models: input checks, aggregation to unique rows, the optimiser.

Every model here is fitted by maximum likelihood on one row per customer (customer_id,
frequency, recency, T and, for spend, monetary_value). Customers with the same
(frequency, recency, T) add the same term to the log-likelihood, so the data are reduced to
unique rows with counts as weights before the optimiser runs: a million customers from a daily
log collapse to a few hundred thousand rows, and the per-value pieces (gammaln of ``r + x``,
``log(alpha + T)``) are computed once per distinct value.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

__all__ = ["CLVModel", "UniqueRows", "check_rfm", "unique_rows", "wsum"]


def wsum(w: np.ndarray, v: np.ndarray) -> float:
    """Weighted sum ``w . v``; einsum, because a BLAS dot can stall on a busy shared machine."""
    return np.einsum("i,i->", w, v)

RFM_COLUMNS = ("customer_id", "frequency", "recency", "T")
_WARM_START_ROWS = 200_000  # above this many unique rows, start from a fit on a sample


def check_rfm(data: pd.DataFrame, monetary: bool = False, name: str = "data",
              timing: bool = True) -> dict:
    """Check an RFM frame and return its columns as float arrays (plus ``customer_id``).

    Raises ``ValueError`` naming the column at fault: missing column, missing or infinite values,
    negative values, recency beyond T, or a repeat buyer whose recency is 0 (repeat purchases are
    later than the first one, so such a row is an error upstream). ``timing=False`` checks only
    customer_id, frequency (and monetary_value).
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}")
    need = RFM_COLUMNS if timing else RFM_COLUMNS[:2]
    need = need + (("monetary_value",) if monetary else ())
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}; expected {list(need)} "
                         "(build them with crm_training.clv.rfm_summary)")
    out = {"customer_id": data["customer_id"]}  # kept as a Series: converting 1M ids is slow
    for col in need[1:]:
        try:
            v = data[col].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}[{col!r}] must be numeric") from exc
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}[{col!r}] has missing or infinite values")
        if col != "monetary_value" and np.any(v < 0):  # net spend may be negative (returns)
            raise ValueError(f"{name}[{col!r}] has negative values (first at row "
                             f"{int(np.flatnonzero(v < 0)[0])}); {col} cannot be negative")
        out[col] = v
    if not timing:
        return out
    x, t, T = out["frequency"], out["recency"], out["T"]
    if np.any(t > T * (1 + 1e-12)):
        raise ValueError(f"{name}: recency is larger than T for {int(np.sum(t > T))} customer(s); "
                         "the last purchase cannot be after the end of observation")
    if np.any((x > 0) & (t == 0)):
        n_bad = int(np.sum((x > 0) & (t == 0)))
        raise ValueError(f"{name}: {n_bad} customer(s) have frequency > 0 "
                         "but recency 0; repeat purchases must come after the first purchase")
    if np.any((x == 0) & (t > 0)):
        raise ValueError(f"{name}: {int(np.sum((x == 0) & (t > 0)))} customer(s) have frequency 0 "
                         "but recency > 0; recency is 0 when there is no repeat purchase")
    return out


@dataclass
class UniqueRows:
    """Distinct (x, t, T) rows with counts; ``ux[ix]`` etc. give each row's values."""

    ux: np.ndarray
    ut: np.ndarray
    uT: np.ndarray
    ix: np.ndarray
    it: np.ndarray
    iT: np.ndarray
    weight: np.ndarray

    @property
    def x(self):
        return self.ux[self.ix]

    @property
    def t(self):
        return self.ut[self.it]

    @property
    def T(self):
        return self.uT[self.iT]


def unique_rows(*columns: np.ndarray) -> tuple[list, list, np.ndarray]:
    """Distinct rows of equal-length float columns, by sorting one packed integer key.

    Returns per column its distinct values and each unique row's index into them, plus the count
    of every unique row.
    """
    codes, uniques = [], []
    for col in columns:
        c, u = pd.factorize(col)
        codes.append(c.astype(np.int64))
        uniques.append(np.asarray(u, dtype=float))
    sizes = [len(u) for u in uniques]
    if np.prod([float(s) for s in sizes]) < 2.0 ** 62:
        key = codes[0]
        for c, s in zip(codes[1:], sizes[1:]):
            key = key * s + c
        key = np.sort(key)
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        weight = np.diff(np.r_[start, len(key)]).astype(float)
        key = key[start]
        idx = []
        for s in reversed(sizes[1:]):
            key, rem = np.divmod(key, s)
            idx.append(rem)
        idx.append(key)
        idx = idx[::-1]
    else:  # too many distinct values to pack: let pandas group them
        g = pd.DataFrame(dict(enumerate(codes))).value_counts(sort=False)
        idx = [g.index.get_level_values(i).to_numpy() for i in range(len(codes))]
        weight = g.to_numpy(dtype=float)
    return uniques, idx, weight


class CLVModel(BaseEstimator):
    """Base of the maximum-likelihood CLV models (scikit-learn estimator contract).

    Subclasses set ``_param_names``, ``_initial(data)`` and ``_negloglik(theta, rows)``
    (``theta`` are the log-parameters; return the mean negative log-likelihood per customer and,
    if ``_analytic_gradient``, its gradient).
    """

    _param_names: tuple = ()
    _monetary = False
    _analytic_gradient = False

    def __init__(self, max_iter: int = 1000, tol: float = 1e-10):
        self.max_iter = max_iter
        self.tol = tol

    # -- fitting ---------------------------------------------------------------------------
    def _check(self, data) -> dict:
        return check_rfm(data)

    def _rows(self, cols: dict) -> UniqueRows:
        (ux, ut, uT), (ix, it, iT), w = unique_rows(cols["frequency"], cols["recency"], cols["T"])
        return UniqueRows(ux, ut, uT, ix, it, iT, w)

    def _check_fit_data(self, cols: dict) -> None:
        if not np.any(cols["frequency"] > 0):
            raise ValueError("data cannot support a fit: no customer made a repeat purchase "
                             "(all frequency == 0); use a longer observation period")
        if not np.any(cols["T"] > 0):
            raise ValueError("data cannot support a fit: every T is 0 (all customers were first "
                             "seen at the end of the observation period)")

    def fit(self, data: pd.DataFrame):
        """Fit the parameters by maximum likelihood on one row per customer; return ``self``.

        Parameters
        ----------
        data : DataFrame with customer_id, frequency, recency, T (and monetary_value for the
            Gamma-Gamma model), e.g. from :func:`crm_training.clv.rfm_summary`.
        """
        cols = self._check(data)
        self._check_fit_data(cols)
        rows = self._rows(cols)
        theta0 = np.log(self._initial(rows))
        if len(rows.weight) > _WARM_START_ROWS:
            # Warm start on an unbiased random share of the rows (kept with probability q,
            # weights divided by q), so the full data need only a few optimiser steps.
            q = _WARM_START_ROWS / 4 / len(rows.weight)
            keep = np.random.default_rng(0).random(len(rows.weight)) < q
            sub = self._subset(rows, keep, 1.0 / q)
            warm = self._minimize(sub, theta0, tol=1e-8)
            res = None
            hess_inv = self._sample_hessian_inverse(sub, warm.x)
            if hess_inv is not None:
                # BFGS seeded with the sample's inverse Hessian: near-Newton steps from the start.
                res = optimize.minimize(lambda th: self._negloglik(th, rows), warm.x, jac=True,
                                        method="BFGS", options={
                                            "hess_inv0": hess_inv, "gtol": 1e-9,
                                            "maxiter": self.max_iter})
                if not (res.success and np.all(np.abs(res.x) < 20)):
                    res = None
            if res is None:
                res = self._minimize(rows, warm.x, tol=self.tol)
        else:
            res = self._minimize(rows, theta0, tol=self.tol)
        fun = lambda th: self._negloglik(th, rows)  # noqa: E731
        if not res.success:
            warnings.warn(f"{type(self).__name__}.fit did not converge: {res.message}",
                          RuntimeWarning, stacklevel=2)
        if np.any(np.abs(res.x) >= 19.99):
            warnings.warn(f"{type(self).__name__}.fit: a parameter ran to its bound "
                          f"({ {k: float(v) for k, v in zip(self._param_names, np.exp(res.x))} }); "
                          "the data may not "
                          "identify the model", RuntimeWarning, stacklevel=2)
        total = rows.weight.sum()
        if total < 10 * len(theta0):
            warnings.warn(f"{type(self).__name__}.fit on only {int(total)} customer(s): too few "
                          f"to identify {len(theta0)} parameters; the estimates are not reliable",
                          RuntimeWarning, stacklevel=2)
        self.params_ = {k: float(v) for k, v in zip(self._param_names, np.exp(res.x))}
        # Standard errors from the observed information (delta method from log-parameters).
        cov = self._inverse(self._hessian(rows, res.x) * total)
        se_log = np.full(len(res.x), np.nan) if cov is None else np.sqrt(np.diag(cov))
        self.stderr_ = {k: float(v) for k, v in zip(self._param_names, np.exp(res.x) * se_log)}
        self._se_log = se_log
        nll = fun(res.x)
        self.loglik_ = float(-(nll[0] if self._analytic_gradient else nll) * total)
        self.n_customers_ = int(total)
        self.n_iter_ = int(res.nit)
        self.converged_ = bool(res.success)
        return self

    def _minimize(self, rows, theta0, tol):
        return optimize.minimize(lambda th: self._negloglik(th, rows), theta0,
                                 jac=self._analytic_gradient, method="L-BFGS-B",
                                 bounds=[(-20.0, 20.0)] * len(theta0),
                                 options={"maxiter": self.max_iter, "ftol": tol, "gtol": 1e-9})

    def _hessian(self, rows, theta) -> np.ndarray:
        """Hessian of the mean negative log-likelihood in log-parameters, by central differences
        (of the analytic gradient where there is one, else of the function)."""
        f = lambda th: self._negloglik(th, rows)  # noqa: E731
        eye = np.eye(len(theta))
        if self._analytic_gradient:  # forward differences: k + 1 gradient evaluations
            h = 1e-6
            g0 = f(theta)[1]
            H = np.array([(f(theta + h * e)[1] - g0) / h for e in eye])
        else:
            h = 1e-4
            k = len(theta)
            H = np.empty((k, k))
            f0 = f(theta)
            for i in range(k):  # a loop over the 3-4 parameters, not over customers
                H[i, i] = (f(theta + h * eye[i]) - 2 * f0 + f(theta - h * eye[i])) / h ** 2
                for j in range(i):
                    H[i, j] = H[j, i] = (
                        f(theta + h * (eye[i] + eye[j])) - f(theta + h * (eye[i] - eye[j]))
                        - f(theta - h * (eye[i] - eye[j])) + f(theta - h * (eye[i] + eye[j]))
                    ) / (4 * h ** 2)
        return (H + H.T) / 2

    @staticmethod
    def _inverse(H):
        """Inverse of a positive definite matrix, or None."""
        if not np.all(np.isfinite(H)) or np.any(np.linalg.eigvalsh(H) <= 0):
            return None
        inv = np.linalg.inv(H)
        return (inv + inv.T) / 2

    def _sample_hessian_inverse(self, rows, theta):
        """Inverse Hessian on the warm-start sample (None if unusable)."""
        if not self._analytic_gradient:
            return None
        return self._inverse(self._hessian(rows, theta))

    def _subset(self, rows: UniqueRows, keep: np.ndarray, scale: float) -> UniqueRows:
        return UniqueRows(rows.ux, rows.ut, rows.uT, rows.ix[keep], rows.it[keep],
                          rows.iT[keep], rows.weight[keep] * scale)

    def _fitted(self) -> dict:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(data) "
                                 "first")
        return self.params_

    @staticmethod
    def _series(values, cols: dict, name: str) -> pd.Series:
        index = pd.Index(cols["customer_id"], name="customer_id")
        return pd.Series(np.asarray(values, dtype=float), index=index, name=name)

    def summary(self) -> pd.DataFrame:
        """Fitted parameters with standard errors and 95% intervals (for notebooks).

        The intervals come from the observed information on the log scale, so they stay
        positive; they describe sampling uncertainty only, not doubt about the model itself.
        """
        params = self._fitted()
        names = list(self._param_names)
        est = np.array([params[k] for k in names])
        se_log = getattr(self, "_se_log", np.full(len(names), np.nan))
        return pd.DataFrame({"estimate": est,
                             "std_error": [self.stderr_.get(k, np.nan) for k in names]
                             if hasattr(self, "stderr_") else np.nan,
                             "ci_low": est * np.exp(-1.96 * se_log),
                             "ci_high": est * np.exp(1.96 * se_log)},
                            index=pd.Index(names, name="parameter"))
