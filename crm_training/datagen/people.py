"""Personal data at scale: Faker builds small pools once, numpy samples them for every customer.

One Faker call per customer takes minutes for a million customers; a few hundred calls to fill
pools, then vectorised sampling and Arrow string joins, take about a second. Cities come from a
fixed list of real cities with their region, so that city and region always agree.
"""
from __future__ import annotations

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
        pools["last_rom"] = pa.array(_ascii_slug(last_r))
        pools["first_female_rom"] = pools["first_male_rom"] = pa.array(_ascii_slug(first_r))
    else:
        last = [fake.last_name() for _ in range(_POOL)]
        first_f = [fake.first_name_female() for _ in range(_POOL)]
        first_m = [fake.first_name_male() for _ in range(_POOL)]
        pools["last_rom"] = pa.array(_ascii_slug(last))
        pools["first_female_rom"] = pa.array(_ascii_slug(first_f))
        pools["first_male_rom"] = pa.array(_ascii_slug(first_m))
    pools["last"] = pa.array(last)
    pools["first_female"] = pa.array(first_f)
    pools["first_male"] = pa.array(first_m)
    pools["domain"] = pa.array(sorted({fake.free_email_domain() for _ in range(60)}))
    if b2b:
        companies = sorted({fake.company() for _ in range(3 * _POOL)})
        pools["company"] = pa.array(companies)
        pools["domain"] = pa.array(sorted({fake.domain_name() for _ in range(200)}))
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


def fixed_width_strings(mat: np.ndarray) -> pa.Array:
    """Arrow strings from an (n, width) uint8 matrix of ASCII codes, without a Python loop."""
    n, w = mat.shape
    if (n + 1) * w < 2**31:
        offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(mat)))
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets),
                                            pa.py_buffer(np.ascontiguousarray(mat))).cast(pa.string())


_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)
_DIGITS4_AS_U32 = _DIGITS4.view(np.uint32).ravel()  # "0042" as one 4-byte word


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
    chunks = -(-width // 4)
    words = np.empty((n, chunks), dtype=np.uint32)
    rest = numbers
    for k in range(chunks):  # one pass per four digits, not per row
        rest, d = np.divmod(rest, 10_000)
        words[:, chunks - 1 - k] = _DIGITS4_AS_U32[d]
    mat = np.empty((n, len(p) + width), dtype=np.uint8)
    mat[:, : len(p)] = p
    mat[:, len(p):] = words.view(np.uint8).reshape(n, 4 * chunks)[:, 4 * chunks - width:]
    return fixed_width_strings(mat)


def make_ids(prefix: str, n: int, width: int | None = None) -> pa.Array:
    """Ids ``prefix + zero-padded number`` from 1 to n, e.g. C000001.

    >>> make_ids("C", 3).to_pylist()
    ['C1', 'C2', 'C3']
    """
    width = width or len(str(max(n, 1)))
    return format_ids(prefix, np.arange(1, n + 1), width)


def join(*parts, sep: str = "") -> pa.Array:
    """Element-wise string join of Arrow arrays or Python strings."""
    arrays = [pa.scalar(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*arrays, sep)


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
