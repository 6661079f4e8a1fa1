"""One definition, several engines: pandas (a frame in memory), DuckDB (files) and Spark give the
same summaries - on generated data, on random logs with returns, ties and single purchases, on
the real CDNOW log, and through ``crm-training summarise``."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crm_training
from crm_training.cli import main
from crm_training.clv import rfm_summary, rfm_train_test_split
from crm_training.engines import kpi_periods
from crm_training.evaluation import kpi_comparison
from crm_training.segmentation import concentration_summary, customer_features

PERIODS = [("2024-01-01", "2025-01-01"), ("2025-01-01", "2026-01-01")]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal tables: counts and periods exactly, sums to 1e-9 (engines add in other orders)."""
    pd.testing.assert_frame_equal(a.reset_index(drop=isinstance(a.index, pd.RangeIndex)),
                                  b.reset_index(drop=isinstance(b.index, pd.RangeIndex)),
                                  check_dtype=False, check_index_type=False, rtol=1e-9)


@pytest.fixture(scope="module")
def retail():
    return crm_training.generate("retail", 700, seed=11, progress=False)


@pytest.fixture(scope="module")
def folder(retail, tmp_path_factory):
    path = tmp_path_factory.mktemp("engines") / "retail"
    retail.save(path, format="parquet")
    return path


def random_log(seed: int) -> pd.DataFrame:
    """Hostile small log: ties within a day, single-purchase customers, returns linked to
    their order or not, full refunds, zero amounts, a time zone."""
    rng = np.random.default_rng(seed)
    n, nc = int(rng.integers(5, 250)), int(rng.integers(1, 30))
    df = pd.DataFrame({
        "customer_id": rng.choice([f"c{i:02d}" for i in range(nc)], n),
        "timestamp": pd.Timestamp("2024-03-01")
        + pd.to_timedelta(rng.integers(0, 120, n) * 24 + rng.integers(0, 3, n), unit="h"),
        "amount": rng.choice([0.0, 5.0, 12.5, 30.0, 99.99], n)})
    ret = rng.random(n) < 0.25
    df.loc[ret, "amount"] = -df.loc[ret, "amount"].abs()
    df["is_return"] = ret
    df["transaction_id"] = [f"t{i}" for i in range(n)]
    df["original_transaction_id"] = pd.Series([None] * n, dtype=object)
    buys = np.flatnonzero(~ret)
    link = np.flatnonzero(ret & (rng.random(n) < 0.6))
    if len(buys) and len(link):
        orig = rng.choice(buys, len(link))
        df.loc[link, "original_transaction_id"] = df["transaction_id"].to_numpy()[orig]
        df.loc[link, "customer_id"] = df["customer_id"].to_numpy()[orig]
        df.loc[link, "amount"] = -df["amount"].to_numpy()[orig]  # full refunds
    return df


def test_files_on_duckdb_equal_frames_in_memory(retail, folder):
    tx = retail.transactions
    for kw in ({}, {"time_unit": "W"}, {"time_unit": "M", "returns": "exclude"},
               {"observation_period_end": "2025-06-30"}):
        same(rfm_summary(tx, **kw), rfm_summary(folder, **kw))
    same(rfm_train_test_split(tx, "2025-01-01"), rfm_train_test_split(folder, "2025-01-01"))
    same(customer_features(tx), customer_features(folder))
    same(kpi_periods(retail, PERIODS), kpi_periods(folder, PERIODS))
    # a CSV of the same log, read by DuckDB with its own type detection
    csv = folder.parent / "tx.csv"
    tx.to_csv(csv, index=False)
    same(rfm_summary(tx), rfm_summary(csv))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), unit=st.sampled_from(["D", "W", "M", "h"]),
       returns=st.sampled_from(["net", "exclude"]))
def test_random_logs_frame_and_parquet_agree(tmp_path_factory, seed, unit, returns):
    df = random_log(seed)
    path = tmp_path_factory.mktemp("log") / "log.parquet"
    df.to_parquet(path)
    same(rfm_summary(df, time_unit=unit, returns=returns),
         rfm_summary(path, time_unit=unit, returns=returns))
    cut = "2024-05-01"
    if (df["timestamp"] <= cut).any() and not (df["timestamp"] > pd.Timestamp(cut)).all():
        try:
            a = rfm_train_test_split(df, cut, time_unit=unit, returns=returns)
        except ValueError as e:  # nothing kept before the cut: the file says the same
            with pytest.raises(ValueError, match=str(e)[:30]):
                rfm_train_test_split(path, cut, time_unit=unit, returns=returns)
        else:
            same(a, rfm_train_test_split(path, cut, time_unit=unit, returns=returns))


def test_a_log_larger_than_duckdbs_memory_cap_is_summarised_by_spilling(tmp_path):
    """With a memory cap far below the work's size DuckDB spills to its own temporary folder
    (never the input's) and gives the in-memory result."""
    rng = np.random.default_rng(5)
    n = 1_500_000
    df = pd.DataFrame({"customer_id": pd.array(np.char.add("C", rng.integers(0, 400_000, n)
                                                          .astype(str)), dtype="str"),
                       "timestamp": (pd.Timestamp("2023-01-01").value
                                     + rng.integers(0, 700, n) * 86_400_000_000_000)
                       .astype("datetime64[ns]"),
                       "amount": rng.gamma(2.0, 20.0, n).round(2)})
    inputs = tmp_path / "export"
    inputs.mkdir()
    df.to_parquet(inputs / "transactions.parquet")
    before = sorted(p.name for p in inputs.iterdir())
    small = rfm_summary(inputs, memory_limit="80MB")
    assert sorted(p.name for p in inputs.iterdir()) == before  # nothing written beside it
    same(small, rfm_summary(df))
    with pytest.raises(ValueError, match="memory limit must look like"):
        rfm_summary(inputs, memory_limit="lots")


def test_concentration_and_kpis_take_the_engine(retail, folder):
    a = concentration_summary(retail)
    assert a.loc["top 20%", "revenue"] > 0.5  # the generator's heavy-tailed spend
    same(kpi_comparison(retail, *PERIODS).drop(columns=["label_zh", "improved"]),
         kpi_comparison(folder, *PERIODS).drop(columns=["label_zh", "improved"]))


def test_cdnow_on_duckdb_equals_pandas(tmp_path):
    lifetimes = pytest.importorskip("lifetimes")  # noqa: F841 - the wheel ships the log
    from tests.clv_data import cdnow_log

    log = cdnow_log(sample=True)
    path = tmp_path / "cdnow.parquet"
    log.to_parquet(path)
    a = rfm_summary(log, time_unit="D", time_scaler=7, observation_period_end="1998-06-30")
    b = rfm_summary(path, time_unit="D", time_scaler=7, observation_period_end="1998-06-30")
    same(a, b)
    assert len(a) == 2357  # the CDNOW 1/10th sample's customers


def test_engine_errors_are_clear(tmp_path, retail):
    with pytest.raises(ValueError, match="engine must be one of"):
        rfm_summary(retail.transactions, engine="polars")
    with pytest.raises(ValueError, match="for a file use engine='duckdb'"):
        rfm_summary(tmp_path, engine="pandas")
    with pytest.raises(FileNotFoundError, match="no such file"):
        rfm_summary(tmp_path / "missing.parquet")
    (tmp_path / "notes.xlsx").write_bytes(b"")
    with pytest.raises(ValueError, match="Parquet or CSV"):
        rfm_summary(tmp_path / "notes.xlsx")
    bad = retail.transactions.assign(timestamp=retail.transactions["timestamp"].astype(str))
    bad.loc[bad.index[:3], "timestamp"] = "not a date"
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="3 missing or unreadable timestamp"):
        rfm_summary(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="needs a DataFrame"):
        rfm_summary(tmp_path / "bad.parquet", sort=False)


def test_summarise_command_writes_parquet_and_never_into_its_input(folder, tmp_path, capsys):
    out = tmp_path / "summary"
    assert main(["summarise", str(folder), "--out", str(out), "--quiet"]) == 0
    rfm = pd.read_parquet(out / "rfm_summary.parquet")
    feats = pd.read_parquet(out / "customer_features.parquet")
    conc = pd.read_parquet(out / "concentration.parquet")
    tx = pd.read_parquet(folder / "transactions.parquet")
    same(rfm, rfm_summary(tx))
    same(feats, customer_features(tx))
    assert list(conc.index) == ["top 1%", "top 5%", "top 10%", "top 20%", "top 50%", "gini"]
    # the pandas engine reads the file into memory and writes the same summaries
    out2 = tmp_path / "summary2"
    assert main(["summarise", str(folder / "transactions.parquet"), "--out", str(out2),
                 "--engine", "pandas", "--what", "rfm", "--quiet"]) == 0
    same(pd.read_parquet(out2 / "rfm_summary.parquet"), rfm)
    assert not (out2 / "customer_features.parquet").exists()
    before = sorted(p.name for p in folder.iterdir())
    capsys.readouterr()
    assert main(["summarise", str(folder), "--out", str(folder / "s"), "--quiet"]) == 2
    assert "inside the input" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert main(["summarise", str(folder), "--out", str(out), "--quiet"]) == 2  # exists
    assert main(["summarise", str(folder), "--out", str(out), "--quiet", "--force"]) == 0
    assert main(["summarise", str(tmp_path / "nope"), "--out", str(tmp_path / "x"),
                 "--quiet"]) == 2
    assert main(["summarise", str(folder), "--out", str(tmp_path / "y"), "--what", "clv",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "what must be some of" in err and "Traceback" not in err


# -- Spark ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spark():
    """A local[2] Spark session; skipped without PySpark or Java, failed when CI or
    CRM_REQUIRE_SPARK demands Spark."""
    required = os.environ.get("CI") or os.environ.get("CRM_REQUIRE_SPARK")
    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "PySpark is not installed (pip install 'crm-training[spark]')"
    if reason is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        reason = "no Java (apt-get install openjdk-17-jre-headless)"
    if reason:
        if required:
            pytest.fail(f"{reason}, but CI/CRM_REQUIRE_SPARK demands Spark")
        pytest.skip(reason)
    from crm_training.engines import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def test_spark_gives_the_same_summaries(spark, retail, folder):
    tx = retail.transactions
    same(rfm_summary(tx), rfm_summary(tx, engine="spark", spark=spark))
    same(rfm_summary(tx, time_unit="W"), rfm_summary(folder, engine="spark", spark=spark,
                                                     time_unit="W"))
    same(rfm_train_test_split(tx, "2025-01-01"),
         rfm_train_test_split(tx, "2025-01-01", engine="spark", spark=spark))
    same(customer_features(tx), customer_features(tx, engine="spark", spark=spark))
    same(kpi_periods(retail, PERIODS), kpi_periods(retail, PERIODS, engine="spark",
                                                   spark=spark))
    ids = retail.customers["customer_id"].iloc[::3]
    same(kpi_periods(retail, PERIODS, customer_ids=ids),
         kpi_periods(retail, PERIODS, customer_ids=ids, engine="spark", spark=spark))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_spark_on_hostile_logs(spark, seed):
    df = random_log(seed)
    for unit in ("D", "h"):
        same(rfm_summary(df, time_unit=unit),
             rfm_summary(df, time_unit=unit, engine="spark", spark=spark))


def test_spark_reads_a_csv_file(spark, retail, tmp_path):
    path = tmp_path / "tx.csv"
    retail.transactions.to_csv(path, index=False)
    same(rfm_summary(retail.transactions), rfm_summary(path, engine="spark", spark=spark))


def test_summarise_on_spark(spark, folder, tmp_path, monkeypatch):
    import crm_training.engines.backend as backend

    monkeypatch.setattr(backend, "spark_session", lambda master=None: spark)
    out = tmp_path / "s"
    assert main(["summarise", str(folder), "--out", str(out), "--engine", "spark",
                 "--master", "local[2]", "--quiet"]) == 0
    tx = pd.read_parquet(Path(folder) / "transactions.parquet")
    same(pd.read_parquet(out / "rfm_summary.parquet"), rfm_summary(tx))


def test_hostile_files_get_one_line_refusals_and_ids_stay_text(tmp_path, capsys):
    """What a tester brought: leading-zero ids on every engine, unreadable timestamps and
    missing amounts refused (never rows dropped in silence), an end before all purchases, a
    transactions-only folder's KPIs, an output beside the input file."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "lead.csv").write_text("customer_id,timestamp,amount\n00012,2024-01-01,5\n"
                                  "00012,2024-01-09,7\n00003,2024-01-02,4\n", encoding="utf-8")
    for engine in ("duckdb", "pandas"):
        out = tmp_path / f"o_{engine}"
        assert main(["summarise", str(src / "lead.csv"), "--out", str(out), "--engine", engine,
                     "--quiet"]) == 0
        assert pd.read_parquet(out / "rfm_summary.parquet")["customer_id"].tolist() == \
            ["00003", "00012"]
        assert list(pd.read_parquet(out / "customer_features.parquet").index) == \
            ["00003", "00012"]
    capsys.readouterr()
    (src / "mixed.csv").write_text("customer_id,timestamp,amount\nA,2024-01-01,1\nA,soon,2\n",
                                   encoding="utf-8")
    (src / "nan.csv").write_text("customer_id,timestamp,amount\nA,2024-01-01,\nB,2024-01-02,3\n",
                                 encoding="utf-8")
    for name, words in (("mixed.csv", "unreadable timestamp"), ("nan.csv", "missing")):
        assert main(["summarise", str(src / name), "--out", str(tmp_path / "x"), "--quiet",
                     "--what", "features"]) == 2
        assert words in capsys.readouterr().err
    assert main(["summarise", str(src / "lead.csv"), "--out", str(tmp_path / "e"), "--quiet",
                 "--end", "2023-01-01"]) == 2
    checked = tmp_path / "checked"
    (checked / "tables").mkdir(parents=True)
    (checked / "tables" / "transactions.parquet").write_bytes(
        (tmp_path / "o_duckdb" / "rfm_summary.parquet").read_bytes())
    assert main(["summarise", str(checked / "tables" / "transactions.parquet"), "--out",
                 str(checked / "validation" / "s"), "--quiet"]) == 2
    assert main(["summarise", str(src / "lead.csv"), "--out", str(tmp_path / "m"), "--quiet",
                 "--memory-limit", "lots"]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "input" in err and "--memory-limit" in err
    assert not (tmp_path / "e").exists() and not (checked / "validation").exists()
    only_tx = tmp_path / "tx_only"
    only_tx.mkdir()
    pd.read_csv(src / "lead.csv", dtype={"customer_id": str}, parse_dates=["timestamp"]).assign(
        cost=1.0, is_return=False).to_parquet(only_tx / "transactions.parquet")
    k = kpi_periods(only_tx, [("2024-01-01", "2024-02-01")]).iloc[:, 0]
    assert np.isnan(k["nps"]) and k["aov"] == pytest.approx(16 / 3)
