"""The purchase model: who buys, how often, how much, and when they stop.

Stated generative model (a Pareto/NBD process with Gamma-Gamma spend, mixed over latent segments):

- each customer belongs to a latent segment; within it, the purchase rate lambda ~ Gamma and the
  dropout hazard mu ~ Gamma (per year), the mean spend per order ~ inverse Gamma (Gamma-Gamma);
- a customer's first order is at sign-up; repeat orders follow a Poisson process with rate lambda
  while the customer is active; the customer becomes inactive after an exponential lifetime with
  hazard mu (higher for unhappy customers);
- interventions change the rates from their start: loyalty members buy more often and drop out
  less after enrolling; customers of the pilot region drop out less after the service upgrade; the
  A/B campaign adds an order with a known probability to active treated customers;
- each order's amount ~ Gamma(p, nu), its cost leaves the segment's margin, and a share of orders
  are returned in full a few days later (negative rows linked to the order).

All of it vectorised: one pass over arrays of customers and of orders, no loop per customer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_YEAR = 365.25


@dataclass
class PiecewiseRate:
    """A rate per day that is multiplied by a factor at up to k change points per customer.

    ``breaks`` (n, k) are absolute days (np.inf for none), ``factors`` (n, k) the multipliers that
    apply from each break on (cumulatively).
    """

    base: np.ndarray
    breaks: np.ndarray
    factors: np.ndarray

    def __post_init__(self):
        order = np.argsort(self.breaks, axis=1)
        self.breaks = np.take_along_axis(self.breaks, order, axis=1)
        f = np.take_along_axis(self.factors, order, axis=1)
        # rate level on each piece: piece 0 before the first break, piece j after break j
        self.levels = self.base[:, None] * np.concatenate(
            [np.ones((len(self.base), 1)), np.cumprod(f, axis=1)], axis=1)

    def _pieces(self, t0):
        """Per customer: start of each piece and the integrated rate before it."""
        lo = np.concatenate([t0[:, None], np.maximum(self.breaks, t0[:, None])], axis=1)
        with np.errstate(invalid="ignore"):
            mass = np.nan_to_num(np.diff(lo, axis=1) * self.levels[:, :-1], nan=np.inf, posinf=np.inf)
        before = np.concatenate([np.zeros((len(t0), 1)), np.cumsum(mass, axis=1)], axis=1)
        return lo, before

    def cumulative(self, t0, t):
        """Integrated rate from t0 to t (t >= t0), one value per customer."""
        lo, before = self._pieces(t0)
        piece = (t[:, None] >= lo[:, 1:]).sum(axis=1)
        rows = np.arange(len(t0))
        return before[rows, piece] + (t - lo[rows, piece]) * self.levels[rows, piece]

    def inverse(self, t0, h, owner=None):
        """The time at which the integrated rate from t0 (per customer) reaches h.

        With ``owner``, ``h`` holds many values per customer: ``h[j]`` belongs to customer
        ``owner[j]`` and ``t0`` is per customer.
        """
        lo, before = self._pieces(t0)
        if owner is None:
            owner = np.arange(len(t0))
        k = before.shape[1]
        piece = np.zeros(len(h), dtype=np.int64)
        for j in range(1, k):  # a few columns, each a 1-D gather
            piece += h > before[:, j][owner]
        flat = owner * k + piece
        return lo.ravel()[flat] + (h - before.ravel()[flat]) / self.levels.ravel()[flat]


def sorted_uniform_times(rng, counts: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each customer i, ``counts[i]`` sorted uniform points on (0, total[i]).

    Returns the owner index of every point and the points, grouped by owner and sorted within.
    Sorted uniforms come from normalised cumulative exponential spacings: no sort needed.
    """
    owner = np.repeat(np.arange(len(counts)), counts)
    gaps = rng.exponential(1.0, owner.size)
    cum = grouped_cumsum(owner, gaps)
    last = np.bincount(owner, weights=gaps, minlength=len(counts))
    span = last + rng.exponential(1.0, len(counts))  # the spacing after the last point
    return owner, cum / span[owner] * total[owner]


def within_group_rank(owner: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within consecutive runs of the same owner (owner must be grouped)."""
    n = owner.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    return np.arange(n) - run_start


def grouped_cumsum(owner: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Cumulative sum of x within runs of the same owner (owner must be grouped)."""
    if owner.size == 0:
        return np.zeros(0, dtype=np.asarray(x).dtype)
    c = np.cumsum(x)
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    return c - np.repeat(c[starts] - x[starts], np.diff(np.r_[starts, owner.size]))
