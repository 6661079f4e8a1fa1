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
from .core import Population, categorical, events_in_windows, labels, pick, pick_rows, strings
from .customers import _NEED_FACTOR

_CHANNEL_W = np.array([0.2, 0.2, 0.1, 0.15, 0.15, 0.05, 0.15])  # schema.CHANNELS


def code_map(src_levels, dst_levels) -> np.ndarray:
    """Lookup table from codes of one level list to codes of another (-1 where absent)."""
    return np.array([dst_levels.index(c) if c in dst_levels else -1 for c in src_levels])


def _channels(rng, pop, owner, levels, weights, keep=0.55):
    """The customer's preferred channel (if it is one of ``levels``) or a weighted draw."""
    pref = code_map(S.CHANNELS, levels)[pop.preferred[owner]]
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
    probs = np.c_[1 - complaint - praise - 0.12, complaint, np.full(owner.size, 0.12), praise]
    kind = np.r_[pick_rows(rng, probs), np.ones(o2.size, int)]
    owner, t = np.r_[owner, o2], np.r_[t, t2]
    channel = _channels(rng, pop, owner, S.CHANNELS, _CHANNEL_W)
    order = np.argsort(t)  # times are continuous: no ties to keep stable
    return pd.DataFrame({
        "interaction_id": strings(people.make_ids("I", order.size, width=max(8, len(str(order.size))))),
        "customer_id": pop.customer_ids(owner[order]),
        "timestamp": pop.timestamps(t[order]),
        "channel": categorical(channel[order], S.CHANNELS),
        "type": categorical(kind[order], S.INTERACTION_TYPES),
    })


# Medians in hours: first response by channel (schema.TICKET_CHANNELS), resolution by category.
_RESPONSE_H = np.array([0.05, 10.0, 0.3, 0.3, 4.0, 0.25])
_PRIORITY_F = np.array([1.5, 1.0, 0.6, 0.3])
_RESOLVE_H = np.array([6.0, 24.0, 36.0, 72.0, 48.0, 96.0])
_CATEGORY_W = np.array([0.15, 0.2, 0.25, 0.2, 0.12, 0.08])
_TICKET_CHANNEL_W = np.array([0.35, 0.2, 0.15, 0.15, 0.1, 0.05])


def _compose(rng, locale, parts: list[list[list[str]] | list[str]], keys: list[np.ndarray]) -> pa.Array:
    """Join one phrase from each bank: ``parts[j][keys[j][i]]`` is the bank of text i."""
    out = None
    for bank, key in zip(parts, keys):
        sizes = np.array([len(b) for b in bank])
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = pa.array([p for b in bank for p in b])
        choice = offsets[key] + (rng.random(key.size) * sizes[key]).astype(int)
        piece = pc.take(flat, choice)
        out = piece if out is None else pc.binary_join_element_wise(out, piece, " ")
    out = pc.utf8_trim_whitespace(out)
    if locale == "zh_CN":
        out = pc.replace_substring(out, " ", "")
    return out


def make_tickets(rng, pop: Population):
    pre = pop.preset
    loc = pop.locale
    rate = pre.ticket_rate / 365.25 * _NEED_FACTOR[pop.need] * np.clip(1 + 0.3 * (3.5 - pop.sat), 0.3, 2)
    owner, t = events_in_windows(rng, rate, pop.signup, pop.active_end)
    m = owner.size
    after = pop.after_upgrade(owner, t)
    category = pick(rng, _CATEGORY_W, m)
    high = np.isin(category, [1, 4])  # billing and technical cases run hotter
    prio_p = np.where(high[:, None], [[0.2, 0.4, 0.28, 0.12]], [[0.38, 0.4, 0.16, 0.06]])
    priority = pick_rows(rng, prio_p)
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
    text = _compose(rng, loc, [
        [texts.TICKET_OPENERS[loc][s] for s in texts.SENTIMENTS],
        [texts.TICKET_ISSUES[loc][c] for c in S.TICKET_CATEGORIES],
        [texts.URGENCY[loc][p] for p in S.PRIORITIES],
    ], [sentiment, category, priority])
    # some customers leave their e-mail or phone in the text (personal data to anonymise)
    contact = rng.random(m) < 0.05
    if contact.any():
        detail = pc.if_else(pa.array(rng.random(m) < 0.5), pop.emails.take(owner), pop.phones.take(owner))
        with_contact = pc.binary_join_element_wise(text, pa.scalar(texts.CONTACT_PHRASE[loc]), detail, " ")
        text = pc.if_else(pa.array(contact), with_contact, text)
    order = np.argsort(t)  # times are continuous: no ties to keep stable
    ids = strings(people.make_ids("K", m, width=max(7, len(str(m)))))
    tickets = pd.DataFrame({
        "ticket_id": ids,
        "customer_id": pop.customer_ids(owner[order]),
        "channel": categorical(channel[order], S.TICKET_CHANNELS),
        "category": categorical(category[order], S.TICKET_CATEGORIES),
        "priority": categorical(priority[order], S.PRIORITIES),
        "created_at": pop.timestamps(t[order]),
        "first_response_at": pop.timestamps(t_first[order]),
        "resolved_at": np.where(resolved[order], pop.timestamps(t_res[order]), np.datetime64("NaT")),
        "resolved": resolved[order],
        "handled_by": categorical(bot[order].astype(int) ^ 1, S.HANDLERS),
        "first_contact_resolution": fcr[order],
        "reopened": reopened[order],
        "csat": pd.array(np.where(answered[order], csat[order], np.nan), dtype="Float64").astype("Int8"),
        "text": strings(text.take(order)),
    })
    text_labels = pd.DataFrame({"source": "tickets", "source_id": ids,
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
    sales = np.flatnonzero(~tx["is_return"].to_numpy())
    pick_rows_ = sales[rng.random(sales.size) < pre.survey_rate]
    cust_code = tx_owner[pick_rows_]
    start64 = np.datetime64(pop.start.to_datetime64(), "ns")
    t_order = (tx["timestamp"].to_numpy()[pick_rows_] - start64) / np.timedelta64(1, "D")
    t = t_order + rng.exponential(2.0, pick_rows_.size)
    keep = t < pop.days
    owner, t, pick_rows_ = cust_code[keep], t[keep], pick_rows_[keep]
    m = owner.size
    sales_channel = tx["channel"].cat.codes.to_numpy()[pick_rows_]
    touch = pick_rows(rng, _TOUCH_BY_CHANNEL[sales_channel])
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
    text = _compose(rng, loc, [
        [texts.COMMENT_OPENERS[loc][s] for s in texts.SENTIMENTS],
        [texts.COMMENT_TOPICS[loc][tp][s] for tp in S.TOUCHPOINTS for s in texts.SENTIMENTS],
    ], [sentiment, touch * 3 + sentiment])
    comment = pc.if_else(pa.array(has_comment), text, pa.scalar(None, pa.string()))
    order = np.argsort(t)  # times are continuous: no ties to keep stable
    ids = strings(people.make_ids("S", m, width=max(7, len(str(m)))))
    surveys = pd.DataFrame({
        "survey_id": ids,
        "customer_id": pop.customer_ids(owner[order]),
        "timestamp": pop.timestamps(t[order]),
        "touchpoint": categorical(touch[order], S.TOUCHPOINTS),
        "channel": categorical(channel[order], S.CHANNELS),
        "nps": nps[order].astype(np.int8),
        "csat": csat[order].astype(np.int8),
        "effort": effort[order].astype(np.int8),
        "comment": strings(comment.take(order)),
    })
    for c in ("nps", "csat", "effort"):
        surveys[c] = surveys[c].astype("Int8")
    hc = has_comment[order]
    text_labels = pd.DataFrame({"source": "surveys", "source_id": ids[hc].to_numpy(),
                           "sentiment": categorical(sentiment[order][hc], S.SENTIMENTS),
                           "topic": labels(touch[order][hc], S.TOUCHPOINTS).to_numpy()})
    return surveys, text_labels, effect
