"""The money of the report's actions, read as a finance reader would."""
from __future__ import annotations

import numpy as np
import pytest

import crm_training
from crm_training import evaluation
from crm_training.report.findings import compute_findings
from crm_training.report.recommendations import expected_return, not_worth, recommend, roadmap


@pytest.fixture(scope="module", params=crm_training.INDUSTRIES)
def findings(request):
    data = crm_training.generate(request.param, 2000, seed=11)
    return compute_findings(data, horizon_months=36, seed=11)


def test_nothing_that_loses_money_is_recommended_or_scheduled(findings):
    recs = recommend(findings)
    assert not (recs["npv"] <= 0).any(), recs[["action", "npv"]]
    plan = roadmap(recs)
    assert "review" not in set(plan["phase"])
    assert set(plan["action"]) <= set(recs["action"])
    totals = expected_return(recs, findings)
    assert totals["npv"] >= 0
    # what the rules call for but loses money is listed, with what it would need
    for _, r in not_worth(findings).iterrows():
        assert r["npv"] <= 0 and r["break_even_effect"] > r["effect"]
        assert "not worth it" in r["text"]


def test_no_group_is_worth_more_than_its_own_yearly_value(findings):
    a = findings.actions.dropna(subset=["annual_benefit"])
    assert (a["annual_benefit"] <= a["own_value"] * (1 + 1e-9)).all(), a
    assert (a["effect"].between(0, 1)).all()
    seg = findings.segments
    years = findings.meta["years"]
    # win-back: the lapsing customers' own past value a year, not the mean CLV of everyone
    lapsing = seg["values"].reindex(seg["lapsing_ids"]).fillna(0).clip(lower=0)
    wb = a.loc["win_back"]
    assert wb["value_per_customer_year"] == pytest.approx(lapsing.mean() / years)
    assert wb["annual_benefit"] <= seg["lapsing_value_year"] * (1 + 1e-9)
    assert wb["customers"] == len(seg["lapsing_ids"])
    # the top tier: the at-risk high-value customers, valued a year (not a 36-month CLV)
    clv = findings.clv["table"]
    risky_high = clv.index[(clv["p_alive"] < findings.assumptions["p_alive_risk"])
                           & (clv["value_tier"] == "high")]
    top = a.loc["protect_top_tier"]
    assert top["customers"] == len(risky_high)
    assert top["value_per_customer_year"] == pytest.approx(
        seg["values"].reindex(risky_high).clip(lower=0).mean() / years)


def test_break_even_effect_gives_a_zero_npv(findings):
    a = findings.assumptions
    years = int(a["roi_years"])
    for key, r in findings.actions.dropna(subset=["annual_benefit"]).iterrows():
        even = r["break_even_effect"]
        if not np.isfinite(even):
            continue
        benefit = r["customers"] * even * r["value_per_customer_year"]
        npv = evaluation.initiative_roi(r["investment"], benefit, r["annual_cost"], years,
                                        a["discount_rate"], ramp_up=[0.5] + [1] * (years - 1))
        assert npv["npv"] == pytest.approx(0, abs=1e-6 * max(r["investment"], 1)), key
        assert r["npv_low"] <= r["npv"] <= r["npv_high"]


def test_sensitivity_follows_the_assumed_effect():
    data = crm_training.generate("retail", 1500, seed=2)
    base = compute_findings(data, horizon_months=12, seed=2)
    richer = compute_findings(data, horizon_months=12, seed=2,
                              assumptions={"winback_rate": 0.5})
    wb, wb2 = base.actions.loc["win_back"], richer.actions.loc["win_back"]
    assert wb2["annual_benefit"] == pytest.approx(wb["annual_benefit"] * 5)
    assert wb2["break_even_effect"] == pytest.approx(wb["break_even_effect"])
    assert (wb2["npv"] > 0) == ("win_back" in set(recommend(richer)["action"]))


def test_assumptions_file_reaches_every_figure_and_is_printed(tmp_path, capsys):
    from crm_training.cli import main

    spec = tmp_path / "acme.yml"
    spec.write_text("# Acme's finance team\ndiscount_rate: 0.12\nwinback_rate: 0.3\n"
                    "roi_years: 4\nmargin: 0.35\n", encoding="utf-8")
    bad = tmp_path / "bad.yml"
    bad.write_text("discount: 0.1\nwinback_rate: 3\n", encoding="utf-8")
    assert main(["report", "--assumptions", str(bad), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "unknown assumption 'discount' (did you mean 'discount_rate'?)" in err
    assert "winback_rate must be between 0 and 1, not 3" in err
    assert not (tmp_path / "x").exists()
    out = tmp_path / "rep"
    assert main(["report", "--customers", "800", "--seed", "4", "--assumptions", str(spec),
                 "--out", str(out), "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "share of lapsing customers a win-back brings back" in html
    assert "30.0%" in html and "12.0%" in html and "given" in html
    assert "discount rate 12% a year, 4-year horizon" in html
    data = crm_training.generate("retail", 800, seed=4)
    f = compute_findings(data, horizon_months=36, seed=4,
                         assumptions={"discount_rate": 0.12, "winback_rate": 0.3,
                                      "roi_years": 4})
    assert f.assumptions["roi_years"] == 4 and f.actions.loc["win_back", "effect"] == 0.3


def test_the_synthetic_truth_agrees_in_sign_with_what_is_recommended(findings):
    """Each recommended money action must be worth something in the generator's truth: the
    customers it targets have a positive true future value, and better experiences keep
    customers (lower satisfaction, faster dropout)."""
    data = crm_training.generate(findings.meta["industry"], 2000, seed=11)
    truth = data.truth["customers"].set_index("customer_id")
    table = findings.clv["table"]
    at_risk = table["p_alive"] < findings.assumptions["p_alive_risk"]
    targets = {"win_back": findings.segments["lapsing_ids"],
               "churn_early_warning": table.index[at_risk],
               "protect_top_tier": table.index[at_risk & (table["value_tier"] == "high")]}
    recs = recommend(findings)
    priced = recs[recs["npv"] > 0]
    assert len(priced), "every preset has at least one action worth funding"
    for action in priced["action"]:
        assert priced.set_index("action").loc[action, "annual_benefit"] > 0
        if action in targets:
            assert truth.loc[targets[action], "clv_3y"].mean() > 0, action
        if action in ("fix_detractor_journeys", "unify_channels"):
            assert np.corrcoef(truth["satisfaction"], truth["dropout_rate"])[0, 1] < 0, action
