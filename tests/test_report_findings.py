"""Report content: figures recover the engines and the synthetic truth, recommendations follow
their rules, every text exists in English and Chinese, and the template runs in both languages."""
import ast
import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training import experience, service
from crm_training import segmentation as seg
from crm_training.report import text
from crm_training.report.findings import (
    HORIZON_RANGE,
    LANGUAGES,
    N_CUSTOMERS_RANGE,
    SECTIONS,
    compute_findings,
    report_data,
)
from crm_training.report.recommendations import (
    RULES,
    evaluate_rules,
    expected_return,
    not_worth,
    recommend,
    roadmap,
    roadmap_table,
)


@pytest.fixture(scope="module")
def retail():
    data = crm_training.generate("retail", 3000, seed=3)
    return data, compute_findings(data, horizon_months=36, seed=3)


@pytest.fixture(scope="module")
def telecom():
    data = crm_training.generate("telecom", 3000, seed=3)
    return data, compute_findings(data, horizon_months=36, seed=3)


@pytest.fixture(scope="module")
def bare():
    """A client with purchases only: no surveys, tickets or loyalty ledger."""
    data = crm_training.generate("bank", 800, seed=5)
    return compute_findings(crm_training.CRMData(customers=data.customers,
                                                 transactions=data.transactions))


# ----------------------------------------------------------------------------- figures
def test_findings_accept_exactly_the_horizons_the_runner_accepts(retail):
    from crm_training.report.runner import ReportParams

    data, _ = retail
    lo, hi = HORIZON_RANGE
    for months in (lo, hi):
        assert ReportParams(horizon=months).problems() == []
        assert compute_findings(data, horizon_months=months).meta  # runs
    for months in (lo - 1, hi + 1):
        assert ReportParams(horizon=months).problems()
        with pytest.raises(ValueError, match="horizon_months"):
            compute_findings(data, horizon_months=months)
    assert LANGUAGES == ("en", "zh") and N_CUSTOMERS_RANGE[0] >= 1


def test_concentration_is_segmentations_own(retail):
    data, f = retail
    table = seg.concentration_summary(data)
    assert f.concentration["top20_share"] == pytest.approx(table.loc["top 20%", "profit"])
    assert f.concentration["gini"] == pytest.approx(table.loc["gini", "profit"])
    assert f.concentration["top20_share"] == pytest.approx(
        seg.top_share(seg.customer_value(data, "profit"), 0.2))


def test_clv_ranks_follow_the_true_clv(retail):
    data, f = retail
    truth = data.truth["customers"].set_index("customer_id")["clv_3y"]
    pred = f.clv["table"]["clv"]
    rho = pred.corr(truth.reindex(pred.index), method="spearman")
    assert rho > 0.6
    # the customers the model calls lost are mostly truly gone
    alive = data.truth["customers"].set_index("customer_id")["alive"].reindex(pred.index)
    lost = f.clv["table"]["p_alive"] < 0.5
    assert (~alive[lost]).mean() > 0.7


def test_experience_figures(retail):
    data, f = retail
    e = f.experience
    assert e["nps"] == pytest.approx(experience.nps(data.surveys["nps"]))
    assert e["nps_low"] < e["nps"] < e["nps_high"]
    p, d = e["promoter_share"], e["detractor_share"]
    assert e["nps"] == pytest.approx(100 * (p - d))
    from scipy.stats import norm
    half = norm.ppf(0.975) * np.sqrt((p + d - (p - d) ** 2) / e["responses"]) * 100
    assert e["nps_high"] - e["nps"] == pytest.approx(half, rel=1e-6)
    assert e["csat"] == pytest.approx(experience.csat(data.surveys["csat"]))
    # the generator makes checkout the weakest touchpoint (touchpoint effect -0.3)
    assert e["worst_touchpoint"] == "checkout"


def test_loyalty_matched_uplift_covers_the_truth_and_naive_overstates(retail):
    data, f = retail
    true = data.truth["interventions"].query(
        "name == 'loyalty_programme' and metric == 'purchase_rate'")["true_effect"].iloc[0]
    lo = f.loyalty
    assert lo["matched_low"] <= true <= lo["matched_high"]
    assert lo["naive_uplift"] > 2 * true
    assert lo["members"] == int(data.customers["loyalty_member"].astype(bool).sum())


def test_service_figures_are_the_engines(retail):
    data, f = retail
    s, a = f.service, f.assumptions
    kpis = service.ticket_kpis(data.tickets, by=None).iloc[0]
    assert s["sla_attainment"] == pytest.approx(kpis["sla_attainment"])
    assert s["fcr_rate"] == pytest.approx(kpis["fcr_rate"])
    rate = s["peak_contacts_per_hour"] / 3600
    aht, t = a["aht_minutes"] * 60, a["service_target_seconds"]
    n = s["agents_needed"]
    assert n == service.agents_needed(rate, aht, a["service_target"], t)
    assert service.service_level(rate, aht, n, t) >= a["service_target"]
    assert n == 1 or service.service_level(rate, aht, n - 1, t) < a["service_target"]


def test_missing_tables_give_not_available_sections(bare):
    assert bare.available("concentration") and bare.available("clv")
    for section in ("experience", "loyalty", "service"):
        assert not bare.available(section)
        for lang in LANGUAGES:
            (line,) = text.section_text(section, bare, lang)
            reason = bare.meta["skipped"][section]
            assert reason["code"] == "no_table"
            assert line == text.not_available(section, lang, reason)
    assert text.not_available("experience", "en", bare.meta["skipped"]["experience"]) == (
        "*Customer experience: not available: it needs the surveys table, which is not in this "
        "data.*")
    recs = recommend(bare)
    assert set(recs["rule"]) <= {r.name for r in RULES if r.section in
                                 ("concentration", "segments", "clv")}
    summary = text.executive_summary(bare, recs, "zh")
    assert any("不可用：需要" in s and "本数据中没有" in s for s in summary)  # says what it needs


def test_incomplete_client_tables_do_not_fire_rules_on_missing_figures():
    data = crm_training.generate("retail", 800, seed=1)
    partial = crm_training.CRMData(
        customers=data.customers, transactions=data.transactions,
        tickets=data.tickets[["ticket_id", "customer_id", "channel", "created_at"]],
        surveys=data.surveys[["survey_id", "customer_id", "timestamp", "nps"]])
    f = compute_findings(partial, horizon_months=12)
    assert f.experience["nps"] == pytest.approx(experience.nps(data.surveys["nps"]))
    assert np.isnan(f.experience["csat"]) and np.isnan(f.service["sla_attainment"])
    table = evaluate_rules(f)
    assert not table.loc[["sla_below_target", "low_first_contact_resolution",
                          "channels_inconsistent"], "fired"].any()
    for lang in LANGUAGES:
        for section in ("experience", "service"):
            assert "–" in " ".join(text.section_text(section, f, lang))
            assert "nan" not in " ".join(text.section_text(section, f, lang))


def test_bad_arguments_are_named():
    data = crm_training.generate("retail", 200, seed=1)
    with pytest.raises(ValueError, match="horizon_months"):
        compute_findings(data, horizon_months=0)
    with pytest.raises(ValueError, match="unknown assumptions"):
        compute_findings(data, assumptions={"discount": 0.1})
    with pytest.raises(ValueError, match="section"):
        compute_findings(data, horizon_months=6).available("surveys")


# ----------------------------------------------------------------------------- recommendations
def _with(f, section, **changes):
    """A copy of the findings with some figures of one section changed."""
    return dataclasses.replace(f, **{section: {**getattr(f, section), **changes}})


def _considered(f, column="rule") -> set:
    """What the rules called for: recommended, or listed as not worth it."""
    return set(recommend(f)[column]) | set(not_worth(f)[column])


def test_recommendations_are_the_rules_that_fired(retail, telecom):
    for _, f in (retail, telecom):
        table = evaluate_rules(f)
        recs, rejected = recommend(f), not_worth(f)
        assert set(recs["rule"]) | set(rejected["rule"]) == set(table.index[table["fired"]])
        assert set(recs["rule"]).isdisjoint(rejected["rule"])
        assert not (recs["npv"] <= 0).any() and (rejected["npv"] <= 0).all()


@pytest.mark.parametrize("value, fires", [(0.75, True), (0.7000001, True), (0.70, False),
                                          (0.5, False)])
def test_concentration_rule_threshold(retail, value, fires):
    f = _with(retail[1], "concentration", top20_share=value)
    rules = _considered(f)
    assert ("value_concentrated" in rules) == fires
    assert ("value_spread" in rules) == (not fires)


@pytest.mark.parametrize("nps, fires", [(19.9, True), (20.0, False), (-30.0, True)])
def test_nps_rule_threshold(retail, nps, fires):
    f = _with(retail[1], "experience", nps=nps)
    recs = recommend(f)
    assert ("fix_detractor_journeys" in set(recs["action"])) == fires
    if fires:
        row = recs.set_index("action").loc["fix_detractor_journeys"]
        assert row["value"] == nps and text.fmt_points(nps) in row["trigger"]


def test_service_and_loyalty_rules(retail):
    f = retail[1]
    below = _considered(_with(f, "service", sla_attainment=0.85), "action")
    above = _considered(_with(f, "service", sla_attainment=0.95), "action")
    assert "staff_to_erlang" in below and "staff_to_erlang" not in above
    over = recommend(_with(f, "loyalty", naive_uplift=0.9, matched_uplift=0.3))
    fair = recommend(_with(f, "loyalty", naive_uplift=0.5, matched_uplift=0.3))
    assert "measure_loyalty_uplift" in set(over["action"])
    assert "measure_loyalty_uplift" not in set(fair["action"])


def test_different_data_give_different_recommendations(retail, telecom):
    r, t = _considered(retail[1], "action"), _considered(telecom[1], "action")
    assert retail[1].concentration["top20_share"] > 0.7 > telecom[1].concentration["top20_share"]
    assert "protect_top_tier" in r and "nurture_potential" in t
    assert r != t


def test_priorities_and_expected_return(retail):
    f = retail[1]
    recs = recommend(f)
    assert recs["priority"].tolist() == list(range(1, len(recs) + 1))
    positive = recs[recs["npv"] > 0]
    assert positive.index.max() < len(positive)            # funded actions come first
    assert positive["roi"].is_monotonic_decreasing
    totals = expected_return(recs, f)
    # same rate and ramp-up for every action: the NPV of the sum is the sum of the NPVs
    assert totals["npv"] == pytest.approx(positive["npv"].sum())
    assert totals["investment"] == pytest.approx(positive["investment"].sum())
    plan = roadmap(recs)
    assert set(plan["action"]) == set(recs["action"])
    assert set(plan.loc[plan["phase"] == "review", "action"]) == set(recs.loc[recs["npv"] < 0, "action"])
    assert len(roadmap_table(recs, "zh"))


# ----------------------------------------------------------------------------- text
ALLOWED_LATIN = {"NPS", "CSAT", "RFM", "Erlang", "C", "CLV", "B2B", "P", "p", "ROI", "SLA", "h", "s",
                 "Gini", "DiD", "Q"}


def _latin_words(s):
    s = re.sub(r"\{[^}]*\}", "", s)  # placeholders
    return set(re.findall(r"[A-Za-z]+", s)) - ALLOWED_LATIN


def test_every_text_exists_in_both_languages():
    for name, table in text.all_keys().items():
        for key, entry in table.items():
            for lang in LANGUAGES:
                assert entry.get(lang), f"{name}[{key!r}] has no {lang} text"
    for key, spec in text.ACTIONS.items():
        for field in ("short_en", "short_zh", "cost_en", "cost_zh", "unit"):
            assert spec.get(field), (key, field)
    for key, (en, zh) in {**text.COLUMNS, **text.METRICS, **text.PHASES}.items():
        assert en and zh and not _latin_words(zh), key


def test_chinese_texts_have_no_english_words():
    for key, entry in text.TEXT.items():
        assert not _latin_words(entry["zh"]), (key, entry["zh"])
    for key, entry in text.ACTIONS.items():
        assert not _latin_words(entry["zh"] + entry["short_zh"] + entry["cost_zh"]), key
    for key, entry in text.CHART_WORDS.items():  # the charts' words (crm_training.i18n)
        # CRM and the R / FM scores are the course's own notation
        assert not _latin_words(" ".join(entry["zh"].values())) - {"CRM", "FM", "R"}, key
        assert set(entry["zh"]) == set(entry["en"]), key


def test_summary_sentences_carry_the_figures(retail):
    f = retail[1]
    recs = recommend(f, "en")
    totals = expected_return(recs, f)
    cur = f.meta["currency"]
    for lang in LANGUAGES:
        s = text.executive_summary(f, recommend(f, lang), lang)
        joined = " ".join(s)
        assert text.fmt_pct(f.concentration["top20_share"]) in s[0]
        assert f"{f.concentration['gini']:.2f}" in s[0]
        assert text.fmt_num(f.segments["lapsing_customers"]) in s[1]
        assert text.fmt_money(f.clv["total"], cur) in s[2]
        assert text.fmt_points(f.experience["nps"]) in joined
        assert text.fmt_points(f.experience["nps_low"]) in joined
        assert text.fmt_pct(f.service["sla_attainment"]) in joined
        assert text.fmt_pct(f.loyalty["matched_uplift"]) in joined
        assert text.fmt_money(totals["npv"], cur) in s[-1]
        assert str(len(recs)) in s[-1]
    other = text.executive_summary(f, recs, "en")
    assert other != text.executive_summary(f, recs, "zh")


def test_formatters():
    assert text.fmt_pct(0.8074) == "81%" and text.fmt_pct(0.8074, 1) == "80.7%"
    assert text.fmt_money(1234.5, "USD") == "USD 1,234" or text.fmt_money(1234.5, "USD") == "USD 1,235"
    assert text.fmt_points(-3.04) == "-3.0" and text.fmt_pct(np.nan) == "–"
    with pytest.raises(ValueError, match="language"):
        text.t("h_summary", "fr")


def test_build_date_follows_source_date_epoch(monkeypatch):
    import datetime
    import json
    from pathlib import Path

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735776000")  # 2025-01-02 00:00 UTC
    assert text.build_date() == datetime.date(2025, 1, 2)
    assert text.build_date({"SOURCE_DATE_EPOCH": "1735775999"}) == datetime.date(2025, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # set but empty: as unset
    assert text.build_date() == datetime.date.today()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert text.build_date() == datetime.date.today()
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        text.build_date({"SOURCE_DATE_EPOCH": "yesterday"})
    # the template's cover uses it, and no chart is translated after it is drawn
    template = Path(text.__file__).with_name("template.ipynb")
    cells = ["".join(c["source"]) for c in json.loads(template.read_text("utf-8"))["cells"]]
    cover = next(c for c in cells if "cover_built" in c)
    assert "text.build_date()" in cover and "today()" not in cover
    assert not any("localise" in c for c in cells)
    assert all("language=language" in c for c in cells if "= plot_" in c)


def test_tables_and_charts_are_translated(retail):
    import matplotlib
    matplotlib.use("Agg")
    from crm_training.segmentation.plotting import plot_class_shares
    f = retail[1]
    recs = recommend(f, "zh")
    for name in ("concentration", "tiers", "rfm", "top_customers", "touchpoints", "loyalty_tiers",
                 "service_channels", "recommendations", "roadmap"):
        styler = text.report_table(f, name, "zh", recs)
        styler.to_html()                                      # renders (unique labels etc.)
        shown = styler.data
        headers = [str(c) for c in shown.columns] + [str(shown.index.name or "")]
        assert not any(_latin_words(h) for h in headers), (name, headers)
    assert "潜力价值" in text.report_table(f, "tiers", "zh").data.index
    with matplotlib.rc_context():  # the chart draws its own words (no translation afterwards)
        ax = plot_class_shares(f.segments["tiers"], language="zh")
    assert ax.get_title() == "各价值层级客户数" and ax.get_ylabel() == "客户数"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["高价值", "中价值", "潜力价值"]
    assert not hasattr(text, "localise")


def test_client_folder_is_loaded_with_its_validation(tmp_path):
    data = crm_training.generate("retail", 400, seed=2)
    folder = tmp_path / "client"
    crm_training.CRMData(customers=data.customers, transactions=data.transactions).save(
        folder, format="csv")
    for p in folder.iterdir():
        if p.name not in ("customers.csv", "transactions.csv"):
            p.unlink()
    loaded_data, loaded = report_data(data_dir=str(folder))
    assert loaded is not None and loaded.ok and len(loaded_data.customers) == 400
    f = compute_findings(loaded_data, horizon_months=12)
    assert [s for s in SECTIONS if not f.available(s)] == ["experience", "loyalty", "service"]


# ----------------------------------------------------------------------------- the template
def _run(tmp_path, name, **params):
    from pathlib import Path

    import papermill as pm

    from crm_training.report.findings import __file__ as here
    template = Path(here).with_name("template.ipynb")
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(template), str(out), parameters=params, progress_bar=False,
                        kernel_name="python3")
    return json.loads(out.read_text(encoding="utf-8"))


def _markdown_outputs(nb):
    return ["".join(o["data"]["text/markdown"]) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]


def _errors(nb):
    return [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_template_parameters_cell():
    from pathlib import Path

    from crm_training.report.findings import __file__ as here
    nb = json.loads(Path(here).with_name("template.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert cell["metadata"]["tags"] == ["parameters"]
    names = {node.targets[0].id: ast.literal_eval(node.value)
             for node in ast.parse("".join(cell["source"])).body}
    assert names == {"company": "Example Co.", "industry": "retail", "n_customers": 5000,
                     "seed": 7, "language": "en", "data_dir": None, "horizon": 36,
                     "margin": None, "currency": None, "assumptions": None, "paper": None}


def test_template_runs_in_english_on_client_data_and_in_chinese(tmp_path):
    data = crm_training.generate("coffee_chain", 1500, seed=4)
    folder = tmp_path / "client"
    crm_training.CRMData(customers=data.customers, transactions=data.transactions,
                         tickets=data.tickets).save(folder, format="csv")
    for p in folder.iterdir():
        if p.name not in ("customers.csv", "transactions.csv", "tickets.csv"):
            p.unlink()
    en = _run(tmp_path, "en", company="Acme", language="en", data_dir=str(folder), horizon=24)
    assert not _errors(en)
    md = "\n".join(_markdown_outputs(en))
    assert "# Acme: customer relationship case study" in md
    assert text.heading("h_appendix", "en") in md               # the client's data-quality check
    assert "Customer experience: not available: it needs the surveys table" in md
    assert "Loyalty programme: not available: it needs the loyalty\\_events table" in md

    zh = _run(tmp_path, "zh", company="示例公司", industry="bank", n_customers=1500, seed=2,
              language="zh")
    assert not _errors(zh)
    md = "\n".join(_markdown_outputs(zh))
    for key in ("h_summary", "h_concentration", "h_segments", "h_clv", "h_experience",
                "h_loyalty", "h_service", "h_recommendations", "h_roadmap", "h_roi"):
        assert text.t(key, "zh") in md, key
        assert text.t(key, "en") not in md, key
    headings = [ln for ln in md.splitlines() if ln.startswith("#")]
    assert headings and not any(_latin_words(h.lstrip("# ")) for h in headings), headings
    assert text.heading("h_appendix", "zh") not in md           # synthetic data: no appendix


# ---- small folders and money: what a consultant's real exports look like ----------------------
def _orders(n_customers, repeat_every=0, seed=1):
    """Orders of ``n_customers``: one each, and two more for every ``repeat_every``-th."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        k = 1 + (2 if repeat_every and c % repeat_every == 0 else 0)
        for j in range(k):
            rows.append((f"T{c}-{j}", f"C{c}", pd.Timestamp("2024-01-01")
                         + pd.Timedelta(days=int(rng.integers(0, 300)) + 30 * j),
                         round(float(rng.gamma(2, 30)), 2)))
    return pd.DataFrame(rows, columns=["transaction_id", "customer_id", "timestamp", "amount"])


def _client(tx):
    from crm_training.clients.loader import to_crmdata
    return to_crmdata({"transactions": tx,
                       "customers": pd.DataFrame({"customer_id": tx["customer_id"].unique()})})


@pytest.mark.parametrize("n, repeat_every, skipped", [
    (50, 0, {"clv": "few_repeat_buyers"}),                     # nobody bought twice
    (5, 2, {"segments": "few_customers", "clv": "few_repeat_buyers"}),
    (1, 0, {"segments": "few_customers", "clv": "few_repeat_buyers"}),
])
def test_small_folders_give_the_sections_that_can_stand(n, repeat_every, skipped):
    f = compute_findings(_client(_orders(n, repeat_every)), horizon_months=12)
    assert f.available("concentration")
    got = {k: v["code"] for k, v in f.meta["skipped"].items()
           if k in ("concentration", "segments", "clv")}
    assert got == skipped
    recs = recommend(f)
    for lang in LANGUAGES:
        for section, code in skipped.items():
            (line,) = text.section_text(section, f, lang)
            n_shown = str(f.meta["skipped"][section]["n"])
            assert n_shown in line and "20" in line or "10" in line, line
        assert text.executive_summary(f, recs, lang)  # the summary stands too


def test_a_degenerate_clv_fit_is_a_reason_not_a_crash():
    # 200 customers, a third buying again on random days: no dropout to estimate
    f = compute_findings(_client(_orders(200, repeat_every=3)), horizon_months=12)
    if f.clv is None:  # the fit may or may not degenerate on these draws: either is fine ...
        reason = f.meta["skipped"]["clv"]
        assert reason["code"] in ("failed", "few_repeat_buyers")
        assert "not available" in text.not_available("clv", "en", reason)
    else:  # ... but what is shown must be numbers
        assert np.isfinite(f.clv["table"][["clv", "p_alive"]].to_numpy()).all()


def test_margin_turns_revenue_into_profit_and_the_report_says_which():
    tx = _orders(300, repeat_every=2)
    data = _client(tx)
    revenue = compute_findings(data, horizon_months=12)
    assert revenue.meta["measure"] == "revenue" and revenue.meta["value_basis"] == "revenue"
    assert "values are revenue, not profit" in text.money_text(revenue, "en")
    assert "价值为收入而非利润" in text.money_text(revenue, "zh")
    profit = compute_findings(data, horizon_months=12, margin=0.3, currency="$")
    assert profit.meta["measure"] == "profit" and profit.meta["value_basis"] == "margin"
    assert profit.meta["currency"] == "USD"
    assert text.money_text(profit, "en") == ("Amounts are in USD; values are profit at an "
                                             "assumed margin of 30% of revenue (the data have "
                                             "no costs).")
    # every value figure is 30% of the revenue one
    assert profit.meta["profit_year"] == pytest.approx(0.3 * revenue.meta["profit_year"])
    assert profit.concentration["values"].sum() == pytest.approx(
        0.3 * revenue.concentration["values"].sum())
    with pytest.raises(ValueError, match="margin must be a share"):
        compute_findings(data, margin=30)
    costed = crm_training.generate("retail", 300, seed=1)
    f = compute_findings(costed, horizon_months=12, margin=0.9)  # the data's costs win
    assert f.meta["value_basis"] == "cost" and f.meta["margin"] is None


def test_the_report_names_a_detected_currency_or_says_none_is_stated():
    data = _client(_orders(60, repeat_every=2))
    assert "the data's currency (not stated" in text.money_text(
        compute_findings(data, horizon_months=12), "en")
    data.meta["currency"] = "CNY"
    assert text.money_text(compute_findings(data, horizon_months=12), "zh").startswith(
        "金额单位为CNY")
    data.meta["currency"] = "??"  # something the loader saw but the report cannot name
    assert compute_findings(data, horizon_months=12).meta["currency"] == ""
