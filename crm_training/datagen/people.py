"""Personal data at scale: Faker builds small pools once, numpy samples them for every customer.

One Faker call per customer takes minutes for a million customers; a few hundred calls to fill
pools, then vectorised sampling and Arrow string joins, take about a second. Cities come from a
fixed list of real cities with their region, so that city and region always agree.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker import Faker

LOCALES = ("en_US", "zh_CN")

# (city, region, weight): major cities; regions are the US Census regions / China's regions.
CITIES = {
    "en_US": [
        ("New York", "Northeast", 8.3), ("Los Angeles", "West", 3.9), ("Chicago", "Midwest", 2.7),
        ("Houston", "South", 2.3), ("Phoenix", "West", 1.6), ("Philadelphia", "Northeast", 1.6),
        ("San Antonio", "South", 1.4), ("San Diego", "West", 1.4), ("Dallas", "South", 1.3),
        ("Austin", "South", 1.0), ("Jacksonville", "South", 0.9), ("Columbus", "Midwest", 0.9),
        ("Indianapolis", "Midwest", 0.9), ("Seattle", "West", 0.75), ("Denver", "West", 0.7),
        ("Boston", "Northeast", 0.65), ("Detroit", "Midwest", 0.63), ("Nashville", "South", 0.69),
        ("Minneapolis", "Midwest", 0.43), ("Pittsburgh", "Northeast", 0.3),
    ],
    "zh_CN": [
        ("上海", "华东", 24.9), ("北京", "华北", 21.9), ("深圳", "华南", 17.7), ("广州", "华南", 18.8),
        ("成都", "西南", 21.4), ("重庆", "西南", 16.0), ("杭州", "华东", 12.4), ("武汉", "华中", 13.7),
        ("西安", "西北", 13.0), ("南京", "华东", 9.5), ("天津", "华北", 13.7), ("苏州", "华东", 12.9),
        ("郑州", "华中", 12.8), ("长沙", "华中", 10.4), ("沈阳", "东北", 9.1), ("青岛", "华东", 10.3),
        ("哈尔滨", "东北", 9.9), ("昆明", "西南", 8.5), ("厦门", "华东", 5.3), ("兰州", "西北", 4.4),
    ],
}
# The service-upgrade pilot runs in one region of each locale.
PILOT_REGION = {"en_US": "Midwest", "zh_CN": "华中"}
CURRENCY = {"en_US": ("USD", 1.0), "zh_CN": ("CNY", 7.0)}
_POOL = 400


def _ascii_slug(values: list[str]) -> list[str]:
    return ["".join(ch for ch in v.lower() if ch.isalnum() and ch.isascii()) or "user" for v in values]


def _large(values) -> pa.Array:
    return pa.array(values, pa.large_string())


def build_pools(locale: str, seed: int, b2b: bool = False) -> dict[str, pa.Array]:
    """Fill the name pools with Faker (a few hundred calls, seeded)."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    pools = {}
    if locale == "zh_CN":
        # Romanised names keep e-mail addresses ASCII; they pair with the Chinese ones by index.
        last = [fake.last_name() for _ in range(_POOL)]
        first_f = [fake.first_name_female() for _ in range(_POOL)]
        first_m = [fake.first_name_male() for _ in range(_POOL)]
        last_r = [fake.last_romanized_name() for _ in range(_POOL)]
        first_r = [fake.first_romanized_name() for _ in range(_POOL)]
        pools["last_rom"] = _large(_ascii_slug(last_r))
        pools["first_female_rom"] = pools["first_male_rom"] = _large(_ascii_slug(first_r))
    else:
        last = [fake.last_name() for _ in range(_POOL)]
        first_f = [fake.first_name_female() for _ in range(_POOL)]
        first_m = [fake.first_name_male() for _ in range(_POOL)]
        pools["last_rom"] = _large(_ascii_slug(last))
        pools["first_female_rom"] = _large(_ascii_slug(first_f))
        pools["first_male_rom"] = _large(_ascii_slug(first_m))
    pools["last"] = _large(last)
    pools["first_female"] = _large(first_f)
    pools["first_male"] = _large(first_m)
    pools["domain"] = _large(sorted({fake.free_email_domain() for _ in range(60)}))
    if b2b:
        companies = sorted({fake.company() for _ in range(3 * _POOL)})
        pools["company"] = _large(companies)
        pools["domain"] = _large(sorted({fake.domain_name() for _ in range(200)}))
    return pools


def digit_strings(rng: np.random.Generator, n: int, width: int, first: np.ndarray | None = None,
                  template: str | None = None) -> pa.Array:
    """``n`` random digit strings of ``width`` digits, optionally laid into a template.

    The template uses ``#`` for each digit, e.g. ``"(###) ###-####"``.
    """
    digits = rng.integers(48, 58, size=(n, width), dtype=np.uint8)
    if first is not None:
        digits[:, : first.shape[1]] = first
    if template is None:
        mat = digits
    else:
        mat = np.empty((n, len(template)), dtype=np.uint8)
        slots = [i for i, ch in enumerate(template) if ch == "#"]
        for i, ch in enumerate(template):
            if ch != "#":
                mat[:, i] = ord(ch)
        mat[:, slots] = digits
    return fixed_width_strings(mat)


_OFFSETS = weakref.WeakValueDictionary()  # width -> the offsets 0, w, 2w ... in use
_OFFSETS_LOCK = threading.Lock()


def fixed_offsets(n: int, width: int) -> pa.Buffer:
    """The Arrow offsets 0, w, 2w ... n*w of n strings of one width, as int64.

    Every array of strings of that width shares one buffer (a prefix of the longest asked for
    while it is in use), instead of each writing its own: immutable Arrow arrays may share.
    """
    with _OFFSETS_LOCK:
        offsets = _OFFSETS.get(width)
        if offsets is None or offsets.size < n + 1:
            offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
            _OFFSETS[width] = offsets
    return pa.py_buffer(offsets[: n + 1])


def fixed_width_strings(mat: np.ndarray) -> pa.Array:
    """Arrow strings from an (n, width) uint8 matrix of ASCII codes, without a Python loop.

    The strings are ``large_string``, the type pandas keeps its ``str`` columns in, so that they
    reach a DataFrame without another copy.
    """
    n, w = mat.shape
    return pa.LargeStringArray.from_buffers(n, fixed_offsets(n, w),
                                            pa.py_buffer(np.ascontiguousarray(mat)))


_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)
_DIGITS4_AS_U32 = _DIGITS4.view(np.uint32).ravel()  # "0042" as one 4-byte word


def _field(mat: np.ndarray, offset: int, dtype) -> np.ndarray:
    """A strided view of the bytes ``offset..`` of every row of an (n, w) uint8 matrix."""
    return np.ndarray((mat.shape[0],), dtype=dtype, buffer=mat, offset=offset,
                      strides=(mat.shape[1],))


def _digit_matrix(numbers: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded (the low digits kept)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = numbers.size
    chunks = -(-width // 4)
    words = np.empty((n, chunks), dtype=np.uint32)
    rest = numbers
    for k in range(chunks):  # one pass per four digits, not per row
        rest, d = np.divmod(rest, 10_000)
        words[:, chunks - 1 - k] = _DIGITS4_AS_U32[d]
    return words.view(np.uint8).reshape(n, 4 * chunks)[:, 4 * chunks - width:]


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Strings ``prefix + zero-padded number`` for an array of non-negative integers.

    Four digits at a time, gathered as 4-byte words from a lookup table: a few vectorised passes,
    no Python loop per row.

    >>> format_ids("C", np.array([7, 12]), 4).to_pylist()
    ['C0007', 'C0012']
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    n = numbers.size
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.empty((n, len(p) + width), dtype=np.uint8)
    mat[:, : len(p)] = p
    mat[:, len(p):] = _digit_matrix(numbers, width)
    return fixed_width_strings(mat)


def make_ids(prefix: str, n: int, width: int | None = None) -> pa.Array:
    """Ids ``prefix + zero-padded number`` from 1 to n, e.g. C000001.

    Consecutive numbers repeat their last four digits every 10,000: those are written as one
    broadcast of the 10,000 four-digit words, the digits above them once per block.

    >>> make_ids("C", 3).to_pylist()
    ['C1', 'C2', 'C3']
    >>> make_ids("T", 10_002, 6).to_pylist()[9_998:]
    ['T009999', 'T010000', 'T010001', 'T010002']
    """
    width = width or len(str(max(n, 1)))
    p = prefix.encode()
    if width < 4 or n < 10_000 or not p.isascii():
        return format_ids(prefix, np.arange(1, n + 1), width)
    row = len(p) + width
    blocks = -(-(n + 1) // 10_000)
    mat = np.empty((blocks * 10_000, row), dtype=np.uint8)  # row i holds number i
    for i, ch in enumerate(p):
        _field(mat, i, np.uint8)[:] = ch
    low = _field(mat, row - 4, "<u4").reshape(blocks, 10_000)
    low[:] = _DIGITS4_AS_U32[None, :]
    if width > 4:
        high = np.ascontiguousarray(_digit_matrix(np.arange(blocks), width - 4))
        void = f"V{width - 4}"
        _field(mat, len(p), void).reshape(blocks, 10_000)[:] = high.view(void)
    data = mat.reshape(-1)[row: (n + 1) * row]  # numbers 1..n
    return pa.LargeStringArray.from_buffers(n, fixed_offsets(n, row), pa.py_buffer(data))


def fixed_rows(arr: pa.Array) -> np.ndarray:
    """The bytes of an Arrow string array whose values all have one width, one numpy item per
    value (a view, no copy); the inverse of :func:`take_rows`.

    >>> fixed_rows(make_ids("C", 3, 2))[[2, 0]].tobytes()
    b'C03C01'
    """
    n = len(arr)
    if arr.null_count:
        raise ValueError("fixed_rows: the array has missing values")
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)
    offs = offs[arr.offset: arr.offset + n + 1]
    width = int(offs[-1] - offs[0]) // max(n, 1)
    if n == 0 or width == 0 or (offs[1] - offs[0]) != width or offs[-1] - offs[0] != n * width:
        raise ValueError("fixed_rows: the strings are not all of one width")
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offs[0]: offs[-1]]
    return data.view(np.uint64 if width == 8 else np.uint32 if width == 4 else f"V{width}")


def repeat_rows(rows: np.ndarray, counts: np.ndarray) -> pa.Array:
    """``large_string`` values: each of the fixed-width ``rows`` repeated ``counts`` times.

    >>> repeat_rows(fixed_rows(make_ids("W", 2, 2)), np.array([2, 1])).to_pylist()
    ['W01', 'W01', 'W02']
    """
    data = np.repeat(rows, counts)
    width = rows.dtype.itemsize
    return pa.LargeStringArray.from_buffers(data.size, fixed_offsets(data.size, width),
                                            pa.py_buffer(data))


def take_rows(rows: np.ndarray, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``large_string`` values ``rows[idx]`` of fixed-width strings (see :func:`fixed_rows`);
    where ``valid`` is False the value is missing (and ``idx`` there is ignored).

    >>> rows = fixed_rows(make_ids("T", 3, 2))
    >>> take_rows(rows, np.array([2, 0, 1]), valid=np.array([True, False, True])).to_pylist()
    ['T03', None, 'T02']
    """
    idx = np.asarray(idx)
    m = idx.size
    width = rows.dtype.itemsize
    if valid is None:
        data = np.take(rows, idx)
        return pa.LargeStringArray.from_buffers(m, fixed_offsets(m, width), pa.py_buffer(data))
    valid = np.asarray(valid, dtype=bool)
    data = np.take(rows, idx[valid])
    offsets = np.empty(m + 1, dtype=np.int64)
    offsets[0] = 0
    np.cumsum(valid, out=offsets[1:])
    offsets *= width
    bitmap = np.packbits(valid, bitorder="little")
    return pa.LargeStringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(data),
                                            pa.py_buffer(bitmap), m - data.size)


def join(*parts, sep: str = "") -> pa.Array:
    """Element-wise string join of Arrow arrays or Python strings (``large_string`` if any
    array is)."""
    large = any(not isinstance(p, str) and pa.types.is_large_string(p.type) for p in parts)
    kind = pa.large_string() if large else pa.string()
    arrays = [pa.scalar(p, kind) if isinstance(p, str) else p if p.type == kind else p.cast(kind)
              for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar(sep, kind))


def personal_data(rng: np.random.Generator, pools: dict, locale: str, gender: np.ndarray,
                  ids: pa.Array, b2b: bool = False) -> dict[str, pa.Array]:
    """Names, unique e-mails and phones for customers of the given genders (0 female, 1 male)."""
    n = len(gender)
    first_idx = rng.integers(0, _POOL, n)
    last_idx = rng.integers(0, _POOL, n)
    female = pc.take(pools["first_female"], first_idx)
    male = pc.take(pools["first_male"], first_idx)
    is_male = pa.array(gender == 1)
    first = pc.if_else(is_male, male, female)
    first_rom = pc.if_else(is_male, pc.take(pools["first_male_rom"], first_idx),
                           pc.take(pools["first_female_rom"], first_idx))
    last_rom = pc.take(pools["last_rom"], last_idx)
    last = pc.take(pools["last"], last_idx)
    domain = pc.take(pools["domain"], rng.integers(0, len(pools["domain"]), n))
    number = pc.utf8_lower(ids)  # the customer id makes every address unique
    user = join(first_rom, last_rom, sep=".")
    if b2b:
        name = pc.take(pools["company"], rng.integers(0, len(pools["company"]), n))
    elif locale == "zh_CN":
        name = join(last, first)
    else:
        name = join(first, last, sep=" ")
    email = join(join(user, number, sep="."), domain, sep="@")
    if locale == "zh_CN":
        second = rng.choice(np.frombuffer(b"3456789", dtype=np.uint8), size=(n, 1))
        lead = np.concatenate([np.full((n, 1), ord("1"), np.uint8), second], axis=1)
        phone = digit_strings(rng, n, 11, first=lead)
    else:
        area = rng.integers(2, 10, size=(n, 1), dtype=np.uint8) + 48
        phone = digit_strings(rng, n, 10, first=area, template="(###) ###-####")
    return {"name": name, "email": email, "phone": phone}


def faker_per_row(locale: str, n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """The slow baseline: one Faker call per customer for name, e-mail and phone (benchmarks)."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [(fake.name(), fake.email(), fake.phone_number()) for _ in range(n)]
