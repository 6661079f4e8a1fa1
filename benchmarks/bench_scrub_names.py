"""Benchmark: names replaced in one long free text (the small-file path of the scrubber).

One service ticket of 3,000,000 characters (a pasted e-mail thread) and 240 company names of
many lengths (so many distinct name lengths), as in a B2B client's export: times
``scrub_series(pd.Series([text]), names)``, which replaces the names together with every other
pattern. The cost must be linear in the text, whatever the number of names and lengths.

Run: ``python benchmarks/bench_scrub_names.py [--chars 3000000] [--names 240] [--module M]``
(``--module`` times another implementation with the same interface, e.g. an older copy).
"""
from __future__ import annotations

import argparse
import importlib
import time

import numpy as np
import pandas as pd

_WORDS = ["the", "order", "was", "late", "please", "call", "back", "invoice", "delivery",
          "我们", "订单", "发货", "请尽快", "处理", "谢谢", "客户", "合同", "付款", "2024-03-05",
          "¥1,234.50", "A12345"]
_PARTS = ["Acme", "Global", "Trading", "Shanghai", "Huaxia", "Pacific", "Industrial",
          "Technology", "Holdings", "Logistics", "North", "Star", "East", "River", "Golden",
          "Dragon", "上海", "华夏", "科技", "贸易", "物流", "实业", "集团"]
_FORMS = ["Co., Ltd.", "Ltd", "Inc.", "GmbH", "有限公司", "股份有限公司", "Group", "LLC"]


def build(chars: int, n_names: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    names = set()
    while len(names) < n_names:
        k = int(rng.integers(1, 5))
        names.add(" ".join(rng.choice(_PARTS, k)) + " " + str(rng.choice(_FORMS)))
    names = sorted(names)
    out, size = [], 0
    while size < chars:
        w = str(rng.choice(names)) if rng.random() < 0.01 else str(rng.choice(_WORDS))
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:chars], names


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=3_000_000)
    ap.add_argument("--names", type=int, default=240)
    ap.add_argument("--module", default="crm_training.clients.anonymise")
    args = ap.parse_args(argv)
    text, names = build(args.chars, args.names)
    lengths = len({len(n) for n in names})
    scrub_series = importlib.import_module(args.module).scrub_series
    t0 = time.perf_counter()
    out = scrub_series(pd.Series([text]), names).iloc[0]
    print(f"{args.module}: {args.chars:,} characters, {len(names)} names of {lengths} lengths: "
          f"{time.perf_counter() - t0:.2f} s ({out.count('[name]'):,} names replaced)")


if __name__ == "__main__":
    main()
