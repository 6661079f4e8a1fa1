"""Benchmark: :func:`crm_training.clients.anonymise` on a client of 1 million customers.

Builds (vectorised, seeded) 1,000,000 customers with names, e-mails and phones in mixed
spellings, 3,000,000 transactions, 200,000 service tickets and 200,000 survey comments whose
free texts hold phones, e-mails, addresses, WeChat ids and ID-card numbers, then times one
``anonymise(data, salt=...)`` call (pseudonyms of every id, name, e-mail and phone, and the
scrubbing of every free text).

Run: ``python benchmarks/bench_anonymise.py [--customers 1000000] [--module MODULE]``
(``--module`` times another implementation with the same interface, e.g. an older copy).
"""
from __future__ import annotations

import argparse
import importlib
import time

import numpy as np
import pandas as pd


def _pick(rng, pool, n):
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def build(n: int, seed: int = 0):
    from crm_training.clients import to_crmdata

    rng = np.random.default_rng(seed)
    ids = pd.Series([f"C{i:07d}" for i in range(n)])
    surname = _pick(rng, ["张", "王", "李", "赵", "刘", "陈", "Smith", "Lee", "Brown"], n)
    given = _pick(rng, ["伟", "芳", "娜", "敏", "静", "Ann", "Bob", "Wei", "Jun"], n)
    serial = pd.Series(rng.integers(0, 10_000, n)).astype(str)
    names = pd.Series(surname) + pd.Series(given) + serial
    emails = (pd.Series(given) + "." + serial + "_" + ids.str[-5:] + "@"
              + pd.Series(_pick(rng, ["163.com", "qq.com", "gmail.com"], n)))
    mobile = pd.Series(rng.integers(13_000_000_000, 19_999_999_999, n)).astype(str)
    style = rng.integers(0, 3, n)
    phones = mobile.where(style == 0, "+86 " + mobile)
    phones = phones.where(style != 2, mobile.str[:3] + " " + mobile.str[3:7] + " " + mobile.str[7:])
    cust = pd.DataFrame({"customer_id": ids, "name": names, "email": emails, "phone": phones})
    m = 3 * n
    tx = pd.DataFrame({"transaction_id": [f"T{i:08d}" for i in range(m)],
                       "customer_id": ids.to_numpy()[rng.integers(0, n, m)],
                       "timestamp": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, m), unit="s"),
                       "amount": rng.gamma(2.0, 50.0, m).round(2)})
    k = max(n // 5, 1)
    who = rng.integers(0, n, k)
    texts = pd.Series(_pick(rng, [
        "订单迟迟未发货，请尽快处理，电话{p}，谢谢",
        "Please call me back at {p} or mail {e}, order A12345 of 2024-03-05",
        "我住在北京市朝阳区建国路88号3栋2单元1201室，加微信 wxid_ab{s}",
        "Refund of ¥1,234.50 not received. I live at 12 Baker Street, London",
        "身份证号 11010519491231002X，QQ 12345{s}",
        "Great service, thanks!",
    ], k))
    p, e, s = phones.to_numpy()[who], emails.to_numpy()[who], serial.to_numpy()[who]
    texts = pd.Series([t.format(p=a, e=b, s=c) for t, a, b, c in zip(texts, p, e, s)])
    tickets = pd.DataFrame({"ticket_id": [f"K{i:07d}" for i in range(k)],
                            "customer_id": ids.to_numpy()[who],
                            "created_at": pd.Timestamp("2024-02-01"), "text": texts})
    surveys = pd.DataFrame({"survey_id": [f"S{i:07d}" for i in range(k)],
                            "customer_id": ids.to_numpy()[who],
                            "timestamp": pd.Timestamp("2024-03-01"),
                            "nps": rng.integers(0, 11, k), "comment": texts[::-1].to_numpy()})
    return to_crmdata({"customers": cust, "transactions": tx, "tickets": tickets,
                       "surveys": surveys})


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--module", default="crm_training.clients.anonymise")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = build(args.customers)
    print(f"built {args.customers:,} customers, {len(data.transactions):,} transactions, "
          f"{len(data.tickets):,} tickets, {len(data.surveys):,} surveys in "
          f"{time.perf_counter() - t0:.1f} s")
    anonymise = importlib.import_module(args.module).anonymise
    t0 = time.perf_counter()
    anon = anonymise(data, salt="benchmark-salt-0123456789")
    print(f"anonymise ({args.module}): {time.perf_counter() - t0:.2f} s")
    print(anon.customers.head(2).to_string())
    print(anon.tickets["text"].head(6).to_string())


if __name__ == "__main__":
    main()
