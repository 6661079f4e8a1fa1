"""The KPI table: every KPI by hand on a tiny company, comparisons, subsets, and edge cases."""
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training import CRMData
from crm_training.evaluation import KPIS, kpi_comparison, kpi_pilot_control, kpi_table

D = pd.Timestamp


def _tiny() -> CRMData:
    customers = pd.DataFrame({"customer_id": ["A", "B", "C", "D"],
                              "signup_date": [D("2023-01-05"), D("2023-03-01"), D("2023-06-01"),
                                              D("2024-05-01")]})
    tx = pd.DataFrame({
        "transaction_id": [f"T{i}" for i in range(8)],
        "customer_id": ["A", "B", "C", "A", "A", "B", "D", "A"],
        "timestamp": [D("2023-02-01"), D("2023-03-01"), D("2023-06-01"), D("2024-02-01"),
                      D("2024-03-01"), D("2024-04-01"), D("2024-05-01"), D("2024-03-10")],
        "amount": [100.0, 50.0, 80.0, 60.0, 40.0, 90.0, 30.0, -40.0],
        "cost": [60.0, 30.0, 50.0, 30.0, 20.0, 50.0, 20.0, -20.0],
        "is_return": [False] * 7 + [True],
    })
    surveys = pd.DataFrame({"survey_id": ["S1", "S2", "S3", "S4"], "customer_id": ["A", "B", "D", "A"],
                            "timestamp": [D("2024-02-02"), D("2024-04-02"), D("2024-05-02"),
                                          D("2023-02-02")],
                            "nps": [10, 5, 9, 0], "csat": [5, 2, 4, 1]})
    interactions = pd.DataFrame({"interaction_id": ["I1", "I2", "I3", "I4"],
                                 "customer_id": ["A", "B", "C", "D"],
                                 "timestamp": [D("2024-01-10"), D("2024-02-10"), D("2024-03-10"),
                                               D("2023-03-10")],
                                 "type": ["complaint", "inquiry", "inquiry", "complaint"]})
    tickets = pd.DataFrame({"ticket_id": ["K1", "K2", "K3"], "customer_id": ["A", "B", "C"],
                            "created_at": [D("2024-01-01"), D("2024-02-01"), D("2024-03-01")],
                            "resolved_at": [D("2024-01-01 10:00"), D("2024-02-02"), pd.NaT],
                            "priority": ["low"] * 3})
    web = pd.DataFrame({"event_id": ["W1", "W2", "W3", "W4", "W5"],
                        "session_id": ["s1", "s1", "s2", "s3", "s3"],
                        "customer_id": ["A", "A", "B", "C", "C"],
                        "timestamp": [D("2024-01-05")] * 5,
                        "page": ["home", "confirmation", "home", "home", "cart"]})
    return CRMData(customers=customers, transactions=tx, surveys=surveys,
                   interactions=interactions, tickets=tickets, web_events=web)


def test_every_kpi_by_hand():
    k = kpi_table(_tiny(), "2024-01-01", "2025-01-01")
    assert list(k.index) == list(KPIS)
    assert k["csat"] == pytest.approx(2 / 3)            # 5, 2, 4 -> two of three satisfied
    assert k["nps"] == pytest.approx(100 * (2 / 3 - 1 / 3))
    # profit up to the end: 40+20+30+30+20+40+10 - (-20 return: -40 - -20 = -20) = 170, 4 signed up
    assert k["clv_historic"] == pytest.approx(170 / 4)
    # bought in 2023 (the equally long window before): A, B, C; again in 2024: A, B
    assert k["retention"] == pytest.approx(2 / 3)
    assert k["churn"] == pytest.approx(1 / 3)
    # 2024 buyers: A (2 orders; the return is not an order), B (1), D (1)
    assert k["repurchase_rate"] == pytest.approx(1 / 3)
    assert k["aov"] == pytest.approx((60 + 40 + 90 + 30) / 4)
    assert k["conversion"] == pytest.approx(1 / 3)
    assert k["complaint_rate"] == pytest.approx(1 / 3)
    assert k["resolution_time_h"] == pytest.approx(17.0)  # median of 10 h and 24 h


def test_subset_of_customers():
    k = kpi_table(_tiny(), "2024-01-01", "2025-01-01", customer_ids=["A"])
    assert k["csat"] == 1.0 and k["repurchase_rate"] == 1.0 and k["retention"] == 1.0
    assert k["clv_historic"] == pytest.approx((40 + 30 + 20 - 20) / 1)


def test_comparison_directions():
    data = _tiny()
    t = kpi_comparison(data, ("2023-01-01", "2024-01-01"), ("2024-01-01", "2025-01-01"))
    assert list(t.columns) == ["label_zh", "before", "after", "change", "relative_change",
                               "improved"]
    assert t.loc["csat", "before"] == 0.0 and t.loc["csat", "improved"]
    assert t.loc["nps", "label_zh"] == "净推荐值"
    # complaints 1/1 -> 1/3: lower is better
    assert t.loc["complaint_rate", "change"] == pytest.approx(1 / 3 - 1)
    assert t.loc["complaint_rate", "improved"]
    pc = kpi_pilot_control(data, ["A"], ["B", "C", "D"], "2024-01-01", "2025-01-01")
    assert list(pc.columns[1:3]) == ["control", "pilot"]


def test_empty_period_gives_nan_not_an_error():
    k = kpi_table(_tiny(), "2030-01-01", "2030-02-01")
    assert np.isnan(k["csat"]) and np.isnan(k["aov"]) and np.isnan(k["retention"])


def test_bad_periods():
    with pytest.raises(ValueError, match="after start"):
        kpi_table(_tiny(), "2024-01-01", "2023-01-01")
    with pytest.raises(ValueError, match="pair"):
        kpi_comparison(_tiny(), ("2023-01-01",), ("2024-01-01", "2025-01-01"))


def test_upgrade_shows_in_the_pilot_kpis():
    """Manufacturing case: the upgrade cuts complaints 60% and halves resolution time."""
    data = crm_training.generate("manufacturing", 4000, seed=3)
    fx = data.truth["interventions"].set_index("metric")
    start = fx.loc["csat", "start_date"]
    pilot = data.customers.loc[data.customers["region"] == data.truth["params"]["pilot_region"],
                               "customer_id"]
    before = (start - pd.Timedelta(days=365), start)
    after = (start, start + pd.Timedelta(days=365))
    t = kpi_comparison(data, before, after, customer_ids=pilot)
    assert t.loc["csat", "improved"] and t.loc["complaint_rate", "improved"]
    assert t.loc["complaint_rate", "relative_change"] == pytest.approx(
        fx.loc["complaint_rate", "true_effect"], abs=0.2)
    assert t.loc["resolution_time_h", "relative_change"] < -0.3
