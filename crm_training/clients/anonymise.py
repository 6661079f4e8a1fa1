"""Anonymise CRM data before anything leaves the consultant's machine.

* **Pseudonyms.** Customer ids (in every table and in ``truth``), names, e-mails and phones
  become keyed hashes: HMAC-SHA256 keyed with the salt, full length (64 hex digits, all 256
  bits), of the *normalised* value after its kind::

      hmac.new(salt.encode(), b"phone:" + b"13812345678", hashlib.sha256).hexdigest()

  written as ``C<hex>`` (ids), ``Name-<hex>``, ``<hex>@example.invalid`` and ``Tel-<hex>``.
  The same value gets the same pseudonym in every table, so joins still work. Values are
  normalised first, so that two exports of one client join even where the spelling differs:

  - phone: digits only (full-width digits too); a country code +86 / 0086 / 86 is dropped (a
    landline then keeps its trunk 0: "+86 10 1234 5678" is "010-12345678"), so is +1 / 001;
    an extension stays as ``x123``. "+86 138 1234 5678", "138-1234-5678" and "13812345678"
    are one phone. Other country codes are kept as written (no trunk-zero rules);
  - e-mail: NFKC (full-width ＠ and ．), trimmed, lower case;
  - name: NFKC, trimmed, inner spaces collapsed, lower case;
  - customer id: exactly as written (ids are keys: two spellings are two customers).

  Only the distinct normalised values are hashed (about 1 µs each).
* **Salt.** The same salt gives the same pseudonyms in every call, so the January and the
  February export of a client join (``anonymise(data, salt=...)``; on the command line
  ``--salt-file FILE`` or the environment variable ``CRM_SALT``, see :func:`resolve_salt`). It
  must be at least :data:`MIN_SALT_LENGTH` characters: whoever knows or guesses the salt can hash
  every possible phone number and so reverse the pseudonyms; keep it secret and apart from the
  outputs. Without a salt a random one is drawn: the pseudonyms then match no other export. The
  salt is never stored: not in ``meta``, not in any file or message the kit writes.
* **Free text.** Every free-text column of every table (ticket descriptions, survey comments,
  and the text columns the model does not class as personal: city, region, a transaction's
  category; a row shifted one cell in Excel puts phones and e-mails there) and every example
  a redacted report shows are scrubbed with the full scrubber of :mod:`.scrubbing`: e-mails,
  phones, ID-card numbers, QQ and WeChat ids and addresses become ``[email]``, ``[phone]``,
  ``[id]``, ``[qq]``, ``[wechat]``, ``[address]``, and names ``[name]`` (the customers' names in
  any case and order, and a Chinese name glued to a phone). Dates, amounts and order numbers
  are kept. Only the distinct values of a column are scrubbed.
* **Other ids.** An id column (``transaction_id``, ``ticket_id`` ...) is kept as it is, unless
  one of its values holds a phone, an e-mail or an ID-card number: then every value of the id
  is pseudonymised (``ID-<hex>``, HMAC of ``<id name>:<value>``), in every column that refers
  to it, so that joins such as ``original_transaction_id`` -> ``transaction_id`` or
  ``loyalty_events.transaction_id`` still work (:data:`ID_FAMILIES`).
* **Meta.** The file names and the path in ``meta`` (``files``, ``path``) are replaced by their
  labels (:func:`file_labels`: "orders.csv" stays, "张伟_13812345678_订单.csv" becomes
  "file 1.csv").
* **Header guesses.** When a file has no header its first data row is read as the header, and
  its cells appear in messages ("columns found: ..."). Redacted reports show only the header
  cells that are known column names (of the data model or their synonyms) as they are; every
  other one is "column 3" (:func:`header_labels`), in messages, examples, sources and the
  ignored lists (:class:`Redactor`, used by :meth:`ClientLoad.to_text(redact=True)
  <.loader.ClientLoad>` and everything ``save(anonymise=True)`` writes). File names that are not
  made of known words become "file 2.csv", exception texts are dropped, and a quoted value
  that is not a column name, a date or an amount becomes ``[redacted]``.

Examples
--------
>>> import pandas as pd
>>> from crm_training.clients.loader import to_crmdata
>>> cust = pd.DataFrame({"customer_id": ["c1", "c2"], "name": ["Ann Lee", "张伟"],
...                      "email": ["ann@x.com", "wei@y.cn"],
...                      "phone": ["555-123-4567", "+86 138 1234 5678"]})
>>> tx = pd.DataFrame({"transaction_id": ["t1"], "customer_id": ["c1"],
...                    "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [9.5]})
>>> salt = "workshop-7-of-client-acme"
>>> anon = anonymise(to_crmdata({"customers": cust, "transactions": tx}), salt=salt)
>>> anon.customers["customer_id"].iloc[0] == anon.transactions["customer_id"].iloc[0]
True
>>> first = anon.customers.iloc[0]
>>> first["email"].endswith("@example.invalid"), "Ann" in first["name"], len(first["phone"])
(True, False, 68)
>>> import hashlib, hmac
>>> anon.customers["phone"].iloc[1] == "Tel-" + hmac.new(
...     salt.encode(), b"phone:13812345678", hashlib.sha256).hexdigest()
True
>>> scrub_text("Call 138 1234 5678 or mail ann at example dot com, order A1234 of ¥1,234.50")
'Call [phone] or mail [email], order A1234 of ¥1,234.50'
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import secrets
import stat
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import TABLES
from .report import ClientDataError
from .scrubbing import (SCRUB_RULES, NameSet, _scrub_array, looks_personal,  # noqa: F401
                        scrub_many, scrub_series, scrub_text)  # (scrub_*: re-exported)

MIN_SALT_LENGTH = 16  # characters; a shorter salt can be guessed, and every pseudonym with it
SALT_ENV = "CRM_SALT"

# --------------------------------------------------------------------------- salt
def check_salt(salt, source: str = "the salt") -> bytes:
    """The salt as the HMAC key; :class:`ClientDataError` (one line, never the salt itself)
    when it is empty or shorter than :data:`MIN_SALT_LENGTH` characters.

    Examples
    --------
    >>> check_salt("a-long-enough-salt-123") == b"a-long-enough-salt-123"
    True
    >>> try:
    ...     check_salt("abc")
    ... except ClientDataError as e:
    ...     print(e)
    the salt is too short: use at least 16 random characters (a short salt can be guessed, and
    with it every pseudonym reversed)
    """
    if isinstance(salt, str):
        key, size = salt.encode("utf-8"), len(salt.strip())
    elif isinstance(salt, (bytes, bytearray, memoryview)):
        key = bytes(salt)
        size = len(key.strip())
    else:
        raise ClientDataError(f"{source} must be text, not {type(salt).__name__}")
    if size == 0:
        raise ClientDataError(f"{source} is empty: use at least {MIN_SALT_LENGTH} random "
                              "characters")
    if size < MIN_SALT_LENGTH:
        raise ClientDataError(f"{source} is too short: use at least {MIN_SALT_LENGTH} random "
                              "characters (a short salt can be guessed, and with it every "
                              "pseudonym reversed)")
    return key


MAX_SALT_FILE = 4096  # bytes: a salt is a line of text


def resolve_salt(salt=None, salt_file=None, environ=None):
    """The salt of ``crm-training validate --anonymise``: ``--salt``, else ``--salt-file``
    (its text, surrounding white space and a byte-order mark removed: Notepad writes one),
    else ``$CRM_SALT``, else None (random).

    Returns ``(salt, where)``, ``where`` naming the source ("--salt", "--salt-file", "CRM_SALT"
    or "random"). Raises :class:`ClientDataError` for an unreadable file or a weak salt; no
    message holds the salt.

    Examples
    --------
    >>> resolve_salt(environ={"CRM_SALT": " 0123456789abcdefXYZ\\n"})
    ('0123456789abcdefXYZ', 'CRM_SALT')
    >>> resolve_salt(environ={})
    (None, 'random')
    """
    if salt is not None:
        check_salt(salt, "--salt")
        return salt, "--salt"
    if salt_file is not None:
        path = Path(salt_file)
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SALT_FILE:
                # a pipe or a device (/dev/zero) would be read forever
                raise ClientDataError(f"--salt-file {path} is not a small text file holding "
                                      "the salt")
            text = _salt_text(path.read_bytes())
        except ClientDataError:
            raise
        except FileNotFoundError:
            raise ClientDataError(f"--salt-file {path} does not exist") from None
        except (OSError, UnicodeDecodeError, ValueError):
            raise ClientDataError(f"--salt-file {path} cannot be read as UTF-8 text") from None
        check_salt(text, f"the salt in {path.name}")
        return text, "--salt-file"
    environ = os.environ if environ is None else environ
    if SALT_ENV in environ:
        text = environ[SALT_ENV].strip().lstrip("\ufeff").strip()  # $(cat salt.txt): BOM
        check_salt(text, SALT_ENV)
        return text, SALT_ENV
    return None, "random"


def _salt_text(raw: bytes) -> str:
    """The salt in a file's bytes: UTF-8 (a BOM dropped, as ``utf-8-sig`` does) or UTF-16
    with its BOM; surrounding white space (the final newline) removed.

    Examples
    --------
    >>> _salt_text(b"\\xef\\xbb\\xbf0123456789abcdef\\r\\n")
    '0123456789abcdef'
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8-sig")
    return text.strip().lstrip("\ufeff").strip()


# --------------------------------------------------------------------- pseudonyms
def _pa(values):
    import pyarrow as pa

    return pa.array(values, type=pa.string(), from_pandas=True)


def _text(a) -> pd.Series:
    return pd.Series(a.to_pandas().array, dtype="str")


def normalise_phone(values) -> pd.Series:
    """Phones in one spelling: digits only, +86 / 0086 / +1 dropped, extension as ``x123``.

    Examples
    --------
    >>> normalise_phone(["+86 138 1234 5678", "138-1234-5678", "(0086)13812345678",
    ...                  "１３８１２３４５６７８", "+86 10 1234 5678", "010-12345678",
    ...                  "+1 (555) 123-4567 ext. 12", "n/a"]).tolist()
    ['13812345678', '13812345678', '13812345678', '13812345678', '01012345678', '01012345678',
     '5551234567x12', nan]
    """
    import pyarrow.compute as pc

    a = pc.utf8_normalize(_pa(values), form="NFKC")
    parts = pc.extract_regex(a, r"(?i)^(?P<main>.*?)(?:\s*(?:x|ext\.?|extension|转|分机)\s*"
                                r"(?P<ext>[0-9]{1,6}))?\s*$")
    main, ext = pc.struct_field(parts, "main"), pc.struct_field(parts, "ext")
    intl = pd.Series(pc.match_substring_regex(main, r"^[\s(]*(?:\+|00)").to_numpy(
        zero_copy_only=False), dtype="boolean").fillna(False).to_numpy(bool)
    d = _text(pc.replace_substring_regex(main, r"[^0-9]", ""))
    ext = _text(ext)
    d = d.where(~(intl & d.str.startswith("00")), d.str[2:])
    cn = d.str.startswith("86") & (intl | ((d.str.len() == 13) & d.str[2:3].eq("1")))
    d = d.where(~cn, d.str[2:])
    mobile = d.str.fullmatch(r"1[3-9][0-9]{9}").fillna(False).to_numpy(bool)
    d = d.where(~(cn & ~mobile & ~d.str.startswith("0")), "0" + d)  # landline: trunk 0
    us = intl & ~cn & d.str.startswith("1") & (d.str.len() == 11)
    d = d.where(~us, d.str[1:])
    d = d.where(ext.isna() | ext.eq(""), d + "x" + ext)
    return d.where(d.notna() & d.ne("") & ~d.str.startswith("x"))


def normalise_email(values) -> pd.Series:
    """E-mails in one spelling: NFKC (full-width ＠ ．), trimmed, lower case."""
    import pyarrow.compute as pc

    a = pc.utf8_lower(pc.utf8_trim_whitespace(pc.utf8_normalize(_pa(values), form="NFKC")))
    s = _text(a)
    return s.where(s.ne(""))


def normalise_name(values) -> pd.Series:
    """Names in one spelling: NFKC, trimmed, inner white space collapsed, lower case."""
    import pyarrow.compute as pc

    a = pc.utf8_trim_whitespace(pc.utf8_normalize(_pa(values), form="NFKC"))
    s = _text(pc.utf8_lower(pc.replace_substring_regex(a, r"\s+", " ")))
    return s.where(s.ne(""))


_NORMALISE = {"phone": normalise_phone, "email": normalise_email, "name": normalise_name}


def _hmac_hex(key: bytes, kind: str, values) -> list:
    """``hmac.new(key, f"{kind}:{v}".encode(), sha256).hexdigest()`` for each value, with the
    pads of RFC 2104 computed once (twice as fast as :func:`hmac.new` per value)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    prefix = kind.encode("utf-8") + b":"
    out = []
    append = out.append
    for v in values:
        h = inner.copy()
        h.update(prefix + v.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        append(o.hexdigest())
    return out


def pseudonymise(s: pd.Series, salt, kind: str = "id", prefix: str = "",
                 suffix: str = "") -> pd.Series:
    """Keyed pseudonyms of the values of ``s``: ``prefix + HMAC-SHA256(salt, kind:value) +
    suffix``, the value normalised for kinds ``phone``, ``email`` and ``name`` (blank and
    unreadable values stay blank). Only the distinct values are hashed.

    Examples
    --------
    >>> p = pseudonymise(pd.Series(["a", "b", "a", None]), salt="0123456789abcdef", prefix="C")
    >>> p[0] == p[2], p[0] != p[1], len(p[0]), p.isna().tolist()[3]
    (True, True, 65, True)
    >>> t = pseudonymise(pd.Series(["+86 138 1234 5678", "13812345678"]), "0123456789abcdef",
    ...                  "phone")
    >>> t[0] == t[1]
    True
    """
    import pyarrow as pa

    key = check_salt(salt)
    codes, uniques = s.astype("str").factorize()  # blank: code -1
    if kind in _NORMALISE:
        ncodes, distinct = _NORMALISE[kind](uniques).factorize()
    else:
        ncodes, distinct = np.arange(len(uniques)), uniques
    labels = pa.array([prefix + h + suffix for h in _hmac_hex(key, kind, distinct.tolist())],
                      type=pa.string())
    per_unique = labels.take(pa.array(ncodes, mask=ncodes < 0))
    out = per_unique.take(pa.array(codes, mask=codes < 0))  # in Arrow: no Python object per row
    return pd.Series(out.to_pandas().array, index=s.index, dtype="str")


_PSEUDO = {"customer_id": ("C", ""), "name": ("Name-", ""), "email": ("", "@example.invalid"),
           "phone": ("Tel-", "")}


def anonymise(data, salt=None, ids: bool = True):
    """A copy of ``data`` without personal data; joins between tables still work.

    Parameters
    ----------
    data : :class:`crm_training.CRMData`.
    salt : str or bytes of at least 16 characters; the same salt gives the same pseudonyms
        (e.g. to anonymise several exports of one client so that they join). None draws a
        random salt: the pseudonyms then match no other call. Never stored.
    ids : also pseudonymise ``customer_id`` (in every table and in ``truth``); client ids are
        often phone or card numbers.

    Returns
    -------
    CRMData whose ``meta["anonymised"]`` says what was replaced and how (never the salt).

    Raises
    ------
    ClientDataError
        For an empty or too short salt.
    """
    import pyarrow as pa

    from ..data import CRMData

    given = salt is not None
    key = check_salt(salt) if given else secrets.token_bytes(32)
    fields = {f.name for f in dataclasses.fields(CRMData)}
    tables = {t: getattr(data, t).copy() for t in TABLES if t in fields and hasattr(data, t)}
    cust = tables["customers"]
    names = NameSet(cust["name"]) if "name" in cust.columns else NameSet()
    pseudonymised, scrubbed, blanked = [], [], []
    texts, fields = [], []  # (table, column): scrubbed together (each pattern compiles once)
    for tname, df in tables.items():
        for c in TABLES[tname].columns:
            if c.name not in df.columns:
                continue
            where = f"{tname}.{c.name}"
            if not c.pii:
                if _is_free_text(c):  # city, region, category: whatever the client typed
                    fields.append((tname, c.name))
                    scrubbed.append(where)
            elif c.dtype != "string":  # e.g. a birth date: nothing to keep of it
                df[c.name] = df[c.name].where(np.zeros(len(df), dtype=bool))
                blanked.append(where)
            elif tname == "customers":
                prefix, suffix = _PSEUDO.get(c.name, (f"{c.name}-", ""))
                df[c.name] = pseudonymise(df[c.name], key, c.name, prefix, suffix)
                pseudonymised.append(where)
            else:
                texts.append((tname, c.name))
                scrubbed.append(where)
    for group, field in ((texts, False), (fields, True)):
        if not group:
            continue
        both = pd.concat([tables[t][c].astype("str") for t, c in group], ignore_index=True)
        codes, uniques = both.factorize()  # the distinct values only
        done = _scrub_array(pa.array(uniques, type=pa.string(), from_pandas=True), names, field)
        done = done.take(pa.array(codes, mask=codes < 0)).to_pandas().array
        start = 0
        for t, c in group:
            n = len(tables[t])
            tables[t][c] = pd.Series(done[start:start + n], index=tables[t].index, dtype="str")
            start += n
    pseudonymised += _pseudonymise_other_ids(tables, key)
    truth = dict(data.truth)
    if ids:
        _pseudonymise_ids(tables, truth, key)
    meta = _redact_meta(data.meta)
    meta["anonymised"] = {
        "method": "HMAC-SHA256 pseudonyms (all 256 bits, hex) of the normalised values; "
                  "personal data in free text replaced by [email], [phone], [id], [qq], "
                  "[wechat], [address] and [name] (and long numbers in short fields such as "
                  "city by [number])",
        "normalised": "phone: digits only, country code +86 / 0086 / +1 dropped, extension "
                      "kept; e-mail: lower case, trimmed; name: lower case, spaces collapsed; "
                      "customer id: as written",
        "pseudonymised": pseudonymised + (["customer_id (all tables)"] if ids else []),
        "scrubbed": scrubbed,
        "salt": ("given (not stored): the same salt gives the same pseudonyms" if given else
                 "random (not stored): the pseudonyms match no other export"),
    }
    if blanked:
        meta["anonymised"]["blanked"] = blanked
    return CRMData(**tables, truth=truth, meta=meta)


def _is_free_text(column) -> bool:
    """A text column of the model that is neither an id nor a code (city, region, category)."""
    return column.dtype == "string" and not column.name.endswith("_id")


# id columns that name the same things: pseudonymised together or not at all (joins hold)
ID_FAMILIES = {"original_transaction_id": "transaction_id"}


def _pseudonymise_other_ids(tables: dict, key: bytes) -> list:
    """The id columns other than customer_id whose values hold a phone, an e-mail or an
    ID-card number: every value of their family pseudonymised (``ID-<hex>``, HMAC of
    ``<family>:<value>``) in every table. Returns what was replaced."""
    import pyarrow as pa
    import pyarrow.compute as pc

    families = {}
    for tname, df in tables.items():
        for c in TABLES[tname].columns:
            if (c.name.endswith("_id") and c.name != "customer_id" and c.dtype == "string"
                    and c.name in df.columns and df[c.name].notna().any()):
                families.setdefault(ID_FAMILIES.get(c.name, c.name), []).append((tname, c.name))
    done = []
    for family, cols in families.items():
        values = pc.unique(pa.concat_arrays(
            [pa.array(tables[t][c].astype("str"), type=pa.string(), from_pandas=True)
             for t, c in cols]))
        if not pc.any(looks_personal(values)).as_py():
            continue
        both = pd.concat([tables[t][c].astype("str") for t, c in cols], ignore_index=True)
        hashed = pseudonymise(both, key, family, "ID-").array
        start = 0
        for t, c in cols:
            n = len(tables[t])
            tables[t][c] = pd.Series(hashed[start:start + n], index=tables[t].index, dtype="str")
            start += n
        done.append(f"{family} ({', '.join(f'{t}.{c}' for t, c in cols)}: some held personal "
                    "data)")
    return done


def _redact_meta(meta: dict) -> dict:
    """``meta`` with the client's file names and path replaced by their labels."""
    meta = dict(meta)
    files = meta.get("files")
    names = list(files) if isinstance(files, dict) else []
    labels = file_labels(names)
    if isinstance(files, dict):
        meta["files"] = {labels[f]: t for f, t in files.items()}

    def path(p):  # only the last part of a path, the folder or file the kit was given
        name = Path(str(p)).name
        if name in labels or file_labels([name])[name] == name:
            return labels.get(name, name)
        return "(a client file)" if Path(name).suffix else "(the client's folder)"

    if isinstance(meta.get("path"), dict):
        meta["path"] = {k: path(v) for k, v in meta["path"].items()}
    elif meta.get("path"):
        meta["path"] = path(meta["path"])
    return meta


def _pseudonymise_ids(tables: dict, truth: dict, key: bytes) -> None:
    """customer_id in every table and truth frame, hashed once over their union."""
    for k, v in list(truth.items()):
        if isinstance(v, pd.DataFrame) and "customer_id" in v.columns:
            truth[k] = v.copy()
    frames = [df for df in [*tables.values(), *truth.values()]
              if isinstance(df, pd.DataFrame) and "customer_id" in df.columns]
    if not frames:
        return
    both = pd.concat([f["customer_id"].astype("str") for f in frames], ignore_index=True)
    done = pseudonymise(both, key, "id", *_PSEUDO["customer_id"]).array
    start = 0
    for f in frames:
        f["customer_id"] = pd.Series(done[start:start + len(f)], index=f.index, dtype="str")
        start += len(f)


# ------------------------------------------------------------------ redacted reports
_DATE = re.compile(r"^\d{1,4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,4}\s*日?)?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$|^\d{1,2}:\d{2}(?::\d{2})?$")
_AMOUNT = re.compile(r"^[-+(]?\s*(?:[¥$€£]|rmb|cny|usd|eur)?\s*[-+]?\d[\d,.\s]*(?:元|%)?\)?$",
                     re.IGNORECASE)
# words a file name may hold and still be shown as it is (besides the tables' own words)
_FILE_WORDS = frozenset(
    "export exports exported list data report backup copy final new old all full sheet table "
    "batch part page file files monthly weekly daily raw clean cleaned sample test demo detail "
    "details summary jan feb mar apr may jun jul aug sep sept oct nov dec january february "
    "march april june july august september october november december q h v crm shop store "
    "online offline 导出 数据 报表 明细 列表 全部 汇总 备份 副本 年 月 日 周 季度 上 下 半年 新 旧 "
    "最终 版 记录 表 第 期 全量 增量 mapping derived".split())
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_CHUNK = re.compile(r"[a-z]+|[0-9]+|[\u3400-\u9fff\uf900-\ufaff]+|[^\sa-z0-9_\-.,()\[\]（）【】]")


def _plain_file_name(name: str) -> bool:
    """Whether a file name is made only of known words (tables, columns, "export", 月 ...), short
    numbers (dates: 8 digits at most) and single letters: such a name is shown as it is."""
    from .mapping import _FILE_WORDS as table_words, _known_names

    stem = _EXTENSION.sub("", unicodedata.normalize("NFKC", str(name)).strip())
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem).lower()  # ExportOrderList
    known = (_FILE_WORDS | _known_names() | set(TABLES) | {t.rstrip("s") for t in TABLES}
             | {w for words in table_words.values() for w in words})
    for chunk in _CHUNK.findall(stem):
        if chunk.isdigit():
            if len(chunk) > 8:
                return False
        elif chunk.isascii() and chunk.isalpha():
            if len(chunk) > 1 and chunk not in known and chunk.rstrip("s") not in known:
                return False
        else:  # Chinese: cut into known words, longest first
            i = 0
            while i < len(chunk):
                for j in range(len(chunk), i, -1):
                    if chunk[i:j] in known:
                        i = j
                        break
                else:
                    return False
    return bool(stem.strip())


def file_labels(files) -> dict:
    """How redacted output names each file: as it is when its name is made of known words
    ("orders.csv", "客户_202401.xlsx", "ExportOrderList202401.csv"), else ``file N`` and its
    extension, N its position in ``files`` (distinct labels for distinct files).

    Examples
    --------
    >>> file_labels(["orders.csv", "张伟_13812345678_订单.csv", "Ann Lee.xlsx", "问卷调查.csv"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'orders.csv': 'orders.csv', '张伟_13812345678_订单.csv': 'file 2.csv',
     'Ann Lee.xlsx': 'file 3.xlsx', '问卷调查.csv': '问卷调查.csv'}
    """
    names = list(dict.fromkeys(str(f) for f in files))
    out = {f: f for f in names if _plain_file_name(f)}
    taken = set(out)
    for i, f in enumerate(names, 1):
        if f in out:
            continue
        ext = _EXTENSION.search(f)
        ext = ext.group(0).lower() if ext else ""
        label, k = f"file {i}{ext}", 1
        while label in taken:
            k += 1
            label = f"file {i}-{k}{ext}"
        out[f] = label
        taken.add(label)
    return {f: out[f] for f in names}


def header_labels(cells, names=()) -> dict:
    """The header cells a redacted report does not show, each with the label it shows instead
    (``"column 3"``: the cell's position in the file): every cell that is not a known column
    name (of the data model or its synonyms, any table). A file without a header has its first
    data row read as the header: only its cells that happen to be column names ("email",
    "member") stay. ``names`` is accepted for compatibility (every unknown cell is hidden).

    Examples
    --------
    >>> header_labels(["C001", "Ann Lee", "email"])
    {'C001': 'column 1', 'Ann Lee': 'column 2'}
    >>> header_labels(["客户编号", "姓名", "Remarks", "Region 2", "2024"])
    {'Region 2': 'column 4', '2024': 'column 5'}
    """
    from .mapping import header_score

    out = {}
    for i, c in enumerate(str(c) for c in cells):
        if c not in out and header_score([c]) == 0:
            out[c] = f"column {i + 1}"
    return out


_EXCEPTION = re.compile(r"\(((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Invalid|Warning|"
                        r"BadZipFile|Failure))(?::[\s\S]*\))?")
_QUOTED = re.compile(r"(?<!\w)(['\"])(.{0,200}?)\1(?!\w)")
_LABEL = re.compile(r"^(?:column \d+|file \d+(?:-\d+)?(?:\.\w+)?|\[\w+\]|.)$")
# where a header cell or a file name may stand in a message: not inside another word
_BEFORE, _AFTER = r"(?<![^\s,;:'\"(\[{/\\])", r"(?![^\s,;:'\").\]}])"


class Redactor:
    """What a redacted report hides, and how: example values of personal columns
    (``[redacted]``), header cells that are not column names (``column 3``, see
    :func:`header_labels`; ``headers`` maps each file to its labels), file names that are not
    made of known words (``file 2.csv``, see :func:`file_labels`; ``files`` maps names and
    paths to labels), and in every message and example the personal data (the full
    :func:`scrub_text`, with the customers' ``names``). Messages also lose the text of
    exceptions, and quoted values that are not column names, dates or amounts.

    Examples
    --------
    >>> r = Redactor({"email"}, {"a.csv": header_labels(["C1", "Ann Lee", "ann@x.com"])})
    >>> r.text("missing customer_id; columns found: C1, Ann Lee, ann@x.com", "a.csv")
    'missing customer_id; columns found: column 1, column 2, column 3'
    >>> r.example({"line": 3, "email": "ann@x.com", "city": "call 138 1234 5678"}, "a.csv")
    {'line': 3, 'email': '[redacted]', 'city': 'call [phone]'}
    >>> r.text("a.xlsx is not readable (ValueError: invalid literal for int(): '张伟138')")
    'a.xlsx is not readable (ValueError)'
    """

    def __init__(self, pii_columns=(), headers=None, names=(), files=None):
        self.pii_columns = frozenset(pii_columns)
        self.names = NameSet.of(names)
        self.headers = {str(f): dict(v) for f, v in (headers or {}).items() if v}
        self.files = {str(f): v for f, v in (files or {}).items()}
        self._all = {}
        for labels in self.headers.values():
            for cell, label in labels.items():
                self._all.setdefault(cell, label)
        self._regex = {}
        self._done = {}

    def file(self, name):
        """A file name as a redacted report shows it (a name not met before gets a label)."""
        if not isinstance(name, str):
            return name
        if name not in self.files:
            label = file_labels([name])[name]
            if label != name:  # "file 1.csv": numbered after the files already known
                ext, used = label[len("file 1"):], set(self.files.values())
                n = len(self.files) + 1
                while f"file {n}{ext}" in used:
                    n += 1
                label = f"file {n}{ext}"
            self.files[name] = label
            self._regex.clear()
        return self.files[name]

    def header(self, cell, file=None):
        """A column name as a redacted report shows it."""
        if not isinstance(cell, str):
            return cell
        return self.headers.get(str(file), {}).get(cell) or self._all.get(cell, cell)

    def _hide_cells(self, text: str, file) -> str:
        key = str(file) if str(file) in self.headers else None
        if key not in self._regex:
            labels = {**self._all, **self.headers.get(str(file), {})}
            variants = {}
            for cell, label in [*self.files.items(), *labels.items()]:
                # one letter too ("男", "F"), but not the words "a" and "I" of a message
                if cell != label and (len(cell) > 1 or cell.isalpha() and cell not in "aAI"):
                    variants.setdefault(cell, label)
                    variants.setdefault(repr(cell)[1:-1], label)
            alts = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
            self._regex[key] = (re.compile(f"{_BEFORE}(?:{alts}){_AFTER}") if alts else None,
                                variants)
        regex, variants = self._regex[key]
        return regex.sub(lambda m: variants[m.group(0)], text) if regex else text

    def _message(self, text: str, file) -> str:
        """A message before scrubbing: header cells and file names hidden, the text of
        exceptions dropped, quoted values that are no column name, date nor amount hidden."""
        from .mapping import header_score

        text = _EXCEPTION.sub(r"(\1)", self._hide_cells(text, file))

        def quoted(m):
            v = m.group(2).strip()
            safe = (_LABEL.match(v) or header_score([v]) > 0 or _DATE.match(v)
                    or _AMOUNT.match(v) or v in self.files.values())
            return m.group(0) if safe else f"{m.group(1)}[redacted]{m.group(1)}"

        return _QUOTED.sub(quoted, text)

    def prime(self, items, messages: bool = True) -> None:
        """Scrub many ``(text, file)`` at once (one pass per pattern), for :meth:`text`
        (``messages``) or :meth:`value`."""
        todo = {}
        for text, file in items:
            key = (text, str(file), messages)
            if isinstance(text, str) and key not in self._done:
                todo[key] = self._message(text, file) if messages else text
        if todo:
            for k, v in zip(todo, scrub_many(todo.values(), self.names)):
                self._done[k] = v

    def text(self, text, file=None):
        """A message without header cells, file names, exception texts nor personal data."""
        if not isinstance(text, str):
            return text
        if (text, str(file), True) not in self._done:
            self.prime([(text, file)])
        return self._done[(text, str(file), True)]

    def value(self, value, file=None):
        """An example value, fully scrubbed (names included)."""
        if not isinstance(value, str):
            return value
        if (value, str(file), False) not in self._done:
            self.prime([(value, file)], messages=False)
        return self._done[(value, str(file), False)]

    def example(self, e, file=None, hide=()):
        """One example row of a report, redacted: the values of personal columns, of the whole
        line's text and of the columns in ``hide`` (those that could not be read) are
        ``[redacted]``, the others scrubbed."""
        if not isinstance(e, dict):
            return "[redacted]"
        out = {}
        for k, v in e.items():
            if k == "line":
                out[k] = v
            elif (k in self.pii_columns or k == "text_of_line" or k in hide
                  or self.header(k, file) != k):
                out[self.header(k, file)] = "[redacted]"
            else:
                out[k] = None if v is None else self.value(str(v), file)
        return out

    def example_texts(self, examples, file=None) -> list:
        """The ``(text, file)`` of the examples that :meth:`example` scrubs (for
        :meth:`prime` with ``messages=False``)."""
        return [(str(v), file) for e in examples if isinstance(e, dict) for k, v in e.items()
                if k != "line" and v is not None and k not in self.pii_columns
                and k != "text_of_line"]
