"""Parse CSV text in blocks with pyarrow, giving every row its physical line (the machinery of
:func:`.reading.read_raw` for text files).

The file is streamed to pyarrow as UTF-8 (as it is, decoded line by line by
:class:`~.encoding.LineDecoder`, or from UTF-16), in constant memory apart from the result,
with a tqdm progress bar by bytes. Each row gets the physical line it starts on (values may
hold line breaks); a quote that is never closed where its value ends would swallow the
following lines into one value: its line is found (each multi-line record must be one proper
CSV record), reported and dropped, and the swallowed lines are read again as rows. Rows with
a wrong field count and lines of spaces are kept aside, so that what the file held adds up
(:attr:`_Block.records`). The limits and the one function that opens a client file are those
of :mod:`.reading`, read at each call.
"""
from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass

from . import reading as _r
from .encoding import LineDecoder


class _TooManyRows(Exception):
    pass


@dataclass
class _Block:
    """Rows parsed from (part of) a text file, with the physical line of each row."""

    table: object
    lines: object  # numpy array: first physical line of each row of ``table``
    malformed: list  # (line, text)
    blank: list  # lines holding only spaces
    quote_open: list  # (line where an unclosed quote opened, lines lost with it)
    quote_text: list  # (line, text) of those lines

    @property
    def records(self) -> int:
        return (self.table.num_rows + len(self.malformed) + len(self.blank)
                + sum(k for _, k in self.quote_open))


def _quote_message(opened) -> str:
    """``opened``: (line where the quote opened, lines lost) of each unclosed quote."""
    if len(opened) == 1:
        return (f"line {opened[0][0]} opens a quoted value (\") that is not closed where the "
                "value ends; the lines it swallowed, if any, were read again as rows (fix the "
                "quote in the export)")
    lines = ", ".join(str(n) for n, _ in opened[:5]) + (" …" if len(opened) > 5 else "")
    return (f"lines {lines} open quoted values (\") that are not closed where the value ends; "
            "the lines they swallowed were read again as rows (fix the quotes in the export)")


def _parse_file(path, mode, decoder, cut, bar, names, delimiter, header_line0, block_size):
    with _r._open(path) as f:
        src = _ProgressFile(f, bar) if bar is not None else f
        stream = _BreakCounter(_utf8_stream(src, mode, decoder, cut), lone_cr=cut == b"\r")

        def fetch(ranges):
            return _fetch_lines(path, mode, decoder.legacy if decoder else None, cut, ranges)

        return _parse_block(stream, names, delimiter, header_line0 + 1, header_line0 + 2, fetch,
                            block_size)


def _utf8_stream(f, mode, decoder, cut):
    """The file as UTF-8 bytes for pyarrow: as is, or decoded line by line, or from UTF-16."""
    if mode == "utf-8":
        return f  # pyarrow skips a UTF-8 byte order mark
    if mode == "utf-16":
        inc = codecs.getincrementaldecoder("utf-16")()
        return _Utf8Stream(f, inc.decode, None)
    return _Utf8Stream(f, lambda data, final: decoder.decode(data), cut)


class _BreakCounter(io.RawIOBase):
    """Pass-through stream counting the line breaks (\n, \r\n, lone \r) it hands out: when
    they match the records read, no value holds a line break and no per-column check is due."""

    TAIL = 1 << 20

    def __init__(self, f, lone_cr: bool = True):
        self._f, self.breaks, self.ends_with_break, self._cr = f, 0, True, False
        self.tail = b""  # the last bytes handed out (the end of the last record)
        self._lone_cr = lone_cr  # False: the file breaks lines with \n (a lone \r found later
        # only makes the count differ, and the exact per-column count runs)

    def readable(self):
        return True

    def _count(self, data):
        if data:
            self.breaks += data.count(b"\n")
            if self._lone_cr:
                self.breaks += data.count(b"\r") - data.count(b"\r\n")
                if self._cr and data[:1] == b"\n":
                    self.breaks -= 1  # a \r\n cut between two reads
                self._cr = data[-1:] == b"\r"
            self.ends_with_break = data[-1:] in (b"\n", b"\r")
            self.tail = (self.tail + data)[-self.TAIL:] if len(data) < self.TAIL else \
                data[-self.TAIL:]
        return data

    def read(self, n=-1):
        return self._count(self._f.read(n))

    def readinto(self, b):
        data = self._f.read(len(b))
        b[:len(data)] = data
        self._count(data)
        return len(data)


class _Utf8Stream(io.RawIOBase):
    """A read-only stream of UTF-8 bytes decoded from ``f`` in chunks ending at a line break
    (``cut``; None: any chunk, for a decoder that keeps partial characters itself)."""

    CHUNK = 8 << 20

    def __init__(self, f, decode, cut):
        self._f, self._decode, self._cut = f, decode, cut
        self._buf, self._pos, self._rest, self._eof, self._first = b"", 0, b"", False, True

    def readable(self):
        return True

    def _produce(self) -> bytes | None:
        """The next decoded chunk as UTF-8 (None at the end)."""
        while not self._eof:
            raw = self._f.read(self.CHUNK)
            final = not raw
            data = self._rest + raw
            if self._first and self._cut is not None and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            self._first = False
            if final:
                self._eof, self._rest = True, b""
            elif self._cut is not None:
                i = data.rfind(self._cut)
                if i < 0:
                    self._rest = data
                    continue
                data, self._rest = data[:i + 1], data[i + 1:]
            return self._decode(data, final).encode("utf-8")
        return None

    def _fill(self):
        while self._pos >= len(self._buf):
            chunk = self._produce()
            if chunk is None:
                self._buf, self._pos = b"", 0
                return
            self._buf, self._pos = chunk, 0

    def readinto(self, b):
        self._fill()
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n


def _fetch_lines(path, mode, legacy, cut, ranges) -> dict:
    """The text of physical line ranges ``[(first, last), ...]`` (1-based) of a text file,
    decoded as when it was read: ``{first: text}`` (one more pass over the file)."""
    import numpy as np

    from .encoding import line_breaks

    out: dict = {}
    starts = np.array([a for a, _ in ranges], np.int64)
    ends = np.array([b for _, b in ranges], np.int64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    parts: dict = {int(a): [] for a in starts}
    line, carry = 1, b""
    with _r._open(path) as f:
        stream = _utf8_stream(f, mode, LineDecoder(legacy) if mode == "lines" else None, cut)
        while True:
            chunk = stream.read(8 << 20)
            data = carry + (chunk or b"")
            if chunk and data.endswith(b"\r"):
                data, carry = data[:-1], b"\r"  # \r\n must not be split
            else:
                carry = b""
            if not data:
                break
            b = np.frombuffer(data, np.uint8)
            br = line_breaks(b)
            n_br = len(br)
            # line L of the file starts in this chunk at line_start(L)
            lo, hi = line, line + n_br  # lines starting in (or continuing into) this chunk
            touching = np.flatnonzero((starts <= hi) & (ends >= lo))
            for k in touching:
                a, z = int(starts[k]), int(ends[k])
                s0 = 0 if a <= lo else int(br[a - lo - 1]) + 1
                e0 = len(data) if z >= hi else int(br[z - lo]) + 1
                parts[a].append(data[s0:e0])
            line += n_br
            if not chunk:
                break
    for a, z in zip(starts, ends):
        out[int(a)] = b"".join(parts[int(a)]).decode("utf-8", errors="replace")
    return out


def _parse_block(stream, names, delimiter, skip_rows, first_line, fetch, block_size=8 << 20,
                 depth=0) -> _Block:
    """Parse CSV text (UTF-8) with pyarrow; give every row its physical line; find quotes
    that swallowed the following lines and read those lines again (recursively)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    malformed = []  # (record number, line breaks inside, text or None)

    def on_invalid(row):
        text = row.text or ""
        breaks = len(_r._BREAK.findall(text))
        keep = text if breaks or len(malformed) < 1000 or not text.strip() else None
        malformed.append((row.number, breaks, keep))
        return "skip"

    read_opts = pcsv.ReadOptions(encoding="utf8", use_threads=False, skip_rows=skip_rows,
                                 column_names=names, block_size=block_size)
    # quoted values may hold line breaks (comments typed in Excel cells)
    parse_opts = pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                   ignore_empty_lines=False, newlines_in_values=True)
    conv_opts = pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                    strings_can_be_null=True, quoted_strings_can_be_null=True,
                                    null_values=[""])
    reader = pcsv.open_csv(stream, read_options=read_opts, parse_options=parse_opts,
                           convert_options=conv_opts)
    batches, n = [], 0
    for batch in reader:
        n += batch.num_rows
        if n + len(malformed) > _r.MAX_ROWS:
            raise _TooManyRows()
        batches.append(batch)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    del batches
    n_good = table.num_rows
    # line breaks inside the values of each row
    extra = np.zeros(n_good, np.int64)
    multi_cols = []
    counted = getattr(stream, "breaks", None)
    single = False
    if counted is not None:  # as many physical lines as records: no value spans lines
        data_lines = counted - skip_rows + (0 if stream.ends_with_break else 1)
        single = data_lines == n_good + len(malformed) and not any(m[1] for m in malformed)
        if single and n_good:  # a quote left open on the last line ends the file inside it
            last = table.slice(n_good - 1)
            single = not any(pc.any(pc.match_substring_regex(c, "[\r\n]")).as_py()
                             for c in last.columns if c.null_count < len(c))
    for col in ([] if single else table.columns):
        if col.null_count == len(col):
            continue
        has_n = pc.any(pc.match_substring(col, "\n")).as_py()
        has_r = pc.any(pc.match_substring(col, "\r")).as_py()
        if has_n:
            extra += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy()
        if has_r:
            extra += pc.fill_null(pc.count_substring(col, "\r"), 0).to_numpy()
            extra -= pc.fill_null(pc.count_substring(col, "\r\n"), 0).to_numpy()
        if has_n or has_r:
            multi_cols.append(col)
    n_rec = n_good + len(malformed)
    rec = np.array([(m[0] if m[0] is not None else -1) for m in malformed], np.int64)
    rec = rec - skip_rows - 1
    if len(rec) and (rec.min() < 0 or rec.max() >= n_rec or (np.diff(rec) <= 0).any()):
        rec = np.arange(n_good, n_rec)  # positions unknown: put them last
    is_mal = np.zeros(n_rec, bool)
    is_mal[rec] = True
    spans = np.ones(n_rec, np.int64)
    spans[~is_mal] += extra
    spans[rec] += np.array([m[1] for m in malformed], np.int64)
    start = first_line + np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)
    lines = start[~is_mal]
    mal_lines = start[rec]

    # quotes that swallowed lines: multi-line records that are not one proper CSV record
    flagged = []  # (line, span, text, good-row index or None)
    cand = np.flatnonzero(extra > 0)
    if len(cand) > _r.MAX_QUOTE_CHECKS:
        k = min(max(len(names) - 1, 1), 50)
        d = re.escape(delimiter)
        pattern = rf"[\r\n][^\r\n]*(?:{d}[^\r\n]*){{{k}}}"
        looks = np.zeros(n_good, bool)
        for col in multi_cols:
            looks |= pc.fill_null(pc.match_substring_regex(col, pattern), False).to_numpy(
                zero_copy_only=False)
        cand = np.flatnonzero(looks)[:_r.MAX_QUOTE_CHECKS]
    if len(cand):
        texts = fetch([(int(lines[i]), int(lines[i] + extra[i])) for i in cand])
        for i in cand:
            t = texts.get(int(lines[i]), "")
            if not _r._closes_properly(t, delimiter):
                flagged.append((int(lines[i]), int(extra[i]) + 1, t, int(i)))
    # a file ending without a line break may end inside a quote that pyarrow closed for it
    tail = getattr(stream, "tail", b"")
    if n_good and tail and not stream.ends_with_break and (not len(rec) or
                                                           rec[-1] != n_rec - 1):
        last = _r._BREAK.split(tail.decode("utf-8", errors="replace"))
        k = int(extra[-1]) + 1
        if len(last) > k and not any(f[3] == n_good - 1 for f in flagged):
            text = "\n".join(last[-k:])
            if not _r._closes_properly(text, delimiter):
                flagged.append((int(lines[-1]), k, text, n_good - 1))
    keep_mal = []
    for (num, breaks, text), line in zip(malformed, mal_lines):
        if breaks and text is not None and not _r._closes_properly(text, delimiter):
            flagged.append((int(line), breaks + 1, text, None))
        else:
            keep_mal.append((int(line), breaks, text))
    blank = [ln for ln, b, t in keep_mal if not b and t is not None and not t.strip()]
    bad = [(ln, _r._short(t or "", _r.MAX_LINE_CHARS)) for ln, b, t in keep_mal
           if b or t is None or t.strip()]
    quote_open, quote_text, subs = [], [], []
    for line, _, text, row in sorted(flagged):
        first, *rest = _r._BREAK.split(text)
        if rest and rest[-1] == "":
            rest.pop()  # the file's last line break, not a line
        quote_text.append((line, _r._short(first, _r.MAX_LINE_CHARS)))
        if depth >= 20 or not "".join(rest).strip():
            quote_open.append((line, 1 + len(rest)))  # nothing (or nothing more) to read again
            continue
        quote_open.append((line, 1))
        body = "\n".join(rest)
        sub_lines = body.split("\n")

        def sub_fetch(ranges, sub_lines=sub_lines, base=line + 1):
            return {a: "\n".join(sub_lines[a - base:b - base + 1]) for a, b in ranges}

        subs.append(_parse_block(io.BytesIO(body.encode("utf-8")), names, delimiter, 0, line + 1,
                                 sub_fetch, block_size, depth + 1))
    drop = [row for *_, row in flagged if row is not None]
    if drop:
        keep = np.ones(n_good, bool)
        keep[drop] = False
        table, lines = table.filter(pa.array(keep)), lines[keep]
    if subs:
        table = pa.concat_tables([table] + [s.table for s in subs])
        lines = np.concatenate([lines] + [s.lines for s in subs])
        order = np.argsort(lines, kind="stable")
        table, lines = table.take(pa.array(order)), lines[order]
        for s in subs:
            bad += s.malformed
            blank += s.blank
            quote_open += s.quote_open
            quote_text += s.quote_text
        bad.sort()
        blank.sort()
        quote_open.sort()
        quote_text.sort()
    return _Block(table, lines, bad, blank, quote_open, quote_text)


def _progress(total: int, name: str):
    if total < (32 << 20):  # a bar for a small file is noise
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"reading {name}")


class _ProgressFile(io.RawIOBase):
    """A read-only file wrapper that advances a progress bar by the bytes read."""

    def __init__(self, f, bar):
        self._f, self._bar = f, bar

    def readable(self):
        return True

    def readinto(self, b):
        n = self._f.readinto(b)
        if n:
            self._bar.update(n)
        return n

    def read(self, n=-1):
        data = self._f.read(n)
        self._bar.update(len(data))
        return data
