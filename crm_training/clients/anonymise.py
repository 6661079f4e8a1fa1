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
* **Free text** (ticket descriptions, survey comments, any personal text column, and every
  example a redacted report shows) is scrubbed with RE2 regular expressions over whole columns
  (:mod:`pyarrow.compute`): e-mails, also obfuscated ("ann at example dot com", "ann(at)x.com",
  "ann＠x．com") -> ``[email]``; Chinese ID-card numbers (18 digits with a final X, 15 digits,
  spaced or not) -> ``[id]``; phones (Chinese mobiles and landlines, "+86 138 1234 5678",
  "(555) 123-4567", "+44 20 7946 0958", full-width digits, extensions, and 7+ digits after words
  such as 电话 / tel / call) -> ``[phone]``; QQ numbers and WeChat ids after their keywords
  (QQ, 扣扣, 微信, WeChat, vx, wxid_...) -> ``[qq]`` / ``[wechat]``; Chinese addresses (…省…市…区
  …路…号…栋…单元…室, 小区, 街道) and English ones ("12 Baker Street", "221B Baker St., London",
  "Apt 4, 55 Main Rd", P.O. Box) -> ``[address]``; the names of the customers in the data ->
  ``[name]``. Dates, times, amounts ("¥1,234.50"), order numbers and short numbers are kept.
* **Header guesses.** When a file has no header its first data row is read as the header, and
  its cells appear in messages ("columns found: ..."). :func:`header_labels` tells which header
  cells look like values rather than column names; redacted reports show them as "column 3"
  (:class:`Redactor`, used by :meth:`ClientLoad.to_text(redact=True) <.loader.ClientLoad>` and
  everything ``save(anonymise=True)`` writes).

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

MIN_SALT_LENGTH = 16  # characters; a shorter salt can be guessed, and every pseudonym with it
SALT_ENV = "CRM_SALT"

# ------------------------------------------------------------------ free-text patterns (RE2)
# Written for RE2 (pyarrow.compute): no look-around, so a number's boundaries are matched as
# groups and given back in the replacement (\1 ... \3); such patterns run twice, for numbers
# that share a separator ("13812345678,13912345678").
_D = r"[0-9\x{FF10}-\x{FF19}]"  # a digit, ASCII or full-width
_S = r"[ \-.\x{3000}\x{2010}-\x{2015}\x{FF0D}]"  # a separator inside a number
_SP = r"[ \t\x{3000}]"
_PRE = r"(^|[^0-9A-Za-z_\x{FF10}-\x{FF19}])"
_POST = r"($|[^0-9\x{FF10}-\x{FF19}])"
_NZ = r"[1-9\x{FF11}-\x{FF19}]"
_X = r"[0-9\x{FF10}-\x{FF19}Xx]"
_IS = r"[ \-]"  # separators inside an ID-card number


def _n(n: int, sep: str = _IS) -> str:
    """n digits, each optionally after one separator."""
    return f"(?:{sep}?{_D}){{{n}}}"


_YEAR = rf"(?:[1１]{_IS}?[89８９]|[2２]{_IS}?[0０]){_n(2)}"
_MONTH = rf"(?:[0０]{_IS}?[1-9１-９]|[1１]{_IS}?[0-2０-２])"
_DAY = rf"(?:[0０]{_IS}?[1-9１-９]|[12１２]{_IS}?{_D}|[3３]{_IS}?[01０１])"
ID18 = rf"{_NZ}{_n(5)}{_IS}?{_YEAR}{_IS}?{_MONTH}{_IS}?{_DAY}{_n(3)}{_IS}?{_X}"
ID15 = rf"{_NZ}{_D}{{7}}{_MONTH}{_DAY}{_D}{{3}}"
ID_AFTER_WORD = (rf"(?i)((?:身份证|身份證|证件|id{_SP}?card|identity{_SP}card|id{_SP}?no\.?|"
                 rf"id{_SP}?number)(?:号码|号|號碼|號|{_SP}?no\.?|{_SP}?number)?{_SP}*[:：#]?"
                 rf"{_SP}*){_D}(?:{_IS}?{_D}){{13,16}}{_IS}?{_X}")
_PLUS = r"(?:\+|＋|00)"
_EXT = rf"(?:{_SP}?(?:x|ext\.?|转|分机){_SP}?{_D}{{1,5}})?"
CN_MOBILE = rf"(?:\(?{_PLUS}{_S}?86\)?{_S}?)?[1１][3-9３-９](?:{_S}?{_D}){{9}}{_EXT}"
CN_LANDLINE = (rf"(?:\(?{_PLUS}{_S}?86\)?{_S}?\(?[0０]?{_D}{{2,3}}\)?|\(?[0０]{_D}{{2,3}}\)?)"
               rf"{_S}?{_D}{{3,4}}{_S}?{_D}{{4}}{_EXT}")
NANP = (rf"(?:{_PLUS}{_S}?[1１]{_S}?)?(?:\({_D}{{3}}\){_S}?|{_D}{{3}}{_S}){_D}{{3}}{_S}{_D}{{4}}"
        + _EXT)  # separators required: a bare 10-digit number may be an order number
INTERNATIONAL = (rf"{_PLUS}{_S}?{_NZ}{_D}{{0,2}}{_S}?\(?{_D}{{1,4}}\)?(?:{_S}?{_D}{{2,4}}){{2,4}}"
                 + _EXT)
PHONE = "|".join([CN_MOBILE, CN_LANDLINE, NANP, INTERNATIONAL])
PHONE_AFTER_WORD = (r"(?i)((?:电话|電話|手机|手機|座机|联系方式|tel|phone|mobile|cell|call|ring|"
                    rf"whatsapp|fax|传真)(?:号码|号|號|{_SP}?no\.?|{_SP}?number)?{_SP}*[:：]?{_SP}*)"
                    rf"[+＋]?{_D}(?:{_S}?{_D}){{6,14}}")
QQ = rf"(?i)((?:qq|扣扣|企鹅)(?:号码|号|號)?{_SP}*[:：]?{_SP}*){_NZ}{_D}{{4,11}}"
_WX = r"(?:微信|weixin|wechat|威信|v信|vx|wx)(?:号|號|id)?"
WECHAT = (rf"(?i)({_WX}{_SP}*[:：]{_SP}*)[A-Za-z][-_A-Za-z0-9]{{5,19}}"  # "WeChat: annlee"
          rf"|({_WX}{_SP}*)[A-Za-z]{{1,19}}[-_0-9][-_A-Za-z0-9]*")  # "加微信 ann_lee88", not "pay"
WXID = r"wxid_[A-Za-z0-9_-]{3,}"
EMAIL = r"[A-Za-z0-9._%+'-]*[@＠][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)*[.．][A-Za-z]{2,}"
_AT = (rf"(?:{_SP}*(?:\(at\)|\[at\]|\{{at\}}|<at>|（at）|【at】|艾特){_SP}*|{_SP}+at{_SP}+)")
_DOT = (rf"(?:{_SP}*(?:\(dot\)|\[dot\]|\{{dot\}}|<dot>|（dot）|【dot】|点){_SP}*|{_SP}+dot{_SP}+"
        r"|[.．])")
EMAIL_OBFUSCATED = (rf"(?i)[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
                    r"[A-Za-z]{2,}")  # "ann at example dot com", "ann(at)x.com"
_H = r"\p{Han}"
_CNUM = rf"(?:{_D}+|[一二三四五六七八九十百零〇]+)"
_UNIT = r"(?:号楼|栋|幢|座|楼|单元|层|室|号|户)"
_BUILDING = rf"(?:{_SP}*(?:[A-Za-z]|{_CNUM})+{_UNIT}|[-－#]{_D}+)"
_ADMIN = rf"{_H}{{1,4}}?(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗|镇|乡|街道)"
_ROAD = rf"{_H}{{1,10}}?(?:大道|路|街|巷|弄|胡同|道){_CNUM}(?:号|號|弄|巷)"
_ESTATE = rf"{_H}{{1,8}}?(?:小区|花园|公寓|大厦|新村|家园|苑|社区)"
_LEAD = rf"((?:住在|住址|地址|寄到|送到|位于|搬到|家在|住|在)[:：]?{_SP}*)?"  # kept in the text
CN_ADDRESS = (rf"{_LEAD}(?:(?:{_ADMIN}){{0,4}}{_ROAD}{_BUILDING}*(?:[-－]?{_D}+)?"
              rf"|(?:{_ADMIN}){{1,4}}{_ESTATE}{_BUILDING}*(?:[-－]?{_D}+)?"
              rf"|{_ESTATE}{_BUILDING}+(?:[-－]?{_D}+)?|{_H}{{2,6}}?小区"
              rf"|{_H}{{2,4}}?(?:省|市){_H}{{1,4}}?(?:市|区|县)(?:{_H}{{1,6}}?(?:街道|镇|乡))?)")
_SUFFIX = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|"
           r"Pl|Square|Sq|Terrace|Close|Crescent|Highway|Hwy|Parkway|Pkwy|Row|Gardens|Mews|Walk)")
_APT = rf"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Rm)\.?{_SP}*#?[A-Za-z0-9-]+"
EN_ADDRESS = (rf"\b(?:{_APT},{_SP}*)?[0-9]{{1,5}}[A-Za-z]?,?"  # Apt 4, 221B
              rf"(?:{_SP}+[A-Z0-9][A-Za-z0-9'-]*){{1,4}}?{_SP}+{_SUFFIX}\b\.?"  # Baker St.
              rf"(?:,?{_SP}*{_APT})?(?:,{_SP}*[A-Z][A-Za-z]+(?:{_SP}[A-Z][A-Za-z]+)?)?"  # , London
              rf"(?:,?{_SP}*[A-Z]{{2}}{_SP}*[0-9]{{5}}(?:-[0-9]{{4}})?)?"
              rf"(?:,?{_SP}*[A-Z]{{1,2}}[0-9][A-Z0-9]?{_SP}*[0-9][A-Z]{{2}}\b)?"
              rf"|\b[0-9]{{1,5}}[A-Za-z]?(?:{_SP}+[a-z]+){{1,3}}?{_SP}+(?:street|road|avenue)\b"
              rf"|(?i)\bP\.?{_SP}?O\.?{_SP}*Box{_SP}*[0-9]+")


def _bounded(pattern: str) -> str:
    return f"{_PRE}({pattern}){_POST}"


# (RE2 pattern, replacement, passes), applied in this order: e-mails before the numbers they
# may hold, ID-card numbers before the phones that would match part of them
SCRUB_RULES = (
    (EMAIL, "[email]", 1),
    (EMAIL_OBFUSCATED, "[email]", 1),
    (ID_AFTER_WORD, r"\1[id]", 1),
    (_bounded(f"{ID18}|{ID15}"), r"\1[id]\3", 2),
    (PHONE_AFTER_WORD, r"\1[phone]", 1),
    (_bounded(PHONE), r"\1[phone]\3", 2),
    (QQ, r"\1[qq]", 1),
    (WXID, "[wechat]", 1),
    (WECHAT, r"\1\2[wechat]", 1),
    (CN_ADDRESS, r"\1[address]", 1),
    (EN_ADDRESS, "[address]", 1),
)
_NAME_CHUNK = 50_000  # names per regular expression (RE2 compiles ~1 s per 300,000 names)
_SMALL = 2_000  # up to this many texts, names are replaced in Python (no regex to compile)


class NameSet:
    """The customers' names to replace by ``[name]`` in free text (2 characters or more).

    Examples
    --------
    >>> names = NameSet(["Ann Lee", "张伟", "X", None])
    >>> "张伟" in names, "X" in names, len(names)
    (True, False, 2)
    >>> names.replace("我是张伟, Ann Lee here")
    '我是[name], [name] here'
    """

    def __init__(self, names=()):
        if isinstance(names, NameSet):
            names = names.names
        elif isinstance(names, pd.Series):
            names = names.dropna().unique().tolist()
        self.names = frozenset(n for n in names if isinstance(n, str) and len(n.strip()) >= 2)
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)

    def __contains__(self, value) -> bool:
        return value in self.names

    def __len__(self) -> int:
        return len(self.names)

    def replace(self, text: str) -> str:
        """Longest name first, left to right (what the regular expression does on columns)."""
        if not self.names or not text:
            return text
        out, i, n, names = [], 0, len(text), self.names
        while i < n:
            for length in self.lengths:
                if i + length <= n and text[i:i + length] in names:
                    out.append("[name]")
                    i += length
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def patterns(self):
        """RE2 alternations of the names, in chunks. In reverse alphabetical order: a name comes
        before the names it starts with ("Ann Leeds" before "Ann Lee", as RE2 takes the first
        alternative that matches), and names that share a prefix stay together, which RE2
        factors into a trie (ordered by length, 20,000 names took 20 s over 4,000 texts)."""
        names = sorted((n for n in self.names if "\x00" not in n), reverse=True)
        for i in range(0, len(names), _NAME_CHUNK):  # one re.escape for the chunk: 3x faster
            yield re.escape("\x00".join(names[i:i + _NAME_CHUNK])).replace("\x00", "|")


def _scrub_array(a, names=()):
    """Scrub a pyarrow string array (see the module docstring); nulls stay null."""
    import pyarrow.compute as pc

    for pattern, replacement, passes in SCRUB_RULES:
        for _ in range(passes):
            a = pc.replace_substring_regex(a, pattern, replacement)
    names = names if isinstance(names, NameSet) else NameSet(names)
    if names:
        if len(a) <= _SMALL:
            import pyarrow as pa

            a = pa.array([None if v is None else names.replace(v) for v in a.to_pylist()],
                         type=pa.string())
        else:
            for pattern in names.patterns():
                a = pc.replace_substring_regex(a, pattern, "[name]")
    return a


def scrub_many(texts, names=()) -> list:
    """:func:`scrub_text` of many texts at once (one pass per pattern); None stays None."""
    import pyarrow as pa

    texts = list(texts)
    if not texts:
        return []
    return _scrub_array(pa.array(texts, type=pa.string()), names).to_pylist()


def scrub_text(text: str, names=()) -> str:
    """Replace the personal data in one text (see the module docstring), and the given names.

    Examples
    --------
    >>> scrub_text("微信: wxid_abc123，住在北京市朝阳区建国路88号3栋2单元1201室，电话138-1234-5678")
    '微信: [wechat]，住在[address]，电话[phone]'
    >>> scrub_text("身份证 11010519491231002X, QQ 12345678, Ann Lee", names=["Ann Lee"])
    '身份证 [id], QQ [qq], [name]'
    """
    return scrub_many([str(text)], names)[0]


def scrub_series(s: pd.Series, names=()) -> pd.Series:
    """Vectorised :func:`scrub_text` for a text column, plus the given names -> ``[name]``.

    Runs on Arrow with RE2 (pyarrow.compute), one pass per pattern over the whole column.
    """
    import pyarrow as pa

    a = pa.array(s.astype("str"), from_pandas=True, type=pa.string())
    return pd.Series(_scrub_array(a, names).to_pandas().array, index=s.index, dtype="str")


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
    (its text, surrounding white space removed), else ``$CRM_SALT``, else None (random).

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
            text = path.read_text(encoding="utf-8").strip()
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
        text = environ[SALT_ENV].strip()
        check_salt(text, SALT_ENV)
        return text, SALT_ENV
    return None, "random"


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
    texts = []  # (table, column): scrubbed together, so each pattern compiles once
    for tname, df in tables.items():
        for c in TABLES[tname].columns:
            if not c.pii or c.name not in df.columns:
                continue
            where = f"{tname}.{c.name}"
            if c.dtype != "string":  # e.g. a birth date: nothing to keep of it
                df[c.name] = df[c.name].where(np.zeros(len(df), dtype=bool))
                blanked.append(where)
            elif tname == "customers":
                prefix, suffix = _PSEUDO.get(c.name, (f"{c.name}-", ""))
                df[c.name] = pseudonymise(df[c.name], key, c.name, prefix, suffix)
                pseudonymised.append(where)
            else:
                texts.append((tname, c.name))
                scrubbed.append(where)
    if texts:
        arrays = [pa.array(tables[t][c].astype("str"), from_pandas=True, type=pa.string())
                  for t, c in texts]
        done = _scrub_array(pa.concat_arrays(arrays), names)
        start = 0
        for (t, c), a in zip(texts, arrays):
            part = done.slice(start, len(a))
            start += len(a)
            tables[t][c] = pd.Series(part.to_pandas().array, index=tables[t].index, dtype="str")
    truth = dict(data.truth)
    if ids:
        _pseudonymise_ids(tables, truth, key)
    meta = dict(data.meta)
    meta["anonymised"] = {
        "method": "HMAC-SHA256 pseudonyms (all 256 bits, hex) of the normalised values; "
                  "personal data in free text replaced by [email], [phone], [id], [qq], "
                  "[wechat], [address] and [name]",
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


def header_labels(cells, names=()) -> dict:
    """The header cells that look like values rather than column names, each with the label a
    redacted report shows instead (``"column 3"``: its position in the file).

    A header row that holds no known column name, or a cell that looks personal (an @, 7 or
    more digits, a phone, e-mail, ID-card number, address or WeChat id, or one of ``names``),
    or mostly unknown cells next to dates and amounts, is a data row read as a header (the file
    has none): all its cells that are not known column names are hidden. Otherwise only cells
    that look like dates, amounts or numbers are.

    Examples
    --------
    >>> header_labels(["C1", "张伟", "zhangwei@163.com", "13812345678"])
    {'C1': 'column 1', '张伟': 'column 2', 'zhangwei@163.com': 'column 3', '13812345678': 'column 4'}
    >>> header_labels(["客户编号", "姓名", "Remarks", "2024"])
    {'2024': 'column 4'}
    """
    from .mapping import header_score

    cells = [str(c) for c in cells]
    if not cells:
        return {}
    names = names if isinstance(names, NameSet) else NameSet(names)
    known = [header_score([c]) > 0 for c in cells]
    plain = [unicodedata.normalize("NFKC", c).strip() for c in cells]
    scrubbed = scrub_many(plain)
    kind = []
    for c, p, s in zip(cells, plain, scrubbed):
        if "@" in p or sum(ch.isdigit() for ch in p) >= 7 or s != p or c in names \
                or p in names:
            kind.append("personal")
        elif p and (_DATE.match(p) or _AMOUNT.match(p)):
            kind.append("value")
        else:
            kind.append("")
    data_row = (not any(known) or "personal" in kind
                or ("value" in kind and sum(known) < len(cells) / 2))
    return {c: f"column {i + 1}" for i, (c, k, v) in enumerate(zip(cells, known, kind))
            if not k and (v or data_row)}


class Redactor:
    """What a redacted report hides, and how: example values of personal columns
    (``[redacted]``), header cells that are values (``column 3``, see :func:`header_labels`;
    ``headers`` maps each file to its labels) and personal data in every message and example
    (:func:`scrub_text` with the customers' ``names``).

    Examples
    --------
    >>> r = Redactor({"email"}, {"a.csv": header_labels(["C1", "Ann Lee", "ann@x.com"])})
    >>> r.text("missing customer_id; columns found: C1, Ann Lee, ann@x.com", "a.csv")
    'missing customer_id; columns found: column 1, column 2, column 3'
    >>> r.example({"line": 3, "email": "ann@x.com", "city": "call 138 1234 5678"}, "a.csv")
    {'line': 3, 'email': '[redacted]', 'city': 'call [phone]'}
    """

    def __init__(self, pii_columns=(), headers=None, names=()):
        self.pii_columns = frozenset(pii_columns)
        self.names = names if isinstance(names, NameSet) else NameSet(names)
        self.headers = {str(f): dict(v) for f, v in (headers or {}).items() if v}
        self._all = {}
        for labels in self.headers.values():
            for cell, label in labels.items():
                self._all.setdefault(cell, label)
        self._regex = {}
        self._done = {}

    def header(self, cell, file=None):
        """A column name as a redacted report shows it."""
        if not isinstance(cell, str):
            return cell
        return self.headers.get(str(file), {}).get(cell) or self._all.get(cell, cell)

    def _hide_cells(self, text: str, file) -> str:
        labels = {**self._all, **self.headers.get(str(file), {})}
        labels = {c: v for c, v in labels.items() if len(c) > 1 or c in self.names}
        if not labels:
            return text
        key = str(file) if str(file) in self.headers else None
        if key not in self._regex:
            variants = {}
            for cell, label in labels.items():
                variants.setdefault(cell, label)
                variants.setdefault(repr(cell)[1:-1], label)
            alts = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
            self._regex[key] = (re.compile(rf"(?<![^\s,;:'\"(\[{{])(?:{alts})"
                                           rf"(?![^\s,;:'\").\]}}])"), variants)
        regex, variants = self._regex[key]
        return regex.sub(lambda m: variants[m.group(0)], text)

    def prime(self, items) -> None:
        """Scrub many ``(text, file)`` at once (one pass per pattern), for :meth:`text`."""
        todo = {}
        for text, file in items:
            if isinstance(text, str) and (text, str(file)) not in self._done:
                todo[(text, str(file))] = self._hide_cells(text, file)
        if todo:
            for k, v in zip(todo, scrub_many(todo.values(), self.names)):
                self._done[k] = v

    def text(self, text, file=None):
        """``text`` without header cells that are values nor personal data."""
        if not isinstance(text, str):
            return text
        if (text, str(file)) not in self._done:
            self.prime([(text, file)])
        return self._done[(text, str(file))]

    def example(self, e, file=None):
        """One example row of a report, redacted (a text example is hidden whole)."""
        if not isinstance(e, dict):
            return "[redacted]"
        out = {}
        for k, v in e.items():
            if k == "line":
                out[k] = v
            elif k in self.pii_columns or k == "text_of_line" or self.header(k, file) != k:
                out[self.header(k, file)] = "[redacted]"
            else:
                out[k] = None if v is None else self.text(str(v), file)
        return out

    def example_texts(self, examples, file=None) -> list:
        """The ``(text, file)`` of the examples that :meth:`example` scrubs (for :meth:`prime`)."""
        return [(str(v), file) for e in examples if isinstance(e, dict) for k, v in e.items()
                if k != "line" and v is not None and k not in self.pii_columns
                and k != "text_of_line"]
