"""How bad a few bad rows are: warnings under --max-bad-rows, a blocked file above it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.cli import main
from crm_training.clients import ClientDataError, load_client

HEAD = "订单编号,客户编号,下单时间,实付金额\n"


def _export(path, n=3000, bad=(), blank_id=()):
    """n orders of 300 customers; ``bad`` rows get an unreadable amount, ``blank_id`` rows
    no customer id (positions, 0-based)."""
    rng = np.random.default_rng(4)
    rows = [[f"A{i}", f"C{rng.integers(300)}", f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
             f"{rng.gamma(2, 30):.2f}"] for i in range(n)]
    for k in bad:
        rows[k][3] = "约 12 元?"
    for k in blank_id:
        rows[k][1] = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_three_bad_rows_of_3000_are_warnings_with_counts_and_examples(tmp_path):
    res = load_client(_export(tmp_path / "orders.csv", bad=(10, 20), blank_id=(30,)),
                      progress=False)
    assert res.ok, res.to_text()
    by = {i.code: i for i in res.report.issues}
    assert by["bad_required_value"].severity == "warning" and by["bad_required_value"].count == 2
    assert [e["line"] for e in by["bad_required_value"].examples] == [12, 22]  # file lines
    assert by["blank_customer_id"].severity == "warning"
    assert res.cleaning.dropped("transactions") == 3 and len(res.data.transactions) == 2997


def test_more_bad_rows_than_the_limit_block_the_file(tmp_path):
    path = _export(tmp_path / "orders.csv", bad=range(0, 3000, 19))  # 158 of 3000: 5.3%
    res = load_client(path, progress=False)
    assert not res.ok
    err = [i for i in res.report.errors]
    assert sorted(i.code for i in err) == ["bad_required_value", "too_many_bad_rows"]
    assert "158 of the 3,000 records of orders.csv (5.3%)" in by_code(res, "too_many_bad_rows"
                                                                       ).message
    assert by_code(res, "bad_required_value").severity == "error"
    assert load_client(path, progress=False, max_bad_rows="6%").ok
    assert load_client(path, progress=False, mapping={"options": {"max_bad_rows": 0.06}}).ok
    with pytest.raises(ClientDataError, match="between 0 and 1"):
        load_client(path, progress=False, max_bad_rows=5)


def by_code(res, code):
    (issue,) = [i for i in res.report.issues if i.code == code]
    return issue


def test_a_required_column_missing_or_no_usable_row_still_blocks(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("订单编号,客户编号,实付金额\nA1,C1,10\n", encoding="utf-8")
    assert load_client(p, progress=False).report.codes() == ["missing_columns"]
    p.write_text(HEAD + "A1,C1,2024-01-05,abc\nA2,C1,2024-01-06,def\n", encoding="utf-8")
    res = load_client(p, progress=False, max_bad_rows=1)
    assert not res.ok and "no_usable_rows" in res.report.codes()


def test_cli_exit_codes_and_the_report_takes_the_warned_folder(tmp_path, capsys):
    src = _export(tmp_path / "export" / "orders.csv", bad=(5, 77, 1500))
    out = tmp_path / "checked"
    assert main(["validate", str(src.parent), "--out", str(out), "--quiet", "--anonymise",
                 "--salt", "severity test salt 123"]) == 0
    printed = capsys.readouterr().out
    assert "0 errors, 1 warning" in printed and "USABLE" in printed and "(3 rows)" in printed
    assert main(["validate", str(src.parent), "--max-bad-rows", "0", "--quiet"]) == 1
    assert main(["validate", str(src.parent), "--max-bad-rows", "lots", "--quiet"]) == 2
    assert "--max-bad-rows must be a share" in capsys.readouterr().err
    data = crm_training.load(out)
    assert len(data.transactions) == 2997
    assert not data.transactions["customer_id"].str.fullmatch(r"C\d+").any()  # pseudonyms
    rep = tmp_path / "report"
    assert main(["report", "--data", str(out), "--out", str(rep), "--quiet"]) == 0
    html = (rep / "report.html").read_text(encoding="utf-8")
    assert "a required value could not be read" in html  # the appendix says what was dropped
    # the checked folder is an output of the kit: a second validate never writes into it
    assert main(["validate", str(out), "--out", str(out), "--force", "--quiet"]) == 2
    assert len(pd.read_parquet(out / "tables" / "transactions.parquet")) == 2997
