"""The committed sample datasets and data dictionary are exactly what their seeds generate."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_training import schema
from crm_training.samples import SAMPLES, write_samples

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def test_datasets_regenerate_identically(tmp_path):
    write_samples(tmp_path / "d")
    fresh = sorted(p.relative_to(tmp_path / "d") for p in (tmp_path / "d").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DATASETS) for p in DATASETS.rglob("*") if p.is_file())
    assert fresh == committed, "datasets/ is stale: run `crm-training samples --out datasets --force`"
    for rel in fresh:
        assert (tmp_path / "d" / rel).read_bytes() == (DATASETS / rel).read_bytes(), (
            f"datasets/{rel} differs from what its seed generates: run "
            "`crm-training samples --out datasets --force`")


def test_data_dictionary_covers_every_column():
    dd = pd.read_csv(DATASETS / "data_dictionary.csv", keep_default_na=False)
    for name, table in schema.TABLES.items():
        rows = dd[dd["table"] == name]
        assert rows["column"].tolist() == table.names
        assert (rows["label_zh"].str.len() > 0).all() and (rows["meaning"].str.len() > 0).all()
    for name in SAMPLES:
        header = (DATASETS / name / "transactions.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == schema.TABLES["transactions"].names
    # every code used in the data has a Chinese label
    codes = {lv for t in schema.TABLES.values() for c in t.columns if c.levels for lv in c.levels}
    assert codes <= set(schema.CODE_LABELS_ZH)
