"""Chart building blocks shared by the plotting modules of every chapter."""
from __future__ import annotations

import numpy as np
import pandas as pd


def annotated_matrix(table: pd.DataFrame, *, normalise: bool = False, cmap: str = "Blues",
                     fmt: str | None = None, xlabel: str = "", ylabel: str = "", title: str = "",
                     ax=None, figsize=(5, 4)):
    """Heat map of a table with every cell's value written in it; returns the Axes.

    Used for confusion matrices and tier / class migration matrices. With ``normalise`` each row
    is shown as shares of its total (a row of zeros stays zero).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame([[3, 1], [0, 4]], index=["a", "b"], columns=["a", "b"])
    >>> ax = annotated_matrix(t, normalise=True, xlabel="predicted", ylabel="true")
    >>> [tx.get_text() for tx in ax.texts]
    ['0.75', '0.25', '0.00', '1.00']
    """
    m = table.to_numpy(dtype=float)
    if normalise:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    if fmt is None:
        fmt = ".2f" if normalise else ",.3g"
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=figsize)
    im = ax.imshow(m, cmap=cmap, vmin=0, aspect="auto")
    top = np.nanmax(m) if m.size else 0
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=8,
                color="white" if v > top / 2 else "black")
    ax.set_xticks(range(m.shape[1]), table.columns.astype(str))
    ax.set_yticks(range(m.shape[0]), table.index.astype(str))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax)
    ax.figure.tight_layout()
    return ax
