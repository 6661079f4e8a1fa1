"""Ticket KPIs: hand-computed values, SLA per priority, backlog, channel consistency, and the
generator's service-upgrade effects recovered from the tickets."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import crm_training
from crm_training.service import (DEFAULT_SLA_HOURS, KPI_COLUMNS, backlog,
                                  ticket_channel_consistency, ticket_kpis, ticket_times)

T0 = pd.Timestamp("2024-03-01 09:00")


def _tickets():
    h = pd.Timedelta(hours=1)
    return pd.DataFrame({
        "ticket_id": ["K1", "K2", "K3", "K4", "K5"],
        "channel": pd.Categorical(["phone", "phone", "email", "email", "email"]),
        "category": pd.Categorical(["billing", "order", "billing", "refund", "order"]),
        "priority": pd.Categorical(["urgent", "low", "high", "medium", "low"]),
        "created_at": [T0] * 5,
        "first_response_at": [T0 + 0.5 * h, T0 + 2 * h, T0 + 5 * h, T0 + 6 * h, pd.NaT],
        "resolved_at": [T0 + 1 * h, T0 + 10 * h, T0 + 30 * h, pd.NaT, pd.NaT],
        "handled_by": pd.Categorical(["human", "bot", "human", "human", "human"]),
        "first_contact_resolution": [True, True, False, False, False],
        "reopened": [False, False, True, False, False],
        "csat": pd.array([5, 4, 2, pd.NA, 1], dtype="Int8"),
    })


def test_kpis_by_channel_by_hand():
    k = ticket_kpis(_tickets(), by="channel")
    assert list(k.columns) == list(KPI_COLUMNS)
    phone, email = k.loc["phone"], k.loc["email"]
    assert phone["tickets"] == 2 and email["tickets"] == 3
    assert phone["first_response_h_median"] == pytest.approx(1.25)
    assert email["first_response_h_mean"] == pytest.approx(5.5)  # the unanswered one is skipped
    assert phone["resolution_h_mean"] == pytest.approx(5.5)
    assert email["resolved_share"] == pytest.approx(1 / 3)
    assert phone["fcr_rate"] == 1.0 and email["fcr_rate"] == 0.0  # among resolved tickets
    assert email["reopen_rate"] == 1.0
    # SLA on first response: urgent 0.5h <= 1 yes, low 2h <= 24 yes; high 5h > 4 no,
    # medium 6h <= 8 yes, low never answered -> missed
    assert phone["sla_attainment"] == 1.0
    assert email["sla_attainment"] == pytest.approx(1 / 3)
    assert phone["csat"] == 1.0 and email["csat"] == 0.0
    assert email["csat_mean"] == pytest.approx(1.5) and email["csat_responses"] == 2
    assert phone["bot_share"] == 0.5


def test_overall_and_multi_column_grouping():
    t = _tickets()
    overall = ticket_kpis(t, by=None)
    assert overall.index.tolist() == ["all"] and overall["tickets"].item() == 5
    both = ticket_kpis(t, by=["channel", "priority"])
    assert both["tickets"].sum() == 5
    assert both.loc[("email", "low"), "sla_attainment"] == 0.0


def test_sla_targets_are_a_parameter_and_resolution_sla():
    t = _tickets()
    strict = {"urgent": 0.25, "high": 1, "medium": 1, "low": 1}
    assert ticket_times(t, strict)["sla_met"].sum() == 0
    res = ticket_times(t, sla_on="resolution")  # urgent 1h <= 1, low 10h <= 24, high 30h > 4
    assert res["sla_met"].tolist() == [True, True, False, False, False]
    assert DEFAULT_SLA_HOURS["urgent"] < DEFAULT_SLA_HOURS["low"]


def test_bad_input():
    t = _tickets()
    with pytest.raises(ValueError, match="no target for priority"):
        ticket_times(t, {"urgent": 1})
    with pytest.raises(ValueError, match="positive"):
        ticket_times(t, {"urgent": 0, "high": 1, "medium": 1, "low": 1})
    with pytest.raises(ValueError, match="missing column"):
        ticket_kpis(t.drop(columns="reopened"))
    with pytest.raises(ValueError, match="empty"):
        ticket_kpis(t.iloc[:0])
    with pytest.raises(ValueError, match="group by"):
        ticket_kpis(t, by="region")
    with pytest.raises(ValueError, match="sla_on"):
        ticket_times(t, sla_on="close")


def test_backlog_by_hand_and_weekly():
    b = backlog(_tickets())
    # all five open on day 1 except K1 and K2 (resolved the same day); K3 closes on day 2
    assert b["open"].tolist() == [3, 2]
    assert b["created"].tolist() == [5, 0] and b["resolved"].tolist() == [2, 1]
    w = backlog(_tickets(), freq="W")
    assert w["open"].iloc[-1] == 2


def test_backlog_matches_brute_force_on_generated_data():
    t = crm_training.generate("telecom", 1500, seed=3).tickets
    b = backlog(t, freq="W")
    for period in b.index[::20]:
        end = period.end_time
        brute = ((t["created_at"] <= end) & ~(t["resolved_at"] <= end)).sum()
        assert b.loc[period, "open"] == brute


def test_channel_consistency_tests():
    t = _tickets()
    r = ticket_channel_consistency(t, "csat")
    assert r["test"] == "chi-square"
    assert r["spread"] == pytest.approx(1.0)
    expected = stats.chi2_contingency(np.array([[2, 0], [0, 2]]))
    assert r["statistic"] == pytest.approx(expected[0])
    with pytest.raises(ValueError, match="metric"):
        ticket_channel_consistency(t, "speed")


def test_upgrade_effects_recovered_from_tickets():
    """First response x0.4 and resolution x0.5 in the pilot region after the upgrade."""
    data = crm_training.generate("telecom", 12000, seed=6)
    t = data.tickets.merge(data.customers[["customer_id", "region"]], on="customer_id")
    t = t[t["handled_by"] == "human"]  # the bot's share changes too; compare like with like
    start = data.truth["interventions"].set_index("metric").loc["first_response_time", "start_date"]
    t = t.assign(pilot=t["region"] == data.truth["params"]["pilot_region"],
                 after=t["created_at"] >= start)
    k = ticket_kpis(t, by=["pilot", "after"])

    def ratio(col):
        return (k.loc[(True, True), col] / k.loc[(True, False), col]) / (
            k.loc[(False, True), col] / k.loc[(False, False), col])

    fx = data.truth["interventions"].set_index("metric")["true_effect"]
    assert ratio("first_response_h_median") == pytest.approx(1 + fx["first_response_time"], abs=0.08)
    assert ratio("resolution_h_median") == pytest.approx(1 + fx["resolution_time"], abs=0.08)


def test_response_times_differ_by_channel_as_generated():
    t = crm_training.generate("telecom", 2000, seed=1).tickets
    k = ticket_kpis(t[t["handled_by"] == "human"], by="channel")
    assert k.loc["phone", "first_response_h_median"] < k.loc["email", "first_response_h_median"]
    r = ticket_channel_consistency(t, "first_response_h")
    assert r["test"] == "kruskal-wallis" and r["p_value"] < 1e-6
