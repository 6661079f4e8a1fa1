"""Service-ticket KPIs by channel, category and priority; backlog; consistency across channels.

Chapter 5 (customer service upgrade): the pain points of the course (slow response, low
resolution rate, inconsistent service across channels) measured on the ``tickets`` table. Times
are in hours. Everything is one vectorised groupby, so it runs on millions of tickets.

Examples
--------
>>> import crm_training
>>> data = crm_training.generate("telecom", 500, seed=1)
>>> k = ticket_kpis(data.tickets, by="priority")
>>> list(k.index)
['low', 'medium', 'high', 'urgent']
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..schema import require_columns

# Default first-response targets per priority, in hours (a common tiered SLA).
DEFAULT_SLA_HOURS = {"urgent": 1.0, "high": 4.0, "medium": 8.0, "low": 24.0}

_NEEDED = ("created_at", "first_response_at", "resolved_at", "priority", "first_contact_resolution",
           "reopened", "csat")
KPI_COLUMNS = ("tickets", "first_response_h_median", "first_response_h_mean", "resolution_h_median",
               "resolution_h_mean", "resolved_share", "fcr_rate", "sla_attainment", "reopen_rate",
               "csat", "csat_mean", "csat_responses", "bot_share")


def _check(tickets: pd.DataFrame, columns) -> None:
    require_columns(tickets, columns, "tickets")
    if tickets.empty:
        raise ValueError("tickets is empty: nothing to measure")


def _hours(later, earlier) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)) / pd.Timedelta(hours=1)


def ticket_times(tickets: pd.DataFrame, sla_hours: dict | None = None,
                 sla_on: str = "first_response") -> pd.DataFrame:
    """Per-ticket durations (hours), the SLA target and whether it was met.

    Parameters
    ----------
    sla_hours : target hours per priority (default :data:`DEFAULT_SLA_HOURS`); every priority
        present in the tickets needs one.
    sla_on : ``"first_response"`` (time to first answer) or ``"resolution"`` (creation to close).
        A ticket without that timestamp misses the SLA.

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01 08:00"] * 2),
    ...     "first_response_at": pd.to_datetime(["2024-01-01 08:30", "2024-01-01 10:00"]),
    ...     "resolved_at": pd.to_datetime(["2024-01-01 12:00", None]),
    ...     "priority": ["urgent", "urgent"]})
    >>> ticket_times(t)[["first_response_h", "sla_met"]].values.tolist()
    [[0.5, True], [2.0, False]]
    """
    _check(tickets, ("created_at", "first_response_at", "resolved_at", "priority"))
    if sla_on not in ("first_response", "resolution"):
        raise ValueError(f"sla_on must be 'first_response' or 'resolution', not {sla_on!r}")
    sla = dict(DEFAULT_SLA_HOURS if sla_hours is None else sla_hours)
    bad = {k: v for k, v in sla.items() if not (isinstance(v, (int, float)) and v > 0)}
    if bad:
        raise ValueError(f"sla_hours must be positive hours per priority; bad: {bad}")
    prio = tickets["priority"].astype("str")
    missing = sorted(set(prio.dropna().unique()) - set(sla))
    if missing:
        raise ValueError(f"sla_hours has no target for priority {missing}; give one per priority")
    out = pd.DataFrame(index=tickets.index)
    out["first_response_h"] = _hours(tickets["first_response_at"], tickets["created_at"])
    out["resolution_h"] = _hours(tickets["resolved_at"], tickets["created_at"])
    out["sla_target_h"] = prio.map(sla).astype("float64")
    measured = out[f"{sla_on}_h"]
    out["sla_met"] = (measured <= out["sla_target_h"]).fillna(False).astype(bool)
    return out


def ticket_kpis(tickets: pd.DataFrame, by="channel", sla_hours: dict | None = None,
                sla_on: str = "first_response") -> pd.DataFrame:
    """The service KPIs per group: response and resolution time, FCR, SLA, reopen rate, CSAT.

    Parameters
    ----------
    tickets : the ``tickets`` table.
    by : column name or list of names (``"channel"``, ``"category"``, ``"priority"``,
        ``"handled_by"``...), or ``None`` for one overall row.
    sla_hours, sla_on : SLA targets per priority, see :func:`ticket_times`.

    Returns
    -------
    DataFrame with one row per group and the columns of :data:`KPI_COLUMNS`: medians and means in
    hours; ``fcr_rate``, ``reopen_rate`` among resolved tickets; ``csat`` the share of answers
    4-5, ``csat_mean`` the mean score; ``bot_share`` the share handled by the chatbot.

    Examples
    --------
    >>> t = pd.DataFrame({"channel": ["phone", "phone", "email"], "priority": ["low"] * 3,
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3),
    ...     "first_response_at": pd.to_datetime(["2024-01-01 01:00", "2024-01-01 03:00",
    ...                                          "2024-01-02 00:00"]),
    ...     "resolved_at": pd.to_datetime(["2024-01-01 02:00", None, "2024-01-03 00:00"]),
    ...     "first_contact_resolution": [True, False, False], "reopened": [False, False, True],
    ...     "csat": pd.array([5, 2, pd.NA], dtype="Int8")})
    >>> k = ticket_kpis(t)
    >>> k.loc["phone", ["tickets", "first_response_h_median", "fcr_rate", "csat"]].tolist()
    [2.0, 2.0, 1.0, 0.5]
    """
    _check(tickets, _NEEDED)
    times = ticket_times(tickets, sla_hours, sla_on)
    resolved = tickets["resolved_at"].notna()
    score = pd.to_numeric(tickets["csat"], errors="coerce").astype("float64")
    frame = pd.DataFrame({
        "first_response_h": times["first_response_h"],
        "resolution_h": times["resolution_h"],
        "resolved": resolved.astype(float),
        # FCR and reopen are shares of the closed cases (an open case cannot be either yet)
        "fcr": tickets["first_contact_resolution"].astype(float).where(resolved),
        "reopened": tickets["reopened"].astype(float).where(resolved),
        "sla_met": times["sla_met"].astype(float),
        "satisfied": (score >= 4).astype(float).where(score.notna()),
        "csat_score": score,
        "bot": (tickets["handled_by"].astype("str") == "bot").astype(float)
        if "handled_by" in tickets.columns else np.nan,
    }, index=tickets.index)
    if by is None:
        keys = np.zeros(len(frame), dtype=int)
        g = frame.groupby(keys)
    else:
        cols = [by] if isinstance(by, str) else list(by)
        missing = [c for c in cols if c not in tickets.columns]
        if missing:
            raise ValueError(f"tickets: no column {missing} to group by")
        g = frame.groupby([tickets[c] for c in cols], observed=True)
    out = pd.DataFrame({
        "tickets": g.size().astype(float),
        "first_response_h_median": g["first_response_h"].median(),
        "first_response_h_mean": g["first_response_h"].mean(),
        "resolution_h_median": g["resolution_h"].median(),
        "resolution_h_mean": g["resolution_h"].mean(),
        "resolved_share": g["resolved"].mean(),
        "fcr_rate": g["fcr"].mean(),
        "sla_attainment": g["sla_met"].mean(),
        "reopen_rate": g["reopened"].mean(),
        "csat": g["satisfied"].mean(),
        "csat_mean": g["csat_score"].mean(),
        "csat_responses": g["csat_score"].count().astype(float),
        "bot_share": g["bot"].mean(),
    })
    if by is None:
        out.index = ["all"]
    return out


def backlog(tickets: pd.DataFrame, freq: str = "D", start=None, end=None) -> pd.DataFrame:
    """Open tickets at the end of each day (``freq="D"``) or week (``"W"``), with in and out flow.

    A ticket is open from ``created_at`` until ``resolved_at`` (for ever when never resolved).
    Counting uses sorted times and ``searchsorted``: no loop over tickets.

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
    ...                                                 "2024-01-02 09:00"]),
    ...                   "resolved_at": pd.to_datetime(["2024-01-01 11:00", None,
    ...                                                  "2024-01-03 08:00"])})
    >>> backlog(t)["open"].tolist()
    [1, 2, 1]
    """
    _check(tickets, ("created_at", "resolved_at"))
    created = pd.to_datetime(tickets["created_at"]).to_numpy("datetime64[ns]")
    resolved = pd.to_datetime(tickets["resolved_at"]).to_numpy("datetime64[ns]")
    first = pd.Timestamp(start) if start is not None else pd.Timestamp(created.min()).normalize()
    last = pd.Timestamp(end) if end is not None else pd.Timestamp(
        np.nanmax(np.r_[created, resolved[~np.isnat(resolved)]])).normalize()
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    periods = pd.period_range(first, last, freq=freq)
    ends = (periods.end_time).to_numpy("datetime64[ns]")
    c_sorted = np.sort(created)
    r_sorted = np.sort(resolved[~np.isnat(resolved)])
    n_created = np.searchsorted(c_sorted, ends, side="right")
    n_resolved = np.searchsorted(r_sorted, ends, side="right")
    out = pd.DataFrame({"period_end": pd.DatetimeIndex(ends).floor("s"),
                        "created": np.diff(np.r_[np.searchsorted(c_sorted, periods[0].start_time
                                                                .to_datetime64()), n_created]),
                        "resolved": np.diff(np.r_[np.searchsorted(r_sorted, periods[0].start_time
                                                                 .to_datetime64()), n_resolved]),
                        "open": n_created - n_resolved})
    out.index = periods
    out.index.name = "period"
    return out


def ticket_channel_consistency(tickets: pd.DataFrame, metric: str = "csat", by: str = "channel",
                        sla_hours: dict | None = None) -> dict:
    """How far channels differ on one KPI, and whether the difference is significant.

    Parameters
    ----------
    metric : ``"csat"`` (share 4-5), ``"fcr_rate"``, ``"sla_attainment"``, ``"reopen_rate"``
        (shares: chi-square test of independence) or ``"first_response_h"``, ``"resolution_h"``
        (times: Kruskal-Wallis test, as times are skewed).

    Returns
    -------
    dict with ``table`` (value and count per channel), ``spread`` (max - min),
    ``cv`` (coefficient of variation across channels), ``test``, ``statistic``, ``p_value``.

    Examples
    --------
    >>> import crm_training
    >>> data = crm_training.generate("telecom", 800, seed=2)
    >>> r = ticket_channel_consistency(data.tickets, "first_response_h")
    >>> r["p_value"] < 0.001  # e-mail answers far slower than phone
    True
    """
    shares = {"csat", "fcr_rate", "sla_attainment", "reopen_rate"}
    times_ = {"first_response_h", "resolution_h"}
    if metric not in shares | times_:
        raise ValueError(f"metric must be one of {sorted(shares | times_)}, not {metric!r}")
    _check(tickets, _NEEDED + (by,))
    t = ticket_times(tickets, sla_hours)
    resolved = tickets["resolved_at"].notna()
    score = pd.to_numeric(tickets["csat"], errors="coerce")
    values = {
        "csat": (score >= 4).astype(float).where(score.notna()),
        "fcr_rate": tickets["first_contact_resolution"].astype(float).where(resolved),
        "reopen_rate": tickets["reopened"].astype(float).where(resolved),
        "sla_attainment": t["sla_met"].astype(float),
        "first_response_h": t["first_response_h"],
        "resolution_h": t["resolution_h"],
    }[metric]
    frame = pd.DataFrame({"group": tickets[by], "value": values}).dropna()
    if frame["group"].nunique() < 2:
        raise ValueError(f"need at least two {by} values with data to compare")
    g = frame.groupby("group", observed=True)["value"]
    if metric in shares:
        table = pd.DataFrame({"value": g.mean(), "n": g.size()})
        counts = np.c_[g.sum().to_numpy(), (g.size() - g.sum()).to_numpy()]
        stat, p, _, _ = stats.chi2_contingency(counts)
        test = "chi-square"
    else:
        table = pd.DataFrame({"value": g.median(), "n": g.size()})
        stat, p = stats.kruskal(*[v.to_numpy() for _, v in g])
        test = "kruskal-wallis"
    v = table["value"]
    return {"table": table, "spread": float(v.max() - v.min()),
            "cv": float(v.std(ddof=0) / v.mean()) if v.mean() else np.nan,
            "test": test, "statistic": float(stat), "p_value": float(p)}
