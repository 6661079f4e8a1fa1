"""The synthetic generator: schema, consistency, reproducibility, plausibility and ground truth."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.datagen import people
from crm_training.schema import TABLES, TRUTH_TABLES


@pytest.fixture(scope="module")
def retail():
    return crm_training.generate("retail", 6000, seed=11)


@pytest.fixture(scope="module")
def clean():
    """Retail without intervention effects on rates, for recovering the generative model."""
    return crm_training.generate("retail", 20000, seed=3, loyalty_rate_uplift=0.0,
                                 loyalty_dropout_cut=0.0, upgrade_dropout_cut=0.0,
                                 campaign_uplift=0.0, return_rate=0.0)


def days_since(ts, start):
    return (ts - pd.Timestamp(start)) / pd.Timedelta(days=1)


# ------------------------------------------------------------------ schema and integrity
@pytest.mark.parametrize("industry", crm_training.INDUSTRIES)
def test_every_table_has_the_schema(industry):
    data = crm_training.generate(industry, 400, seed=1)
    for name, table in TABLES.items():
        df = data.tables[name]
        assert list(df.columns) == table.names, name
        assert len(df) > 0, f"{industry}: {name} is empty"
        for col in table.columns:
            dtype = str(df[col.name].dtype)
            expected = "str" if col.dtype == "string" else col.dtype
            assert dtype == expected, (name, col.name, dtype)
            if col.levels:
                assert list(df[col.name].cat.categories) == list(col.levels)
            if not col.nullable and col.name != "original_transaction_id":
                assert df[col.name].notna().all(), (industry, name, col.name)
    for name, table in TRUTH_TABLES.items():
        assert list(data.truth[name].columns) == table.names


def test_keys_are_unique_and_foreign_keys_exist(retail):
    ids = set(retail.customers["customer_id"])
    assert retail.customers["customer_id"].is_unique
    assert retail.customers["email"].is_unique
    for name, table in TABLES.items():
        df = retail.tables[name]
        if name != "experiments":
            assert df[table.key].is_unique, name
        assert set(df["customer_id"]) <= ids, name
    tx = retail.transactions
    returns = tx[tx["is_return"]]
    originals = tx.set_index("transaction_id").loc[returns["original_transaction_id"]]
    assert (originals["customer_id"].to_numpy() == returns["customer_id"].to_numpy()).all()
    assert (originals["amount"].to_numpy() == -returns["amount"].to_numpy()).all()
    assert (originals["timestamp"].to_numpy() < returns["timestamp"].to_numpy()).all()
    assert tx.loc[~tx["is_return"], "original_transaction_id"].isna().all()
    earn = retail.loyalty_events.dropna(subset=["transaction_id"])
    assert set(earn["transaction_id"]) <= set(tx["transaction_id"])
    assert set(retail.truth["text_labels"]["source_id"]) <= (
        set(retail.tickets["ticket_id"]) | set(retail.surveys["survey_id"]))


def test_times_are_ordered_and_inside_the_period(retail):
    t = retail.tickets
    assert (t["created_at"] <= t["first_response_at"]).all()
    res = t.dropna(subset=["resolved_at"])
    assert (res["first_response_at"] <= res["resolved_at"]).all()
    assert (t["resolved"] == t["resolved_at"].notna()).all()
    assert not (t["reopened"] & ~t["resolved"]).any()
    start, end = pd.Timestamp("2023-01-01"), pd.Timestamp("2026-01-01")
    for name in ("transactions", "interactions", "surveys", "loyalty_events", "web_events"):
        ts = retail.tables[name]["timestamp"]
        assert ts.min() >= start and ts.max() < end, name
    first = retail.transactions.groupby("customer_id")["timestamp"].min()
    signup = retail.customers.set_index("customer_id")["signup_date"]
    assert (first.loc[signup.index].dt.normalize() == signup).all()
    # nobody acts after dropping out
    truth = retail.truth["customers"].set_index("customer_id")
    last = retail.transactions.loc[~retail.transactions["is_return"]].groupby("customer_id")["timestamp"].max()
    gone = truth["dropout_date"].dropna()
    assert (last.loc[gone.index].dt.normalize() <= gone).all()


def test_scores_and_funnel_are_in_range(retail):
    s = retail.surveys
    assert s["nps"].between(0, 10).all() and s["csat"].between(1, 5).all()
    assert s["effort"].between(1, 7).all()
    assert retail.tickets["csat"].dropna().between(1, 5).all()
    w = retail.web_events
    assert w["x"].between(0, 1).all() and w["y"].between(0, 1).all()
    steps = w.groupby("session_id")["funnel_step"].agg(["min", "max", "count"])
    assert (steps["min"] == 1).all() and (steps["max"] == steps["count"]).all()
    assert (w["page"].cat.codes + 1 == w["funnel_step"]).all()
    # a funnel narrows: every step has fewer sessions than the one before
    reach = w.groupby("funnel_step")["session_id"].nunique()
    assert reach.is_monotonic_decreasing and len(reach) == 6


def test_loyalty_ledger_is_consistent(retail):
    ev = retail.loyalty_events
    members = set(retail.customers.loc[retail.customers["loyalty_member"], "customer_id"])
    assert set(ev["customer_id"]) == members
    assert (ev.groupby("customer_id")["event_type"].first() == "enrol").all()
    sign = ev.groupby("event_type", observed=True)["points"].agg(["min", "max"])
    assert sign.loc["redeem", "max"] < 0 and sign.loc["expire", "max"] < 0
    assert sign.loc["referral", "min"] > 0
    balance = ev.groupby("customer_id")["points"].sum()
    assert (balance >= 0).mean() > 0.995  # only a return after a redemption can dip below zero
    earned = ev[ev["event_type"] == "earn"].merge(retail.transactions, on="transaction_id")
    originals = retail.transactions.set_index("transaction_id")["timestamp"]
    order_time = earned["original_transaction_id"].map(originals).fillna(earned["timestamp_y"])
    enrolled = ev[ev["event_type"] == "enrol"].set_index("customer_id")["timestamp"]
    late = order_time.dt.normalize() >= earned["customer_id_x"].map(enrolled).dt.normalize()
    assert late.all()  # only orders placed after enrolment earn (or give back) points
    tiers = ev["tier"].cat.codes.groupby(ev["customer_id"]).agg(lambda s: s.is_monotonic_increasing)
    assert tiers.all()


# ------------------------------------------------------------------ reproducibility
def _digest(path):
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_same_files(tmp_path, fmt):
    args = dict(industry="bank", n_customers=800, seed=9, locale="zh_CN")
    crm_training.generate(**args).save(tmp_path / "a", format=fmt)
    crm_training.generate(**args).save(tmp_path / "b", format=fmt)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(a) >= 12 and a == b
    crm_training.generate(**dict(args, seed=10)).save(tmp_path / "c", format=fmt)
    assert _digest(tmp_path / "c")["transactions." + fmt] != a["transactions." + fmt]


def test_save_and_load_round_trip(tmp_path, retail):
    for fmt in ("csv", "parquet"):
        retail.save(tmp_path / fmt, format=fmt)
        back = crm_training.load(tmp_path / fmt)
        for name, df in retail.tables.items():
            pd.testing.assert_frame_equal(back.tables[name], df, check_exact=False, rtol=1e-12)
        pd.testing.assert_frame_equal(back.truth["customers"], retail.truth["customers"],
                                      check_exact=False, rtol=1e-9)
        assert back.truth["params"]["seed"] == 11 and back.meta["industry"] == "retail"


def test_save_refuses_a_non_empty_folder(tmp_path, retail):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("client file")
    with pytest.raises(FileExistsError, match="not empty"):
        retail.save(tmp_path / "x")
    assert (tmp_path / "x" / "keep.txt").read_text() == "client file"
    with pytest.raises(ValueError, match="format"):
        retail.save(tmp_path / "y", format="xlsx")


# ------------------------------------------------------------------ personal data
def test_personal_data_by_locale():
    en = crm_training.generate("retail", 3000, seed=4)
    zh = crm_training.generate("retail", 3000, seed=4, locale="zh_CN")
    email = re.compile(r"^[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+$")
    assert en.customers["email"].str.match(email).all() and zh.customers["email"].str.match(email).all()
    assert en.customers["phone"].str.match(r"^\(\d{3}\) \d{3}-\d{4}$").all()
    assert zh.customers["phone"].str.match(r"^1[3-9]\d{9}$").all()
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert zh.customers["name"].str.contains(cjk).all()
    assert not en.customers["name"].str.contains(cjk).any()
    assert zh.tickets["text"].str.contains(cjk).all()
    assert zh.surveys["comment"].dropna().str.contains(cjk).all()
    assert en.surveys["comment"].dropna().str.isascii().all()
    assert en.customers["name"].nunique() > 1500  # pools combine into many distinct names
    assert set(zh.customers["region"]) <= {c[1] for c in people.CITIES["zh_CN"]}
    assert zh.meta["currency"] == "CNY" and en.meta["currency"] == "USD"
    b2b = crm_training.generate("manufacturing", 300, seed=1)
    assert b2b.customers["birth_year"].isna().all() and (b2b.customers["gender"] == "unknown").all()


def test_names_come_from_pools_not_one_faker_call_per_customer(monkeypatch):
    calls = {"n": 0}
    real = people.Faker

    class Counting:
        def __init__(self, locale):
            self._f = real(locale)

        def __getattr__(self, name):
            attr = getattr(self._f, name)
            if callable(attr):
                def wrapped(*a, **k):
                    calls["n"] += 1
                    return attr(*a, **k)
                return wrapped
            return attr

    monkeypatch.setattr(people, "Faker", Counting)
    data = crm_training.generate("retail", 20_000, seed=2)
    assert data.customers["email"].is_unique
    assert calls["n"] < 3000  # a fixed pool, whatever the number of customers


# ------------------------------------------------------------------ plausibility of the presets
def top_share(data, share=0.2, col="profit"):
    tx = data.transactions
    value = (tx["amount"] - tx["cost"]) if col == "profit" else tx["amount"]
    per = value.groupby(tx["customer_id"]).sum().reindex(data.customers["customer_id"], fill_value=0)
    per = per.sort_values(ascending=False)
    return per.iloc[: int(share * len(per))].sum() / per.sum()


def test_retail_pareto_figure():
    data = crm_training.generate("retail", 20000, seed=5)
    assert 0.60 <= top_share(data) <= 0.85


def test_bank_churn_near_22_percent_before_the_programme():
    data = crm_training.generate("bank", 20000, seed=5)
    params = data.truth["params"]
    assert 0.18 <= params["annual_churn_before_programme"] <= 0.26
    assert params["annual_churn_last_year"] < params["annual_churn_before_programme"]


@pytest.mark.parametrize("industry", ["travel", "telecom"])
def test_satisfaction_3_2_before_the_upgrade_and_higher_after(industry):
    data = crm_training.generate(industry, 15000, seed=5)
    s = data.surveys.merge(data.customers[["customer_id", "region"]], on="customer_id")
    start = data.truth["interventions"].set_index("name").loc["service_upgrade_pilot", "start_date"].iloc[0]
    pilot = s["region"] == data.truth["params"]["pilot_region"]
    before = s.loc[s["timestamp"] < start, "csat"].mean()
    after = s.loc[pilot & (s["timestamp"] >= start), "csat"].mean()
    assert 3.05 <= before <= 3.35
    assert after >= 4.2


def test_segments_behave_differently(retail):
    truth = retail.truth["customers"]
    orders = retail.transactions.loc[~retail.transactions["is_return"]].groupby("customer_id").size()
    by_seg = orders.reindex(truth["customer_id"]).groupby(truth["segment"].to_numpy(),
                                                          observed=True).mean()
    assert by_seg["vip"] > 2 * by_seg["regular"] > 2 * by_seg["occasional"]
    sat = retail.surveys.merge(truth[["customer_id", "segment"]]).groupby("segment", observed=True)["csat"].mean()
    assert sat["vip"] > sat["bargain_hunter"] + 0.5


# ------------------------------------------------------------------ ground truth recovery
def test_purchase_rate_recovered(clean):
    tx = clean.transactions
    truth = clean.truth["customers"].set_index("customer_id")
    start = clean.meta["start"]
    signup = days_since(clean.customers.set_index("customer_id")["signup_date"], start)
    end = days_since(truth["dropout_date"].fillna(pd.Timestamp(clean.meta["end"]) + pd.Timedelta(days=1)),
                     start)
    exposure_years = (end - signup).clip(lower=0) / 365.25
    expected = (truth["purchase_rate"] * exposure_years).sum()
    repeat = len(tx) - tx["customer_id"].nunique()
    assert repeat / expected == pytest.approx(1.0, abs=0.03)
    # and the mean rate itself, per customer, from orders / exposure for long-lived customers
    long = exposure_years > 1.5
    counts = tx.groupby("customer_id").size().reindex(truth.index) - 1
    est = counts[long].sum() / exposure_years[long].sum()
    true = (truth["purchase_rate"][long] * exposure_years[long]).sum() / exposure_years[long].sum()
    assert est == pytest.approx(true, rel=0.04)


def test_dropout_share_recovered(clean):
    truth = clean.truth["customers"].set_index("customer_id")
    signup = days_since(clean.customers.set_index("customer_id")["signup_date"], clean.meta["start"])
    years = (days_since(pd.Timestamp(clean.meta["end"]), clean.meta["start"]) + 1 - signup) / 365.25
    p_drop = 1 - np.exp(-truth["dropout_rate"] * years)
    observed = 1 - truth["alive"].mean()
    se = np.sqrt((p_drop * (1 - p_drop)).sum()) / len(p_drop)
    assert abs(observed - p_drop.mean()) < 4 * se + 0.005
    assert 0.2 < observed < 0.6


def test_spend_recovered(clean):
    tx = clean.transactions
    truth = clean.truth["customers"].set_index("customer_id")
    expected = truth["spend_mean"].reindex(tx["customer_id"]).mean()
    assert tx["amount"].mean() == pytest.approx(expected, rel=0.02)
    assert (tx["amount"] > 0).all()
    margin = 1 - tx["cost"].sum() / tx["amount"].sum()
    assert margin == pytest.approx(np.average(truth["margin"].reindex(tx["customer_id"]),
                                              weights=tx["amount"]), abs=0.01)


def test_campaign_effect_recovered():
    data = crm_training.generate("retail", 30000, seed=8, campaign_share=0.8, campaign_uplift=0.15)
    exp = data.experiments.query("experiment_id == 'campaign_ab'")
    start = exp["start_date"].iloc[0]
    tx = data.transactions
    window = tx[(~tx["is_return"]) & (tx["timestamp"] >= start)
                & (tx["timestamp"] < start + pd.Timedelta(days=31))]
    converted = exp["customer_id"].isin(set(window["customer_id"]))
    rates = converted.groupby(exp["group"].to_numpy()).mean()
    sizes = exp["group"].value_counts()
    diff = rates["treatment"] - rates["control"]
    se = np.sqrt(sum(rates[g] * (1 - rates[g]) / sizes[g] for g in ("treatment", "control")))
    truth = data.truth["interventions"].set_index("metric").loc["conversion_30d", "true_effect"]
    assert 0.04 < truth < 0.15
    assert abs(diff - truth) < 3 * se


def test_loyalty_uplift_recovered():
    data = crm_training.generate("coffee_chain", 8000, seed=2, loyalty_rate_uplift=0.5,
                                 campaign_uplift=0.0, return_rate=0.0)
    truth = data.truth["customers"].set_index("customer_id")
    members = truth.dropna(subset=["enrol_date"])
    start = data.meta["start"]
    signup = days_since(data.customers.set_index("customer_id")["signup_date"], start).loc[members.index]
    enrol = days_since(members["enrol_date"], start)
    end = days_since(members["dropout_date"].fillna(pd.Timestamp(data.meta["end"]) + pd.Timedelta(days=1)), start)
    lam = members["purchase_rate"] / 365.25
    tx = data.transactions[data.transactions["customer_id"].isin(members.index)]
    t = days_since(tx["timestamp"], start)
    after = t.to_numpy() >= enrol.reindex(tx["customer_id"]).to_numpy()
    n_after = after.sum()
    n_before = (~after).sum() - len(members)  # first orders are not repeat orders
    rate_before = n_before / (lam * (enrol - signup)).sum()
    rate_after = n_after / (lam * (end - enrol)).sum()
    assert rate_after / rate_before - 1 == pytest.approx(0.5, abs=0.08)
    assert rate_before == pytest.approx(1.0, abs=0.05)


def test_csat_effect_of_the_upgrade_recovered_by_difference_in_differences():
    data = crm_training.generate("telecom", 20000, seed=4)
    s = data.surveys.merge(data.customers[["customer_id", "region"]], on="customer_id")
    row = data.truth["interventions"].query("name == 'service_upgrade_pilot' and metric == 'csat'").iloc[0]
    pilot = s["region"] == data.truth["params"]["pilot_region"]
    after = s["timestamp"] >= row["start_date"]
    m = s.groupby([pilot.rename("pilot"), after.rename("after")])["csat"].mean()
    did = (m[True, True] - m[True, False]) - (m[False, True] - m[False, False])
    assert row["true_effect"] > 0.8
    assert did == pytest.approx(row["true_effect"], abs=0.12)


def test_true_clv_ranks_future_value(retail):
    truth = retail.truth["customers"]
    assert (truth.loc[~truth["alive"], ["clv_3y", "expected_purchases_1y"]] == 0).all().all()
    alive = truth[truth["alive"]]
    # expected purchases over the next year cannot exceed the rate times a year
    assert (alive["expected_purchases_1y"] <= alive["purchase_rate"] * 1.5 + 1e-9).all()
    corr = np.corrcoef(alive["clv_3y"], alive["purchase_rate"] * alive["spend_mean"] * alive["margin"])[0, 1]
    assert corr > 0.8


def test_text_labels_follow_the_scores(retail):
    lab = retail.truth["text_labels"]
    s = retail.surveys.merge(lab, left_on="survey_id", right_on="source_id")
    means = s.groupby("sentiment", observed=True)["csat"].mean()
    assert means["negative"] + 0.5 < means["neutral"] < means["positive"] - 0.5
    assert len(s) == retail.surveys["comment"].notna().sum()


# ------------------------------------------------------------------ arguments
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(industry="bakery"), ValueError, "retail, bank, telecom, coffee_chain, travel, manufacturing"),
    (dict(n_customers=0), ValueError, "at least 1"),
    (dict(n_customers=2.5), TypeError, "whole number"),
    (dict(start="2024-05-01", end="2024-01-01"), ValueError, "must be after start"),
    (dict(locale="fr_FR"), ValueError, "en_US, zh_CN"),
    (dict(discount=0.1), TypeError, "unknown override.*discount"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(start="not a date"), ValueError, "dates like"),
])
def test_bad_arguments_give_clear_errors(kwargs, error, message):
    args = dict(industry="retail", n_customers=50, seed=1) | kwargs
    with pytest.raises(error, match=message):
        crm_training.generate(**args)


def test_one_customer_and_custom_period():
    data = crm_training.generate("travel", 1, seed=0, start="2024-01-01", end="2024-06-30")
    assert len(data.customers) == 1 and len(data.transactions) >= 1
    assert data.transactions["timestamp"].max() < pd.Timestamp("2024-07-01")
    assert "travel" in data.summary()
