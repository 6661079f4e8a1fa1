"""Decode client text files line by line, and spot text that was garbled by a wrong encoding.

Client exports are UTF-8, GBK/GB18030 or, from European systems, Windows-1252 (Latin-1), and
sometimes a mix: a UTF-8 export with a few lines pasted from a GBK file. Deciding one encoding
for the whole file from its first megabyte turns such lines into mojibake (张伟 -> 寮犱紵), so
here every physical line is checked on its own, vectorised (numpy over the bytes, one RE2 pass
over the lines that numpy cannot rule out):

* a line that is valid UTF-8 is decoded as UTF-8 (ASCII lines are the same in every encoding);
* any other line is decoded with the file's legacy encoding: GB18030 (a superset of GBK and
  GB2312) when its bytes look like simplified Chinese, Big5 (cp950) when they read far better
  as traditional Chinese (GB18030 reads Big5 as private-use, kana and rare characters), else
  Windows-1252 (bytes it leaves undefined are read as Latin-1, so this never fails). The
  choice is made once per file from the sample (:func:`pick_legacy`, each line voting by
  :func:`line_scores`); the lines whose bytes make it doubtful (a lone high byte in a GBK
  file, only byte pairs in a Windows-1252 one) are weighed again one by one, and a line
  another encoding reads far better is decoded in it and reported with the mix, so a
  Windows-1252 file with one GBK line reads 张伟, not ÕÅÎ°; lines no encoding reads cleanly
  are reported as garbled.

:class:`LineDecoder` records which lines used which encoding, so a file that mixes them is
reported with its lines. :func:`mojibake_cells` finds cells that decode fine but look garbled:
UTF-8 text once read as GBK (``寮犱紵``, ``锟斤拷``: mostly rare CJK characters, the approach of
charset-normalizer's uncommon-CJK test, confirmed by a round trip), as Latin-1 (``JosÃ©``,
``â€™``, as ftfy looks for them), or holding private-use characters (U+E000-U+F8FF, no one's
text: Big5 read as GB18030). No Python loop runs per line or per cell except over the few
cells or line runs that need a second look.

Examples
--------
>>> d = LineDecoder()
>>> d.decode("id,name\\n1,张伟\\n".encode("utf-8") + "2,李娜\\n".encode("gbk"))
'id,name\\n1,张伟\\n2,李娜\\n'
>>> {enc: lines.tolist() for enc, lines in d.lines().items()}
{'utf-8': [2], 'gb18030': [3]}
>>> unmojibake("寮犱紵"), unmojibake("JosÃ© MÃ¼ller")
('张伟', 'José Müller')
"""
from __future__ import annotations

import codecs
import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LEGACY_NAMES = {"gb18030": "GB18030 (GBK)", "cp1252": "Windows-1252 (Western European)",
                "cp950": "Big5 (Traditional Chinese)", "utf-8": "UTF-8"}
LEGACY = ("gb18030", "cp1252", "cp950")  # the order in which ties are broken
MAX_LINE_CHECKS = 20_000  # doubtful lines of one chunk weighed in every legacy encoding


def _latin1_fallback(err):
    # Windows-1252 leaves five bytes undefined; Latin-1 maps them, so decoding never fails
    return err.object[err.start:err.end].decode("latin-1"), err.end


codecs.register_error("crm-latin1", _latin1_fallback)


# ---------------------------------------------------------------------- UTF-8 validity
# one valid UTF-8 character (RE2 on binary data matches bytes, as Latin-1)
_UTF8_CHAR = (r"(?:[\x00-\x7F]|[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]"
              r"|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]"
              r"|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
              r"|\xF4[\x80-\x8F][\x80-\xBF]{2})")
_UTF8_VALID = f"^{_UTF8_CHAR}*$"


def utf8_valid(arr) -> np.ndarray:
    """Per value of a binary array: is it valid UTF-8? (one vectorised RE2 pass; nulls: True)

    Examples
    --------
    >>> import pyarrow as pa
    >>> utf8_valid(pa.array([b"abc", "张伟".encode(), "张伟".encode("gbk"), None])).tolist()
    [True, True, False, True]
    """
    if not pa.types.is_binary(arr.type) and not pa.types.is_large_binary(arr.type):
        arr = arr.cast(pa.large_binary() if pa.types.is_large_string(arr.type) else pa.binary())
    return pc.fill_null(pc.match_substring_regex(arr, _UTF8_VALID), True).to_numpy(
        zero_copy_only=False)


def _lines_array(data: bytes, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """Byte ranges ``[starts[i], ends[i])`` of ``data`` as a binary array (no copy when the
    ranges are the consecutive lines of ``data``)."""
    typ, otype = (pa.binary(), np.int32) if len(data) < (1 << 31) else (pa.large_binary(),
                                                                       np.int64)
    if len(starts) and not (starts[1:] == ends[:-1]).all():
        offsets = np.concatenate([[0], np.cumsum(ends - starts)])
        # the selected bytes (ranges do not overlap): +1 at each start, -1 at each end
        step = np.zeros(len(data) + 1, np.int32)
        step[starts] += 1
        step[ends] -= 1
        buf = np.frombuffer(data, np.uint8)[np.cumsum(step[:-1]) > 0].tobytes()
        return pa.Array.from_buffers(typ, len(starts), [None, pa.py_buffer(
            offsets.astype(otype)), pa.py_buffer(buf)])
    offsets = np.concatenate([starts[:1], ends]) if len(starts) else np.zeros(1, np.int64)
    return pa.Array.from_buffers(typ, len(starts), [None, pa.py_buffer(offsets.astype(otype)),
                                                     pa.py_buffer(data)])


def line_breaks(b: np.ndarray) -> np.ndarray:
    """Positions of the line breaks of ``b`` as pyarrow's CSV reader sees them: ``\\n``, and
    ``\\r`` not followed by ``\\n`` (so ``\\r\\n`` is one break, at the ``\\n``)."""
    lf = b == 10
    cr = b == 13
    if cr.any():
        nxt = np.zeros(len(b), bool)
        nxt[:-1] = lf[1:]
        lf = lf | (cr & ~nxt)
    return np.flatnonzero(lf)


# ---------------------------------------------------------------------- CJK statistics
@functools.lru_cache(maxsize=1)
def _common_cjk() -> np.ndarray:
    """Code point -> True for the 3,755 common hanzi of GB2312 level 1 (its rows B0-D7)."""
    table = np.zeros(0x10000, bool)
    pairs = bytes(x for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for x in (hi, lo))
    for ch in pairs.decode("gb2312", errors="ignore"):
        table[ord(ch)] = True
    return table


@functools.lru_cache(maxsize=1)
def _common_big5() -> np.ndarray:
    """Code point -> True for the 5,401 frequently used characters of Big5 (A440-C67E)."""
    table = np.zeros(0x10000, bool)
    trails = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    pairs = bytes(x for hi in range(0xA4, 0xC7) for lo in trails
                  if (hi, lo) <= (0xC6, 0x7E) for x in (hi, lo))
    for ch in pairs.decode("cp950", errors="ignore"):
        table[ord(ch)] = True
    return table


def cjk_counts(arr, rare_only: bool = False, pairs: bool = False, common=None):
    """Per cell of a string array: (CJK ideographs, of which not common), from its UTF-8 bytes;
    with ``pairs`` also the count of ideographs that UTF-8 bytes read as GBK cannot produce.

    CJK ideographs U+4E00-U+9FFF are three-byte UTF-8 sequences; their code points are rebuilt
    with numpy and looked up in the common-character table; counted per cell with a running sum.
    With ``rare_only``, a column without any rare character gets zeros for all counts (the
    usual case, which then costs one pass over its bytes). ``common``: another table of
    common characters (code point -> bool), such as Big5's.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    n = len(arr)
    zeros = np.zeros(n, np.int64)
    nothing = (zeros, zeros.copy(), zeros.copy()) if pairs else (zeros, zeros.copy())
    if n == 0 or arr.null_count == n:
        return nothing
    offsets, seg, lo = _utf8_bytes(arr)
    if seg is None:
        return nothing
    pos = np.flatnonzero(((seg & 0xF0) == 0xE0)[:max(len(seg) - 2, 0)])
    if not len(pos):
        return nothing
    cp = (((seg[pos].astype(np.int32) & 0x0F) << 12) | ((seg[pos + 1].astype(np.int32) & 0x3F)
                                                         << 6) | (seg[pos + 2] & 0x3F))
    is_cjk = (cp >= 0x4E00) & (cp <= 0x9FFF)
    is_rare = is_cjk & ~(_common_cjk() if common is None else common)[cp]
    if rare_only and not is_rare.any():
        return nothing
    rel = offsets - lo

    def per_cell(at):
        # counts per cell from a running total over the bytes (no search per character)
        flags = np.zeros(len(seg) + 1, np.int32)
        flags[at + 1] = 1
        total = np.cumsum(flags)
        return np.diff(total[rel]).astype(np.int64)

    cjk = per_cell(pos[is_cjk])
    rare = per_cell(pos[is_rare])
    if pairs:
        return cjk, rare, per_cell(pos[is_cjk & ~_gbk_of_utf8()[cp]])
    return cjk, rare


@functools.lru_cache(maxsize=1)
def _gbk_of_utf8() -> np.ndarray:
    """Code point -> True for the ideographs whose two GBK bytes both occur in UTF-8 Chinese
    (lead bytes E4-E9, continuation bytes 80-BF): the only ones that UTF-8 text misread as GBK
    yields. About a fifth of all ideographs; real text rarely uses only them."""
    table = np.zeros(0x10000, bool)
    utf8_bytes = set(range(0x80, 0xC0)) | set(range(0xE4, 0xEA))
    for cp in range(0x4E00, 0xA000):
        try:
            b = chr(cp).encode("gbk")
        except UnicodeEncodeError:
            continue
        table[cp] = len(b) == 2 and b[0] in utf8_bytes and b[1] in utf8_bytes
    return table


def _utf8_bytes(arr):
    """(offsets, bytes of the values, offset of the first byte) of a string array, zero-copy;
    bytes None when the array holds no text."""
    if pa.types.is_large_string(arr.type):
        otype = np.int64
    elif pa.types.is_string(arr.type):
        otype = np.int32
    else:
        arr = arr.cast(pa.string())
        otype = np.int32
    bufs = arr.buffers()
    if bufs[2] is None:
        return None, None, 0
    n = len(arr)
    offsets = np.frombuffer(bufs[1], otype)[arr.offset:arr.offset + n + 1].astype(np.int64)
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi <= lo:
        return None, None, 0
    return offsets, np.frombuffer(bufs[2], np.uint8)[lo:hi], lo


# ---------------------------------------------------------------------- legacy encodings
def pick_legacy(data) -> str:
    """The legacy encoding of text that is not UTF-8: "gb18030", "cp950" (Big5) or "cp1252".

    ``data`` is bytes or a list of lines (bytes). Each line votes for the encoding that reads
    it best (:func:`line_scores`): Chinese text in GBK decodes to common simplified hanzi, in
    Big5 to common traditional ones (Big5 read as GB18030 gives private-use, kana and rare
    characters: 飲料 -> 都\\ue19d); Western text in Windows-1252 has single accented bytes
    between ASCII letters (José, Müller), which GB18030 either rejects or pairs into rare
    characters. Ties go to GB18030, then Windows-1252.

    Examples
    --------
    >>> pick_legacy("张伟,北京".encode("gbk")), pick_legacy("José Müller".encode("cp1252"))
    ('gb18030', 'cp1252')
    >>> pick_legacy("Müller".encode("cp1252"))  # valid GB18030, but not Chinese
    'cp1252'
    >>> pick_legacy("飲料,便當,鳳梨酥".encode("big5"))
    'cp950'
    """
    lines = data.split(b"\n") if isinstance(data, bytes) else list(data)
    lines = [ln for ln in lines if any(c >= 0x80 for c in ln)][:500]
    if not lines:
        return "gb18030"
    scores = line_scores(lines)
    stack = np.vstack([scores[e] for e in LEGACY])
    best = np.argmax(stack, axis=0)  # the first of LEGACY on a tie
    decided = (stack != stack[best, np.arange(len(lines))]).any(axis=0)  # not all equal
    votes = np.bincount(best[decided], minlength=len(LEGACY))
    return LEGACY[int(np.argmax(votes))]


_ODD = ("[\\x{E000}-\\x{F8FF}\\x{3040}-\\x{30FF}\\x{0370}-\\x{04FF}\\x{2500}-\\x{257F}"
        "\\x{3100}-\\x{312F}\\x{FF61}-\\x{FF9F}\\x{FFFD}]")
_C1 = np.zeros(256, bool)
_C1[[0x81, 0x8D, 0x8F, 0x90, 0x9D]] = True  # bytes Windows-1252 leaves undefined


def _decode_lines(lines, enc) -> list:
    """Each line decoded with ``enc`` (bytes it cannot read become U+FFFD), in one decode."""
    joined = b"\n".join(lines).decode(enc, errors="replace").split("\n")
    if len(joined) == len(lines):
        return joined
    return [ln.decode(enc, errors="replace") for ln in lines]


def line_scores(lines) -> dict:
    """How well each legacy encoding reads each line (bytes without its line break): one
    number per line and encoding, higher is better, comparable across encodings.

    GB18030 and Big5: common characters (GB2312 level 1, Big5 level 1) minus rare ones, minus
    three for each sign of a wrong decoding (private-use characters, kana, Greek, Cyrillic,
    box drawing or bopomofo between hanzi, bytes it cannot read). Windows-1252: one for each
    single accented byte (é in José), minus half a point for each byte of a longer run of
    high bytes (what Chinese text looks like in it) and three for each byte it leaves
    undefined.

    Examples
    --------
    >>> s = line_scores(["张伟".encode("gbk"), "José".encode("cp1252")])
    >>> {k: v.tolist() for k, v in s.items()}
    {'gb18030': [2.0, -3.0], 'cp1252': [-2.0, 1.0], 'cp950': [-2.0, -3.0]}
    """
    out = {}
    for enc, common in (("gb18030", None), ("cp950", _common_big5())):
        arr = pa.array(_decode_lines(lines, enc), pa.string())
        _, rare = cjk_counts(arr, common=common)
        cjk, _ = cjk_counts(arr)
        common_n = cjk - rare
        odd = pc.fill_null(pc.count_substring_regex(arr, _ODD), 0).to_numpy(
            zero_copy_only=False)
        out[enc] = (common_n - rare - 3 * odd).astype(np.float64)
    n = len(lines)
    data = b"\n".join(lines)
    b = np.frombuffer(data, np.uint8)
    starts = np.concatenate([[0], np.cumsum([len(ln) + 1 for ln in lines])[:-1]]).astype(
        np.int64) if n else np.zeros(0, np.int64)
    high = b >= 0x80
    run = _run_lengths(high)
    single = high & (run == 1)
    longer = high & (run > 1)
    c1 = _C1[b]
    if len(b):
        per = [np.add.reduceat(x.astype(np.int64), starts) for x in (single, longer, c1)]
        empty = np.array([len(ln) == 0 for ln in lines])
        for x in per:
            x[empty] = 0
    else:
        per = [np.zeros(n, np.int64)] * 3
    out["cp1252"] = per[0] - per[1] / 2 - 3 * per[2]
    return {k: out[k] for k in LEGACY}


def _run_lengths(high: np.ndarray) -> np.ndarray:
    """For each byte, the length of the run of high bytes it belongs to (0 for ASCII)."""
    if not len(high):
        return np.zeros(0, np.int64)
    h = high.astype(np.int8)
    d = np.diff(np.concatenate([[0], h, [0]]))
    rs, re_ = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    out = np.zeros(len(high), np.int64)
    if len(rs):
        ids = np.cumsum(d[:-1] == 1) - 1  # run id of each byte
        out[high] = (re_ - rs)[ids[high]]
    return out


def odd_runs(b: np.ndarray, starts: np.ndarray, high=None) -> np.ndarray:
    """Per line (``starts``: offsets of the lines in ``b``): does it hold a run of an odd
    number of high bytes? GBK's common characters come in pairs, accented letters alone."""
    h = b >= 0x80 if high is None else high
    if not len(h):
        return np.zeros(len(starts), bool)
    edge = h[1:] != h[:-1]
    at = np.flatnonzero(edge) + 1  # where runs of high and of ASCII bytes begin
    del edge
    bounds = np.concatenate([[0], at, [len(h)]]) if len(at) else np.array([0, len(h)])
    first_high = bool(h[0])
    rs = bounds[0 if first_high else 1:-1:2]  # the runs of high bytes alternate with ASCII
    re_ = bounds[1 if first_high else 2::2]
    odd = rs[((re_ - rs[:len(re_)]) & 1).astype(bool)]
    out = np.zeros(len(starts), bool)
    if len(odd):
        out[np.searchsorted(starts, odd, side="right") - 1] = True
    return out


def best_decodings(lines, prefer: str):
    """``(encoding of each line, mask of lines that look garbled in every encoding)``: the
    best reading of each line by :func:`line_scores`, when it is clearly better than
    ``prefer`` (by two points, and for Chinese with two common characters at least: "ÄÖ" in a
    Western file stays Western, though GB18030 reads it as one common hanzi)."""
    scores = line_scores(lines)
    order = [prefer] + [e for e in LEGACY if e != prefer]
    stack = np.vstack([scores[e] for e in order])
    best = np.argmax(stack, axis=0)
    top = stack[best, np.arange(len(lines))]
    encs = np.array(order, dtype=object)[best]
    clear = (top - stack[0] >= 2) & ((encs == "cp1252") | (top >= 2))
    encs[~clear] = prefer
    return encs, top < 0


class LineDecoder:
    """Decode chunks of a text file (each ending at a line break) line by line into str.

    Valid UTF-8 lines are decoded as UTF-8, other lines with ``legacy`` (decided by
    :func:`pick_legacy` on the first such bytes when not given), except the lines another
    legacy encoding reads far better (:func:`best_decodings`, weighed only for the lines whose
    bytes make the file's choice doubtful: a single high byte in a GBK file, none in a
    Windows-1252 one): a Windows-1252 file with one GBK line reads 张伟, not ÕÅÎ°.
    :meth:`lines` tells which physical lines (1-based, counting from ``first_line``) holding
    non-ASCII text used which encoding; :attr:`garbled` lists the lines that look garbled in
    every encoding.
    """

    def __init__(self, legacy: str | None = None, first_line: int = 1):
        self.legacy = legacy
        self.line = first_line
        self._lines: dict[str, list] = {}
        self._garbled: list = []

    @property
    def garbled(self) -> np.ndarray:
        """Physical lines that no encoding reads without signs of garbling."""
        return np.sort(np.concatenate(self._garbled)) if self._garbled else np.zeros(0, np.int64)

    def _note(self, enc, numbers):
        if len(numbers):
            self._lines.setdefault(enc, []).append(np.asarray(numbers, np.int64))

    def lines(self) -> dict:
        """Encoding -> sorted array of the physical lines with non-ASCII text decoded in it."""
        return {k: np.sort(np.concatenate(v)) for k, v in self._lines.items()}

    def decode(self, chunk: bytes) -> str:
        b = np.frombuffer(chunk, np.uint8)
        breaks = line_breaks(b)
        n_lines = len(breaks) + (0 if len(b) and len(breaks) and breaks[-1] == len(b) - 1
                                 else 1 if len(b) else 0)
        first = self.line
        self.line += len(breaks)
        if not n_lines:
            return ""
        starts = np.concatenate([[0], breaks + 1])[:n_lines].astype(np.int64)
        ends = np.concatenate([breaks + 1, [len(b)]])[:n_lines].astype(np.int64)
        high = b >= 0x80
        if not high.any():
            return chunk.decode("ascii")
        hi = np.logical_or.reduceat(high, starts)
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            self._note("utf-8", np.flatnonzero(hi) + first)
            return text
        # lines that certainly are not UTF-8 (a lead byte not followed by a continuation byte,
        # or a continuation byte after an ASCII one: GBK text is full of them); the full check
        # (RE2) runs only on the other lines with non-ASCII bytes
        sure = np.zeros(len(b), bool)
        lead = b[:-1] >= 0xC0
        nxt = b[1:]
        sure[:-1] = lead & ((nxt < 0x80) | (nxt >= 0xC0))
        sure[1:] |= (b[:-1] < 0x80) & high[1:] & (nxt < 0xC0)
        del lead, nxt
        check = np.flatnonzero(hi & ~np.logical_or.reduceat(sure, starts))
        del sure
        valid = ~hi
        if len(check):
            valid[check] = utf8_valid(_lines_array(chunk, starts[check], ends[check]))
        bad_lines = np.flatnonzero(~valid)
        good = np.flatnonzero(valid & hi)
        if self.legacy is None:
            self.legacy = pick_legacy([chunk[starts[i]:ends[i]] for i in bad_lines[:500]])
        self._note("utf-8", good + first)
        # the encoding of each line: 0 UTF-8 (or ASCII), 1 + its index in LEGACY
        codes = {e: k + 1 for k, e in enumerate(LEGACY)}
        cls = np.full(n_lines, -1, np.int8)
        cls[good] = 0
        cls[bad_lines] = codes[self.legacy]
        doubt = bad_lines[odd_runs(b, starts, high)[bad_lines] == (self.legacy == "gb18030")]
        if len(doubt):
            doubt = doubt[:MAX_LINE_CHECKS]
            encs, garbled = best_decodings([chunk[starts[i]:ends[i]].rstrip(b"\r\n")
                                            for i in doubt], self.legacy)
            for enc in set(encs) - {self.legacy}:
                at = doubt[encs == enc]
                same = [chunk[starts[i]:ends[i]].decode(enc, errors="replace") ==
                        chunk[starts[i]:ends[i]].decode(self.legacy, errors="replace")
                        for i in at]  # only the doubtful lines another encoding won
                cls[at[~np.array(same, bool)]] = codes[enc]
            if garbled.any():
                self._garbled.append(doubt[garbled] + first)
        # runs of lines sharing a decoder: ASCII lines join the run before them
        idx = np.where(cls >= 0, np.arange(n_lines), 0)
        np.maximum.accumulate(idx, out=idx)
        filled = cls[idx]
        filled[filled < 0] = 0
        cut = np.flatnonzero(np.diff(filled)) + 1
        run_starts = np.concatenate([[0], cut])
        run_ends = np.concatenate([cut, [n_lines]])
        out = []
        for r0, r1 in zip(run_starts, run_ends):
            seg = chunk[starts[r0]:ends[r1 - 1]]
            if not filled[r0]:
                out.append(seg.decode("utf-8"))
                continue
            enc = LEGACY[filled[r0] - 1]
            in_run = bad_lines[(bad_lines >= r0) & (bad_lines < r1)]
            try:
                out.append(seg.decode(enc, errors="strict" if enc != "cp1252" else
                                      "crm-latin1"))
                self._note(enc, in_run + first)
            except UnicodeDecodeError:
                # a line that is neither UTF-8 nor this encoding: the encoding reading it best
                in_run = set(in_run.tolist())
                for i in range(r0, r1):
                    line = chunk[starts[i]:ends[i]]
                    try:
                        out.append(line.decode(enc))
                        used = enc if i in in_run else None
                    except UnicodeDecodeError:
                        used = _strict_best(line, enc)
                        out.append(line.decode(used, errors="crm-latin1"))
                    if used:
                        self._note(used, [i + first])
        return "".join(out)


def _strict_best(line: bytes, prefer: str) -> str:
    """The legacy encoding that reads ``line`` best among those that read all of it
    (Windows-1252, with Latin-1 for its five undefined bytes, always does)."""
    ok = [e for e in LEGACY if e != prefer and e != "cp1252" and _reads(line, e)]
    if not ok:
        return "cp1252"
    encs, _ = best_decodings([line.rstrip(b"\r\n")], "cp1252")
    return encs[0] if encs[0] in ok else "cp1252"


def _reads(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def describe_mix(lines: dict) -> tuple[str, str, np.ndarray] | None:
    """For a file whose non-ASCII lines used several encodings: (main encoding, sentence,
    lines not in the main encoding); None when one encoding was enough."""
    if len(lines) < 2:
        return None
    main = max(lines, key=lambda k: (len(lines[k]), k == "utf-8"))
    others = {k: v for k, v in lines.items() if k != main}
    parts = ", ".join(f"{len(v):,} line{'s' * (len(v) != 1)} in {LEGACY_NAMES[k]}"
                      for k, v in others.items())
    n = len(lines[main])
    text = (f"the file mixes text encodings: {parts}, the other {n:,} line{'s' * (n != 1)} "
            f"with non-ASCII text in {LEGACY_NAMES[main]}")
    return main, text, np.sort(np.concatenate(list(others.values())))


# ---------------------------------------------------------------------- mojibake
_CP1252_HIGH = bytes(range(0x80, 0xC0)).decode("cp1252", errors="crm-latin1")
_LATIN_MOJIBAKE = ("[ÂÃ][" + "".join(f"\\x{{{ord(c):04X}}}" for c in _CP1252_HIGH)
                   + "]|â€|\\x{FFFD}|锟斤拷")


_PRIVATE = "[\\x{E000}-\\x{F8FF}]"


def mojibake_cells(arr) -> np.ndarray:
    """Mask of the cells of a string array whose text looks garbled by a wrong decoding.

    Examples
    --------
    >>> import pyarrow as pa
    >>> mojibake_cells(pa.array(["张伟", "寮犱紵", "José", "JosÃ©", None, "王秀英", "都\ue19d"]
    ...                         )).tolist()
    [False, True, False, True, False, False, True]
    """
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 0:
            return np.zeros(0, bool)
        return np.concatenate([mojibake_cells(c) for c in arr.chunks])
    n = len(arr)
    mask = np.zeros(n, bool)
    if n == 0 or arr.null_count == n:
        return mask
    _, seg, _ = _utf8_bytes(arr)
    if seg is None or seg.max() < 0x80:  # ASCII only: nothing can be garbled
        return mask
    # Â, Ã, â start with byte C3, U+FFFD is EF BF BD and 锟 E9 94 9F: the regex only where
    # one of them occurs (not for every column with a ￥ or a Chinese word)
    if (seg == 0xC3).any() or _has_seq(seg, b"\xef\xbf\xbd") or _has_seq(seg, "锟".encode()):
        mask = pc.fill_null(pc.match_substring_regex(arr, _LATIN_MOJIBAKE), False).to_numpy(
            zero_copy_only=False)
    # private-use characters (U+E000-U+F8FF: UTF-8 EE xx xx, EF 80-A3 xx) are no one's text:
    # what Big5 read as GB18030 gives (飲料 -> 都\ue19d)
    lead = np.flatnonzero((seg[:-1] == 0xEE) | ((seg[:-1] == 0xEF) & (seg[1:] <= 0xA3)))
    if len(lead):
        mask |= pc.fill_null(pc.match_substring_regex(arr, _PRIVATE), False).to_numpy(
            zero_copy_only=False)
    if not ((seg >= 0xE4) & (seg <= 0xE9)).any():  # no CJK ideograph at all
        return mask
    cjk, rare, foreign = cjk_counts(arr, rare_only=True, pairs=True)
    # mostly rare ideographs, all of a kind that misread UTF-8 produces (Traditional Chinese,
    # also mostly "rare" here, almost never is)
    cand = np.flatnonzero((cjk >= 2) & (rare * 2 > cjk) & (foreign == 0) & ~mask)
    if len(cand):
        # the round trip must give plainer Chinese: UTF-8 bytes that were read as GBK
        fixed = _from_gbk_all(pc.take(arr, pa.array(cand)))
        fc, fr = cjk_counts(fixed)
        ok = (fc >= 1) & (fr * 2 <= fc) & (fc < cjk[cand])
        mask[cand[ok]] = True
    return mask


def _has_seq(seg: np.ndarray, seq: bytes) -> bool:
    at = np.flatnonzero(seg[:len(seg) - len(seq) + 1] == seq[0])
    for k in range(1, len(seq)):
        if not len(at):
            return False
        at = at[seg[at + k] == seq[k]]
    return bool(len(at))


def _from_gbk_all(texts: pa.Array) -> pa.Array:
    """:func:`_from_gbk` of every value, in one encode and one decode of all of them joined
    (NUL, which a text file cannot hold, separates them; a value holding one anyway falls
    back to one call per value)."""
    values = texts.to_pylist()
    parts = _from_gbk("\x00".join(values)).split("\x00")
    if len(parts) != len(values):
        parts = [_from_gbk(v) for v in values]
    return pa.array(parts, pa.string())


def _from_gbk(text: str) -> str:
    return text.encode("gb18030", errors="replace").decode("utf-8", errors="replace")


def unmojibake(text: str) -> str:
    """The text a garbled cell probably held (for the report's examples only).

    >>> unmojibake("飲料".encode("big5").decode("gb18030"))
    '飲料'
    """
    if re.search("[\ue000-\uf8ff]", text):  # Big5 read as GB18030
        try:
            return text.encode("gb18030").decode("cp950")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text
    if re.search("[ÂÃ]|â€", text):
        try:
            return text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                return text.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                return text
    return _from_gbk(text).replace("\ufffd", "")
