"""Test-only access to the CDNOW data that ship inside the lifetimes 0.11.3 package.

The published BG/NBD, Pareto/NBD and Gamma-Gamma estimates (Fader, Hardie & Lee 2005) were made
on these data, so the CLV tests compare against them; the raw logs (``CDNOW_master.txt``, 23,570
customers, and ``CDNOW_sample.txt``, the 2,357-customer cohort the papers fit) are what a
consultant's export looks like. lifetimes is a test extra (``pip install -e ".[test]"``) whose
files are read from where pip put them: it is never imported (its import breaks on current
setuptools) and is not a dependency of the kit.

Where the files are looked for, in order:
1. the installed lifetimes package (found with importlib, without importing it);
2. the wheel in the environment variable ``CRM_LIFETIMES_WHEEL``;
3. ``tests/.cache/Lifetimes-0.11.3-*.whl`` (git ignores it);
4. otherwise the first test that needs it downloads it there with
   ``python -m pip download --no-deps lifetimes==0.11.3 -d tests/.cache`` (PyPI only). If that
   fails the test fails - never skips - with the command to run.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

CACHE = Path(__file__).resolve().parent / ".cache"
ENV = "CRM_LIFETIMES_WHEEL"
PIP_COMMAND = [sys.executable, "-m", "pip", "download", "--no-deps", "lifetimes==0.11.3",
               "-d", str(CACHE)]
HOW = (f"get it with:  {' '.join(PIP_COMMAND[2:])}  (or set {ENV} to the path of "
       "Lifetimes-0.11.3-py3-none-any.whl)")


def _find() -> Path | None:
    found = sorted(CACHE.glob("[Ll]ifetimes-0.11.3-*.whl"))
    return found[0] if found else None


@lru_cache(maxsize=1)
def lifetimes_wheel() -> Path:
    """Path of the lifetimes 0.11.3 wheel (downloading it with pip if it is missing)."""
    env = os.environ.get(ENV)
    if env:
        if not Path(env).is_file():
            pytest.fail(f"{ENV}={env} does not exist; {HOW}")
        return Path(env)
    path = _find()
    if path is None:
        CACHE.mkdir(exist_ok=True)
        try:
            subprocess.run(PIP_COMMAND, check=True, capture_output=True, text=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            pytest.fail(f"CDNOW test data missing: the lifetimes wheel is not in {CACHE} and "
                        f"pip could not download it ({detail.strip()[-300:]}); {HOW}")
        path = _find()
        if path is None:
            pytest.fail(f"pip ran but no lifetimes wheel appeared in {CACHE}; {HOW}")
    return path


def _installed() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("lifetimes")  # a top-level package: not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "datasets"
    return folder if (folder / "CDNOW_master.txt").is_file() else None


def dataset_bytes(name: str) -> bytes:
    """The bytes of one file of ``lifetimes/datasets`` (installed package, else the wheel)."""
    folder = _installed()
    if folder is not None and not os.environ.get(ENV):
        return (folder / name).read_bytes()
    with zipfile.ZipFile(lifetimes_wheel()) as z:
        return z.read(f"lifetimes/datasets/{name}")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(dataset_bytes(name)))


def cdnow_log(sample: bool = False) -> pd.DataFrame:
    """The raw CDNOW log: customer_id (text, as written: '00001'), timestamp, quantity, amount.

    ``sample=True`` gives the 2,357-customer cohort the published estimates were fitted on.
    """
    if sample:
        names, header = ["customer_id", "cohort_id", "date", "quantity", "amount"], None
    else:
        names, header = ["customer_id", "date", "quantity", "amount"], 0
    name = "CDNOW_sample.txt" if sample else "CDNOW_master.txt"
    df = pd.read_csv(io.BytesIO(dataset_bytes(name)), sep=r"\s+", names=names, header=header,
                     dtype={"customer_id": str, "date": str})
    df["timestamp"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df[["customer_id", "timestamp", "quantity", "amount"]]


def cdnow_summary() -> pd.DataFrame:
    """CDNOW cohort (2,357 customers, weeks): customer_id, frequency, recency, T."""
    df = _read("cdnow_customers_summary.csv")
    return df.rename(columns={"ID": "customer_id"})


def cdnow_with_spend() -> pd.DataFrame:
    """CDNOW cohort with mean spend of repeat purchases: adds monetary_value (zbar)."""
    df = _read("cdnow_customers_summary_with_transactions.csv")
    return df.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency",
                              "zbar": "monetary_value"})


def cdnow_export(folder, sample: bool = False, language: str = "en") -> Path:
    """The CDNOW log as a consultant receives it: ``orders.csv`` with the headers "Customer
    ID, Order Date, Qty, Sales", US dates (MM/DD/YYYY) and "$" amounts (``language="en"``,
    UTF-8), or a GBK file 订单.csv with 客户编号, 订单日期 (2024/1/5), 数量, 金额 (￥)."""
    log = cdnow_log(sample)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if language == "en":
        df = pd.DataFrame({"Customer ID": log["customer_id"],
                           "Order Date": log["timestamp"].dt.strftime("%m/%d/%Y"),
                           "Qty": log["quantity"],
                           "Sales": ["$" + f"{v:,.2f}" for v in log["amount"]]})
        path, encoding = folder / "orders.csv", "utf-8"
    else:
        ts = log["timestamp"]
        df = pd.DataFrame({"客户编号": log["customer_id"],
                           "订单日期": [f"{y}/{m}/{d}" for y, m, d in
                                    zip(ts.dt.year, ts.dt.month, ts.dt.day)],
                           "数量": log["quantity"],
                           "金额": ["￥" + f"{v:.2f}" for v in log["amount"]]})
        path, encoding = folder / "订单.csv", "gbk"
    path.write_bytes(df.to_csv(index=False).encode(encoding))
    return path
