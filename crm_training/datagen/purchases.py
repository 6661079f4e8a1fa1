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
        n, k = self.breaks.shape
        if k == 1:
            f = self.factors
        elif k == 2:  # argsort of two columns, as a swap where the second break comes first
            b0, b1 = self.breaks[:, 0], self.breaks[:, 1]
            swap = b1 < b0
            self.breaks = np.where(swap[:, None], self.breaks[:, ::-1], self.breaks)
            f = np.where(swap[:, None], self.factors[:, ::-1], self.factors)
        else:
            order = np.argsort(self.breaks, axis=1)
            self.breaks = np.take_along_axis(self.breaks, order, axis=1)
            f = np.take_along_axis(self.factors, order, axis=1)
        # rate level on each piece: piece 0 before the first break, piece j after break j
        self.levels = self.base[:, None] * np.concatenate(
            [np.ones((n, 1)), np.cumprod(f, axis=1)], axis=1)

    def _pieces(self, t0):
        """Per customer: start of each piece and the integrated rate before it (the last t0's
        kept: the stages ask for the same t0 more than once)."""
        cached = getattr(self, "_cached", None)
        if cached is not None and cached[0] is t0:
            return cached[1], cached[2]
        lo = np.concatenate([t0[:, None], np.maximum(self.breaks, t0[:, None])], axis=1)
        with np.errstate(invalid="ignore"):
            mass = np.diff(lo, axis=1)
            mass *= self.levels[:, :-1]
        # np.nan_to_num(mass, nan=inf, posinf=inf), in place: nan -> inf, -inf -> most negative
        mass[np.isnan(mass)] = np.inf
        low = mass == -np.inf
        if low.any():
            mass[low] = np.finfo(mass.dtype).min
        before = np.concatenate([np.zeros((len(t0), 1)), np.cumsum(mass, axis=1)], axis=1)
        self._cached = (t0, lo, before)
        return lo, before

    def cumulative(self, t0, t):
        """Integrated rate from t0 to t (t >= t0), one value per customer."""
        lo, before = self._pieces(t0)
        piece = (t[:, None] >= lo[:, 1:]).sum(axis=1)
        rows = np.arange(len(t0))
        return before[rows, piece] + (t - lo[rows, piece]) * self.levels[rows, piece]

    def inverse(self, t0, h, owner=None, counts=None):
        """The time at which the integrated rate from t0 (per customer) reaches h.

        With ``owner``, ``h`` holds many values per customer: ``h[j]`` belongs to customer
        ``owner[j]`` and ``t0`` is per customer. ``counts`` (values per customer, when ``owner``
        is ``np.repeat(np.arange(n), counts)``) lets the per-customer figures be repeated in
        order rather than gathered, and only the values past a customer's first change point
        be looked at piece by piece.
        """
        lo, before = self._pieces(t0)
        if owner is None:
            owner = np.arange(len(t0))
        k = before.shape[1]
        if counts is None or k == 1:
            piece = np.zeros(len(h), dtype=np.int64)
            for j in range(1, k):  # a few columns, each a 1-D gather
                piece += h > before[:, j][owner]
            flat = owner * k + piece
            return lo.ravel()[flat] + (h - before.ravel()[flat]) / self.levels.ravel()[flat]
        # piece 0 (before[:, 0] is 0): lo + (h - 0) / level, the same arithmetic
        out = np.repeat(self.levels[:, 0], counts)
        np.divide(h, out, out=out)
        out += np.repeat(lo[:, 0], counts)
        later = np.repeat(before[:, 1], counts)
        past = np.flatnonzero(h > later)
        del later
        if past.size:
            o, hp = owner[past], h[past]
            piece = np.ones(past.size, dtype=np.int64)
            for j in range(2, k):
                piece += hp > before[:, j][o]
            flat = o * k + piece
            out[past] = lo.ravel()[flat] + (hp - before.ravel()[flat]) / self.levels.ravel()[flat]
        return out


def sorted_uniform_times(rng, counts: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each customer i, ``counts[i]`` sorted uniform points on (0, total[i]).

    Returns the owner index of every point and the points, grouped by owner and sorted within.
    Sorted uniforms come from normalised cumulative exponential spacings: no sort needed.
    """
    owner = np.repeat(np.arange(len(counts)), counts)
    gaps = rng.exponential(1.0, owner.size)
    cum = grouped_cumsum(owner, gaps, counts=counts)
    last = np.bincount(owner, weights=gaps, minlength=len(counts))
    del gaps
    span = last + rng.exponential(1.0, len(counts))  # the spacing after the last point
    cum /= np.repeat(span, counts)  # cum / span[owner] * total[owner], owner being grouped
    cum *= np.repeat(total, counts)
    return owner, cum


def _runs(owner: np.ndarray, counts: np.ndarray | None):
    """Start and length of each run of one owner (from the counts per owner when known)."""
    if counts is not None:
        lengths = counts[counts > 0]
        return np.cumsum(lengths) - lengths, lengths
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    return starts, np.diff(np.r_[starts, owner.size])


def within_group_rank(owner: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """0, 1, 2 ... within consecutive runs of the same owner (owner must be grouped).

    >>> within_group_rank(np.array([0, 0, 2, 2, 2, 3])).tolist()
    [0, 1, 0, 1, 2, 0]
    """
    n = owner.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts, lengths = _runs(owner, counts)
    return np.arange(n) - np.repeat(starts, lengths)


def grouped_cumsum(owner: np.ndarray | None, x: np.ndarray,
                   counts: np.ndarray | None = None) -> np.ndarray:
    """Cumulative sum of x within runs of the same owner (owner must be grouped).

    ``counts`` (points per owner, in owner order) saves finding the runs (``owner`` is then not
    needed and may be None).

    >>> grouped_cumsum(np.array([0, 0, 1, 1, 1]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])).tolist()
    [1.0, 3.0, 3.0, 7.0, 12.0]
    """
    if np.size(x) == 0:
        return np.zeros(0, dtype=np.asarray(x).dtype)
    c = np.cumsum(x)
    starts, lengths = _runs(owner, counts)
    c -= np.repeat(c[starts] - x[starts], lengths)
    return c
