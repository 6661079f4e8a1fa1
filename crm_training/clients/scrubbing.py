"""Scrub personal data out of free text: the RE2 patterns and the customers' names.

Everything runs on whole columns with RE2 (:mod:`pyarrow.compute`), one pass per pattern, in
time linear in the length of the texts (RE2 never backtracks). Used by
:func:`.anonymise.anonymise` for every free-text column and by :class:`.anonymise.Redactor` for
every message and example of a redacted report. Replaced, in this order:

* e-mails -> ``[email]``: plain, full-width (＠ ．), obfuscated ("ann at example dot com",
  "ann(at)x.com", "zhangwei艾特163点com"), spaced ("ann.lee @ example . com") and with ``#`` for
  ``@`` ("zhangwei1985#163.com"; with a known top-level domain);
* Chinese ID-card numbers (18 digits with a final X, 15 digits, spaced or not) -> ``[id]``;
* phones -> ``[phone]``: Chinese mobiles and landlines, "+86 138 1234 5678", "(555) 123-4567",
  "+44 20 7946 0958", full-width digits, extensions, 7+ digits after words such as 电话 / tel /
  call, and mobiles in Chinese numerals ("一三八一二三四五六七八", 幺 for 1);
* QQ numbers after QQ / Q号 / q: / 扣扣 / 企鹅 -> ``[qq]``; WeChat ids after 微信, WeChat, vx,
  wx, 加V, "wechat id is", and wxid_... -> ``[wechat]``;
* addresses -> ``[address]``, the whole span: Chinese (…省…市…区…路…段…号, then building,
  tower, floor and room: "SOHO现代城A座1201室", "R2-B栋3楼"; 小区, 街道; traditional 區 號 縣 樓),
  English ("Flat 3, 12 Baker Street, London NW1 6XE", "1600 Pennsylvania Avenue NW, Washington,
  DC 20500": the city after a comma and UK / US postcodes) and German ("Hauptstraße 5, 10115
  Berlin");
* names -> ``[name]``: the customers' names (:class:`NameSet`: any case, "Last, First" order,
  spaces between the characters of a Chinese name), and a Chinese name that is no customer's
  when it is glued to a phone or ID-card number ("张伟13812345678", "刘䶮的手机…": a common
  surname and one or two characters).

Dates, times, amounts ("¥1,234.50"), order numbers and short numbers are kept.

Examples
--------
>>> scrub_text("Call 138 1234 5678 or mail ann.lee @ example . com, order A1234 of ¥1,234.50")
'Call [phone] or mail [email], order A1234 of ¥1,234.50'
>>> scrub_text("ANN LEE and Lee, Ann and 张 伟", names=["Ann Lee", "张伟"])
'[name] and [name] and [name]'
>>> scrub_text("定制刻字：王小明 13812345678；台北市信義區信義路五段7號")
'定制刻字：[name] [phone]；[address]'
"""
from __future__ import annotations

import pandas as pd

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
_PHONE_WORD = (r"(?:电话|電話|手机|手機|座机|联系方式|tel|phone|mobile|cell|call|ring|whatsapp|fax|"
               rf"传真)(?:号码|号|號|{_SP}?no\.?|{_SP}?number)?{_SP}*[:：]?{_SP}*")
PHONE_AFTER_WORD = rf"(?i)({_PHONE_WORD})[+＋]?{_D}(?:{_S}?{_D}){{6,14}}"
_CD = r"[〇零一二三四五六七八九幺两]"  # a digit written in Chinese ("幺" for 1 on the phone)
CN_MOBILE_HAN = rf"[一幺][三四五六七八九](?:{_S}?{_CD}){{9}}"
PHONE_HAN_AFTER_WORD = rf"(?i)({_PHONE_WORD}){_CD}(?:{_S}?{_CD}){{6,11}}"
QQ = (rf"(?i)((?:^|[^a-z])qq(?:号码|号|號)?{_SP}*[:：]?{_SP}*"  # QQ 12345678, QQ号：…
      rf"|(?:扣扣|企鹅|企鵝)(?:号码|号|號)?{_SP}*[:：]?{_SP}*"
      rf"|(?:^|[^a-z])q(?:号码|号|號|{_SP}*[:：]){_SP}*)"  # Q号 87654321, q:998877665
      rf"{_NZ}{_D}{{4,11}}")
_WXK = r"(?:微信|weixin|wechat|威信|薇信|v信|vx|wx|加v)"
_WXID = rf"(?:{_SP}*(?:id|号|號|账号|帳號|帐号))"
WECHAT = (rf"(?i)({_WXK}(?:{_WXID}{_SP}*(?:[:：=]|is|是|为|為)?|{_SP}*[:：=]){_SP}*)"
          r"[A-Za-z][-_A-Za-z0-9]{5,19}"  # "WeChat: annlee", "wechat id is annlee88", "加V：…"
          rf"|({_WXK}{_WXID}?{_SP}*)[A-Za-z]{{1,19}}[-_0-9][-_A-Za-z0-9]*")  # "加v ann_88"
WXID = r"wxid_[A-Za-z0-9_-]{3,}"
EMAIL = r"[A-Za-z0-9._%+'-]*[@＠][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)*[.．][A-Za-z]{2,}"
_AT = (rf"(?:{_SP}*(?:\(at\)|\[at\]|\{{at\}}|<at>|（at）|【at】|艾特){_SP}*|{_SP}+at{_SP}+)")
_DOT = (rf"(?:{_SP}*(?:\(dot\)|\[dot\]|\{{dot\}}|<dot>|（dot）|【dot】|点){_SP}*|{_SP}+dot{_SP}+"
        r"|[.．])")
EMAIL_OBFUSCATED = (rf"(?i)[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
                    r"[A-Za-z]{2,}")  # "ann at example dot com", "ann(at)x.com"
_TLD = (r"(?:com|net|org|edu|gov|mil|int|info|biz|name|pro|io|co|me|tv|cc|xyz|top|club|vip|"
        r"online|site|shop|cn|hk|tw|mo|sg|my|jp|kr|uk|ie|de|fr|it|es|pt|nl|be|ch|at|se|no|dk|fi|"
        r"pl|cz|ru|us|ca|au|nz|in|br|mx)\b")
EMAIL_SPACED = (rf"(?i)[A-Za-z0-9._%+-]+{_SP}*[@＠]{_SP}*[A-Za-z0-9-]+"
                rf"(?:{_SP}*[.．]{_SP}*[A-Za-z0-9-]+)*{_SP}*[.．]{_SP}*{_TLD}")  # "a @ x . com"
EMAIL_HASH = rf"(?i)[A-Za-z0-9._%+-]{{2,}}[#＃][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)*[.．]{_TLD}"
_H = r"\p{Han}"
_CNUM = rf"(?:{_D}+|[一二三四五六七八九十百零〇两]+)"
_UNIT = r"(?:号楼|號樓|栋|棟|幢|座|楼|樓|单元|單元|层|層|室|号|號|户|戶)"
# a building's name before its unit ("SOHO现代城A座", "R2-B栋"): not the words of a sentence
_BNAME = (r"(?:[^\P{Han}的了是在我你他她们們已经經到和与與及或就也都很还還要把被给給让讓]"
          r"|[A-Za-z0-9\-－])")
_TAIL = rf"(?:{_SP}*(?:{_BNAME}{{0,10}}?{_CNUM}?{_UNIT}|{_D}+[Ff]\b|[-－#]{_D}+))"
_ADMIN = (rf"{_H}{{1,4}}?(?:省|自治区|自治區|特别行政区|特別行政區|市|自治州|地区|地區|盟|区|區|"
          r"县|縣|旗|镇|鎮|乡|鄉|街道)")
_ROAD = rf"{_H}{{1,10}}?(?:大道|大街|路|街|巷|弄|胡同|道)(?:{_CNUM}段)?{_CNUM}(?:号|號|弄|巷)"
_ESTATE = (rf"{_H}{{1,8}}?(?:小区|小區|花园|花園|公寓|大厦|大廈|新村|家园|家園|苑|社区|社區|广场|"
           r"廣場|大楼|大樓|中心|城)")
_TOP = rf"{_H}{{2,4}}?(?:省|市|自治区|自治區|特别行政区|特別行政區)"
_LEAD = rf"((?:住在|住址|地址|寄到|送到|位于|位於|搬到|家在|住|在)[:：]?{_SP}*)?"  # kept
CN_ADDRESS = (rf"{_LEAD}(?:(?:{_ADMIN}){{0,5}}{_ROAD}{_TAIL}*(?:[-－]?{_D}+)?"
              rf"|(?:{_ADMIN}){{1,5}}{_ESTATE}{_TAIL}*(?:[-－]?{_D}+)?"
              rf"|{_ESTATE}{_TAIL}+(?:[-－]?{_D}+)?|{_H}{{2,6}}?(?:小区|小區)"
              rf"|{_TOP}(?:{_ADMIN}){{1,5}}{_TAIL}*)")
_SUFFIX = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|"
           r"Pl|Square|Sq|Terrace|Close|Crescent|Highway|Hwy|Parkway|Pkwy|Row|Gardens|Mews|Walk)")
_APT = rf"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Rm)\.?{_SP}*#?[A-Za-z0-9-]+"
_CITY = rf",{_SP}*[A-Z][a-z][A-Za-z'-]*(?:{_SP}[A-Z][a-z][A-Za-z'-]*)*"  # ", London"
_POSTCODE = (rf"[A-Z]{{1,2}}[0-9][A-Z0-9]?{_SP}*[0-9][A-Z]{{2}}\b"  # UK: NW1 6XE
             rf"|[A-Z]{{2}}{_SP}*[0-9]{{5}}(?:-[0-9]{{4}})?\b")  # US: DC 20500
EN_ADDRESS = (rf"\b(?:{_APT},?{_SP}*)?[0-9]{{1,5}}[A-Za-z]?,?"  # Flat 3, 221B
              rf"(?:{_SP}+[A-Z0-9][A-Za-z0-9'-]*){{1,4}}?{_SP}+{_SUFFIX}\b\.?"  # Baker St.
              rf"(?:{_SP}+(?:N|S|E|W|NE|NW|SE|SW)\b)?(?:,?{_SP}*{_APT})?"
              rf"(?:{_CITY}){{0,2}}(?:,?{_SP}*(?:{_POSTCODE}))?"
              rf"|\b[0-9]{{1,5}}[A-Za-z]?(?:{_SP}+[a-z]+){{1,3}}?{_SP}+(?:street|road|avenue)\b"
              rf"|(?i)\bP\.?{_SP}?O\.?{_SP}*Box{_SP}*[0-9]+")
_DE = r"(?:straße|strasse|str\.|weg|allee|platz|gasse|damm|ufer|chaussee)"
DE_ADDRESS = (rf"[A-ZÄÖÜ][\p{{L}}-]*?(?:{_DE}|{_SP}(?i:{_DE})){_SP}*[0-9]{{1,4}}[a-z]?\b"
              rf"(?:,?{_SP}*[0-9]{{5}}{_SP}+[A-ZÄÖÜ][\p{{L}}-]+)?")  # Hauptstraße 5, 10115 Berlin
# A Chinese name glued to a phone or an ID-card number, customer or not: a common surname and
# one or two characters ("张伟13812345678", "王芳的手机…", "13812345678张伟")
_SURNAME = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
            "龚邵钱严覃武戴莫孔汤張陳劉楊黃趙吳許鄭謝韓馮鄧蕭葉蘇盧鍾譚陸羅賈錢顧龔嚴孫馬蔣餘呂"
            "韋鄒閆龍賀湯")
_COMPOUND = ("欧阳|歐陽|司马|司馬|上官|诸葛|諸葛|东方|東方|皇甫|尉迟|尉遲|公孙|公孫|慕容|长孙|長孫|"
             "宇文|司徒|令狐|夏侯|端木|轩辕|軒轅|西门|西門|独孤|獨孤|南宫|南宮")
_GIVEN = r"[^\P{Han}的是在了和与與及或电電话話手机機号號码碼联聯系繫式等请請打拨撥给給谢謝]"
_CANDIDATE = rf"(?:{_COMPOUND}|[{_SURNAME}]){_GIVEN}{{1,2}}"
_GLUE = r"[ _\-/,，:：]?"
_NAME_WORD = (r"(?:的)?(?:手机号码|手机号|手机|手機|电话号码|电话|電話|联系电话|聯繫電話|号码|號碼|"
              r"身份证号码|身份证号|身份证|身份證|证件号|tel|phone|mobile)?")
NAME_BEFORE = rf"(?i)({_CANDIDATE})({_GLUE}{_NAME_WORD}{_SP}*[:：]?{_SP}*\[(?:phone|id)\])"
NAME_AFTER = rf"(\[(?:phone|id)\][_\-]?)({_CANDIDATE})($|[^\p{{Han}}])"


def _bounded(pattern: str) -> str:
    return f"{_PRE}({pattern}){_POST}"


# (RE2 pattern, replacement, passes), applied in this order: e-mails before the numbers they
# may hold, ID-card numbers before the phones that would match part of them, names glued to
# a number once the number is [phone] or [id]
SCRUB_RULES = (
    (EMAIL, "[email]", 1),
    (EMAIL_OBFUSCATED, "[email]", 1),
    (EMAIL_SPACED, "[email]", 1),
    (EMAIL_HASH, "[email]", 1),
    (ID_AFTER_WORD, r"\1[id]", 1),
    (_bounded(f"{ID18}|{ID15}"), r"\1[id]\3", 2),
    (PHONE_AFTER_WORD, r"\1[phone]", 1),
    (_bounded(PHONE), r"\1[phone]\3", 2),
    (PHONE_HAN_AFTER_WORD, r"\1[phone]", 1),
    (CN_MOBILE_HAN, "[phone]", 1),
    (QQ, r"\1[qq]", 1),
    (WXID, "[wechat]", 1),
    (WECHAT, r"\1\2[wechat]", 1),
    (CN_ADDRESS, r"\1[address]", 1),
    (EN_ADDRESS, "[address]", 1),
    (DE_ADDRESS, "[address]", 1),
    (NAME_BEFORE, r"[name]\2", 1),
    (NAME_AFTER, r"\1[name]\3", 1),
)

# ------------------------------------------------------------------------------ names
_W = "[ \t\u3000\u00a0]"  # white space inside a name (literal characters: RE2 classes)
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
# characters that RE2's (?i) matches with a lower-case letter but str.lower() does not give
# (final sigma ς for σ, long s ſ for s)
_SAME_FOLD = {}
for _c in map(chr, range(0x80, 0x2000)):
    if len(_c.casefold()) == 1 and _c.casefold() != _c.lower():
        _SAME_FOLD[_c.casefold()] = _SAME_FOLD.get(_c.casefold(), "") + _c
_PATTERN_BUDGET = 400_000  # characters of one RE2 alternation (RE2 refuses programs > ~8 MB)
_ODD_SPACE = rf"[\t\x{{3000}}\x{{A0}}]|  |[{_CJK}] +[{_CJK}]"


def _arrow(values):
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if isinstance(values, pd.Series):
        values = values.astype(object).where(values.map(lambda v: isinstance(v, str)), None)
    else:
        values = [v if isinstance(v, str) else None for v in values]
    return pa.array(values, type=pa.string(), from_pandas=True)


def name_key(values):
    """Names as they are matched: NFKC, lower case, white space collapsed, none between
    Chinese (Japanese, Korean) characters. A pyarrow array of the same length."""
    import pyarrow.compute as pc

    a = pc.utf8_trim_whitespace(pc.utf8_normalize(_arrow(values), form="NFKC"))
    a = pc.utf8_lower(pc.replace_substring_regex(a, r"[\s\x{3000}\x{A0}]+", " "))
    for _ in range(2):  # "张 伟 明": two passes (a match takes both characters)
        a = pc.replace_substring_regex(a, rf"([{_CJK}]) ([{_CJK}])", r"\1\2")
    return a


class NameSet:
    """The customers' names to replace by ``[name]`` in free text (2 characters or more).

    A name matches in any case ("ANN LEE", "ann lee"), with any white space between its words
    ("Ann  Lee") or its Chinese characters ("张 伟"), and in "Last, First" order ("Lee, Ann");
    a Latin name only as whole words ("Ann" is not replaced in "Annual"). One RE2 alternation
    per ~20,000 names, so a text costs the same however many names and lengths there are.

    Examples
    --------
    >>> names = NameSet(["Ann Lee", "张伟", "X", None])
    >>> "张伟" in names, "ann  LEE" in names, "X" in names, len(names)
    (True, True, False, 2)
    >>> names.replace("我是张伟, ANN LEE here; Lee, Ann; 张 伟")
    '我是[name], [name] here; [name]; [name]'
    """

    def __init__(self, names=()):
        import pyarrow.compute as pc

        if isinstance(names, NameSet):
            self._keys, self._set, self._runs = names._keys, names._set, names._runs
            return
        keys = name_key(names)
        keep = pc.greater_equal(pc.utf8_length(pc.replace_substring(keys, " ", "")), 2)
        self._keys = pc.unique(pc.drop_null(pc.filter(keys, pc.fill_null(keep, False))))
        self._set = None
        self._runs = None

    @classmethod
    def of(cls, names) -> "NameSet":
        return names if isinstance(names, NameSet) else cls(names)

    @property
    def names(self) -> frozenset:
        """The names, as they are matched (see :func:`name_key`)."""
        if self._set is None:
            self._set = frozenset(self._keys.to_pylist())
        return self._set

    def __contains__(self, value) -> bool:
        return isinstance(value, str) and name_key([value])[0].as_py() in self.names

    def __len__(self) -> int:
        return len(self._keys)

    def replace(self, text: str) -> str:
        """``text`` with the names replaced by ``[name]`` (as in a column, see :meth:`apply`)."""
        import pyarrow as pa

        return self.apply(pa.array([text], type=pa.string()))[0].as_py()

    def apply(self, a):
        """A pyarrow string array with the names replaced by ``[name]``: one RE2 pass per
        alternation of ~30,000 names, of the names that can occur in ``a`` (see
        :meth:`candidates`); the texts with unusual white space (two spaces, a tab, an
        ideographic space, a space between Chinese characters) with alternations that allow
        any white space inside the names."""
        import pyarrow.compute as pc

        odd = pc.fill_null(pc.match_substring_regex(a, _ODD_SPACE), False)
        if not pc.any(odd).as_py():
            return _replace_names(a, self.patterns(a))
        for mask, flexible in ((pc.invert(odd), False), (odd, True)):
            some = pc.filter(a, mask)
            if len(some):
                a = pc.replace_with_mask(a, mask, _replace_names(some, self.patterns(some,
                                                                                     flexible)))
        return a

    def patterns(self, texts, flexible: bool = False) -> list:
        """The RE2 alternations of the names that can occur in ``texts`` (a pyarrow array)."""
        keys = self.candidates(texts)
        return _alternations(keys, flexible) if len(keys) else []

    def candidates(self, texts):
        """The names (:func:`name_key`) that can occur in ``texts``: those whose ASCII words
        ("ann", "lee", "1985") are all words of the texts and whose other characters (张, 伟,
        é) the texts all hold. Exact: a name never matches where this fails, so only the
        few names that can match are compiled (1,000,000 names and a short message: none).
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if not len(self._keys) or not len(texts):
            return self._keys[:0]
        low = pc.utf8_lower(texts)
        words = pc.unique(pc.list_flatten(pc.split_pattern_regex(low, "[^0-9a-z]+")))
        if self._runs is None:  # the names' ASCII words, and their other characters
            runs = pc.split_pattern_regex(self._keys, "[^0-9a-z]+")
            self._runs = (pc.list_flatten(runs), pc.list_parent_indices(runs),
                          pc.replace_substring_regex(self._keys, r"[\x00-\x7f]+", ""))
        flat, parent, other = self._runs
        missing = pc.invert(pc.or_(pc.is_in(flat, value_set=words), pc.equal(flat, "")))
        ok = np.ones(len(self._keys), dtype=bool)
        ok[parent.to_numpy()[missing.to_numpy(zero_copy_only=False)]] = False
        chars = set()
        for t in pc.replace_substring_regex(low, r"[\x00-\x7f]+", "").to_pylist():
            if t:
                chars.update(t)
        chars |= {v for c in list(chars)
                  for v in (c.upper(), c.casefold(), *_SAME_FOLD.get(c, ""))}
        cls = "".join(sorted("\\" + c if c in "\\]^-[" else c for c in chars))
        ok &= pc.match_substring_regex(other, f"^[{cls}]*$" if cls else "^$").to_numpy(
            zero_copy_only=False)
        return pc.filter(self._keys, pa.array(ok))


def _alternations(keys, flexible: bool = False) -> list:
    """The names ``keys`` (see :func:`name_key`) as RE2 alternatives, in chunks (see
    :func:`_pattern`): literal names ("ann lee", "lee, ann", "lee,ann", "lee ann", "张伟"), or,
    ``flexible``, with any white space between words and Chinese characters ("ann \t lee",
    "张 伟"): 15 times slower, for the texts that hold such spaces only."""
    import pyarrow as pa
    import pyarrow.compute as pc

    esc = pc.replace_substring_regex(keys, r"([\\.^$|?*+()\[\]{}\-])", r"\\\1")
    # "Last, First" for "first last" (a name of words, not of Chinese characters)
    words = pc.and_(pc.invert(pc.match_substring_regex(esc, f"[{_CJK}]")),
                    pc.match_substring(esc, " "))
    parts = pc.extract_regex(pc.filter(esc, words), r"^(?P<first>.+) (?P<last>[^ ]+)$")
    first, last = pc.struct_field(parts, "first"), pc.struct_field(parts, "last")
    alts = pa.concat_arrays([esc] + [pc.binary_join_element_wise(last, first, sep)
                                     for sep in (["\x01"] if flexible else [", ", ",", " "])])
    if flexible:
        alts = pc.replace_substring(alts, " ", "\x02")
        for _ in range(2):  # white space allowed between two Chinese characters
            alts = pc.replace_substring_regex(alts, rf"([{_CJK}])([{_CJK}])", "\\1\x03\\2")
    # descending: a name comes before the names it starts with ("ann leeds" before "ann lee",
    # "ann lee" before "ann"), as RE2 takes the first alternative that matches
    alts = pc.take(alts, pc.array_sort_indices(alts, order="descending"))
    # an end that is an ASCII letter or digit must not touch another ("Ann" is not in
    # "Annual"); a Chinese name needs no boundary ("我是张伟")
    alts = pc.replace_substring_regex(alts, r"^([0-9a-z])", r"\\b\1")
    alts = pc.replace_substring_regex(alts, r"([0-9a-z])$", r"\1\\b")
    if flexible:
        alts = pc.replace_substring(alts, "\x01", f"(?:{_W}*,{_W}*|{_W}+)")
        alts = pc.replace_substring(alts, "\x02", f"{_W}+")
        alts = pc.replace_substring(alts, "\x03", f"{_W}*")
    budget = _PATTERN_BUDGET // (2 if flexible else 1)
    out, chunk, size = [], [], 0
    for alt in alts.to_pylist():
        chunk.append(alt)
        size += len(alt) + 1
        if size >= budget:
            out.append(chunk)
            chunk, size = [], 0
    return out + [chunk] if chunk else out


def _replace_names(a, chunks):
    import pyarrow as pa
    import pyarrow.compute as pc

    todo = list(chunks)
    while todo:
        chunk = todo.pop(0)
        try:
            a = pc.replace_substring_regex(a, _pattern(chunk), "[name]")
        except pa.ArrowInvalid as e:  # "pattern too large": beyond RE2's memory budget
            if "too large" not in str(e) or len(chunk) < 2:
                raise
            todo[:0] = _halves(chunk)
    return a


def _pattern(chunk) -> str:
    return f"(?i)(?:{'|'.join(chunk)})"


def _halves(chunk) -> list:
    return [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]


# ---------------------------------------------------------------------------- scrubbing
# Short text fields (city, region, a category) hold no long numbers: one there is a phone or
# an id that slipped into the wrong column (a row shifted in Excel), even without separators
FIELD_RULES = ((_bounded(rf"[+＋]?{_D}(?:{_S}?{_D}){{6,}}"), r"\1[number]\3", 2),)


def _scrub_array(a, names=(), field: bool = False):
    """Scrub a pyarrow string array (see the module docstring); nulls stay null. ``field``:
    the values are short fields (a city), whose numbers of 7 digits or more become
    ``[number]``."""
    import pyarrow.compute as pc

    for pattern, replacement, passes in SCRUB_RULES + (FIELD_RULES if field else ()):
        for _ in range(passes):
            a = pc.replace_substring_regex(a, pattern, replacement)
    return NameSet.of(names).apply(a)


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
    >>> scrub_text("身份证 11010519491231002X, QQ 12345678, ann lee", names=["Ann Lee"])
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


# an e-mail, an ID-card number or a phone anywhere in a value (an id column holding them)
PERSONAL = "|".join([EMAIL, EMAIL_OBFUSCATED, _bounded(f"{ID18}|{ID15}"), _bounded(PHONE)])


def looks_personal(values):
    """A boolean pyarrow array: which values hold an e-mail, a phone or an ID-card number."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.match_substring_regex(_arrow(values), PERSONAL), False)
