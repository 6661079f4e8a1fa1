"""Anonymisation: pseudonyms keep joins, and no personal string reaches any file the kit writes."""
import pandas as pd
import pytest

from crm_training.cli import main
from crm_training.clients import anonymise, load_client, scrub_text, to_crmdata

SALT = "s3cr3t-Salt-for-the-test"

PEOPLE = [  # id, name, e-mail, phone (formats of Faker en_US and zh_CN)
    ("C1", "Renee Booker", "renee.booker@hotmail.com", "(284) 004-2691"),
    ("C2", "张伟", "zhangwei@163.com", "13812345678"),
    ("C3", "Benjamin Hicks", "b.hicks@yahoo.com", "+1-997-392-5288x123"),
    ("C4", "李娜", "lina@qq.com", "997.392.5288"),
]


def _client_folder(tmp_path):
    src = tmp_path / "client"
    src.mkdir()
    lines = ["客户编号,姓名,电子邮箱,手机号"] + [",".join(p) for p in PEOPLE]
    lines.append(",".join(PEOPLE[1]))  # duplicate customer row: would show up as an example
    lines.append("C5,Anna Kowalski,anna@kowalski.pl,555 123 4567,unexpected")  # malformed line
    (src / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "orders.csv").write_text(
        "订单编号,客户编号,下单时间,金额\nA1,C1,2024-01-05,10\nA2,C2,2024-01-06,20\n"
        "A3,C3,2024-01-07,30\nA4,C4,2024-01-08,40\n", encoding="utf-8")
    (src / "tickets.csv").write_text(
        "工单编号,客户编号,创建时间,问题描述\n"
        f"T1,C1,2024-02-01,\"Hi, {PEOPLE[0][1]} here: call {PEOPLE[0][3]} or {PEOPLE[0][2]}\"\n"
        f"T2,C2,2024-02-02,我是{PEOPLE[1][1]}，电话{PEOPLE[1][3]}，邮箱{PEOPLE[1][2]}\n",
        encoding="utf-8")
    (src / "surveys.csv").write_text(
        "问卷编号,客户编号,时间,净推荐值,评论\n"
        f"S1,C3,2024-03-01,9,\"Great, reach me at {PEOPLE[2][3]} / {PEOPLE[2][2]}\"\n"
        f"S2,C4,2024-03-02,3,\"{PEOPLE[3][1]}: ring {PEOPLE[3][3]}\"\n", encoding="utf-8")
    return src


def _all_written_text(folder) -> str:
    """Every file under ``folder`` as text (Parquet decoded, so compression hides nothing)."""
    parts = []
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        if f.suffix == ".parquet":
            parts.append(pd.read_parquet(f).to_csv(index=False))
        else:
            parts.append(f.read_bytes().decode("utf-8"))
    return "\n".join(parts)


def _secrets():
    out = [SALT]
    for _, name, email, phone in PEOPLE:
        out += [name, email, phone]
    return out + ["Anna Kowalski", "anna@kowalski.pl", "555 123 4567"]


def test_no_personal_data_in_any_written_file(tmp_path):
    src = _client_folder(tmp_path)
    res = load_client(src, today="2025-01-01", progress=False)
    # the raw report does show personal data (the consultant's own screen) ...
    assert "Anna Kowalski" in res.to_text()
    for fmt in ("csv", "parquet"):
        out = res.save(tmp_path / f"out_{fmt}", format=fmt, anonymise=True, salt=SALT)
        text = _all_written_text(out)
        assert "[phone]" in text and "[email]" in text and "[name]" in text
        for s in _secrets():
            assert s not in text, f"{s!r} leaked into {out}"


def test_cli_anonymise_writes_and_prints_no_personal_data(tmp_path, capsys):
    src = _client_folder(tmp_path)
    code = main(["validate", str(src), "--out", str(tmp_path / "clean"), "--anonymise",
                 "--quiet", "--format", "csv"])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    text = _all_written_text(tmp_path / "clean") + printed.out + printed.err
    for s in _secrets()[1:]:
        assert s not in text
    assert "[redacted]" in text  # the malformed line's text is not shown


def test_pseudonyms_keep_joins_and_are_salted():
    cust = pd.DataFrame([p for p in PEOPLE], columns=["customer_id", "name", "email", "phone"])
    tx = pd.DataFrame({"transaction_id": ["A1", "A2", "A3"], "customer_id": ["C1", "C2", "C1"],
                       "timestamp": pd.to_datetime(["2024-01-01"] * 3), "amount": [1.0, 2, 3]})
    data = to_crmdata({"customers": cust, "transactions": tx})
    a1, a2 = anonymise(data, salt=SALT), anonymise(data, salt=SALT)
    b = anonymise(data, salt="another salt")
    r = anonymise(data)
    pd.testing.assert_frame_equal(a1.customers, a2.customers)  # same salt: same pseudonyms
    assert not a1.customers["customer_id"].isin(b.customers["customer_id"]).any()
    assert not a1.customers["email"].isin(r.customers["email"]).any()
    # joins still work: the same customers buy the same orders
    per_cust = (a1.transactions.merge(a1.customers, on="customer_id")
                .groupby("email")["amount"].sum().sort_values().tolist())
    assert per_cust == [2.0, 4.0]
    assert a1.customers["customer_id"].is_unique
    assert a1.customers["email"].str.endswith("@example.invalid").all()
    assert SALT not in repr(a1.meta) and "salt" in a1.meta["anonymised"]
    # the original is untouched
    assert data.customers["name"].tolist()[0] == "Renee Booker"


@pytest.mark.parametrize("text, expected", [
    ("mail me: a.b+c@x-y.co.uk now", "mail me: [email] now"),
    ("手机13812345678，谢谢", "手机[phone]，谢谢"),
    ("call (284) 004-2691 today", "call [phone] today"),
    ("ring +44 20 7946 0958", "ring [phone]"),
    ("order 2024-01-05, 3 items, 12.50", "order 2024-01-05, 3 items, 12.50"),
])
def test_scrub_text(text, expected):
    assert scrub_text(text) == expected
