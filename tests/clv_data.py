"""Test-only access to the CDNOW summaries that ship inside the lifetimes 0.11.3 wheel.

The published BG/NBD, Pareto/NBD and Gamma-Gamma estimates (Fader, Hardie & Lee 2005) were made
on these data, so the CLV tests compare against them. The wheel is read as a zip: lifetimes is
never imported (its import breaks on current setuptools) and is not a dependency of the kit.

Where the wheel is looked for, in order:
1. the path in the environment variable ``CRM_LIFETIMES_WHEEL``;
2. ``tests/.cache/Lifetimes-0.11.3-*.whl`` (git ignores it);
3. otherwise the first test that needs it downloads it there with
   ``python -m pip download --no-deps lifetimes==0.11.3 -d tests/.cache`` (PyPI only). If that fails the test fails - never
   skips - with the command to run.
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


def _read(name: str) -> pd.DataFrame:
    with zipfile.ZipFile(lifetimes_wheel()) as z:
        return pd.read_csv(io.BytesIO(z.read(f"lifetimes/datasets/{name}")))


def cdnow_summary() -> pd.DataFrame:
    """CDNOW cohort (2,357 customers, weeks): customer_id, frequency, recency, T."""
    df = _read("cdnow_customers_summary.csv")
    return df.rename(columns={"ID": "customer_id"})


def cdnow_with_spend() -> pd.DataFrame:
    """CDNOW cohort with mean spend of repeat purchases: adds monetary_value (zbar)."""
    df = _read("cdnow_customers_summary_with_transactions.csv")
    return df.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency",
                              "zbar": "monetary_value"})
