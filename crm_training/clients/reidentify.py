"""The client's side of anonymisation: turn the pseudonyms of a list the consultant sends back
(the workshop's action list, a report's top customers) into the client's own customer ids.

The consultant works on a folder written by ``crm-training validate --anonymise``: every
customer id there is ``C`` + HMAC-SHA256(salt, id). Only whoever holds the salt and the
original exports can go back, so the key is built where the client keeps both, and kept apart
from the list::

    crm-training reidentify actions.xlsx --exports exports/ --salt-file salt.txt --out key.csv

The key holds only the listed customers (pseudonym, customer id), not the whole base.

Examples
--------
>>> import pandas as pd
>>> from crm_training.clients.anonymise import pseudonymise
>>> salt = "0123456789abcdef"
>>> listed = pseudonymise(pd.Series(["A7", "B2"]), salt, "id", "C")
>>> key = reidentification_key(listed, pd.Series(["B2", "A7", "Z9"]), salt)
>>> key["customer_id"].tolist()
['A7', 'B2']
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from .anonymise import _PSEUDO, pseudonymise
from .report import ClientDataError

PSEUDONYM = re.compile(r"^C[0-9a-f]{64}$")


def reidentification_key(pseudonyms, customer_ids, salt) -> pd.DataFrame:
    """``pseudonym`` and ``customer_id`` for each listed pseudonym (``customer_id`` empty when
    none of ``customer_ids`` hashes to it with ``salt``), in the order listed."""
    ids = pd.Series(pd.unique(pd.Series(customer_ids).dropna().astype("str")), dtype="str")
    prefix, suffix = _PSEUDO["customer_id"]
    table = pd.DataFrame({"pseudonym": pseudonymise(ids, salt, "id", prefix, suffix),
                          "customer_id": ids}).drop_duplicates("pseudonym")
    listed = pd.DataFrame({"pseudonym": pd.Series(pseudonyms, dtype="str").to_numpy()})
    return listed.merge(table, on="pseudonym", how="left")


def read_pseudonyms(path, column: str | None = None) -> pd.Series:
    """The pseudonyms of a list file (CSV or XLSX): ``column``, else the first column all of
    whose filled values are pseudonyms."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=str)
    else:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    if column is not None:
        if column not in frame.columns:
            raise ClientDataError(f"{path.name} has no column {column!r} (columns: "
                                  f"{', '.join(map(str, frame.columns))})")
        return frame[column].dropna()
    for c in frame.columns:
        values = frame[c].dropna().astype(str).str.lstrip("'")  # an export's neutralised text
        if len(values) and values.str.fullmatch(PSEUDONYM).all():
            return values
    raise ClientDataError(f"{path.name} holds no column of pseudonyms (C followed by 64 hex "
                          "digits): give --column, or the list from the anonymised data")


def write_key(key: pd.DataFrame, out, inputs=(), force: bool = False) -> Path:
    """Write the key to ``out`` (CSV, or XLSX by its suffix) atomically, never inside an input
    folder and not over an existing file unless ``force``."""
    from ..exports import write_csv, write_xlsx

    out = Path(out).expanduser().resolve()
    for inp in inputs:
        inp = Path(inp).expanduser().resolve()
        if out == inp or (inp.is_dir() and inp in out.parents):
            raise ClientDataError(f"--out {out.name} is inside the client's exports: write "
                                  "the key elsewhere")
    if out.exists() and not force:
        raise ClientDataError(f"--out {out} exists: choose another file or add --force")
    fd, tmp = tempfile.mkstemp(prefix=".key-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        if out.suffix.lower() == ".xlsx":
            write_xlsx(key, tmp, sheet_name="key")
        else:
            write_csv(key, tmp, index=False, encoding="utf-8-sig")
        os.chmod(tmp, 0o600)  # the key re-identifies customers: the owner only
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def run_reidentify(args) -> int:
    """``crm-training reidentify LIST --exports DIR [--salt-file F] --out KEY``."""
    import sys

    from .anonymise import resolve_salt
    from .loader import load_client

    def fail(message: str) -> int:
        print(f"crm-training reidentify: {message}", file=sys.stderr)
        return 2

    try:
        salt, where = resolve_salt(args.salt, args.salt_file)
        if salt is None:
            return fail("give the salt the data were anonymised with (--salt-file FILE or "
                        "CRM_SALT): without it no pseudonym can be traced back")
        if not Path(args.list).is_file():
            return fail(f"no such list file: {args.list}")
        listed = read_pseudonyms(args.list, args.column)
        loaded = load_client(args.exports, args.mapping, progress=False)
        ids = pd.concat([df["customer_id"].astype("str") for df in loaded.data.tables.values()
                         if df is not None and "customer_id" in df.columns], ignore_index=True)
        key = reidentification_key(listed, ids, salt)
        out = write_key(key, args.out, inputs=[args.exports, args.list], force=args.force)
    except ClientDataError as e:
        return fail(str(e))
    except (OSError, ValueError) as e:
        return fail(f"{type(e).__name__}: {getattr(e, 'strerror', None) or e}")
    found = int(key["customer_id"].notna().sum())
    print(f"{found:,} of {len(key):,} listed customers traced back (salt from {where}); the key "
          f"is {out} (readable by you only: keep it apart from the list)")
    if found < len(key):
        print(f"{len(key) - found:,} pseudonyms match no customer of these exports: other "
              "exports or another salt made them", file=sys.stderr)
        return 1
    return 0
