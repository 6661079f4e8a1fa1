"""Benchmark: chapter 3 (experience) and chapter 4 (loyalty) functions on a million customers.

Generates ``generate("retail", N, seed=1)`` once (about 40 s for a million customers on a loaded
2-core machine), then times every function that sees all rows, and compares a few with a naive
baseline written the obvious way (a Python loop per session / member / text), measured in the
same run on a subsample and scaled up by the size ratio (the output says so).

Run: ``python benchmarks/bench_experience_loyalty.py [--customers 1000000]``
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import crm_training
from crm_training import experience as X
from crm_training import loyalty as L
from crm_training.experience.sentiment import LEXICON, _lexicon_scores


def timed(label, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    dt = time.perf_counter() - t
    print(f"{label:<48s} {dt:8.2f} s")
    return out, dt


def naive_funnel(web: pd.DataFrame) -> np.ndarray:
    """Deepest step per session with a dict and a Python loop over page views."""
    deepest = {}
    for s, step in zip(web["session_id"], web["funnel_step"]):
        if step > deepest.get(s, 0):
            deepest[s] = step
    reached = np.zeros(7, int)
    for d in deepest.values():
        reached[1:d + 1] += 1
    return reached[1:]


def naive_windows(tx: pd.DataFrame, enrol: pd.Series, window: float) -> np.ndarray:
    """Pre/post purchase counts per member, filtering the member's rows one member at a time."""
    by = {c: g.to_numpy() for c, g in tx.groupby("customer_id")["timestamp"]}
    out = []
    w = pd.Timedelta(days=window)
    for c, e in enrol.items():
        ts = by.get(c, np.array([], "datetime64[ns]"))
        out.append((((ts >= e - w) & (ts < e)).sum(), ((ts >= e) & (ts < e + w)).sum()))
    return np.array(out)


def naive_lexicon(texts) -> np.ndarray:
    """Lexicon hits counted word by word in Python (English tokens and Chinese substrings)."""
    pos, neg = set(LEXICON["positive"]), set(LEXICON["negative"])
    out = np.zeros((len(texts), 2))
    for i, t in enumerate(texts):
        words = t.lower().split()
        p = sum(w.strip(".,!?") in pos for w in words) + sum(w in t for w in pos if not w.isascii())
        n = sum(w.strip(".,!?") in neg for w in words) + sum(w in t for w in neg if not w.isascii())
        out[i] = (p, n)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    args = ap.parse_args()
    data, gen_s = timed(f"generate('retail', {args.customers:,})", crm_training.generate,
                        "retail", args.customers, seed=1)
    print({k: len(v) for k, v in data.tables.items()})
    results = {}
    print("\n-- chapter 3: experience")
    results["funnel"] = timed("funnel(web_events, by='device')", X.funnel, data.web_events,
                              by="device")[1]
    results["satisfaction_table"] = timed("satisfaction_table(by=[touchpoint, channel])",
                                          X.satisfaction_table, data.surveys,
                                          by=["touchpoint", "channel"])[1]
    timed("nps(all answers)", X.nps, data.surveys["nps"])
    timed("channel_consistency(csat, by=channel)", X.channel_consistency, data.surveys)
    results["journeys"] = timed("journeys(data, max_steps=4)", X.journeys, data)[1]
    timed("click_heatmap(web_events, 'home', smooth=1)", X.click_heatmap, data.web_events, "home",
          smooth=1.0)
    corpus, _ = timed("sentiment_corpus(data)", X.sentiment_corpus, data)
    train = corpus.sample(20_000, random_state=0)
    model, _ = timed("SentimentClassifier.fit(20,000 texts)", X.SentimentClassifier().fit,
                     train["text"], train["sentiment"])
    texts = corpus["text"].tolist()
    pred, pred_s = timed(f"SentimentClassifier.predict({len(texts):,} texts)", model.predict, texts)
    print(f"   accuracy on all texts: {(pred == corpus['sentiment'].to_numpy()).mean():.4f}")
    lex_n = min(len(texts), 200_000)
    _, lex_s = timed(f"_lexicon_scores({lex_n:,} texts)", _lexicon_scores, texts[:lex_n])
    sub = texts[:20_000]
    _, naive_lex_s = timed("   naive Python lexicon (20,000 texts)", naive_lexicon, sub)
    print(f"   naive scaled to {lex_n:,}: {naive_lex_s * lex_n / len(sub):.2f} s "
          f"(ratio {naive_lex_s * lex_n / len(sub) / lex_s:.1f}x)")
    web = data.web_events
    sess = web["session_id"].unique()[:200_000]
    part = web[web["session_id"].isin(set(sess))]
    _, naive_f = timed(f"   naive funnel ({len(part):,} page views)", naive_funnel, part)
    scaled = naive_f * len(web) / len(part)
    ratio = scaled / results["funnel"]
    print(f"   naive scaled to {len(web):,}: {scaled:.2f} s (ratio {ratio:.1f}x)")

    print("\n-- chapter 4: loyalty")
    ev = data.loyalty_events
    timed("points_liability(loyalty_events, 0.01)", L.points_liability, ev, 0.01)
    timed("tier_distribution(loyalty_events)", L.tier_distribution, ev)
    timed("tier_migration(2024-12-31 -> 2025-12-31)", L.tier_migration, ev, "2024-12-31",
          "2025-12-31")
    timed("naive_member_uplift(data)", L.naive_member_uplift, data)
    up, up_s = timed("enrolment_uplift(data, n_boot=200)", L.enrolment_uplift, data)
    truth = data.truth["interventions"].query("name == 'loyalty_programme' and "
                                              "metric == 'purchase_rate'")["true_effect"].item()
    print(f"   effect {up['effect']:.3f} [{up['ci_low']:.3f}, {up['ci_high']:.3f}], truth {truth}")
    enrol = L.enrolment_dates(data)
    few = enrol.head(2000)
    tx = data.transactions[data.transactions["customer_id"].isin(set(few.index))]
    _, naive_w = timed("   naive windows (2,000 members, loop)", naive_windows, tx, few, 60)
    print(f"   naive scaled to {len(enrol):,} members: {naive_w * len(enrol) / len(few):.2f} s")
    members, _ = timed("members_from_data(data)", L.members_from_data, data)
    res, sim_s = timed(f"simulate_programme({len(members):,} members, 36 months)",
                       L.simulate_programme, members, L.ProgrammeRules(), 36)
    print(f"   breakage {res.summary['breakage_rate']:.3f}, ROI {res.summary['roi']:.2f}")


if __name__ == "__main__":
    main()
