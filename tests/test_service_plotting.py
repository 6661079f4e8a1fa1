"""Service charts return figures drawn from the tables the service functions return."""
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import crm_training
from crm_training.service import backlog, chatbot_deflection, staffing_table, ticket_kpis
from crm_training.service.plotting import (plot_backlog, plot_confusion, plot_deflection,
                                           plot_staffing, plot_ticket_kpis)


@pytest.fixture(scope="module")
def tickets():
    return crm_training.generate("telecom", 800, seed=1).tickets


def test_backlog_and_kpi_charts(tickets):
    fig = plot_backlog(backlog(tickets, freq="W"))
    assert len(fig.axes[0].lines[0].get_xdata()) == len(backlog(tickets, freq="W"))
    fig2 = plot_ticket_kpis(ticket_kpis(tickets, by="channel"))
    assert len(fig2.axes) == 5 and len(fig2.axes[0].patches) == tickets["channel"].nunique()
    with pytest.raises(ValueError, match="no column"):
        plot_ticket_kpis(ticket_kpis(tickets), metrics=["speed"])
    plt.close("all")


def test_staffing_deflection_confusion():
    fig = plot_staffing(staffing_table(100 / 1800, 180, 20))
    assert fig.axes[0].lines[0].get_ydata().max() <= 1
    t = chatbot_deflection(100 / 1800, 180, 20, 0.5, 0.6, n_contacts=2000)
    fig = plot_deflection(t)
    assert [len(ax.patches) for ax in fig.axes] == [3, 3, 3, 3]
    cm = pd.DataFrame([[8, 2], [1, 9]], index=["low", "high"], columns=["low", "high"])
    fig = plot_confusion(cm)
    assert fig.axes[0].get_ylabel() == "true"
    plt.close("all")
