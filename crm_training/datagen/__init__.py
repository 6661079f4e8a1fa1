"""Synthetic CRM data with known ground truth (work in progress)."""
INDUSTRIES = ("retail", "bank", "telecom", "coffee_chain", "travel", "manufacturing")
PRESETS: dict = {}


def generate(industry, n_customers, seed, locale="en_US", start=None, end=None, **overrides):
    raise NotImplementedError("generator lands shortly")
