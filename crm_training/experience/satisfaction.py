"""Satisfaction metrics of chapter 3: NPS, CSAT and customer effort, with confidence intervals,
by touchpoint and channel, and an omnichannel consistency test.

Definitions used throughout the kit (other chapters call :func:`nps` and :func:`csat`):

- NPS (Net Promoter Score): share of promoters (9-10) minus share of detractors (0-6) on the 0-10
  "likelihood to recommend" scale, in points from -100 to 100.
- CSAT: share of satisfied answers (4 or 5) on the 1-5 scale, from 0 to 1.
- CES (customer effort score): mean effort on the 1 (very easy) to 7 (very hard) scale; lower is
  better.

Intervals: NPS uses the multinomial variance of the promoter-minus-detractor difference (normal
approximation, or a seeded bootstrap); CSAT uses the Wilson score interval, which stays inside
[0, 1] for small samples and shares near 0 or 1; CES uses the t interval of a mean.

Examples
--------
>>> nps([10, 9, 8, 0])
25.0
>>> csat([5, 4, 3, 1])
0.5
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..schema import require_columns

SCALES = {"nps": (0, 10), "csat": (1, 5), "effort": (1, 7)}


@dataclass(frozen=True)
class Estimate:
    """A metric with its confidence interval and the number of answers it rests on."""

    value: float
    low: float
    high: float
    n: int

    def __iter__(self):  # allows ``value, low, high, n = estimate``
        return iter((self.value, self.low, self.high, self.n))


def _scores(scores, metric: str) -> np.ndarray:
    """Validated answers as a float array, missing values dropped."""
    low, high = SCALES[metric]
    if isinstance(scores, (str, bytes)) or np.ndim(scores) == 0:
        raise TypeError(f"{metric}: scores must be a list, array or Series of numbers")
    raw = pd.Series(scores) if isinstance(scores, (pd.Series, pd.Index)) else pd.Series(
        np.ravel(np.asarray(scores, dtype=object)))
    num = pd.to_numeric(raw, errors="coerce")
    is_bool = raw.dtype == bool or (raw.dtype == object and any(
        isinstance(v, (bool, np.bool_)) for v in raw))  # True is not a score of 1
    if num.notna().sum() != raw.notna().sum() or is_bool:
        raise ValueError(f"{metric}: scores must be numbers from {low} to {high}")
    arr = num.astype("float64").to_numpy()
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise ValueError(f"{metric}: no scores to compute it from (empty or all missing)")
    bad = (arr < low) | (arr > high) | (arr != np.round(arr))
    if bad.any():
        raise ValueError(f"{metric}: scores must be whole numbers from {low} to {high}; "
                         f"found {arr[bad][:5].tolist()}")
    return arr


def nps(scores) -> float:
    """Net Promoter Score in points (-100 to 100): % promoters (9-10) minus % detractors (0-6).

    Parameters
    ----------
    scores : answers on the 0-10 scale (list, array or Series); missing values are ignored.

    Examples
    --------
    >>> nps([10, 9, 8, 0])
    25.0
    >>> nps([0, 6, None, 10])
    -33.33...
    """
    s = _scores(scores, "nps")
    return float(100.0 * ((s >= 9).mean() - (s <= 6).mean()))


def csat(scores) -> float:
    """CSAT: share of satisfied answers (4 or 5) on the 1-5 scale, from 0 to 1.

    Examples
    --------
    >>> csat([5, 4, 3, 1])
    0.5
    """
    s = _scores(scores, "csat")
    return float((s >= 4).mean())


def customer_effort_score(scores) -> float:
    """Customer effort score: mean effort on the 1 (very easy) to 7 (very hard) scale.

    Examples
    --------
    >>> customer_effort_score([1, 2, 3, 6])
    3.0
    """
    return float(_scores(scores, "effort").mean())


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def nps_interval(scores, confidence: float = 0.95, method: str = "normal", n_boot: int = 2000,
                 seed: int | None = 0) -> Estimate:
    """NPS with a confidence interval, in points.

    ``method="normal"`` uses the multinomial variance of (promoter - detractor) shares,
    ``Var = (p_P + p_D - (p_P - p_D)^2) / n``; ``"bootstrap"`` resamples answers with ``seed``
    (percentile interval). Bounds are clipped to [-100, 100].

    Examples
    --------
    >>> e = nps_interval([10] * 50 + [7] * 30 + [3] * 20)
    >>> e.value, round(e.low, 1), round(e.high, 1)
    (30.0, 14.7, 45.3)
    """
    s = _scores(scores, "nps")
    z = _z(confidence)
    value = nps(s)
    if method == "normal":
        pp, pd_ = (s >= 9).mean(), (s <= 6).mean()
        se = 100 * np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0) / s.size)
        low, high = value - z * se, value + z * se
    elif method == "bootstrap":
        rng = np.random.default_rng(seed)
        code = (s >= 9).astype(np.int8) - (s <= 6).astype(np.int8)
        counts = rng.multinomial(s.size, [np.mean(code == k) for k in (-1, 0, 1)], size=n_boot)
        boot = 100 * (counts[:, 2] - counts[:, 0]) / s.size
        low, high = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
    else:
        raise ValueError(f"method must be 'normal' or 'bootstrap', not {method!r}")
    return Estimate(value, float(max(low, -100)), float(min(high, 100)), int(s.size))


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (vectorised over arrays of counts).

    Examples
    --------
    >>> low, high = wilson_interval(8, 10)
    >>> round(float(low), 3), round(float(high), 3)
    (0.49, 0.943)
    """
    z = _z(confidence)
    k, n = np.asarray(successes, float), np.asarray(n, float)
    p = np.divide(k, n, out=np.full_like(k, np.nan), where=n > 0)
    denom = 1 + z ** 2 / n
    centre = (p + z ** 2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / denom
    return centre - half, centre + half


def csat_interval(scores, confidence: float = 0.95) -> Estimate:
    """CSAT with its Wilson score interval.

    Examples
    --------
    >>> e = csat_interval([5, 4, 4, 4, 5, 3, 5, 4, 2, 5])
    >>> e.value, round(e.low, 3)
    (0.8, 0.49)
    """
    s = _scores(scores, "csat")
    low, high = wilson_interval((s >= 4).sum(), s.size, confidence)
    return Estimate(float((s >= 4).mean()), float(low), float(high), int(s.size))


def effort_interval(scores, confidence: float = 0.95) -> Estimate:
    """Customer effort score (mean 1-7) with its t interval.

    Examples
    --------
    >>> effort_interval([2, 3, 4]).value
    3.0
    """
    s = _scores(scores, "effort")
    if s.size < 2:
        return Estimate(float(s.mean()), np.nan, np.nan, int(s.size))
    half = stats.t.ppf(0.5 + confidence / 2, s.size - 1) * s.std(ddof=1) / np.sqrt(s.size)
    return Estimate(float(s.mean()), float(s.mean() - half), float(s.mean() + half), int(s.size))


def satisfaction_table(surveys: pd.DataFrame, by="touchpoint", confidence: float = 0.95,
                       min_answers: int = 1) -> pd.DataFrame:
    """NPS, CSAT and effort with confidence intervals per group (touchpoint, channel or both).

    Vectorised: one groupby over the answers, intervals computed on the group counts.

    Parameters
    ----------
    surveys : the surveys table (columns ``nps``, ``csat``, ``effort`` and the ``by`` columns).
    by : column name or list of names to group by.
    min_answers : groups with fewer CSAT answers are dropped.

    Returns
    -------
    DataFrame indexed by the groups with ``n``, ``nps``, ``nps_low``, ``nps_high``, ``csat``,
    ``csat_low``, ``csat_high``, ``effort``, ``effort_low``, ``effort_high``.

    Examples
    --------
    >>> s = pd.DataFrame({"channel": ["app", "app", "store", "store"], "nps": [10, 0, 9, 9],
    ...                   "csat": [5, 2, 4, 5], "effort": [1, 5, 2, 2]})
    >>> satisfaction_table(s, by="channel")[["n", "nps", "csat"]]
             n    nps  csat
    channel
    app      2    0.0   0.5
    store    2  100.0   1.0
    """
    by = [by] if isinstance(by, str) else list(by)
    require_columns(surveys, by + ["nps", "csat", "effort"], "surveys")
    if len(surveys) == 0:
        raise ValueError("surveys: no answers")
    for m in ("nps", "csat", "effort"):
        v = surveys[m].dropna()
        if len(v):
            _scores(v, m)  # range check once, vectorised
    z = _z(confidence)
    d = pd.DataFrame({
        "n": surveys["csat"].notna(),
        "sat": surveys["csat"] >= 4, "csat_n": surveys["csat"].notna(),
        "pro": surveys["nps"] >= 9, "det": surveys["nps"] <= 6, "nps_n": surveys["nps"].notna(),
        "eff": surveys["effort"].astype("float64"),
        "eff2": surveys["effort"].astype("float64") ** 2,
        "eff_n": surveys["effort"].notna(),
    }).fillna({"sat": False, "pro": False, "det": False}).astype(
        {"sat": int, "pro": int, "det": int, "n": int, "csat_n": int, "nps_n": int, "eff_n": int})
    g = d.groupby([surveys[c] for c in by], observed=True).sum(min_count=0)
    g = g[g["csat_n"] >= max(min_answers, 1)]
    out = pd.DataFrame(index=g.index)
    out["n"] = g["csat_n"]
    pp, pdet = g["pro"] / g["nps_n"], g["det"] / g["nps_n"]
    out["nps"] = 100 * (pp - pdet)
    se = 100 * np.sqrt((pp + pdet - (pp - pdet) ** 2).clip(lower=0) / g["nps_n"])
    out["nps_low"] = (out["nps"] - z * se).clip(lower=-100)
    out["nps_high"] = (out["nps"] + z * se).clip(upper=100)
    out["csat"] = g["sat"] / g["csat_n"]
    out["csat_low"], out["csat_high"] = wilson_interval(g["sat"], g["csat_n"], confidence)
    mean = g["eff"] / g["eff_n"]
    var = (g["eff2"] - g["eff_n"] * mean ** 2) / (g["eff_n"] - 1)
    half = stats.t.ppf(0.5 + confidence / 2, (g["eff_n"] - 1).clip(lower=1)) * np.sqrt(
        var.clip(lower=0) / g["eff_n"])
    out["effort"] = mean
    out["effort_low"], out["effort_high"] = mean - half, mean + half
    return out


@dataclass(frozen=True)
class ConsistencyResult:
    """How far channels differ on one metric, and whether the difference is significant."""

    metric: str
    table: pd.DataFrame  # per group: n and the metric with its interval
    spread: float  # highest minus lowest group value
    cv: float  # coefficient of variation of group values, weighted by answers
    chi2: float  # chi-square statistic of the satisfied/promoter share across groups
    chi2_p: float
    kruskal_p: float  # Kruskal-Wallis test on the raw scores
    consistent: bool  # both p-values at or above alpha


def channel_consistency(surveys: pd.DataFrame, metric: str = "csat", by: str = "channel",
                        alpha: float = 0.05, min_answers: int = 20) -> ConsistencyResult:
    """Omnichannel consistency: spread of a metric across channels with significance tests.

    The chi-square test compares the share of satisfied (CSAT 4-5) or promoter (NPS 9-10) answers
    across groups; the Kruskal-Wallis test compares whole score distributions without assuming
    normality. A consistent omnichannel experience shows a small spread and p-values above alpha.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"channel": np.repeat(["app", "store"], 200),
    ...                   "csat": np.r_[rng.integers(1, 4, 200), rng.integers(3, 6, 200)]})
    >>> r = channel_consistency(s)
    >>> r.consistent, round(r.spread, 2) > 0.3
    (False, True)
    """
    if metric not in ("csat", "nps", "effort"):
        raise ValueError(f"metric must be 'csat', 'nps' or 'effort', not {metric!r}")
    require_columns(surveys, [by, metric], "surveys")
    s = surveys[[by, metric]].dropna()
    if len(s) == 0:
        raise ValueError(f"surveys: no {metric} answers")
    values = s[metric].astype("float64")
    _scores(values, metric)
    counts = s.groupby(by, observed=True)[metric].size()
    keep = counts.index[counts >= min_answers]
    s = s[s[by].isin(keep)]
    if len(keep) < 2:
        raise ValueError(f"channel_consistency needs at least two {by} groups with "
                         f"{min_answers}+ answers; found {len(keep)}")
    v = s[metric].astype("float64")
    good = v >= 4 if metric == "csat" else (v >= 9 if metric == "nps" else v <= 2)
    grp = s[by].astype("str")
    table = pd.DataFrame({"n": grp.groupby(grp).size()})
    if metric == "effort":
        table[metric] = v.groupby(grp).mean()
    elif metric == "csat":
        table[metric] = good.groupby(grp).mean()
    else:
        pro, det = good.groupby(grp).mean(), (v <= 6).groupby(grp).mean()
        table[metric] = 100 * (pro - det)
    cont = pd.crosstab(grp, good)
    if cont.shape[1] < 2:
        chi2, chi2_p = 0.0, 1.0
    else:
        chi2, chi2_p, _, _ = stats.chi2_contingency(cont.to_numpy())
    samples = [g.to_numpy() for _, g in v.groupby(grp)]
    try:
        kruskal_p = float(stats.kruskal(*samples).pvalue)
    except ValueError:  # all values identical
        kruskal_p = 1.0
    w = table["n"] / table["n"].sum()
    mean = float((w * table[metric]).sum())
    sd = float(np.sqrt((w * (table[metric] - mean) ** 2).sum()))
    cv = sd / abs(mean) if mean else np.nan
    return ConsistencyResult(metric, table, float(table[metric].max() - table[metric].min()), cv,
                             float(chi2), float(chi2_p), kruskal_p,
                             bool(chi2_p >= alpha and kruskal_p >= alpha))
