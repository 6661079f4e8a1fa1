"""Contacts around the orders: interactions, service tickets and survey answers, with texts.

Satisfaction drives them all: unhappy customers complain more, open more cases and answer
surveys with lower scores; customers about to leave complain more in their last months; the
service upgrade speeds up cases and lifts satisfaction in the pilot region from its start.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from . import people, texts
from .core import (Population, blank_strings, categorical, events_in_windows, frame, labels, pick,
                   pick_rows, release_memory, strings, time_order)
from .customers import _NEED_FACTOR

_CHANNEL_W = np.array([0.2, 0.2, 0.1, 0.15, 0.15, 0.05, 0.15])  # schema.CHANNELS


def code_map(src_levels, dst_levels) -> np.ndarray:
    """Lookup table from codes of one level list to codes of another (-1 where absent)."""
    return np.array([dst_levels.index(c) if c in dst_levels else -1 for c in src_levels])


def _channels(rng, pop, owner, levels, weights, keep=0.55):
    """The customer's preferred channel (if it is one of ``levels``) or a weighted draw."""
    pref = code_map(S.CHANNELS, levels).astype(np.int8)[pop.preferred][owner]
    use = (pref >= 0) & (rng.random(owner.size) < keep)
    return np.where(use, pref, pick(rng, weights, owner.size))


def make_interactions(rng, pop: Population) -> pd.DataFrame:
    pre = pop.preset
    rate = pre.interaction_rate / 365.25 * _NEED_FACTOR[pop.need]
    owner, t = events_in_windows(rng, rate, pop.signup, pop.active_end)
    # early-warning signal: extra complaints in the 90 days before a customer leaves
    gone = np.flatnonzero(~pop.alive)
    o2, t2 = events_in_windows(rng, np.full(gone.size, 1.2 / 90), np.maximum(pop.signup[gone],
                                                                             pop.death[gone] - 90),
                               pop.death[gone])
    o2 = gone[o2]
    sat = pop.sat[owner]
    complaint = np.clip(0.10 + 0.10 * (3.5 - sat), 0.02, 0.5)
    complaint = complaint * np.where(pop.after_upgrade(owner, t), pre.upgrade_complaints, 1.0)
    praise = np.clip(0.10 + 0.08 * (sat - 3.5), 0.02, 0.4)
    kind = np.r_[pick_rows(rng, [1 - complaint - praise - 0.12, complaint, 0.12, praise]),
                 np.ones(o2.size, np.int8)]
    del sat, complaint, praise
    owner, t = np.r_[owner, o2], np.r_[t, t2]
    channel = _channels(rng, pop, owner, S.CHANNELS, _CHANNEL_W)
    order = time_order(t)  # times are continuous: no ties to keep stable
    m = order.size
    release_memory()
    return frame({
        "interaction_id": strings(people.make_ids("I", m, width=max(8, len(str(m))))),
        "customer_id": pop.customer_ids(owner[order]),
        "timestamp": pop.timestamps(t[order], overwrite=True),
        "channel": categorical(channel[order], S.CHANNELS),
        "channel_raw": blank_strings(m),
        "type": categorical(kind[order], S.INTERACTION_TYPES),
    })


# Medians in hours: first response by channel (schema.TICKET_CHANNELS), resolution by category.
_RESPONSE_H = np.array([0.05, 10.0, 0.3, 0.3, 4.0, 0.25])
_PRIORITY_F = np.array([1.5, 1.0, 0.6, 0.3])
_RESOLVE_H = np.array([6.0, 24.0, 36.0, 72.0, 48.0, 96.0])
_CATEGORY_W = np.array([0.15, 0.2, 0.25, 0.2, 0.12, 0.08])
_TICKET_CHANNEL_W = np.array([0.35, 0.2, 0.15, 0.15, 0.1, 0.05])


def _compose(rng, locale, parts: list[list[list[str]] | list[str]], keys: list[np.ndarray]):
    """Join one phrase from each bank: ``parts[j][keys[j][i]]`` is the bank of text i.

    Returns ``(texts, codes)``: every combination of phrases, joined once, and the combination
    of each row (so that the rows' texts are one ``texts.take(codes)``).
    """
    texts, codes = None, None
    for bank, key in zip(parts, keys):
        sizes = np.array([len(b) for b in bank])
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = pa.array([p for b in bank for p in b], pa.large_string())
        choice = offsets[key] + (rng.random(key.size) * sizes[key]).astype(int)
        if texts is None:
            texts, codes = flat, choice
        else:  # all (text so far, phrase) pairs: the joins run on the combinations, not the rows
            k = len(flat)
            left = np.repeat(np.arange(len(texts)), k)
            right = np.tile(np.arange(k), len(texts))
            texts = pc.binary_join_element_wise(texts.take(left), flat.take(right),
                                                pa.scalar(" ", pa.large_string()))
            codes = codes * k + choice
    texts = pc.utf8_trim_whitespace(texts)
    if locale == "zh_CN":
        texts = pc.replace_substring(texts, " ", "")
    return texts, codes


def make_tickets(rng, pop: Population):
    pre = pop.preset
    loc = pop.locale
    rate = pre.ticket_rate / 365.25 * _NEED_FACTOR[pop.need] * np.clip(1 + 0.3 * (3.5 - pop.sat), 0.3, 2)
    owner, t = events_in_windows(rng, rate, pop.signup, pop.active_end)
    m = owner.size
    after = pop.after_upgrade(owner, t)
    category = pick(rng, _CATEGORY_W, m)
    high = np.isin(category, [1, 4])  # billing and technical cases run hotter
    priority = pick_rows(rng, [np.where(high, a, b) for a, b in zip([0.2, 0.4, 0.28, 0.12],
                                                                     [0.38, 0.4, 0.16, 0.06])])
    channel = _channels(rng, pop, owner, S.TICKET_CHANNELS, _TICKET_CHANNEL_W, keep=0.6)
    eligible = np.isin(channel, [2, 3, 4]) & np.isin(category, [0, 1, 2])
    bot = eligible & (rng.random(m) < np.where(after, pre.upgrade_bot_share, pre.bot_share))
    response_h = _RESPONSE_H[channel] * _PRIORITY_F[priority] * np.where(after, pre.upgrade_response, 1)
    response_h = np.where(bot, 0.002, response_h * rng.lognormal(0, 0.8, m))
    resolve_h = _RESOLVE_H[category] * np.where(bot, 0.2, 1) * np.where(after, pre.upgrade_resolution, 1)
    resolve_h = resolve_h * rng.lognormal(0, 0.9, m)
    t_first = t + response_h / 24
    t_res = t_first + resolve_h / 24
    resolved = (t_res < pop.days) & (rng.random(m) < 0.95)
    t_first = np.minimum(t_first, pop.days - 1e-6)  # the data ends: a response after it is not seen
    t_first = np.maximum(t_first, t)
    fcr = resolved & (rng.random(m) < np.clip(np.where(bot, 0.5, 0.55 + 0.15 * after)
                                               - 0.1 * np.isin(category, [3, 4]), 0, 1))
    reopened = resolved & ~fcr & (rng.random(m) < 0.12)
    sat = pop.sat[owner] + np.where(after, pre.upgrade_satisfaction, 0)
    score = (sat + 0.5 * fcr - 0.3 * np.log10(1 + (response_h + resolve_h) / 24) - 1.0 * ~resolved
             + rng.normal(0, 0.7, m))
    csat = np.clip(np.round(score), 1, 5)
    answered = rng.random(m) < np.where(resolved, 0.35, 0.15)
    p_neg = np.clip(0.35 + 0.15 * (3.5 - pop.sat[owner]) + 0.2 * (priority >= 2), 0.05, 0.95)
    sentiment = np.where(rng.random(m) < p_neg, 0, np.where(rng.random(m) < 0.1, 2, 1))
    text, code = _compose(rng, loc, [
        [texts.TICKET_OPENERS[loc][s] for s in texts.SENTIMENTS],
        [texts.TICKET_ISSUES[loc][c] for c in S.TICKET_CATEGORIES],
        [texts.URGENCY[loc][p] for p in S.PRIORITIES],
    ], [sentiment, category, priority])
    # some customers leave their e-mail or phone in the text (personal data to anonymise)
    contact = rng.random(m) < 0.05
    if contact.any():
        mail = rng.random(m) < 0.5
        rows = np.flatnonzero(contact)
        who = owner[rows]
        detail = pc.if_else(pa.array(mail[rows]), pop.emails.take(who), pop.phones.take(who))
        with_contact = people.join(text.take(code[rows]), texts.CONTACT_PHRASE[loc], detail,
                                   sep=" ")
        # the rows with contact details point past the texts, at their own joined text
        text = pa.concat_arrays([text, with_contact])
        code[rows] = len(text) - len(rows) + np.arange(rows.size)
    order = time_order(t)  # times are continuous: no ties to keep stable
    release_memory()
    ids = strings(people.make_ids("K", m, width=max(7, len(str(m)))))
    resolved_at = pop.timestamps(t_res[order], overwrite=True)
    done = resolved[order]
    resolved_at[~done] = np.datetime64("NaT")
    answered = answered[order]
    tickets = frame({
        "ticket_id": ids,
        "customer_id": pop.customer_ids(owner[order]),
        "channel": categorical(channel[order], S.TICKET_CHANNELS),
        "channel_raw": blank_strings(m),
        "category": categorical(category[order], S.TICKET_CATEGORIES),
        "priority": categorical(priority[order], S.PRIORITIES),
        "created_at": pop.timestamps(t[order], overwrite=True),
        "first_response_at": pop.timestamps(t_first[order], overwrite=True),
        "resolved_at": resolved_at,
        "resolved": done,
        "handled_by": categorical(bot[order].astype(np.int8) ^ 1, S.HANDLERS),
        "first_contact_resolution": fcr[order],
        "reopened": reopened[order],
        "csat": pd.arrays.IntegerArray(np.where(answered, csat[order], 0).astype(np.int8),
                                       ~answered),
        "text": strings(text.take(code[order])),
    })
    text_labels = frame({"source": "tickets", "source_id": ids,
                         "sentiment": categorical(sentiment[order], S.SENTIMENTS),
                         "topic": labels(category[order], S.TICKET_CATEGORIES)})
    return tickets, text_labels


_TOUCH_BY_CHANNEL = np.array([  # rows: schema.SALES_CHANNELS; columns: schema.TOUCHPOINTS
    [0.0, 0.0, 0.5, 0.3, 0.0, 0.2],  # store
    [0.4, 0.0, 0.0, 0.3, 0.3, 0.0],  # website
    [0.0, 0.4, 0.0, 0.3, 0.3, 0.0],  # app
    [0.0, 0.0, 0.0, 0.0, 0.3, 0.7],  # phone
    [0.3, 0.0, 0.0, 0.3, 0.4, 0.0],  # social
])


def make_surveys(rng, pop: Population, tx: pd.DataFrame, tx_owner: np.ndarray):
    """Survey answers after a share of orders; returns (surveys, text labels, true CSAT effect)."""
    pre = pop.preset
    loc = pop.locale
    # one uniform per sale (not per return), in order; drawn a block of orders at a time, which
    # is the same stream as one draw for all sales
    is_return = tx["is_return"].to_numpy()
    picked, step = [], 1 << 20
    for i in range(0, is_return.size, step):
        sales = np.flatnonzero(~is_return[i: i + step]) + i
        picked.append(sales[rng.random(sales.size) < pre.survey_rate])
    pick_rows_ = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    del picked, sales
    cust_code = tx_owner[pick_rows_]
    start64 = np.datetime64(pop.start.to_datetime64(), "ns")
    t_order = (tx["timestamp"].to_numpy()[pick_rows_] - start64) / np.timedelta64(1, "D")
    t = t_order + rng.exponential(2.0, pick_rows_.size)
    keep = t < pop.days
    owner, t, pick_rows_ = cust_code[keep], t[keep], pick_rows_[keep]
    m = owner.size
    sales_channel = tx["channel"].cat.codes.to_numpy()[pick_rows_]
    touch = pick_rows(rng, [col[sales_channel] for col in _TOUCH_BY_CHANNEL.T])
    channel = code_map(S.SALES_CHANNELS, S.CHANNELS)[sales_channel]
    after = pop.after_upgrade(owner, t)
    noise = rng.normal(0, 0.75, m)
    base = pop.sat[owner] + np.asarray(pre.touchpoint_effects)[touch] + noise
    score = base + np.where(after, pre.upgrade_satisfaction, 0)
    csat = np.clip(np.round(score), 1, 5)
    csat0 = np.clip(np.round(base), 1, 5)
    effect = float((csat - csat0)[after].mean()) if after.any() else 0.0
    nps = np.clip(np.round(2.2 * score - 0.5 + rng.normal(0, 1.0, m)), 0, 10)
    effort = np.clip(np.round(8.2 - 1.4 * score + rng.normal(0, 0.8, m)), 1, 7)
    p_neg = 1 / (1 + np.exp(2.2 * (score - 2.6)))
    p_pos = 1 / (1 + np.exp(-2.2 * (score - 3.9)))
    u = rng.random(m)
    sentiment = np.where(u < p_neg, 0, np.where(u > 1 - p_pos, 2, 1))
    has_comment = rng.random(m) < pre.comment_rate
    text, code = _compose(rng, loc, [
        [texts.COMMENT_OPENERS[loc][s] for s in texts.SENTIMENTS],
        [texts.COMMENT_TOPICS[loc][tp][s] for tp in S.TOUCHPOINTS for s in texts.SENTIMENTS],
    ], [sentiment, touch * 3 + sentiment])
    order = time_order(t)  # times are continuous: no ties to keep stable
    release_memory()
    ids_arr = people.make_ids("S", m, width=max(7, len(str(m))))
    ids = strings(ids_arr)
    hc = has_comment[order]
    surveys = frame({
        "survey_id": ids,
        "customer_id": pop.customer_ids(owner[order]),
        "timestamp": pop.timestamps(t[order], overwrite=True),
        "touchpoint": categorical(touch[order], S.TOUCHPOINTS),
        "channel": categorical(channel[order], S.CHANNELS),
        "channel_raw": blank_strings(m),
        "nps": pd.arrays.IntegerArray(nps[order].astype(np.int8), np.zeros(m, bool)),
        "csat": pd.arrays.IntegerArray(csat[order].astype(np.int8), np.zeros(m, bool)),
        "effort": pd.arrays.IntegerArray(effort[order].astype(np.int8), np.zeros(m, bool)),
        "comment": strings(text.take(pa.array(code[order], mask=~hc))),
    })
    topic = labels(touch[order][hc], S.TOUCHPOINTS)
    if hc.any():
        source_id = strings(ids_arr.filter(hc))
    else:  # no comment at all: the empty columns as they always were (object)
        source_id, topic = ids[hc].to_numpy(), topic.to_numpy()
    text_labels = frame({"source": "surveys", "source_id": source_id,
                         "sentiment": categorical(sentiment[order][hc], S.SENTIMENTS),
                         "topic": topic})
    return surveys, text_labels, effect
