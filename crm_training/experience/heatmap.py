"""Click heat maps (chapter 3, heat-map analysis): where on a page visitors click.

:func:`click_heatmap` bins the click coordinates of one page (x from 0 = left to 1 = right,
y from 0 = top to 1 = bottom) into a grid of click shares, optionally smoothed with a Gaussian
kernel; :func:`hot_spots` lists the densest cells. The plot is
:func:`crm_training.experience.plotting.plot_heatmap`.

Examples
--------
>>> web = pd.DataFrame({"page": ["home"] * 4, "x": [0.1, 0.1, 0.9, 0.1], "y": [0.1, 0.1, 0.9, 0.1]})
>>> grid = click_heatmap(web, "home", bins=2)
>>> grid.to_numpy().tolist()
[[0.75, 0.0], [0.0, 0.25]]
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def click_heatmap(web_events: pd.DataFrame, page: str | None = None, bins: int = 20,
                  smooth: float = 0.0, by: str = "page") -> pd.DataFrame:
    """Grid of click shares over page coordinates for one page (or all pages).

    Parameters
    ----------
    web_events : page views with ``x`` and ``y`` in [0, 1] (and ``page`` when ``page`` is given).
    page : page to map; None pools every page.
    bins : grid cells per axis.
    smooth : Gaussian smoothing in cells (0 = raw counts).
    by : column holding the page name.

    Returns
    -------
    DataFrame of shares summing to 1: rows are y-cell centres (top first), columns x-cell centres.

    Examples
    --------
    >>> web = pd.DataFrame({"page": ["cart"] * 3, "x": [0.8, 0.8, 0.2], "y": [0.7, 0.7, 0.3]})
    >>> float(click_heatmap(web, "cart", bins=4).to_numpy().max())
    0.666...
    """
    if not isinstance(web_events, pd.DataFrame):
        raise TypeError(f"web_events must be a DataFrame, not {type(web_events).__name__}")
    need = ["x", "y"] + ([by] if page is not None else [])
    missing = [c for c in need if c not in web_events.columns]
    if missing:
        raise ValueError(f"web_events: missing column(s) {missing}; "
                         f"found {list(web_events.columns)}")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive whole number, not {bins!r}")
    ev = web_events
    if page is not None:
        mask = (ev[by] == page).to_numpy(dtype=bool, na_value=False)
        if not mask.any():
            pages = sorted(ev[by].dropna().astype("str").unique())
            raise ValueError(f"web_events: no clicks on page {page!r}; pages: {pages}")
        ev = ev[mask]
    x = ev["x"].to_numpy(dtype="float64", na_value=np.nan)
    y = ev["y"].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise ValueError("web_events: no click coordinates (x, y all missing)")
    if ((x[ok] < 0) | (x[ok] > 1) | (y[ok] < 0) | (y[ok] > 1)).any():
        raise ValueError("web_events: x and y must be shares of the page, from 0 to 1")
    edges = np.linspace(0, 1, bins + 1)
    counts, _, _ = np.histogram2d(y[ok], x[ok], bins=[edges, edges])
    if smooth > 0:
        from scipy.ndimage import gaussian_filter
        counts = gaussian_filter(counts, sigma=smooth, mode="constant")
    centres = np.round((edges[:-1] + edges[1:]) / 2, 6)
    return pd.DataFrame(counts / counts.sum(), index=pd.Index(centres, name="y"),
                        columns=pd.Index(centres, name="x"))


def hot_spots(grid: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` cells of a heat map with the largest click shares.

    Examples
    --------
    >>> web = pd.DataFrame({"x": [0.8, 0.8, 0.2], "y": [0.7, 0.7, 0.3]})
    >>> hot_spots(click_heatmap(web, bins=2), n=1)
         x     y     share
    0  0.75  0.75  0.666667
    """
    long = grid.stack().rename("share").reset_index()
    return long.sort_values("share", ascending=False, kind="stable").head(n)[
        ["x", "y", "share"]].reset_index(drop=True)
