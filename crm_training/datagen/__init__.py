"""Synthetic CRM data with known ground truth, for every industry scenario of the course.

``generate`` builds a whole company (customers, orders, contacts, loyalty ledger, web visits,
experiments) from a stated generative model, and keeps the truth apart in ``data.truth``.
"""
from .core import generate
from .presets import INDUSTRIES, PRESETS, Preset, Segment

__all__ = ["generate", "INDUSTRIES", "PRESETS", "Preset", "Segment"]
