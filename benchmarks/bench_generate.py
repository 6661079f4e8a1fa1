"""Benchmark of the synthetic generator against the plain numpy + pandas frame of the same size.

For each size it runs, each in a fresh process (so that peak memory is the child's own max RSS):

- the kit: ``crm_training.generate(industry, n, seed=1)``;
- the peer, the lower bound the kit is measured against: the same random draws, done with
  plain numpy, put into pandas DataFrames. The kit's child records every draw the generator
  makes (generator method, number of values, the mean of each parameter; an untimed second run
  through a counting wrapper of ``numpy.random.default_rng``). The peer makes those draws, in
  that order, with those means as scalar parameters, and pours the values into every table of
  the kit's output (truth tables included) with the same number of rows, the same columns and
  the same dtypes: floats as drawn, other columns from the draws mapped to [0, 1) (codes of the
  categories, times in the period, integers, indices into a pool of strings as long as the
  kit's, the kit's share of blanks; cells beyond the kit's draws get uniforms), then
  ``pd.DataFrame``. None of the kit's per-table logic:
  no generative model, no sorting by time, no links between tables, no ids made from numbers.

It prints, per size, wall and CPU seconds and peak MiB of both, the kit / peer ratios, and the
growth exponent of CPU seconds (least-squares slope of log CPU on log n) over the sizes.

Targets (2-core machine, 1,000,000 customers): kit time <= 3x the peer's, growth <= n^1.05,
kit peak memory <= 2 GiB (2,048 MiB).

    python benchmarks/bench_generate.py                          # 100k, 300k and 1M customers
    python benchmarks/bench_generate.py --sizes 100000 300000 --repeat 3   # best of 3 (CPU)
    python benchmarks/bench_generate.py --faker 20000   # also pooled names vs one Faker call a row

CPU seconds (user + system) are the figure to compare on a busy machine (the generator runs on
one thread, as the peer does); other work on the machine moves both.

Warm-up: on a virtual machine whose host takes back the memory a guest frees (as on this
project's machines), the first touch of memory that has been idle costs several ms per MiB of
system time, ten to twenty times more than memory another process freed a moment ago. Which of
the two a child gets depends on what ran before it (the peer, run just after the kit, would find
the kit's memory warm). So before every measured child another child touches ``--warm`` MiB and
exits: kit and peer start alike. ``--warm 0`` measures whatever the machine gives.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

PEER_SEED = 12345


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux


def _user_sys() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def _frames(data) -> dict:
    out = dict(data.tables)
    out.update({f"truth.{k}": v for k, v in data.truth.items() if hasattr(v, "dtypes")})
    return out


def _spec(frames: dict) -> dict:
    """Rows, and per column the dtype and what the peer needs to fill it alike."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    spec = {}
    for name, df in frames.items():
        cols = []
        for c in df.columns:
            s = df[c]
            null = float(s.isna().mean()) if len(s) else 0.0
            col = {"name": c, "dtype": str(s.dtype), "null": null}
            if isinstance(s.dtype, pd.CategoricalDtype):
                col["levels"] = [str(v) for v in s.cat.categories]
            elif col["dtype"] == "str":
                arr = pa.array(s)
                nb = pc.binary_length(arr.cast(pa.large_binary()))
                col["bytes"] = float(np.nan_to_num(pc.mean(nb).as_py() or 0.0))
            cols.append(col)
        spec[name] = {"rows": len(df), "columns": cols}
    return spec


class _CountingGenerator:
    """A numpy Generator that logs every draw: method, number of values, mean of each argument."""

    def __init__(self, gen, log):
        self._gen, self._log = gen, log

    def __getattr__(self, name):
        import numpy as np

        attr = getattr(self._gen, name)
        if not callable(attr):
            return attr

        def draw(*args, **kwargs):
            out = attr(*args, **kwargs)
            means = []
            if name == "choice":  # the size of the population drawn from
                args = (int(np.size(args[0])) if np.ndim(args[0]) else int(args[0]),)
            for a in args:
                arr = np.asarray(a)
                means.append(int(a) if name == "choice" else float(arr.mean())
                             if arr.size and arr.dtype.kind in "biuf" else None)
            self._log.append([name, int(np.size(out)), means,
                              bool(kwargs.get("replace", True))])
            return out

        return draw


def record_draws(n: int, industry: str) -> list:
    """Every draw ``generate`` makes, in order (see :class:`_CountingGenerator`)."""
    import numpy as np

    import crm_training

    log, real = [], np.random.default_rng
    np.random.default_rng = lambda seed=None: _CountingGenerator(real(seed), log)
    try:
        crm_training.generate(industry, n, seed=1, progress=False)
    finally:
        np.random.default_rng = real
    return log


def kit_child(n: int, industry: str, spec_path: str) -> None:
    import crm_training

    t, c, (u, y) = time.perf_counter(), time.process_time(), _user_sys()
    data = crm_training.generate(industry, n, seed=1, progress=False)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    user, system = (b - a for a, b in zip((u, y), _user_sys()))
    peak = _peak_mib()
    frames = _frames(data)
    rows = sum(len(df) for df in data.tables.values())
    spec = {"tables": _spec(frames)}
    del data, frames
    spec["draws"] = record_draws(n, industry)  # after the measurement: a second, untimed run
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "user": user, "sys": system, "rows": rows,
                      "peak_mib": peak}))


def _peer_draw(rng, name: str, size: int, means: list, replace: bool):
    """One of the kit's draws, with the mean of each of its parameters as a scalar."""
    def arg(i, default):
        return means[i] if len(means) > i and isinstance(means[i], float) else default

    if name == "choice":
        population = means[0] if means and isinstance(means[0], int) else size
        return rng.choice(population if replace else max(population, size), size=size,
                          replace=replace)
    if name == "integers":
        return rng.integers(0, max(int(arg(1, 100)), 2), size)
    if name in ("random", "standard_normal", "standard_exponential"):
        return getattr(rng, name)(size)
    if name == "normal":
        return rng.normal(arg(0, 0.0), max(arg(1, 1.0), 1e-9), size)
    if name == "lognormal":
        return rng.lognormal(arg(0, 0.0), max(arg(1, 1.0), 1e-9), size)
    if name == "uniform":
        return rng.uniform(arg(0, 0.0), arg(1, 1.0), size)
    if name == "exponential":
        return rng.exponential(max(arg(0, 1.0), 1e-9), size)
    if name == "poisson":
        return rng.poisson(max(arg(0, 1.0), 0.0), size)
    if name == "gamma":
        return rng.gamma(max(arg(0, 1.0), 1e-9), max(arg(1, 1.0), 1e-9), size)
    if name == "beta":
        return rng.beta(max(arg(0, 1.0), 1e-9), max(arg(1, 1.0), 1e-9), size)
    return getattr(rng, name)(size=size)


class _Pour:
    """Pours draws, as they come, into the columns of every table, one column after another;
    each table becomes a DataFrame as soon as its last column is full."""

    def __init__(self, spec: dict, rng):
        import numpy as np

        self.np, self.rng = np, rng
        self.cols = [(t, col, spec[t]["rows"]) for t in spec for col in spec[t]["columns"]]
        self.last = {t: max(i for i, c in enumerate(self.cols) if c[0] == t) for t in spec}
        self.bufs = [None] * len(self.cols)
        self.at, self.filled = 0, 0
        self.frames = {}

    def _buffer(self, i):
        np = self.np
        _, col, m = self.cols[i]
        dt = col["dtype"]
        kind = (np.float64 if dt == "float64" else np.bool_ if dt == "bool"
                else np.int8 if dt == "category" or dt == "Int8" else np.int16 if dt == "Int16"
                else np.int32 if dt == "str" else np.int64)
        return np.empty(m, dtype=kind)

    def _next_column(self) -> None:
        table = self.cols[self.at][0]
        if self.last[table] == self.at:
            self._frame(table)
        self.at, self.filled = self.at + 1, 0

    def feed(self, values) -> None:
        np = self.np
        values = np.ravel(values)
        pos = 0
        while pos < values.size and self.at < len(self.cols):
            _, col, m = self.cols[self.at]
            if self.bufs[self.at] is None:
                self.bufs[self.at] = self._buffer(self.at)
            k = min(m - self.filled, values.size - pos)
            chunk, out = values[pos: pos + k], self.bufs[self.at][self.filled: self.filled + k]
            dt = col["dtype"]
            if dt == "float64":
                out[:] = chunk
            else:  # the draw mapped to [0, 1), then to the column's values
                if chunk.dtype.kind == "f":
                    unit = chunk - np.floor(chunk)
                else:
                    unit = (chunk % 1024) / 1024.0
                if dt == "bool":
                    np.less(unit, 0.5, out=out)
                elif dt.startswith("datetime64"):
                    out[:] = unit * (1096 * 86400 * 10**9)
                    out += np.datetime64("2023-01-01", "ns").astype(np.int64)
                elif dt == "category":
                    out[:] = unit * max(len(col["levels"]), 1)
                elif dt == "str":
                    out[:] = unit * 1024
                else:  # int64, Int8, Int16
                    out[:] = unit * 100
            pos += k
            self.filled += k
            if self.filled == m:
                self._next_column()
        while self.at < len(self.cols) and self.cols[self.at][2] == 0:  # empty columns
            self.bufs[self.at] = self._buffer(self.at)
            self._next_column()

    def _frame(self, table) -> None:
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        str_type = pd.StringDtype("pyarrow", na_value=np.nan)
        cols = {}
        for i, (t, col, m) in enumerate(self.cols):
            if t != table:
                continue
            buf, self.bufs[i] = self.bufs[i], None
            dt, null = col["dtype"], col["null"]
            blank = None
            if null >= 1:
                blank = np.ones(m, bool)
            elif null > 0:  # the kit's share of blanks, at every 1/null-th row
                blank = (np.arange(m) * null) % 1.0 < null
            if dt == "category":
                if blank is not None:
                    buf[blank] = -1
                v = pd.Categorical.from_codes(buf, categories=col["levels"])
            elif dt == "str":
                width = max(int(round(col.get("bytes", 1))), 1)
                letters = self.rng.integers(97, 123, size=(1024, width), dtype=np.uint8)
                pool = pa.array([bytes(r).decode() for r in letters], pa.large_string())
                v = pd.Series(pool.take(pa.array(buf, mask=blank)), dtype=str_type)
            elif dt in ("Int8", "Int16", "Int64"):
                v = pd.arrays.IntegerArray(buf, blank if blank is not None else np.zeros(m, bool))
            elif dt.startswith("datetime64"):
                v = buf.view("datetime64[ns]")
                if blank is not None:
                    v[blank] = np.datetime64("NaT")
            else:
                v = buf
                if blank is not None and dt == "float64":
                    v[blank] = np.nan
            cols[col["name"]] = v
            del buf
        self.frames[table] = pd.DataFrame(cols, copy=False)  # no defensive copy

    def tables(self) -> dict:
        while self.at < len(self.cols):  # cells beyond the kit's draws: uniforms
            self.feed(self.rng.random(self.cols[self.at][2] - self.filled))
        return self.frames


def peer_tables(spec: dict, seed: int = PEER_SEED) -> dict:
    """The peer: the kit's draws, poured into the kit's tables (rows, columns, dtypes)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pour = _Pour(spec["tables"], np.random.default_rng(seed + 1))
    for name, size, means, replace in spec["draws"]:
        pour.feed(_peer_draw(rng, name, size, means, replace))
    return pour.tables()


def peer_child(spec_path: str) -> None:
    import numpy  # noqa: F401  (imports are not part of the timing, as for the kit)
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    with open(spec_path) as f:
        spec = json.load(f)
    t, c, (u, y) = time.perf_counter(), time.process_time(), _user_sys()
    frames = peer_tables(spec)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    user, system = (b - a for a, b in zip((u, y), _user_sys()))
    peak = _peak_mib()
    rows = sum(len(df) for k, df in frames.items() if not k.startswith("truth."))
    print(json.dumps({"seconds": seconds, "cpu": cpu, "user": user, "sys": system, "rows": rows,
                      "peak_mib": peak}))


def warm_child(mib: int) -> None:
    """Touch ``mib`` MiB and exit, so that the next child finds that much memory warm."""
    import numpy as np

    blocks = [np.ones(2**17) for _ in range(mib)]  # 1 MiB each
    print(json.dumps({"touched_mib": len(blocks)}))


def _run(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth_exponent(sizes, values) -> float:
    """Least-squares slope of log(value) on log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def personal_data_ratio(n_baseline: int, n_pooled: int) -> tuple[float, float]:
    import numpy as np

    from crm_training.datagen import people

    t = time.perf_counter()
    people.faker_per_row("en_US", n_baseline, seed=1)
    per_row = (time.perf_counter() - t) / n_baseline
    t = time.perf_counter()
    rng = np.random.default_rng(1)
    pools = people.build_pools("en_US", 1)
    ids = people.make_ids("C", n_pooled, 7)
    people.personal_data(rng, pools, "en_US", rng.integers(0, 2, n_pooled), ids)
    pooled = (time.perf_counter() - t) / n_pooled
    return per_row, pooled


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--industry", default="retail")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; the best CPU is kept")
    ap.add_argument("--faker", type=int, default=0, metavar="N",
                    help="also time one Faker call per customer on N customers (0: skip)")
    ap.add_argument("--warm", type=int, default=4096, metavar="MIB",
                    help="before every measured child, a child touches this much memory and "
                         "exits (0: never; see the docstring)")
    ap.add_argument("--warm-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--kit-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--peer-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--spec", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm_child:
        warm_child(args.warm_child)
        return
    if args.kit_child:
        kit_child(args.kit_child, args.industry, args.spec)
        return
    if args.peer_child:
        peer_child(args.spec)
        return

    print(f"industry {args.industry}, seed 1, {os.cpu_count()} cores; each figure from a fresh "
          f"process, best CPU of {args.repeat}; warm-up {args.warm:,} MiB before each")
    head = (f"{'customers':>10} {'rows':>11} | {'kit wall':>8} {'cpu':>6} {'(user':>6} "
            f"{'sys)':>5} {'peak MiB':>8} | {'peer wall':>9} {'cpu':>6} {'(user':>6} {'sys)':>5} "
            f"{'peak MiB':>8} | {'x wall':>6} {'x cpu':>6} {'x peak':>6}")
    print(head)
    print("-" * len(head))
    kit_cpu, peer_cpu, kit_user, last = [], [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            spec = os.path.join(tmp, f"spec_{n}.json")

            def measured(child_args):
                if args.warm:
                    _run(["--warm-child", str(args.warm)])
                return _run(child_args)

            kits, peers = [], []
            for _ in range(args.repeat):  # kit and peer in turn, each after the same warm-up
                kits.append(measured(["--kit-child", str(n), "--industry", args.industry,
                                      "--spec", spec]))
                peers.append(measured(["--peer-child", "--spec", spec]))
            k = min(kits, key=lambda r: r["cpu"])
            p = min(peers, key=lambda r: r["cpu"])
            assert k["rows"] == p["rows"], (k["rows"], p["rows"])
            kit_cpu.append(k["cpu"])
            kit_user.append(k["user"])
            peer_cpu.append(p["cpu"])
            last = (n, k, p)
            print(f"{n:>10,} {k['rows']:>11,} | {k['seconds']:>8.2f} {k['cpu']:>6.2f} "
                  f"{k['user']:>6.2f} {k['sys']:>5.2f} {k['peak_mib']:>8,.0f} | "
                  f"{p['seconds']:>9.2f} {p['cpu']:>6.2f} {p['user']:>6.2f} {p['sys']:>5.2f} "
                  f"{p['peak_mib']:>8,.0f} | {k['seconds'] / p['seconds']:>6.2f} "
                  f"{k['cpu'] / p['cpu']:>6.2f} {k['peak_mib'] / p['peak_mib']:>6.2f}", flush=True)
    if len(args.sizes) > 1:
        print(f"\ngrowth of CPU seconds over {args.sizes[0]:,}..{args.sizes[-1]:,} customers: "
              f"kit n^{growth_exponent(args.sizes, kit_cpu):.3f}, "
              f"peer n^{growth_exponent(args.sizes, peer_cpu):.3f} (target: kit <= n^1.05); "
              f"kit user seconds alone n^{growth_exponent(args.sizes, kit_user):.3f}")
    n, k, p = last
    print(f"at {n:,} customers: kit / peer CPU {k['cpu'] / p['cpu']:.2f}x (target <= 3x), "
          f"wall {k['seconds'] / p['seconds']:.2f}x; kit peak {k['peak_mib']:,.0f} MiB "
          f"(target <= 2,048), peer peak {p['peak_mib']:,.0f} MiB")
    if args.faker:
        per_row, pooled = personal_data_ratio(args.faker, max(args.sizes))
        print(f"\nname + e-mail + phone: one Faker call per row {1 / per_row:,.0f} customers/s "
              f"(measured on {args.faker:,}); pooled {1 / pooled:,.0f} customers/s "
              f"(on {max(args.sizes):,}); pooled is {per_row / pooled:,.0f}x faster")


if __name__ == "__main__":
    main()
