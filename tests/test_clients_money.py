"""A profit or margin column in an export becomes the cost, so values are profit."""
from __future__ import annotations

import numpy as np
import pytest

from crm_training import money
from crm_training.clients import load_client


@pytest.mark.parametrize("header, cells, cost", [
    ("Gross Margin %", ["30%", "25%", "40%"], [70.0, 37.5, 6.0]),
    ("Margin", ["30", "25", "40"], [70.0, 37.5, 6.0]),  # a column of percents written bare
    ("margin", ["0.3", "0.25", "0.4"], [70.0, 37.5, 6.0]),
    ("毛利", ["30", "12.5", "4"], [70.0, 37.5, 6.0]),  # profit: cost = amount - profit
    ("Gross Profit", ["$30.00", "$12.50", "$4.00"], [70.0, 37.5, 6.0]),
])
def test_profit_or_margin_column_gives_the_cost(tmp_path, header, cells, cost):
    p = tmp_path / "orders.csv"
    rows = [("A1", "C1", "2024-01-05", "$100.00"), ("A2", "C1", "2024-02-05", "$50.00"),
            ("A3", "C2", "2024-02-06", "$10.00")]
    p.write_text(f"Order ID,Customer ID,Order Date,Sales,{header}\n" + "".join(
        ",".join(r) + f",{c}\n" for r, c in zip(rows, cells)), encoding="utf-8")
    res = load_client(p, progress=False)
    assert res.ok, res.to_text()
    t = res.data.transactions
    np.testing.assert_allclose(t["cost"].to_numpy(float), cost)
    assert res.sources[0].columns[header].startswith("cost (")
    assert money.value_basis(t) == "cost"  # the report's values are profit


def test_an_unreadable_margin_is_a_blank_cost_not_a_guess(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("Order ID,Customer ID,Order Date,Sales,Margin %\n"
                 "A1,C1,2024-01-05,100,30%\nA2,C1,2024-01-06,100,about a third\n"
                 "A3,C1,2024-01-07,100,250%\n", encoding="utf-8")
    res = load_client(p, progress=False)
    t = res.data.transactions
    assert t["cost"].tolist()[0] == 70.0 and t["cost"].isna().tolist() == [False, True, True]
    (issue,) = [i for i in res.report.issues if i.column == "cost"]
    assert issue.code == "bad_value" and issue.count == 2
