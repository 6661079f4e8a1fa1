"""What the money figures of a report or a workshop are: their currency, and profit or revenue.

A client's export states its currency with symbols (``$``, ``¥``, ``元`` ...) that the loader
detects, or the consultant names it; it may carry costs (then values are profit), or only
revenue, when a stated margin turns revenue into profit. The report and the workshop take the
same rules from here, so one client's figures mean the same thing wherever they are shown.
Standard library and pandas only: the command line imports it to check its options.

Examples
--------
>>> currency_code("¥"), currency_code("usd"), currency_code(None)
('CNY', 'USD', '')
>>> import pandas as pd
>>> value_basis(pd.DataFrame({"amount": [10.0]}), margin=0.3)
'margin'
"""
from __future__ import annotations

#: currency symbols and words as clients write them -> the ISO code shown
CURRENCY_CODES = {"$": "USD", "US$": "USD", "USD": "USD", "€": "EUR", "EUR": "EUR", "£": "GBP",
                  "GBP": "GBP", "¥": "CNY", "￥": "CNY", "元": "CNY", "RMB": "CNY", "CNY": "CNY",
                  "人民币": "CNY", "HK$": "HKD", "HKD": "HKD", "JPY": "JPY", "円": "JPY"}

BASES = ("cost", "margin", "revenue")  # what a value is: profit from costs, profit at a margin


def currency_code(value) -> str:
    """The ISO code of a currency given as a code or symbol ('' for none); ValueError else."""
    if value is None or str(value).strip() == "":
        return ""
    text = str(value).strip()
    code = CURRENCY_CODES.get(text) or CURRENCY_CODES.get(text.upper())
    if code:
        return code
    if len(text) == 3 and text.isascii() and text.isalpha():
        return text.upper()  # any ISO 4217 code
    raise ValueError(f"currency must be an ISO code such as USD, EUR, CNY or a symbol "
                     f"($, €, £, ¥, 元), not {value!r}")


def detected_currency(value) -> str:
    """:func:`currency_code` of what the loader detected, '' where it cannot be named."""
    try:
        return currency_code(value)
    except ValueError:
        return ""


def check_margin(margin) -> float | None:
    """``margin`` as a float in (0, 1], None for none; ValueError with a one-line reason."""
    if margin is None:
        return None
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 1:
        raise ValueError(f"margin must be a share between 0 and 1 (0.3 = 30%), not {margin!r}")
    return float(margin)


def value_basis(transactions, margin=None) -> str:
    """``"cost"`` when the transactions carry costs (values are profit), else ``"margin"`` when
    a margin is given (profit at that margin), else ``"revenue"``."""
    if "cost" in transactions and bool(transactions["cost"].notna().any()):
        return "cost"
    return "margin" if check_margin(margin) is not None else "revenue"


def with_margin(data, margin: float):
    """A copy of ``data`` whose transactions cost ``amount x (1 - margin)`` (the stated
    assumption behind every profit figure of data without costs)."""
    import dataclasses

    tx = data.transactions.assign(cost=data.transactions["amount"] * (1.0 - check_margin(margin)))
    return dataclasses.replace(data, transactions=tx)
