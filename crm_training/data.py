"""`CRMData`: the container every analysis in the kit takes, for synthetic and client data alike.

Chapter 00 introduces it; every other chapter starts from one. The ground truth of synthetic data
sits in ``truth``, apart from the tables a trainee analyses.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .exports import restore_formulas, write_csv
from .fileio import atomic_output_dir
from .schema import TABLES, TRUTH_TABLES, conform

FORMATS = ("parquet", "csv")


@dataclass
class CRMData:
    """The CRM tables of one company: customers, transactions and the contacts around them.

    Attributes are pandas DataFrames with the columns of :data:`crm_training.schema.TABLES`;
    ``truth`` (synthetic data only) maps truth-table names to DataFrames, and ``meta`` records
    where the data came from (industry, seed, locale, currency, period).

    Examples
    --------
    >>> import crm_training
    >>> data = crm_training.generate("retail", n_customers=200, seed=1)
    >>> len(data.customers)
    200
    >>> sorted(data.tables)[:2]
    ['customers', 'experiments']
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    interactions: pd.DataFrame = None
    tickets: pd.DataFrame = None
    surveys: pd.DataFrame = None
    loyalty_events: pd.DataFrame = None
    web_events: pd.DataFrame = None
    experiments: pd.DataFrame = None
    truth: dict = field(default_factory=dict, repr=False)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, table in TABLES.items():
            df = getattr(self, name)
            if df is None:
                df = pd.DataFrame({c: [] for c in table.names})
            setattr(self, name, conform(df, table))

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The analysable tables by name (truth excluded)."""
        return {name: getattr(self, name) for name in TABLES}

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike, format: str = "parquet", overwrite: bool = False) -> Path:
        """Write every table (and ``truth/``) to a new folder, atomically.

        Parameters
        ----------
        path : target folder; must be absent or empty; ``overwrite`` replaces a folder that
            the kit wrote before (never any other: see :mod:`crm_training.fileio`).
        format : ``"parquet"`` (typed, compact) or ``"csv"`` (UTF-8, readable anywhere; text
            cells that a spreadsheet would run as formulas start with an apostrophe, which
            :func:`load` removes again).
        """
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        with atomic_output_dir(path, force=overwrite, kind="dataset") as tmp:
            for name, df in self.tables.items():
                _write(df, tmp / f"{name}.{format}", format)
            if self.truth:
                (tmp / "truth").mkdir()
                for name, df in self.truth.items():
                    if isinstance(df, pd.DataFrame):
                        _write(df, tmp / "truth" / f"{name}.{format}", format)
                    else:
                        (tmp / "truth" / f"{name}.json").write_text(
                            json.dumps(df, indent=2, sort_keys=True, default=str), encoding="utf-8")
            meta = dict(self.meta, format=format)
            if format == "csv":  # load() takes the apostrophes of exports.neutralise_formulas off
                meta["csv_formulas"] = "neutralised"
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str),
                                           encoding="utf-8")
        return Path(path)

    # ---------------------------------------------------------------- overview
    def summary(self) -> str:
        """A readable overview: period, size of every table and headline figures."""
        m = self.meta
        tx = self.transactions
        is_return = tx["is_return"].fillna(tx["amount"] < 0).astype(bool)
        sales = tx.loc[~is_return]
        lines = []
        title = m.get("company") or m.get("industry", "CRM data")
        lines.append(f"{title} ({m.get('industry', 'client')}, locale {m.get('locale', '?')}, "
                     f"seed {m.get('seed', '-')})")
        if len(tx):
            lines.append(f"Period: {tx['timestamp'].min():%Y-%m-%d} to {tx['timestamp'].max():%Y-%m-%d}")
        lines.append("")
        lines.append(f"{'table':<16}{'rows':>12}  {'columns':>7}")
        for name, df in self.tables.items():
            lines.append(f"{name:<16}{len(df):>12,}  {df.shape[1]:>7}")
        lines.append("")
        cur = m.get("currency", "")
        n = len(self.customers)
        if len(sales):
            revenue = tx["amount"].sum()
            has_cost = tx["cost"].notna().any()
            value = (tx["amount"] - tx["cost"]) if has_cost else tx["amount"]
            what = "profit" if has_cost else "revenue"
            per_cust = value.groupby(tx["customer_id"]).sum().sort_values(ascending=False)
            k = max(1, int(round(0.2 * max(n, per_cust.size))))
            total = per_cust.sum()
            share = per_cust.iloc[:k].sum() / total if total else float("nan")
            lines.append(f"Net revenue        {revenue:>16,.0f} {cur}")
            if has_cost:
                lines.append(f"Profit             {value.sum():>16,.0f} {cur}")
            lines += [
                f"Orders             {len(sales):>16,}  ({is_return.mean():.1%} of rows are returns)",
                f"Average order      {sales['amount'].mean():>16,.2f} {cur}",
                f"Orders / customer  {len(sales) / max(n, 1):>16.2f}",
                f"Top 20% customers  {share:>16.1%} of {what}",
            ]
        if len(self.surveys):
            s = self.surveys
            nps = 100 * ((s["nps"] >= 9).mean() - (s["nps"] <= 6).mean())
            lines.append(f"NPS                {nps:>16.1f}")
            lines.append(f"CSAT (mean 1-5)    {s['csat'].astype(float).mean():>16.2f}")
        if n and self.customers["loyalty_member"].notna().all():
            lines.append(f"Loyalty members    {self.customers['loyalty_member'].mean():>16.1%}")
        if self.truth:
            lines.append("")
            lines.append("Ground truth kept apart in .truth: " + ", ".join(sorted(self.truth)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v):,}" for k, v in self.tables.items())
        return f"CRMData({self.meta.get('industry', 'client')}: {sizes})"


def _write(df: pd.DataFrame, path: Path, format: str) -> None:
    if format == "parquet":
        df.to_parquet(path, index=False)
    else:
        write_csv(df, path, index=False, date_format="%Y-%m-%d %H:%M:%S")


def _read(path: Path, format: str, restore: bool = False) -> pd.DataFrame:
    if format == "parquet":
        return pd.read_parquet(path)
    df = pd.read_csv(path, keep_default_na=True, na_values=[""], low_memory=False)
    return restore_formulas(df) if restore else df


def load(path: str | os.PathLike) -> CRMData:
    """Load a dataset folder written by :meth:`CRMData.save` (parquet or csv), or the folder
    of a checked client export (``crm-training validate ... --out DIR``: its ``tables/``).

    Examples
    --------
    >>> import crm_training, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "shop"
    >>> _ = crm_training.generate("retail", 100, seed=3).save(out)
    >>> crm_training.load(out).customers.shape[0]
    100
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a dataset folder (expected the folder that "
                                "CRMData.save wrote)")
    if not (path / "meta.json").exists():  # a checked client folder (validate --out)
        for sub in ("tables", "data"):
            if (path / sub / "meta.json").is_file():
                path = path / sub
                break
    meta_file = path / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    format = meta.get("format") or ("parquet" if (path / "customers.parquet").exists() else "csv")
    restore = meta.pop("csv_formulas", None) == "neutralised"
    tables = {}
    for name in TABLES:
        f = path / f"{name}.{format}"
        if f.exists():
            tables[name] = _read(f, format, restore)
        elif name in ("customers", "transactions"):
            raise FileNotFoundError(f"{path} has no {name}.{format}")
    truth = {}
    tdir = path / "truth"
    if tdir.is_dir():
        for f in sorted(tdir.iterdir()):
            if f.suffix == ".json":
                truth[f.stem] = json.loads(f.read_text(encoding="utf-8"))
            elif f.suffix == f".{format}":
                df = _read(f, format, restore)
                if f.stem in TRUTH_TABLES:
                    df = conform(df, TRUTH_TABLES[f.stem])
                truth[f.stem] = df
    return CRMData(**tables, truth=truth, meta=meta)
