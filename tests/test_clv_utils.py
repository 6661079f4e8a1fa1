"""rfm_summary, rfm_train_test_split, historic_clv and customer_lifetime_value: hand-computed
cases, a plain per-customer reference on random logs, returns, edge cases and clear errors."""
import numpy as np
import pandas as pd
import pytest

from crm_training.clv import (BetaGeoModel, GammaGammaModel, ParetoNBDModel,
                              customer_lifetime_value, historic_clv, rfm_summary,
                              rfm_train_test_split)


def log_of(rows, returns=False):
    cols = ["customer_id", "timestamp", "amount"] + (["is_return"] if returns else [])
    df = pd.DataFrame(rows, columns=cols)
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="mixed")
    return df


FIVE = log_of([("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-01 18:30", 5.0),
               ("a", "2024-01-05 12:00", 20.0), ("b", "2024-01-03 08:00", 7.0),
               ("a", "2024-01-08 20:00", 40.0)])


def test_five_row_log_by_hand():
    # a: days 0 (10 + 5, one purchase), 4 and 7 -> 2 repeat purchases worth 20 and 40;
    # b: one purchase on day 2. Observation ends on day 9 (2024-01-10).
    out = rfm_summary(FIVE, observation_period_end="2024-01-10")
    expected = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [2, 0],
                             "recency": [7.0, 0.0], "T": [9.0, 7.0],
                             "monetary_value": [30.0, 0.0]})
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert out["frequency"].dtype == np.int64
    # Default end: the last timestamp (day 7); weeks via time_scaler.
    weeks = rfm_summary(FIVE, time_scaler=7)
    assert weeks["T"].tolist() == [1.0, 5 / 7]
    assert weeks["recency"].tolist() == [1.0, 0.0]


def test_week_and_month_periods():
    # Weeks run Monday to Sunday: 2024-01-01 is a Monday, 2024-01-05 the same week.
    weekly = rfm_summary(FIVE, time_unit="W", observation_period_end="2024-01-10")
    a = weekly.set_index("customer_id").loc["a"]
    assert (a["frequency"], a["recency"], a["T"]) == (1, 1.0, 1.0)
    assert a["monetary_value"] == 40.0            # week 2's purchase; week 1 merges 10 + 5 + 20
    log = log_of([("x", "2024-01-31", 1.0), ("x", "2024-02-01", 2.0), ("x", "2024-04-15", 3.0)])
    monthly = rfm_summary(log, time_unit="M", observation_period_end="2024-06-30").iloc[0]
    assert (monthly["frequency"], monthly["recency"], monthly["T"]) == (2, 3.0, 5.0)


def test_hour_periods():
    hourly = rfm_summary(FIVE, time_unit="h", observation_period_end="2024-01-09 00:00")
    a = hourly.set_index("customer_id").loc["a"]
    # 09:00 and 18:30 on 1 January are different hours: 3 repeat purchases.
    assert (a["frequency"], a["recency"], a["T"]) == (3, 7 * 24 + 11, 7 * 24 + 15)


def reference_rfm(log, end, returns="net"):
    """Plain per-customer loop over days, written independently of the vectorised code."""
    end_day = pd.Timestamp(end).floor("D")
    log = log[log["timestamp"].dt.floor("D") <= end_day]
    rows = []
    for cid, g in log.groupby("customer_id"):
        is_ret = g["is_return"] | (g["amount"] < 0)
        buys = g[~is_ret]
        if buys.empty:
            continue
        per_day = buys.groupby(buys["timestamp"].dt.floor("D"))["amount"].sum().sort_index()
        if returns == "net":
            for ts, amount in g.loc[is_ret, ["timestamp", "amount"]].itertuples(index=False):
                earlier = per_day.index[per_day.index <= ts.floor("D")]
                if len(earlier):
                    per_day[earlier[-1]] += amount
            gross = buys.groupby(buys["timestamp"].dt.floor("D"))["amount"].sum().sort_index()
            per_day = per_day[per_day > 1e-9 * gross.abs()]   # refunded in full: no purchase
            if per_day.empty:
                continue
        days = per_day.index
        freq = len(days) - 1
        rows.append({"customer_id": cid, "frequency": freq,
                     "recency": float((days[-1] - days[0]).days),
                     "T": float((end_day - days[0]).days),
                     "monetary_value": per_day.iloc[1:].mean() if freq else 0.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("returns", ["net", "exclude"])
def test_matches_plain_reference_on_random_logs_with_returns(seed, returns):
    rng = np.random.default_rng(seed)
    n = 600
    log = pd.DataFrame({
        "customer_id": rng.choice([f"c{i}" for i in range(60)], n),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90 * 24, n),
                                                                  unit="h"),
        "amount": rng.gamma(2, 20, n).round(2),
    })
    ret = rng.random(n) < 0.15
    log["is_return"] = ret
    log.loc[ret, "amount"] *= -1
    end = "2024-03-15"
    got = rfm_summary(log, observation_period_end=end, returns=returns)
    want = reference_rfm(log, end, returns=returns)
    if returns == "exclude":
        want = reference_rfm(log[~log["is_return"]], end)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9)
    assert (got["recency"] <= got["T"]).all()


def test_returns_are_netted_into_the_refunded_purchase():
    log = log_of([("a", "2024-01-01", 100.0, False), ("a", "2024-01-06", 50.0, False),
                  ("a", "2024-01-08", -20.0, True),   # partly refunds the 6 January order
                  ("b", "2024-01-02", 80.0, False), ("b", "2024-01-03", -20.0, True),
                  ("c", "2023-12-30", -5.0, True),    # refund of an order before the log
                  ("c", "2024-01-04", 60.0, False),
                  ("d", "2024-01-01", 40.0, False), ("d", "2024-01-04", 60.0, False),
                  ("d", "2024-01-05", -60.0, True),   # 4 January refunded in full: no purchase
                  ("e", "2024-01-03", 40.0, False), ("e", "2024-01-04", -40.0, True)],
                 returns=True)
    out = rfm_summary(log, observation_period_end="2024-01-10").set_index("customer_id")
    assert out.loc["a", "frequency"] == 1 and out.loc["a", "recency"] == 5
    assert out.loc["a", "monetary_value"] == 30.0      # 50 - 20
    assert out.loc["b", "frequency"] == 0               # a return is never a purchase
    assert out.loc["c", "T"] == 6 and out.loc["c", "frequency"] == 0
    assert out.loc["d", ["frequency", "recency", "T"]].tolist() == [0, 0.0, 9.0]
    assert "e" not in out.index                         # nothing kept
    gross = rfm_summary(log, observation_period_end="2024-01-10", returns="exclude")
    gross = gross.set_index("customer_id")
    assert gross.loc["a", "monetary_value"] == 50.0 and gross.loc["d", "frequency"] == 1
    # A negative amount is a return even without an is_return column.
    same = rfm_summary(log.drop(columns="is_return"), observation_period_end="2024-01-10")
    pd.testing.assert_frame_equal(same, out.reset_index())


def test_linked_returns_go_to_the_order_they_refund():
    log = pd.DataFrame({
        "transaction_id": ["A", "B", "R1", "C", "R2"],
        "customer_id": ["a", "a", "a", "a", "a"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-07", "2024-01-12",
                                     "2024-01-14"]),
        "amount": [100.0, 50.0, -100.0, 30.0, -50.0],
        "is_return": [False, False, True, False, True],
        "original_transaction_id": [None, None, "A", None, "B"],
    })
    out = rfm_summary(log, observation_period_end="2024-01-20")
    # R1 refunds the first order (not B, the latest before it), R2 refunds B (not C): both
    # are refunded in full, so C on 12 January is the only purchase kept.
    assert out[["frequency", "recency", "T", "monetary_value"]].iloc[0].tolist() == \
        [0, 0.0, 8.0, 0.0]
    unlinked = rfm_summary(log.drop(columns="original_transaction_id"),
                           observation_period_end="2024-01-20").iloc[0]
    # Without the link R1 lands on B (cancelling it) and R2 on C (net -20: cancelled too).
    assert (unlinked["frequency"], unlinked["T"]) == (0, 19.0)
    # A calibration order refunded in the holdout leaves the holdout's value alone.
    split = rfm_train_test_split(log, "2024-01-10", "2024-01-20").iloc[0]
    # Calibration: A cancelled by R1, B kept (R2 is after the cut); holdout: C kept, R2 refunds
    # an order from before the cut, so it does not touch the holdout.
    assert (split["frequency"], split["T"], split["monetary_value"]) == (0, 5.0, 0.0)
    assert (split["frequency_holdout"], split["monetary_value_holdout"]) == (1, 30.0)


def test_rows_after_the_end_are_ignored_and_customers_without_purchases_dropped():
    log = log_of([("a", "2024-01-01", 1.0), ("a", "2024-02-01", 1.0), ("b", "2024-03-01", 1.0)])
    out = rfm_summary(log, observation_period_end="2024-01-31 23:59")
    assert out["customer_id"].tolist() == ["a"]
    assert (out.loc[0, "frequency"], out.loc[0, "T"]) == (0, 30.0)


def test_edge_cases_one_customer_one_day_zero_amounts_no_monetary():
    one = rfm_summary(log_of([("only", "2024-05-01", 3.0), ("only", "2024-05-03", 4.0)]))
    assert one.to_dict("records") == [{"customer_id": "only", "frequency": 1, "recency": 2.0,
                                       "T": 2.0, "monetary_value": 4.0}]
    day = log_of([("a", "2024-05-01 08:00", 1.0), ("b", "2024-05-01 09:00", 2.0),
                  ("a", "2024-05-01 17:00", 3.0)])
    single = rfm_summary(day)
    assert single["frequency"].tolist() == [0, 0] and single["T"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        BetaGeoModel().fit(single)
    zero = rfm_summary(log_of([("z", "2024-05-01", 0.0), ("z", "2024-05-02", 0.0)]))
    assert zero.loc[0, "monetary_value"] == 0.0 and zero.loc[0, "frequency"] == 1
    plain = rfm_summary(FIVE.drop(columns="amount"), monetary_value_col=None)
    assert list(plain.columns) == ["customer_id", "frequency", "recency", "T"]
    assert rfm_summary(FIVE.iloc[:0]).empty


def test_order_of_first_appearance_without_sort():
    log = log_of([("z", "2024-01-01", 1.0), ("a", "2024-01-02", 1.0)])
    assert rfm_summary(log, sort=False)["customer_id"].tolist() == ["z", "a"]
    assert rfm_summary(log)["customer_id"].tolist() == ["a", "z"]


def test_custom_column_names_and_string_dates():
    log = FIVE.rename(columns={"customer_id": "cid", "timestamp": "when", "amount": "paid"})
    log["when"] = log["when"].dt.strftime("%Y-%m-%d %H:%M")
    out = rfm_summary(log, "cid", "when", "paid", observation_period_end="2024-01-10")
    assert out["frequency"].tolist() == [2, 0] and "customer_id" in out


def test_time_zones_keep_local_days():
    local = FIVE.assign(timestamp=FIVE["timestamp"].dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(rfm_summary(local, observation_period_end="2024-01-10"),
                                  rfm_summary(FIVE, observation_period_end="2024-01-10"))


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_clear_errors_on_bad_logs():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['amount'\]"):
        rfm_summary(FIVE.drop(columns="amount"))
    with pytest.raises(ValueError, match="'timestamp' has 1 missing"):
        rfm_summary(FIVE.assign(timestamp=FIVE["timestamp"].where(FIVE.index != 2)))
    with pytest.raises(ValueError, match="cannot be read as dates"):
        rfm_summary(FIVE.assign(timestamp="yesterday-ish"))
    with pytest.raises(ValueError, match="missing customer ids"):
        rfm_summary(FIVE.assign(customer_id=[None, "a", "a", "b", "a"]))
    with pytest.raises(ValueError, match="'amount' has missing"):
        rfm_summary(FIVE.assign(amount=[1.0, np.nan, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(FIVE, time_unit="fortnight")
    with pytest.raises(ValueError, match="returns must be"):
        rfm_summary(FIVE, returns="ignore")
    with pytest.raises(TypeError, match="DataFrame"):
        rfm_summary(FIVE.to_dict())


# -- calibration / holdout ---------------------------------------------------------------------
def test_train_test_split_by_hand():
    log = log_of([("a", "2024-01-01", 10.0), ("a", "2024-01-04", 20.0), ("b", "2024-01-02", 5.0),
                  ("a", "2024-01-12", 30.0), ("a", "2024-01-12 18:00", 6.0),
                  ("a", "2024-01-18", 4.0), ("c", "2024-01-15", 8.0)])
    split = rfm_train_test_split(log, "2024-01-10", "2024-01-20")
    a = split.set_index("customer_id").loc["a"]
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (1, 3.0, 9.0, 20.0)
    assert a["frequency_holdout"] == 2 and a["monetary_value_holdout"] == 20.0  # (36 + 4) / 2
    assert split["duration_holdout"].eq(10.0).all()
    assert "c" not in split["customer_id"].tolist()    # first bought in the holdout
    # The calibration part is exactly rfm_summary of the log cut at the split date.
    cal = rfm_summary(log, observation_period_end="2024-01-10")
    cal = cal[cal["customer_id"].isin(split["customer_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(split[cal.columns], cal)
    # Fittable directly: the calibration columns have the plain names.
    assert BetaGeoModel()._check(split)["frequency"].tolist() == [1.0, 0.0]


def test_train_test_split_errors():
    with pytest.raises(ValueError, match="must be after train_period_end"):
        rfm_train_test_split(FIVE, "2024-01-10", "2024-01-05")
    with pytest.raises(ValueError, match="no purchase on or before"):
        rfm_train_test_split(FIVE, "2023-01-01", "2024-01-10")


# -- historic CLV -------------------------------------------------------------------------------
def test_historic_clv_by_hand():
    log = pd.DataFrame({"customer_id": ["a", "a", "b", "a"],
                        "timestamp": pd.to_datetime(["2023-01-01", "2023-06-01", "2023-03-01",
                                                     "2024-01-01"]),
                        "amount": [100.0, 50.0, 80.0, -50.0], "cost": [60.0, 30.0, 40.0, -30.0],
                        "is_return": [False, False, False, True]})
    out = historic_clv(log).set_index("customer_id")
    assert out.loc["a", ["orders", "returns"]].tolist() == [2, 1]
    assert out.loc["a", ["revenue", "cost", "profit"]].tolist() == [100.0, 60.0, 40.0]
    assert out.loc["a", "first_purchase"] == pd.Timestamp("2023-01-01")
    assert out.loc["b", "historic_clv"] == 40.0
    compounded = historic_clv(log, annual_rate=0.10).set_index("customer_id")
    years = (pd.Timestamp("2024-01-01") - pd.Timestamp("2023-03-01")).days / 365.25
    assert compounded.loc["b", "historic_clv"] == pytest.approx(40.0 * 1.1 ** years)
    revenue_only = historic_clv(log.drop(columns="cost")).set_index("customer_id")
    assert revenue_only.loc["a", "profit"] == 100.0
    cut = historic_clv(log, observation_period_end="2023-12-31").set_index("customer_id")
    assert cut.loc["a", "revenue"] == 150.0
    with pytest.raises(ValueError, match=r"missing column\(s\) \['amount'\]"):
        historic_clv(log.drop(columns="amount"))


# -- CLV of a fitted model ----------------------------------------------------------------------
@pytest.fixture()
def bg():
    model = BetaGeoModel()
    model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    return model


RFM = pd.DataFrame({"customer_id": ["new", "keen", "lapsed"], "frequency": [0, 6, 3],
                    "recency": [0.0, 30.0, 5.0], "T": [20.0, 32.0, 38.0],
                    "monetary_value": [0.0, 25.0, 40.0]})


def test_clv_is_the_discounted_sum_of_monthly_purchases(bg):
    clv = customer_lifetime_value(bg, RFM, future_t=3, discount_rate=0.01, time_unit="W",
                                  margin=0.3)
    cum = [bg.expected_purchases(RFM, 4.345 * m).to_numpy() for m in range(4)]
    by_hand = sum((cum[m] - cum[m - 1]) * RFM["monetary_value"].to_numpy() * 0.3 / 1.01 ** m
                  for m in range(1, 4))
    np.testing.assert_allclose(clv.to_numpy(), by_hand, rtol=1e-12)
    assert clv.index.tolist() == ["new", "keen", "lapsed"] and clv["new"] == 0.0
    undiscounted = customer_lifetime_value(bg, RFM, future_t=3, time_unit="W")
    np.testing.assert_allclose(undiscounted, bg.expected_purchases(RFM, 3 * 4.345)
                               * RFM["monetary_value"].to_numpy(), rtol=1e-12)
    assert (undiscounted * 0.3 > clv)[["keen", "lapsed"]].all()


def test_clv_with_gamma_gamma_spend_and_pareto(bg):
    gg = GammaGammaModel()
    gg.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44, "v": 15.44}
    pareto = ParetoNBDModel()
    pareto.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for model in (bg, pareto):
        via_gg = gg.expected_customer_lifetime_value(model, RFM, future_t=12, discount_rate=0.01,
                                                     time_unit="W")
        direct = customer_lifetime_value(model, RFM, future_t=12, discount_rate=0.01,
                                         time_unit="W", spend=gg.expected_customer_spend(RFM))
        pd.testing.assert_series_equal(via_gg, direct)
        assert via_gg["new"] > 0   # a new customer is valued at the population's mean spend


def test_clv_errors(bg):
    with pytest.raises(ValueError, match="time_unit"):
        customer_lifetime_value(bg, RFM, time_unit="Y")
    with pytest.raises(ValueError, match="whole number of months"):
        customer_lifetime_value(bg, RFM, future_t=0)
    with pytest.raises(ValueError, match="no column 'spend'"):
        customer_lifetime_value(bg, RFM, spend="spend")
    with pytest.raises(ValueError, match="one value per customer"):
        customer_lifetime_value(bg, RFM, spend=[1.0, 2.0])


def test_clv_forecast_ranks_customers_like_the_truth_and_is_shared():
    """clv_forecast: BG/NBD x Gamma-Gamma over 36 months tracks the generator's true 3-year CLV,
    and the report and the workshop show the same figure for the same client."""
    import crm_training
    from crm_training.clv import clv_forecast
    from crm_training.report import compute_findings
    from crm_training.workshop.analysis import WorkshopData

    data = crm_training.generate("retail", 1500, seed=4)
    table, rfm, bgnbd, gg = clv_forecast(data.transactions, months=36, margin=2.0)
    truth = data.truth["customers"].set_index("customer_id")["clv_3y"]
    assert table["clv"].corr(truth.reindex(table.index), method="spearman") > 0.6
    same_margin = clv_forecast(data.transactions, months=36, margin=1.0)[0]
    pd.testing.assert_series_equal(table["clv"], same_margin["clv"])  # margin clipped to 1
    report = compute_findings(data, horizon_months=36).clv["table"]["clv"]
    workshop = WorkshopData(data, clv_months=36).clv()["clv"]
    pd.testing.assert_series_equal(report.sort_index(), workshop.sort_index(), check_names=False)


def test_holdout_check_on_the_raw_cdnow_log_reproduces_the_published_fit():
    """The 2,357-customer CDNOW cohort, as a raw log: the first 39 weeks give Fader, Hardie &
    Lee's BG/NBD estimates, and the holdout count is the log's own."""
    from clv_data import cdnow_log

    from crm_training.clv import holdout_check

    log = cdnow_log(sample=True)
    check = holdout_check(log.assign(transaction_id=[f"t{i}" for i in range(len(log))]))
    assert check["calibration_end"] == pd.Timestamp("1997-09-30")
    assert check["customers"] == 2357 and check["calibration_weeks"] == pytest.approx(38.857, 1e-3)
    est = check["summary"]["estimate"]
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert est[k] == pytest.approx(v, rel=0.01), k
    # actual: the purchase days of the cohort after the calibration end, counted here by hand
    days = log.drop_duplicates(["customer_id", "timestamp"])
    assert check["actual"] == (days["timestamp"] > pd.Timestamp("1997-09-30")).sum()
    # BG/NBD under-forecasts CDNOW's holdout (the Christmas season) by about a tenth
    assert -0.2 < check["error"] < 0
