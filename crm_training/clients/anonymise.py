"""Anonymise CRM data before anything leaves the consultant's machine.

* Customer ids, names, e-mails and phones become **salted pseudonyms**: a keyed hash (SipHash
  through :func:`pandas.util.hash_pandas_object`, vectorised in C) of the value, written in
  base 36. The same value gets the same pseudonym everywhere in one call, so joins between
  tables still work, and with the same ``salt`` across calls.
* Free text (ticket descriptions, survey comments) is **scrubbed**: e-mail addresses and phone
  numbers become ``[email]`` / ``[phone]``, and the names of the customers in the data become
  ``[name]``.
* Without a ``salt`` a random one is drawn, so the pseudonyms cannot be recomputed by anyone.
  The salt is never stored: not in ``meta``, not in any file the kit writes.

Examples
--------
>>> import pandas as pd
>>> from crm_training.clients.loader import to_crmdata
>>> cust = pd.DataFrame({"customer_id": ["c1", "c2"], "name": ["Ann Lee", "张伟"],
...                      "email": ["ann@x.com", "wei@y.cn"],
...                      "phone": ["555-123-4567", "13812345678"]})
>>> tx = pd.DataFrame({"transaction_id": ["t1"], "customer_id": ["c1"],
...                    "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [9.5]})
>>> anon = anonymise(to_crmdata({"customers": cust, "transactions": tx}), salt="workshop-7")
>>> anon.customers["customer_id"].iloc[0] == anon.transactions["customer_id"].iloc[0]
True
>>> first = anon.customers.iloc[0]
>>> first["email"].endswith("@example.invalid"), "Ann" in first["name"]
(True, False)
>>> scrub_text("Call 13812345678 or mail ann@x.com")
'Call [phone] or mail [email]'
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets

import numpy as np
import pandas as pd

from ..schema import TABLES

EMAIL = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
# phone numbers: 7+ digits with the usual separators, optional country code and extension;
# dates (2024-01-05) and short numbers are left alone
PHONE = (r"(?:\+|00)?(?:\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])?\d{3,4}[\s.-]?\d{4}"
         r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?")
_PHONE_RE = re.compile(PHONE)
_EMAIL_RE = re.compile(EMAIL)
_NAME_CHUNK = 2000  # names per regular expression (keeps each automaton small)


def scrub_text(text: str) -> str:
    """Replace e-mail addresses and phone numbers in one text (used for report examples)."""
    return _PHONE_RE.sub("[phone]", _EMAIL_RE.sub("[email]", text))


def scrub_series(s: pd.Series, names=()) -> pd.Series:
    """Vectorised :func:`scrub_text` for a text column, plus the given names -> ``[name]``.

    Runs on Arrow with RE2 (pyarrow.compute), one pass per pattern over the whole column.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pa.array(s.astype("str"), from_pandas=True)
    a = pc.replace_substring_regex(a, EMAIL, "[email]")
    a = pc.replace_substring_regex(a, PHONE, "[phone]")
    names = sorted({n for n in names if isinstance(n, str) and len(n.strip()) >= 2},
                   key=len, reverse=True)
    for i in range(0, len(names), _NAME_CHUNK):
        pattern = "|".join(re.escape(n) for n in names[i:i + _NAME_CHUNK])
        a = pc.replace_substring_regex(a, pattern, "[name]")
    return pd.Series(a.to_pandas().array, index=s.index, dtype="str")


def _key(salt) -> str:
    if salt is None:
        salt = secrets.token_bytes(16)
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    # hash_pandas_object takes a 16-character key; derive it so any salt length works
    return hashlib.sha256(b"crm_training.anonymise|" + bytes(salt)).hexdigest()[:16]


_ALPHABET = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def _base36(h: np.ndarray, width: int = 12) -> np.ndarray:
    """uint64 hashes -> fixed-width base-36 strings, vectorised."""
    digits = np.empty((len(h), width), dtype=np.uint8)
    h = h.copy()
    for j in range(width - 1, -1, -1):  # loop over digit positions, not rows
        digits[:, j] = _ALPHABET[(h % 36).astype(np.int64)]
        h //= 36
    return digits.view(f"S{width}").ravel().astype(str)


def pseudonymise(s: pd.Series, key: str, prefix: str = "", suffix: str = "") -> pd.Series:
    """Stable keyed pseudonyms of the values of ``s`` (blank stays blank).

    Examples
    --------
    >>> p = pseudonymise(pd.Series(["a", "b", "a"]), key="0123456789abcdef", prefix="C")
    >>> p[0] == p[2], p[0] != p[1], len(p[0])
    (True, True, 13)
    """
    s = s.astype("str")
    h = pd.util.hash_pandas_object(s, index=False, hash_key=key).to_numpy(np.uint64)
    codes = pd.Series(_base36(h), index=s.index)
    return (prefix + codes + suffix).astype("str").where(s.notna())


_PSEUDO = {"customer_id": ("C", ""), "name": ("Name-", ""), "email": ("", "@example.invalid"),
           "phone": ("Tel-", "")}


def anonymise(data, salt=None, ids: bool = True):
    """A copy of ``data`` without personal data; joins between tables still work.

    Parameters
    ----------
    data : :class:`crm_training.CRMData`.
    salt : str or bytes; the same salt gives the same pseudonyms (e.g. to anonymise several
        exports of one client consistently). None draws a random salt. Never stored.
    ids : also pseudonymise ``customer_id`` (in every table and in ``truth``); client ids are
        often phone or card numbers.

    Returns
    -------
    CRMData whose ``meta["anonymised"]`` lists what was replaced (never the salt).
    """
    from ..data import CRMData

    key = _key(salt)
    cust = data.customers.copy()
    names = cust["name"].dropna().unique().tolist() if "name" in cust else []
    for col in ("name", "email", "phone"):
        if col in cust.columns:
            prefix, suffix = _PSEUDO[col]
            cust[col] = pseudonymise(cust[col], key, prefix, suffix)
    tables = {"customers": cust}
    scrubbed = []
    for tname, t in TABLES.items():
        if tname == "customers":
            continue
        df = getattr(data, tname).copy()
        for c in t.columns:
            if c.pii and c.name in df.columns and c.dtype == "string":
                df[c.name] = scrub_series(df[c.name], names)
                scrubbed.append(f"{tname}.{c.name}")
        tables[tname] = df
    truth = dict(data.truth)
    if ids:
        for df in tables.values():
            if "customer_id" in df.columns:
                df["customer_id"] = pseudonymise(df["customer_id"], key, *_PSEUDO["customer_id"])
        for k, v in truth.items():
            if isinstance(v, pd.DataFrame) and "customer_id" in v.columns:
                v = v.copy()
                v["customer_id"] = pseudonymise(v["customer_id"], key, *_PSEUDO["customer_id"])
                truth[k] = v
    meta = dict(data.meta)
    meta["anonymised"] = {
        "method": "salted keyed hash (SipHash) pseudonyms; e-mails, phones and names in free "
                  "text replaced",
        "pseudonymised": [f"customers.{c}" for c in ("name", "email", "phone")]
                         + (["customer_id (all tables)"] if ids else []),
        "scrubbed": scrubbed,
        "salt": "given (not stored)" if salt is not None else "random (not stored)",
    }
    fields = {f.name for f in dataclasses.fields(CRMData)}
    return CRMData(**{k: v for k, v in tables.items() if k in fields}, truth=truth, meta=meta)
