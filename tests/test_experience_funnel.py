"""Chapter 3 funnels, journeys and click heat maps: hand-computed values and generator truth."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.datagen.web import CONTINUE, HOTSPOTS
from crm_training.experience import click_heatmap, funnel, hot_spots, journeys


@pytest.fixture(scope="module")
def retail():
    return crm_training.generate("retail", 5000, seed=21)


def test_hand_computed_funnel():
    # a: steps 1-4, b: 1, c: 1-2, d: 1-2 (one page seen twice) -> reached 4, 3, 1, 1
    web = pd.DataFrame({"session_id": list("aaaabccddd"),
                        "funnel_step": [1, 2, 3, 4, 1, 1, 2, 1, 2, 2],
                        "device": ["mobile"] * 5 + ["desktop"] * 5})
    f = funnel(web, steps=("home", "category", "product", "cart"))
    assert f["sessions"].tolist() == [4, 3, 1, 1]
    assert f["step_conversion"].tolist() == pytest.approx([1, 0.75, 1 / 3, 1])
    assert f["overall_conversion"].tolist() == pytest.approx([1, 0.75, 0.25, 0.25])
    assert f["drop_off"].tolist() == [0, 1, 2, 0]
    by = funnel(web, by="device", steps=("home", "category", "product", "cart")).set_index(
        ["device", "step"])
    assert by.loc[("mobile", 4), "sessions"] == 1 and by.loc[("mobile", 2), "sessions"] == 1
    assert by.loc[("desktop", 2), "sessions"] == 2 and by.loc[("desktop", 3), "sessions"] == 0


def test_funnel_recovers_the_generator_continue_probabilities(retail):
    f = funnel(retail.web_events, by="device")
    for device, probs in CONTINUE.items():
        g = f[f["device"] == device].sort_values("step")
        prev = g["sessions"].to_numpy()[:-1]
        est = g["step_conversion"].to_numpy()[1:]
        se = np.sqrt(np.array(probs) * (1 - np.array(probs)) / prev)
        assert np.all(np.abs(est - np.array(probs)) < 4 * se + 1e-9), device
    # mobile checkout converts worse than desktop (the generator's hard-to-pay-on-a-phone effect)
    last = f[f["step"] == 6].set_index("device")["step_conversion"]
    assert last["mobile"] < last["desktop"]


def test_funnel_bad_input():
    with pytest.raises(ValueError, match="missing column"):
        funnel(pd.DataFrame({"session_id": ["a"]}))
    with pytest.raises(ValueError, match="from 1 to 6"):
        funnel(pd.DataFrame({"session_id": ["a"], "funnel_step": [7]}))
    with pytest.raises(ValueError, match="no page views"):
        funnel(pd.DataFrame({"session_id": [], "funnel_step": []}))


def _tiny():
    t = pd.to_datetime
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"]})
    interactions = pd.DataFrame({
        "interaction_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
        "customer_id": ["A", "A", "A", "B", "B", "C"],
        "timestamp": t(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-01", "2024-01-03",
                        "2024-01-01"]),
        "channel": ["email", "email", "phone", "email", "phone", "store"],
        "type": "inquiry"})
    transactions = pd.DataFrame({
        "transaction_id": ["t1", "t2", "t3"], "customer_id": ["A", "B", "C"],
        "timestamp": t(["2024-01-10", "2024-03-01", "2023-12-01"]), "amount": [10.0, 5.0, 7.0]})
    # journeys reads only these three tables: a light stand-in for a CRMData
    return SimpleNamespace(customers=customers, transactions=transactions,
                           interactions=interactions, web_events=pd.DataFrame())


def test_hand_computed_journeys():
    j = journeys(_tiny(), window_days=30, include_web=False, top=None).set_index("path")
    # A: email > email > phone -> "email > phone", bought 5 days later; B same path, bought late;
    # C: store, bought only before
    assert j.loc["email > phone", "customers"] == 2
    assert j.loc["email > phone", "conversion"] == 0.5
    assert j.loc["store", "conversion"] == 0.0
    assert j["share"].sum() == pytest.approx(1)
    short = journeys(_tiny(), max_steps=1, include_web=False, top=None).set_index("path")
    assert short.loc["email", "customers"] == 2


def test_journeys_on_generated_data(retail):
    j = journeys(retail, max_steps=3, top=5)
    assert len(j) == 5 and j["customers"].is_monotonic_decreasing
    assert j["conversion"].between(0, 1).all()
    assert (j["steps"] <= 3).all()
    with pytest.raises(ValueError, match="max_steps"):
        journeys(retail, max_steps=0)


def test_click_heatmap_known_grid_and_smoothing():
    web = pd.DataFrame({"page": ["home"] * 4 + ["cart"], "x": [0.1, 0.1, 0.9, 0.1, 0.5],
                        "y": [0.1, 0.1, 0.9, 0.1, 0.5]})
    grid = click_heatmap(web, "home", bins=2)
    assert grid.to_numpy().tolist() == [[0.75, 0.0], [0.0, 0.25]]
    smooth = click_heatmap(web, "home", bins=10, smooth=1.0)
    assert smooth.to_numpy().sum() == pytest.approx(1) and (smooth.to_numpy() > 0).sum() > 2
    assert click_heatmap(web, bins=2).to_numpy().sum() == pytest.approx(1)


def test_heatmap_finds_the_generator_hot_spot(retail):
    for page in ("cart", "checkout"):
        x, y, *_ = max(HOTSPOTS[page], key=lambda s: s[3] / s[2])  # densest spot
        top = hot_spots(click_heatmap(retail.web_events, page, bins=20), n=1).iloc[0]
        assert abs(top["x"] - x) <= 0.05 and abs(top["y"] - y) <= 0.05, page


def test_heatmap_bad_input():
    web = pd.DataFrame({"page": ["home"], "x": [0.5], "y": [1.5]})
    with pytest.raises(ValueError, match="from 0 to 1"):
        click_heatmap(web)
    with pytest.raises(ValueError, match="no clicks on page 'cart'"):
        click_heatmap(web, "cart")
    with pytest.raises(ValueError, match="bins"):
        click_heatmap(web, bins=0)
    with pytest.raises(ValueError, match="missing column"):
        click_heatmap(web.drop(columns="x"))
