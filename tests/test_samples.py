"""The committed sample datasets and data dictionary are exactly what their seeds generate."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from crm_training import schema
from crm_training.fileio import MANIFEST
from crm_training.samples import SAMPLES, write_samples

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def test_datasets_regenerate_identically(tmp_path):
    """The committed samples are what their seeds generate: every file byte for byte, except
    the last digits of the ground truth's derived floats (dropout rates, CLV), which numpy's
    exp/log may round differently on another machine or numpy build (compared to 1e-12)."""
    write_samples(tmp_path / "d")
    new = tmp_path / "d"
    fresh = sorted(p.relative_to(new) for p in new.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DATASETS) for p in DATASETS.rglob("*") if p.is_file())
    assert fresh == committed, ("datasets/ is stale: run "
                                "`crm-training samples --out datasets --force`")
    stale = ("datasets/{} differs from what its seed generates: run "
             "`crm-training samples --out datasets --force`")
    close = set()  # truth files equal up to float rounding: their hashes may differ too
    for rel in fresh:
        a, b = (tmp_path / "d" / rel).read_bytes(), (DATASETS / rel).read_bytes()
        if a == b or rel.name == MANIFEST:
            continue
        assert "truth" in rel.parts and rel.suffix == ".csv", stale.format(rel)
        x, y = pd.read_csv(io.BytesIO(a)), pd.read_csv(io.BytesIO(b))
        pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-12, atol=0,
                                      obj=stale.format(rel))
        assert any(x[c].dtype.kind == "f" and not x[c].equals(y[c]) for c in x), stale.format(rel)
        close.add(rel)
    for rel in (r for r in fresh if r.name == MANIFEST):  # every other hash as committed
        got, want = (json.loads((root / rel).read_text()) for root in (tmp_path / "d", DATASETS))
        for name in (got, want):
            for f in [f for f in name["files"] if _covers(rel, f, close)]:
                name["files"].pop(f)
        assert got == want, stale.format(rel)


def _covers(manifest, name: str, close: set) -> bool:
    """Whether the entry ``name`` of ``manifest`` is (or hashes) a file in ``close``."""
    target = manifest.parent / name
    return target in close or (target.name == MANIFEST and any(
        c.is_relative_to(target.parent) for c in close))


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
