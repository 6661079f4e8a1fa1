"""A tiny deterministic CRMData for the docstring examples of the segmentation modules.

The real synthetic generator (:func:`crm_training.generate`) is the data of the chapters; this
one only keeps doctests small and independent of it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import CRMData


def example_data(n_customers: int = 60, seed: int = 0, end: str = "2025-12-31") -> CRMData:
    """Two years of purchases, contacts and surveys for ``n_customers`` customers."""
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end)
    start = end_ts - pd.Timedelta(days=730)
    ids = np.array([f"C{i:05d}" for i in range(n_customers)])
    rate = rng.gamma(1.5, 4.0, n_customers)  # purchases per year
    life = rng.exponential(500.0, n_customers)  # days active
    signup = rng.uniform(0, 600, n_customers)
    n_tx = rng.poisson(rate * np.minimum(life, 730 - signup) / 365) + 1
    cust = np.repeat(np.arange(n_customers), n_tx)
    span = np.minimum(life, 730 - signup)[cust]
    day = signup[cust] + rng.uniform(0, 1, cust.size) * span
    day[np.r_[0, np.cumsum(n_tx)[:-1]]] = signup  # first order on the sign-up day
    amount = np.round(rng.gamma(2.0, 25.0, cust.size) * (1 + rate[cust] / 10), 2)
    tx = pd.DataFrame({
        "transaction_id": [f"T{i:06d}" for i in range(cust.size)],
        "customer_id": ids[cust],
        "timestamp": start + pd.to_timedelta(day, unit="D"),
        "category": rng.choice(["food", "home", "beauty", "toys"], cust.size),
        "quantity": 1,
        "amount": amount,
        "cost": np.round(amount * rng.uniform(0.5, 0.8, cust.size), 2),
        "is_return": False,
    })
    customers = pd.DataFrame({
        "customer_id": ids,
        "signup_date": start + pd.to_timedelta(np.floor(signup), unit="D"),
        "social_influence": np.round(rng.beta(1, 4, n_customers), 3),
        "loyalty_member": rng.random(n_customers) < 0.4,
        "marketing_consent": True,
        "service_need": rng.choice(["high_service", "standard", "self_service"], n_customers),
        "strategic_tier": rng.choice(["core", "important", "ordinary"], n_customers,
                                     p=[0.1, 0.3, 0.6]),
    })
    n_int = 3 * n_customers
    who = rng.integers(0, n_customers, n_int)
    interactions = pd.DataFrame({
        "interaction_id": [f"I{i:06d}" for i in range(n_int)],
        "customer_id": ids[who],
        "timestamp": start + pd.to_timedelta(rng.uniform(0, 730, n_int), unit="D"),
        "channel": rng.choice(["website", "app", "phone", "email"], n_int),
        "type": rng.choice(["inquiry", "complaint", "suggestion", "praise"], n_int),
    })
    surveys = pd.DataFrame({
        "survey_id": [f"S{i:05d}" for i in range(n_customers)],
        "customer_id": ids,
        "timestamp": end_ts - pd.to_timedelta(rng.uniform(0, 300, n_customers), unit="D"),
        "csat": rng.integers(1, 6, n_customers),
        "nps": rng.integers(0, 11, n_customers),
    })
    return CRMData(customers=customers, transactions=tx.sort_values("timestamp"),
                   interactions=interactions, surveys=surveys, meta={"industry": "example"})
