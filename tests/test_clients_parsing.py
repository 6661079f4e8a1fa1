"""Parsing of client values: amounts, dates, flags and codes, as clients write them."""
import numpy as np
import pandas as pd
import pytest

from crm_training.clients.parsing import (parse_amount, parse_bool, parse_code, parse_datetime,
                                          parse_integer)


@pytest.mark.parametrize("text, value", [
    ("￥1,234.50", 1234.5), ("¥ 1,234.50", 1234.5), ("1,234.50元", 1234.5), ("RMB 88", 88.0),
    ("$12", 12.0), ("€ 3,5", 3.5), ("-12.30", -12.3), ("(12.00)", -12.0), ("12.50-", -12.5),
    ("0.5", 0.5), (".5", 0.5), ("1e3", 1000.0), ("  42  ", 42.0),
])
def test_amounts_in_client_notation(text, value):
    assert parse_amount(pd.Series([text])).values.iloc[0] == pytest.approx(value)


def test_decimal_comma_is_decided_per_column():
    p = parse_amount(pd.Series(["1.234,50", "88,00", "7"]))
    assert p.values.tolist() == [1234.5, 88.0, 7.0]
    assert p.notes == ["decimal comma"]
    # "1,234" alone is a thousands separator unless the caller says the comma is decimal
    assert parse_amount(pd.Series(["1,234", "5"])).values.tolist() == [1234.0, 5.0]
    assert parse_amount(pd.Series(["1,234", "5"]), decimal=",").values.tolist() == [1.234, 5.0]


def test_unreadable_amounts_are_flagged_blanks_are_not():
    p = parse_amount(pd.Series(["abc", "", None, "1.2.3", "12"]))
    assert p.bad.tolist() == [True, False, False, True, False]
    assert np.isnan(p.values.iloc[0]) and p.values.iloc[4] == 12.0


def test_integers_reject_fractions():
    p = parse_integer(pd.Series(["3", "2.5", "x", "1,000"]))
    assert p.values.iloc[0] == 3 and p.values.iloc[3] == 1000
    assert p.bad.tolist() == [False, True, True, False]


@pytest.mark.parametrize("text, iso", [
    ("2024/1/5 13:05", "2024-01-05 13:05:00"), ("2024-01-05", "2024-01-05 00:00:00"),
    ("2024年1月5日", "2024-01-05 00:00:00"), ("2024年1月5日 8:30", "2024-01-05 08:30:00"),
    ("05.01.2024", "2024-01-05 00:00:00"), ("2024-01-05T13:05:07", "2024-01-05 13:05:07"),
    ("20240105", "2024-01-05 00:00:00"), ("2024.01.05", "2024-01-05 00:00:00"),
    ("5/1/2024 13:05", "2024-01-05 13:05:00"), ("2024-01-05T13:05:00+08:00", "2024-01-05 13:05:00"),
    ("2024-01-05 13:05:00Z", "2024-01-05 13:05:00"), ("2024-01-05T13:05:00.250-05:00",
                                                     "2024-01-05 13:05:00.250000"),
])
def test_dates_in_client_notation(text, iso):
    p = parse_datetime(pd.Series([text]))
    assert str(p.values.iloc[0]) == iso
    assert not p.bad.iloc[0]


def test_day_first_rule_and_its_warning():
    # nothing decides: day-first, with a note naming an example
    p = parse_datetime(pd.Series(["05/01/2024", "06/02/2024"]))
    assert p.values.dt.month.tolist() == [1, 2]
    assert p.notes == ["ambiguous_dayfirst:05/01/2024"]
    # a second number above 12 shows the column is month-first
    p = parse_datetime(pd.Series(["05/01/2024", "01/13/2024"]))
    assert p.values.dt.strftime("%Y-%m-%d").tolist() == ["2024-05-01", "2024-01-13"]
    assert p.notes == []
    # a first number above 12 confirms day-first: no warning
    p = parse_datetime(pd.Series(["05/01/2024", "13/01/2024"]))
    assert p.values.dt.day.tolist() == [5, 13] and p.notes == []
    # the caller decides
    p = parse_datetime(pd.Series(["05/01/2024"]), dayfirst=False)
    assert p.values.dt.month.tolist() == [5] and p.notes == []
    # dots are day-first by convention: no warning
    assert parse_datetime(pd.Series(["05.01.2024"])).notes == []


def test_mixed_time_zones_are_converted_to_one_offset():
    # was [13, 13, 10]: two instants 7 hours apart read as the same wall-clock time
    p = parse_datetime(pd.Series(["2024-01-05T13:05:00+08:00", "2024-01-05T13:05:00+01:00",
                                  "2024-01-05 10:00"]))
    assert p.values.dt.hour.tolist() == [13, 20, 10] and not p.bad.any()
    assert [f.code for f in p.findings] == ["mixed_time_zones"]


def test_bad_dates_are_flagged():
    p = parse_datetime(pd.Series(["2024-13-45", "soon", "", None, "31.02.2024", "2024-02-29"]))
    assert p.bad.tolist() == [True, True, False, False, True, False]


def test_flags_in_chinese_and_english():
    p = parse_bool(pd.Series(["是", "否", "Y", "n", "TRUE", "0", "退货", "", "maybe"]))
    assert p.values.tolist()[:7] == [True, False, True, False, True, False, True]
    assert p.bad.tolist() == [False] * 7 + [False, True]


def test_codes_from_chinese_labels_and_synonyms():
    levels = ("store", "website", "app", "phone", "social")
    p = parse_code(pd.Series(["门店", "网站", "线上", "App", "小程序", "微信", " Phone ", "fax"]),
                   levels)
    assert p.values.tolist()[:7] == ["store", "website", "website", "app", "app", "social",
                                     "phone"]
    assert p.bad.tolist() == [False] * 7 + [True]
