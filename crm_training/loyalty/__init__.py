"""Loyalty programmes (chapter 4): ledger analytics (points liability, breakage, tiers), a
simulator of the three programme types (points, rewards, social) and the measured uplift of
membership against comparable customers. Charts are in :mod:`.plotting`.

Examples
--------
>>> from crm_training.loyalty import ProgrammeRules, simulate_programme, synthetic_members
>>> res = simulate_programme(synthetic_members(500, seed=1), ProgrammeRules(kind="social"),
...                          months=12, seed=1)
>>> sorted(res.tier_migration.columns)[:2]
['bronze', 'gold']
"""
from .ledger import (breakage_rate, points_balance, points_liability, points_summary,
                     tier_distribution, tier_migration)
from .simulator import (KINDS, ProgrammeRules, SimulationResult, members_from_data,
                        simulate_programme, synthetic_members)
from .uplift import enrolment_dates, enrolment_uplift, naive_member_uplift

__all__ = [
    "breakage_rate", "points_balance", "points_liability", "points_summary", "tier_distribution",
    "tier_migration", "KINDS", "ProgrammeRules", "SimulationResult", "members_from_data",
    "simulate_programme", "synthetic_members", "enrolment_dates", "enrolment_uplift",
    "naive_member_uplift",
]
