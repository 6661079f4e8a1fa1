"""Loyalty programme simulator (chapter 4): economics of the three programme types.

Programme types of the syllabus: points redemption (积分兑换型), rewards (奖励型: a stamp card,
"buy N, get a reward") and social / referral (社交型: points for bringing friends). The rules sit
in :class:`ProgrammeRules`:

- earn: ``earn_rate`` points per currency spent (points, social) or one stamp per order
  (rewards), times the tier's ``tier_multipliers``; social programmes add ``referral_bonus``
  points per referral;
- burn: a member holding ``redeem_threshold`` points redeems whole multiples of it with monthly
  probability ``redeem_probability``; a point costs the company ``point_value``;
- expiry: points not redeemed within ``expiry_months`` lapse (first in, first out) - breakage;
- tiers: by points earned over the last 12 months against ``tier_thresholds``; each tier has an
  earn multiplier and a yearly benefit cost; tiers can go down as well as up;
- behaviour: members buy ``purchase_uplift`` more often and drop out ``dropout_cut`` less (take
  these from a measured uplift, :func:`~crm_training.loyalty.enrolment_uplift`).

:func:`simulate_programme` runs the members month by month (vectorised over members: the only
loop is over months) twice with the same random numbers - once with the programme, once without
- and reports points liability, breakage, programme cost, the tier migration matrix and the
projected effect on repurchase, margin and CLV. Members come from a CRMData
(:func:`members_from_data`) or are drawn (:func:`synthetic_members`).

Examples
--------
>>> members = synthetic_members(2000, seed=1)
>>> res = simulate_programme(members, ProgrammeRules(kind="points"), months=24, seed=1)
>>> 0 <= res.summary["breakage_rate"] <= 1
True
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .. import schema as S

KINDS = ("points", "rewards", "social")


@dataclass(frozen=True)
class ProgrammeRules:
    """Earn and burn rules, tiers and expected behaviour of one loyalty programme.

    Attributes
    ----------
    kind : "points", "rewards" or "social".
    earn_rate : points per currency unit spent (points and social); ignored for rewards.
    stamps_per_reward : orders needed for one reward (rewards programmes).
    reward_value : cost of one reward (rewards programmes); for points programmes the cost of a
        point is ``point_value``.
    point_value : cost to the company of one redeemed point.
    redeem_threshold : smallest redeemable block of points.
    redeem_probability : monthly chance that a member able to redeem does so.
    expiry_months : months after which unredeemed points lapse (None: never).
    tier_thresholds : points earned in the last 12 months for silver, gold, platinum.
    tier_multipliers : earn multiplier of bronze, silver, gold, platinum.
    tier_benefit_cost : yearly cost per member of each tier's benefits.
    referral_rate : referrals per member and year (social programmes).
    referral_bonus : points per referral.
    referral_value : margin a referred new customer brings (social programmes).
    purchase_uplift : relative increase of members' purchase rate.
    dropout_cut : relative decrease of members' dropout hazard.
    operating_cost : yearly running cost per member (platform, communication).
    """

    kind: str = "points"
    earn_rate: float = 1.0
    stamps_per_reward: int = 10
    reward_value: float = 5.0
    point_value: float = 0.01
    redeem_threshold: int = 500
    redeem_probability: float = 0.3
    expiry_months: int | None = 12
    tier_thresholds: tuple = (1_000, 5_000, 20_000)
    tier_multipliers: tuple = (1.0, 1.25, 1.5, 2.0)
    tier_benefit_cost: tuple = (0.0, 5.0, 20.0, 60.0)
    referral_rate: float = 0.3
    referral_bonus: int = 200
    referral_value: float = 50.0
    purchase_uplift: float = 0.2
    dropout_cut: float = 0.2
    operating_cost: float = 1.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if len(self.tier_thresholds) != len(S.LOYALTY_TIERS) - 1 or \
                list(self.tier_thresholds) != sorted(self.tier_thresholds):
            raise ValueError("tier_thresholds: give 3 increasing thresholds "
                             "(silver, gold, platinum)")
        for name in ("tier_multipliers", "tier_benefit_cost"):
            if len(getattr(self, name)) != len(S.LOYALTY_TIERS):
                raise ValueError(f"{name}: give one value per tier {S.LOYALTY_TIERS}")
        if not 0 <= self.redeem_probability <= 1:
            raise ValueError("redeem_probability must be between 0 and 1")
        if self.expiry_months is not None and self.expiry_months < 1:
            raise ValueError("expiry_months must be at least 1 (or None for no expiry)")
        if self.redeem_threshold < 1 or self.stamps_per_reward < 1:
            raise ValueError("redeem_threshold and stamps_per_reward must be at least 1")
        if self.purchase_uplift <= -1 or not 0 <= self.dropout_cut < 1:
            raise ValueError("purchase_uplift must exceed -1 and dropout_cut lie in [0, 1)")

    @property
    def _threshold(self) -> int:
        return self.stamps_per_reward if self.kind == "rewards" else self.redeem_threshold

    @property
    def _value(self) -> float:  # cost of one point (or stamp)
        if self.kind == "rewards":
            return self.reward_value / self.stamps_per_reward
        return self.point_value


MEMBER_COLUMNS = ("customer_id", "purchase_rate", "dropout_rate", "spend_mean", "margin")


def synthetic_members(n: int, seed: int = 0, purchase_rate: float = 6.0, dropout_rate: float = 0.3,
                      spend_mean: float = 50.0, margin: float = 0.3) -> pd.DataFrame:
    """Draw ``n`` members: gamma-distributed purchase rates (per year), dropout hazards and spend.

    Examples
    --------
    >>> m = synthetic_members(1000, seed=1)
    >>> list(m.columns)
    ['customer_id', 'purchase_rate', 'dropout_rate', 'spend_mean', 'margin']
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": [f"M{i:07d}" for i in range(n)],
        "purchase_rate": rng.gamma(2.0, purchase_rate / 2.0, n),
        "dropout_rate": rng.gamma(2.0, dropout_rate / 2.0, n),
        "spend_mean": rng.gamma(4.0, spend_mean / 4.0, n),
        "margin": np.full(n, margin),
    })


def members_from_data(data, dropout_rate: float = 0.3, members_only: bool = False) -> pd.DataFrame:
    """Per-customer inputs of the simulator estimated from a CRMData's transactions.

    Purchase rate = orders per year since sign-up, spend = mean order amount, margin = profit
    share (from ``cost``); the dropout hazard is not observable per customer and is set to
    ``dropout_rate`` (fit a BG/NBD model for a better one).

    Examples
    --------
    >>> import crm_training
    >>> m = members_from_data(crm_training.generate("retail", 300, seed=1))
    >>> bool((m["purchase_rate"] > 0).all())
    True
    """
    tx = data.transactions
    if len(tx) == 0:
        raise ValueError("transactions: no purchases")
    if "is_return" in tx.columns:
        tx = tx[~tx["is_return"].fillna(False).astype(bool).to_numpy()]
    g = tx.groupby(tx["customer_id"].astype(str))
    orders, amount, cost = g.size(), g["amount"].sum(), g["cost"].sum()
    end = tx["timestamp"].max()
    cust = data.customers.assign(customer_id=data.customers["customer_id"].astype(str))
    if members_only:
        cust = cust[cust["loyalty_member"].astype(bool)]
    cust = cust.set_index("customer_id")
    years = ((end - cust["signup_date"]) / pd.Timedelta(days=365.25)).clip(lower=30 / 365.25)
    n = orders.reindex(cust.index, fill_value=0)
    out = pd.DataFrame({
        "customer_id": cust.index,
        "purchase_rate": (n / years).to_numpy(),
        "dropout_rate": dropout_rate,
        "spend_mean": (amount.reindex(cust.index) / n.replace(0, np.nan)).fillna(0).to_numpy(),
        "margin": ((amount - cost) / amount).reindex(cust.index).fillna(0).clip(0, 1).to_numpy(),
    })
    return out[out["purchase_rate"] > 0].reset_index(drop=True)


@dataclass
class SimulationResult:
    """Outputs of :func:`simulate_programme`."""

    monthly: pd.DataFrame  # per month: members active, orders, points earned/redeemed/expired...
    summary: dict  # liability, breakage, cost, repurchase, margin and CLV with and without
    tier_migration: pd.DataFrame  # tier at start (rows) vs at the end (columns), incl. lapsed
    members: pd.DataFrame = field(repr=False)  # per member: end tier, points, orders, CLV


def _run(members: pd.DataFrame, rules: ProgrammeRules, months: int, seed: int,
         discount_rate: float, tier0: np.ndarray, yearly: np.ndarray):
    """Members with the programme and the same members without it, in one pass.

    Common random numbers: both worlds share every draw. A member dies in a month when a shared
    uniform falls below the month's dropout probability (lower with the programme, so whoever
    survives without it survives with it); orders without the programme are Poisson(lambda), with
    it the same orders plus Poisson(lambda * uplift) extra ones (or a binomial thinning of them
    for a negative uplift). The difference between the worlds is the programme's, not noise.
    """
    n = len(members)
    rng = np.random.default_rng(seed)
    lam = members["purchase_rate"].to_numpy(float) / 12
    mu = members["dropout_rate"].to_numpy(float) / 12
    p_die_base = -np.expm1(-mu)
    p_die_prog = -np.expm1(-mu * (1 - rules.dropout_cut))
    spend = members["spend_mean"].to_numpy(float)
    margin = members["margin"].to_numpy(float)
    E = rules.expiry_months
    # ring buffers (a column per month, overwritten in turn) instead of shifting columns:
    # unredeemed points by month earned (only needed when points expire), and points earned in
    # each of the last 12 months (for tiers), with running totals
    bucket = np.zeros((n, E)) if E else None
    balance = np.zeros(n)
    window = np.repeat((yearly / 12)[:, None], 12, axis=1)
    window_sum = window.sum(axis=1)
    tier = tier0.copy()
    alive_b, alive_p = np.ones(n, bool), np.ones(n, bool)
    orders_b, orders_p = np.zeros(n), np.zeros(n)
    margin_b, margin_p, cost_pv = np.zeros(n), np.zeros(n), np.zeros(n)
    mult = np.asarray(rules.tier_multipliers, float)
    benefit = np.asarray(rules.tier_benefit_cost, float) / 12
    thr = np.asarray(rules.tier_thresholds, float)
    value, block = rules._value, rules._threshold
    rows = []
    for m in range(months):  # months, not members: every step is vectorised over members
        u_die = rng.random(n)
        alive_b &= u_die >= p_die_base
        alive_p &= u_die >= p_die_prog
        z = rng.poisson(lam)
        size = spend * rng.gamma(10.0, 0.1, n)  # order value around the member's mean
        # the baseline's draws come first, so every programme variant sees the same baseline
        if rules.purchase_uplift >= 0:
            zp = z + rng.poisson(lam * rules.purchase_uplift)
        else:
            zp = rng.binomial(z, 1 + rules.purchase_uplift)
        k_b, k_p = z * alive_b, zp * alive_p
        amt_b, amt_p = k_b * size, k_p * size
        disc = (1 + discount_rate) ** (-(m + 0.5) / 12)
        margin_b += amt_b * margin * disc
        margin_p += amt_p * margin * disc
        orders_b += k_b
        orders_p += k_p
        # earn
        base = k_p if rules.kind == "rewards" else amt_p * rules.earn_rate
        pts = np.floor(base * mult[tier])
        refs = rng.poisson(rules.referral_rate / 12, n) * alive_p  # drawn always: same stream
        if rules.kind != "social":
            refs = np.zeros(n)
        else:
            pts += refs * rules.referral_bonus
            margin_p += refs * rules.referral_value * disc
        # expire the points earned E months ago (their slot is reused for this month's points)
        if E:
            slot = m % E
            expired = bucket[:, slot].copy()
            bucket[:, slot] = pts
        else:
            expired = np.zeros(n)
        balance += pts - expired
        # burn: members able to redeem do so now and then, oldest points first (FIFO)
        redeem = alive_p & (balance >= block) & (rng.random(n) < rules.redeem_probability)
        burn = np.where(redeem, np.floor(balance / block) * block, 0.0)
        balance -= burn
        if E:
            who = np.flatnonzero(burn > 0)
            sub, rest = bucket[who], burn[who]
            for a in range(1, E + 1):  # over months held (a few), oldest slot first
                col = (m + a) % E
                take = np.minimum(sub[:, col], rest)
                sub[:, col] -= take
                rest -= take
            bucket[who] = sub
        # a lapsed member's points stay on the books until they expire (that is breakage)
        w = m % 12
        window_sum += pts - window[:, w]
        window[:, w] = pts
        tier = np.searchsorted(thr, window_sum, side="right")
        member_cost = burn * value + (benefit[tier] + rules.operating_cost / 12) * alive_p
        cost_pv += member_cost * disc
        outstanding = balance.sum()
        rows.append({"month": m + 1, "active_members": int(alive_p.sum()),
                     "active_baseline": int(alive_b.sum()), "orders": int(k_p.sum()),
                     "orders_baseline": int(k_b.sum()), "revenue": float(amt_p.sum()),
                     "revenue_baseline": float(amt_b.sum()), "points_earned": float(pts.sum()),
                     "points_redeemed": float(burn.sum()), "points_expired": float(expired.sum()),
                     "points_outstanding": float(outstanding),
                     "liability": float(outstanding * value),
                     "programme_cost": float(member_cost.sum()), "referrals": float(refs.sum())})
    per = pd.DataFrame({"customer_id": members["customer_id"].to_numpy(), "start_tier": tier0,
                        "end_tier": tier, "alive": alive_p, "alive_baseline": alive_b,
                        "orders": orders_p, "orders_baseline": orders_b, "margin_pv": margin_p,
                        "margin_pv_baseline": margin_b, "cost_pv": cost_pv,
                        "clv": margin_p - cost_pv, "clv_baseline": margin_b})
    return pd.DataFrame(rows), per


def _initial_tiers(members, rules):
    """Starting tier from a year of expected earning (members join at their usual level)."""
    spend = members["purchase_rate"].to_numpy(float) * members["spend_mean"].to_numpy(float)
    if rules.kind == "rewards":
        yearly = members["purchase_rate"].to_numpy(float)
    else:
        yearly = spend * rules.earn_rate
    return np.searchsorted(np.asarray(rules.tier_thresholds, float), yearly, side="right"), yearly


def simulate_programme(members: pd.DataFrame, rules: ProgrammeRules | None = None,
                       months: int = 36, seed: int = 0,
                       discount_rate: float = 0.10) -> SimulationResult:
    """Simulate a loyalty programme on ``members`` and compare with no programme.

    Parameters
    ----------
    members : one row per member with ``customer_id``, ``purchase_rate`` (orders per year),
        ``dropout_rate`` (per year), ``spend_mean``, ``margin`` (see :func:`synthetic_members`,
        :func:`members_from_data`).
    rules : the programme (default :class:`ProgrammeRules`).
    months : horizon.
    seed : random seed (both runs share it, so the difference is the programme's, not noise).
    discount_rate : yearly rate for present values (CLV).

    Returns
    -------
    :class:`SimulationResult` whose ``summary`` has points earned / redeemed / expired,
    ``breakage_rate``, ``liability`` (outstanding points x point value at the end),
    ``programme_cost``, ``repurchase_rate`` and ``repurchase_rate_baseline`` (share of members who
    buy again in the horizon), ``orders_uplift``, ``clv`` and ``clv_baseline`` (mean discounted
    margin minus programme cost per member), ``clv_uplift`` and ``roi`` (incremental margin per
    unit of programme cost, minus 1).

    Examples
    --------
    >>> res = simulate_programme(synthetic_members(500, seed=2), ProgrammeRules(kind="rewards"),
    ...                          months=12)
    >>> res.summary["repurchase_rate"] >= res.summary["repurchase_rate_baseline"]
    True
    """
    rules = ProgrammeRules() if rules is None else rules
    if not isinstance(members, pd.DataFrame):
        raise TypeError(f"members must be a DataFrame, not {type(members).__name__}")
    missing = [c for c in MEMBER_COLUMNS if c not in members.columns]
    if missing:
        raise ValueError(f"members: missing column(s) {missing}; found {list(members.columns)}")
    if len(members) == 0:
        raise ValueError("members: no members to simulate")
    if months < 1:
        raise ValueError(f"months must be at least 1, not {months}")
    num = members[list(MEMBER_COLUMNS[1:])].astype(float)
    if not np.isfinite(num.to_numpy()).all() or (num < 0).any().any():
        raise ValueError("members: purchase_rate, dropout_rate, spend_mean and margin must be "
                         "non-negative numbers")
    members = members.reset_index(drop=True)
    tier0, yearly = _initial_tiers(members, rules)
    monthly, per = _run(members, rules, months, seed, discount_rate, tier0, yearly)
    earned = monthly["points_earned"].sum()
    expired = monthly["points_expired"].sum()
    incremental = per["margin_pv"].sum() - per["margin_pv_baseline"].sum()
    cost_total = per["cost_pv"].sum()
    summary = {
        "members": len(members), "months": months, "kind": rules.kind,
        "points_earned": float(earned), "points_redeemed": float(monthly["points_redeemed"].sum()),
        "points_expired": float(expired),
        "breakage_rate": float(expired / earned) if earned else 0.0,
        "points_outstanding": float(monthly["points_outstanding"].iloc[-1]),
        "liability": float(monthly["liability"].iloc[-1]),
        "programme_cost": float(monthly["programme_cost"].sum()),
        "programme_cost_pv": float(cost_total),
        "repurchase_rate": float((per["orders"] > 0).mean()),
        "repurchase_rate_baseline": float((per["orders_baseline"] > 0).mean()),
        "orders_uplift": float(per["orders"].sum() / max(per["orders_baseline"].sum(), 1) - 1),
        "retention": float(per["alive"].mean()),
        "retention_baseline": float(per["alive_baseline"].mean()),
        "clv": float(per["clv"].mean()), "clv_baseline": float(per["clv_baseline"].mean()),
        "clv_uplift": float(per["clv"].mean() - per["clv_baseline"].mean()),
        "roi": float(incremental / cost_total - 1) if cost_total > 0 else np.nan,
        "rules": asdict(rules),
    }
    levels = list(S.LOYALTY_TIERS)
    start = pd.Categorical.from_codes(per["start_tier"], levels)
    end = np.where(per["alive"], np.asarray(levels, dtype=object)[per["end_tier"]], "lapsed")
    mig = pd.crosstab(pd.Series(start, name="from"), pd.Series(end, name="to")).reindex(
        index=levels, columns=levels + ["lapsed"], fill_value=0)
    per = per.assign(start_tier=start, end_tier=end)
    return SimulationResult(monthly, summary, mig, per)
