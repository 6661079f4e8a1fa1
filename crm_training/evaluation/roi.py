"""Return on a CRM initiative: cash flows over a horizon, NPV, ROI and payback.

Chapter 6 (implementation and evaluation: return on the programme). The benefit comes from
measured effects (e.g. the uplift in conversion of an A/B test or the churn cut of a pilot)
turned into extra profit per year; costs are an up-front investment plus running costs. Cash
flows are yearly, at the end of each year (year 0 = the investment), discounted at a yearly rate.

Examples
--------
>>> npv([-100, 60, 60], 0.10)  # -100 + 60/1.1 + 60/1.21
4.132...
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _rate(discount_rate):
    r = float(discount_rate)
    if not math.isfinite(r) or r <= -1:
        raise ValueError(f"discount_rate must be a finite number above -1 (e.g. 0.1), got {r!r}")
    return r


def npv(cash_flows, discount_rate: float) -> float:
    """Net present value of yearly cash flows; the first one is at time 0 (not discounted).

    Examples
    --------
    >>> npv([-1000, 500, 500, 500], 0.0)
    500.0
    """
    cf = np.asarray(cash_flows, dtype=float)
    if cf.ndim != 1 or cf.size == 0:
        raise ValueError("cash_flows must be a non-empty list of numbers")
    if not np.isfinite(cf).all():
        raise ValueError("cash_flows must be finite")
    r = _rate(discount_rate)
    return float((cf / (1 + r) ** np.arange(cf.size)).sum())


def irr(cash_flows) -> float:
    """Internal rate of return (the rate with NPV 0), by bisection; NaN when none exists.

    Examples
    --------
    >>> round(irr([-100, 110]), 6)
    0.1
    """
    cf = np.asarray(cash_flows, dtype=float)
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv(cf, lo), npv(cf, hi)
    if np.sign(f_lo) == np.sign(f_hi):
        return float("nan")
    for _ in range(200):
        mid = (lo + hi) / 2
        f_mid = npv(cf, mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def initiative_cash_flows(investment: float, annual_benefit, annual_cost=0.0,
                          horizon_years: int = 3, discount_rate: float = 0.1,
                          ramp_up=None) -> pd.DataFrame:
    """Yearly cash-flow table of an initiative: benefit, cost, net, discounted and cumulative.

    Parameters
    ----------
    investment : up-front cost in year 0 (>= 0).
    annual_benefit : extra profit per year at full effect (a number, or one per year).
    annual_cost : running cost per year (a number, or one per year).
    horizon_years : years of benefit after the investment.
    discount_rate : yearly rate.
    ramp_up : share of the full benefit reached in each year (e.g. ``[0.5, 1, 1]`` for a
        pilot-then-rollout); default full from year 1.

    Examples
    --------
    >>> t = initiative_cash_flows(1000, 600, 100, horizon_years=3, discount_rate=0.0)
    >>> t["net"].tolist()
    [-1000.0, 500.0, 500.0, 500.0]
    """
    if investment < 0:
        raise ValueError("investment must be >= 0 (a cost)")
    h = int(horizon_years)
    if h < 1 or h != horizon_years:
        raise ValueError(f"horizon_years must be a whole number >= 1, got {horizon_years!r}")
    r = _rate(discount_rate)

    def per_year(name, v):
        arr = np.broadcast_to(np.asarray(v, dtype=float), (h,)) if np.ndim(v) == 0 \
            else np.asarray(v, dtype=float)
        if arr.shape != (h,):
            raise ValueError(f"{name} needs one value or {h} values (one per year)")
        return arr

    benefit = per_year("annual_benefit", annual_benefit)
    cost = per_year("annual_cost", annual_cost)
    ramp = np.ones(h) if ramp_up is None else per_year("ramp_up", ramp_up)
    years = np.arange(h + 1)
    b = np.r_[0.0, benefit * ramp]
    c = np.r_[float(investment), cost]
    net = b - c
    factor = 1 / (1 + r) ** years
    out = pd.DataFrame({"year": years, "benefit": b, "cost": c, "net": net,
                        "discount_factor": factor, "discounted_net": net * factor})
    out["cumulative_discounted"] = out["discounted_net"].cumsum()
    return out


def initiative_roi(investment: float, annual_benefit, annual_cost=0.0, horizon_years: int = 3,
                   discount_rate: float = 0.1, ramp_up=None) -> dict:
    """NPV, ROI, IRR and discounted payback of an initiative (see :func:`initiative_cash_flows`).

    ``roi`` = NPV / present value of all costs (what each unit spent returns on top of itself).
    ``payback_years`` is the first year the cumulative discounted cash flow turns non-negative
    (linearly interpolated within the year), NaN if never within the horizon.

    Examples
    --------
    >>> r = initiative_roi(1000, 600, 100, horizon_years=3, discount_rate=0.1)
    >>> round(r["npv"], 2), round(r["payback_years"], 2)
    (243.43, 2.35)
    """
    t = initiative_cash_flows(investment, annual_benefit, annual_cost, horizon_years,
                              discount_rate, ramp_up)
    value = float(t["discounted_net"].sum())
    pv_cost = float((t["cost"] * t["discount_factor"]).sum())
    cum = t["cumulative_discounted"].to_numpy()
    payback = float("nan")
    hit = np.flatnonzero(cum >= 0)
    if hit.size:
        k = hit[0]
        payback = 0.0 if k == 0 else float((k - 1) + (-cum[k - 1]) / (cum[k] - cum[k - 1]))
    return {"npv": value, "roi": value / pv_cost if pv_cost > 0 else float("nan"),
            "irr": irr(t["net"]), "payback_years": payback, "pv_cost": pv_cost,
            "pv_benefit": float((t["benefit"] * t["discount_factor"]).sum()), "cash_flows": t}


def benefit_from_effect(customers: float, effect: float, value_per_unit: float) -> float:
    """Yearly benefit of a measured effect: customers x effect x profit per unit of effect.

    E.g. a conversion uplift of 0.02 on 50,000 customers with 40 profit per extra order per year
    gives 40,000 a year; a churn cut of 0.03 with 300 yearly profit per kept customer gives
    customers x 0.03 x 300.

    Examples
    --------
    >>> benefit_from_effect(50_000, 0.02, 40)
    40000.0
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    return float(customers) * float(effect) * float(value_per_unit)
