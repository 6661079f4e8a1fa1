"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

A customer's spend per order is ``Gamma(p, nu)``; the scale ``nu ~ Gamma(q, gamma)`` varies across
customers. The model shrinks each customer's observed mean spend towards the population mean, the
less so the more purchases the customer made. Chapter 2 multiplies it with a purchase model
(BG/NBD or Pareto/NBD) to value customers. It assumes spend is independent of purchase frequency:
check that on the data (the correlation of frequency and monetary value should be weak).

The parameter ``gamma`` is the scale of the population (called ``v`` in lifetimes and
pymc-marketing); ``params_`` holds it under both names.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from .base import CLVModel, wsum, UniqueRows, check_rfm, unique_rows

__all__ = ["GammaGammaModel"]


def _gamma_gamma_negloglik(theta, rows) -> tuple[float, np.ndarray]:
    p, q, g = np.exp(theta)
    x, m, w = rows.x, rows.t, rows.weight  # t holds the mean spend here
    px = p * x
    lxm = np.log(x * m + g)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
          + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * lxm)
    dg = digamma(px + q)
    grad = np.array([
        wsum(w, x * (dg - digamma(px) + np.log(m) + np.log(x) - lxm)),
        wsum(w, dg - digamma(q) + np.log(g) - lxm),
        wsum(w, q / g - (px + q) / (x * m + g)),
    ]) * np.array([p, q, g])
    total = w.sum()
    return -wsum(w, ll) / total, -grad / total


class GammaGammaModel(CLVModel):
    """Gamma-Gamma spend model fitted by maximum likelihood; parameters ``p, q, gamma``.

    Fitted on customers with at least one repeat purchase (frequency > 0), using their mean
    spend per repeat purchase (``monetary_value``, as made by :func:`rfm_summary`); customers whose
    net monetary value is 0 or less (everything returned) are left out with a warning.

    Parameters
    ----------
    max_iter : maximum number of optimiser iterations.
    tol : relative tolerance on the log-likelihood at convergence.

    Attributes
    ----------
    params_ : dict with ``p``, ``q``, ``gamma`` (and ``v``, the same as ``gamma``).
    loglik_, n_customers_, n_iter_, converged_ : as for the other models.

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_training.clv.simulate import simulate_gamma_gamma
    >>> x = pd.Series([1, 2, 3, 5, 8] * 400)
    >>> data = pd.DataFrame({"customer_id": range(len(x)), "frequency": x,
    ...     "monetary_value": simulate_gamma_gamma(x, p=6.0, q=4.0, gamma=15.0, seed=0)})
    >>> model = GammaGammaModel().fit(data)
    >>> sorted(model.params_)
    ['gamma', 'p', 'q', 'v']
    """

    _param_names = ("p", "q", "gamma")
    _monetary = True
    _analytic_gradient = True

    def _check(self, data) -> dict:
        return check_rfm(data, monetary=True, timing=False)

    def _check_fit_data(self, cols: dict) -> None:
        x, m = cols["frequency"], cols["monetary_value"]
        bad = (x > 0) & (m <= 0)
        if bad.any():
            warnings.warn(f"GammaGammaModel.fit: {int(bad.sum())} repeat customer(s) with "
                          "monetary_value <= 0 (net of returns) are left out", UserWarning,
                          stacklevel=3)
        if not np.any((x > 0) & (m > 0)):
            raise ValueError("data cannot support a fit: no customer has a repeat purchase with a "
                             "positive monetary_value")

    def _rows(self, cols: dict) -> UniqueRows:
        keep = (cols["frequency"] > 0) & (cols["monetary_value"] > 0)
        (ux, um), (ix, im), w = unique_rows(cols["frequency"][keep], cols["monetary_value"][keep])
        return UniqueRows(ux, um, np.zeros(1), ix, im, np.zeros(len(ix), dtype=np.int64), w)

    def _initial(self, rows) -> np.ndarray:
        m = rows.t
        w = rows.weight
        mean = wsum(w, m) / w.sum()
        return np.array([1.0, 2.0, mean])

    def _negloglik(self, theta, rows):
        return _gamma_gamma_negloglik(theta, rows)

    def fit(self, data: pd.DataFrame):
        """Fit on customer_id, frequency and monetary_value; return ``self``."""
        super().fit(data)
        self.params_["v"] = self.params_["gamma"]
        return self

    def expected_customer_spend(self, data: pd.DataFrame) -> pd.Series:
        """Expected spend per future purchase of each customer.

        Customers without repeat purchases, or whose net monetary value is 0 or less, get the
        population mean ``p * gamma / (q - 1)``.

        Examples
        --------
        >>> import pandas as pd
        >>> m = GammaGammaModel()
        >>> m.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44, "v": 15.44}
        >>> df = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 2],
        ...                    "monetary_value": [0.0, 22.35]})
        >>> m.expected_customer_spend(df).round(2).tolist()
        [35.22, 24.66]
        """
        cols = self._check(data)
        par = self._fitted()
        p, q, g = par["p"], par["q"], par["gamma"]
        if q <= 1:
            raise ValueError(f"q = {q:.3f} <= 1: the model's mean spend is infinite, so expected "
                             "spend is undefined")
        x, m = cols["frequency"], cols["monetary_value"]
        x = np.where(m > 0, x, 0.0)  # no positive spend history: the population mean
        value = p * (g + x * m) / (p * x + q - 1)
        return self._series(value, cols, "expected_spend")

    def expected_customer_lifetime_value(self, transaction_model, data: pd.DataFrame,
                                         future_t: int = 12, discount_rate: float = 0.0,
                                         time_unit: str = "D", margin: float = 1.0) -> pd.Series:
        """CLV of each customer: expected purchases x expected spend, discounted monthly.

        See :func:`crm_training.clv.customer_lifetime_value` for the parameters.
        """
        from .utils import customer_lifetime_value
        return customer_lifetime_value(transaction_model, data, future_t=future_t,
                                       discount_rate=discount_rate, time_unit=time_unit,
                                       spend=self.expected_customer_spend(data), margin=margin)
