"""Charts for chapter 5 (customer service upgrade): backlog, KPIs by channel, staffing curve,
chatbot deflection and the routing confusion matrix.

Apart from the maths: each function takes the table a service function returned and returns a
matplotlib Figure (the notebook decides to show it). matplotlib is imported only when drawing.
:func:`plot_staffing` takes ``language="en"`` or "zh" and draws its words in it
(:mod:`crm_training.i18n`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..charts import annotated_matrix
from ..i18n import chart_words, ensure_cjk_font


def _fig(ncols=1, figsize=(6, 4)):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    return fig, axes[0]


def plot_backlog(backlog: pd.DataFrame):
    """Open tickets over time (line) with created and resolved per period (bars behind).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01", "2024-01-02"]),
    ...                   "resolved_at": pd.to_datetime(["2024-01-03", None])})
    >>> from crm_training.service.kpis import backlog
    >>> fig = plot_backlog(backlog(t))
    >>> fig.axes[0].get_ylabel()
    'open tickets'
    """
    fig, (ax,) = _fig(figsize=(8, 4))
    x = backlog["period_end"]
    ax.plot(x, backlog["open"], color="C3", label="open at period end")
    ax.set_ylabel("open tickets")
    ax.set_title("Ticket backlog")
    ax2 = ax.twinx()
    ax2.plot(x, backlog["created"], color="C0", alpha=0.4, lw=0.8, label="created")
    ax2.plot(x, backlog["resolved"], color="C2", alpha=0.4, lw=0.8, label="resolved")
    ax2.set_ylabel("tickets per period")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left")
    fig.autofmt_xdate()
    return fig


def plot_ticket_kpis(kpis: pd.DataFrame,
                     metrics=("first_response_h_median", "resolution_h_median", "fcr_rate",
                              "sla_attainment", "csat")):
    """One small bar chart per KPI across the groups of :func:`ticket_kpis` (e.g. channels).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> k = pd.DataFrame({"fcr_rate": [0.6, 0.7], "csat": [0.8, 0.7]}, index=["phone", "email"])
    >>> len(plot_ticket_kpis(k, metrics=["fcr_rate", "csat"]).axes)
    2
    """
    metrics = list(metrics)
    missing = [m for m in metrics if m not in kpis.columns]
    if missing:
        raise ValueError(f"kpis has no column(s) {missing}")
    fig, axes = _fig(len(metrics), figsize=(3.2 * len(metrics), 3.5))
    labels = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in kpis.index]
    for ax, m in zip(axes, metrics):
        ax.bar(labels, kpis[m].to_numpy(dtype=float), color="C0")
        ax.set_title(m)
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def plot_staffing(table: pd.DataFrame, target_service_level: float | None = 0.8, *,
                  language: str = "en"):
    """Service level and average speed of answer against agents (from :func:`staffing_table`),
    words in ``language`` ("en" or "zh"), the twin axis of the speed of answer included.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.service.erlang import staffing_table
    >>> fig = plot_staffing(staffing_table(100 / 1800, 180, 20))
    >>> fig.axes[0].get_xlabel()
    'agents'
    >>> all(float(x).is_integer() for x in fig.axes[0].get_xticks())  # whole agents
    True
    >>> with matplotlib.rc_context():
    ...     fig = plot_staffing(staffing_table(100 / 1800, 180, 20), language="zh")
    >>> fig.axes[0].get_xlabel(), fig.axes[1].get_ylabel()
    ('客服人数', '平均应答时间')
    """
    from matplotlib.ticker import MaxNLocator

    w = chart_words("staffing", language)
    ensure_cjk_font(language)
    fig, (ax,) = _fig(figsize=(7, 4))
    ax.plot(table["agents"], table["service_level"], marker="o", label=w["service_level"])
    if target_service_level is not None:
        ax.axhline(target_service_level, ls="--", color="grey", label=w["target"])
    ax.set_xlabel(w["x"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no 1.5 agents
    ax.set_ylabel(w["y"])
    ax.set_ylim(0, 1.02)
    ax2 = ax.twinx()
    asa = table["asa"].replace(np.inf, np.nan)
    ax2.plot(table["agents"], asa, color="C1", marker="s", label=w["asa"])
    ax2.set_ylabel(w["y2"])
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="center right")
    ax.set_title(w["title"])
    return fig


def plot_deflection(table: pd.DataFrame):
    """Before/after bars of a chatbot: agents, average speed of answer, service level, CSAT.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.service.deflection import chatbot_deflection
    >>> t = chatbot_deflection(100 / 1800, 180, 20, 0.5, 0.6, simulate=False)
    >>> len(plot_deflection(t).axes)
    4
    """
    metrics = ["agents", "asa", "service_level", "csat"]
    titles = ["agents", "average speed of answer", "service level", "CSAT (share 4-5)"]
    fig, axes = _fig(4, figsize=(13, 3.5))
    names = [str(i).replace("_", "\n") for i in table.index]
    for ax, m, title in zip(axes, metrics, titles):
        ax.bar(names, table[m].replace(np.inf, np.nan).to_numpy(dtype=float),
               color=["C7", "C0", "C2"][: len(table)])
        if f"{m}_sim" in table.columns:
            ax.plot(names, table[f"{m}_sim"], "k_", ms=20, mew=2, label="simulated")
            ax.legend()
        ax.set_title(title)
    fig.suptitle("Chatbot deflection: before and after")
    fig.tight_layout()
    return fig


def plot_confusion(confusion: pd.DataFrame, normalise: bool = True,
                   title: str = "Confusion matrix"):
    """Heat map of a confusion matrix (rows true, columns predicted), as shares of each row.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> cm = pd.DataFrame([[5, 1], [0, 4]], index=["a", "b"], columns=["a", "b"])
    >>> plot_confusion(cm).axes[0].get_xlabel()
    'predicted'
    """
    return annotated_matrix(confusion, normalise=normalise, xlabel="predicted", ylabel="true",
                            title=title, figsize=(5.5, 4.5)).figure
