"""Anonymisation: pseudonyms keep joins, and no personal string reaches any file the kit writes."""
import hashlib
import hmac
import re

import pandas as pd
import pytest

from crm_training.cli import main
from crm_training.clients import ClientDataError, anonymise, load_client, scrub_text, to_crmdata
from crm_training.clients.anonymise import Redactor, header_labels, pseudonymise, resolve_salt

SALT = "s3cr3t-Salt-for-the-test"

PEOPLE = [  # id, name, e-mail, phone (formats of Faker en_US and zh_CN)
    ("C1", "Renee Booker", "renee.booker@hotmail.com", "(284) 004-2691"),
    ("C2", "张伟", "zhangwei@163.com", "13812345678"),
    ("C3", "Benjamin Hicks", "b.hicks@yahoo.com", "+1-997-392-5288x123"),
    ("C4", "李娜", "lina@qq.com", "997.392.5288"),
]


# personal data written into the free texts, each in several spellings
ID_CARD = "11010519491231002X"
MOBILE = "13912345678"
MOBILE_SPELLINGS = ["139 1234 5678", "+86 139-1234-5678", "13912345678"]
ADDRESS_ZH = "北京市朝阳区建国路88号3栋2单元1201室"
ADDRESS_EN = "221B Baker St., London"
TEXT_SECRETS = [ID_CARD, "110105 19491231 002X", *MOBILE_SPELLINGS, ADDRESS_ZH, "建国路88号",
                "3栋2单元1201室", ADDRESS_EN, "Baker St", "12 Main Street", "wxid_abc123",
                "ann_lee88", "87654321", "ann at example dot com", "ann(at)example.com",
                "ann＠example．com", "阳光小区"]


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
        f"T2,C2,2024-02-02,我是{PEOPLE[1][1]}，电话{PEOPLE[1][3]}，邮箱{PEOPLE[1][2]}\n"
        f"T3,C2,2024-02-03,身份证{ID_CARD}，住在{ADDRESS_ZH}，手机{MOBILE_SPELLINGS[0]}\n"
        f"T4,C1,2024-02-04,\"I moved to {ADDRESS_EN}; WeChat: ann_lee88, mail ann at example "
        f"dot com, tel {MOBILE_SPELLINGS[1]}\"\n"
        "T5,C4,2024-02-05,加微信 wxid_abc123 或 QQ 87654321，ID 110105 19491231 002X\n"
        f"T6,C3,2024-02-06,\"Write to ann(at)example.com or ann＠example．com, {MOBILE}, "
        "Apt 4, 12 Main Street\"\n"
        "T7,C4,2024-02-07,\"我们阳光小区的快递，订单A20240105001于2024-01-05退款¥1,234.50\"\n",
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
        digits = re.sub(r"\D", "", phone.split("x")[0])
        out += [name, email, phone, digits, digits[-7:]]
    return out + ["Anna Kowalski", "anna@kowalski.pl", "555 123 4567", "5551234567"] + TEXT_SECRETS


def _assert_no_secret(text, secrets, where):
    for s in secrets:
        assert s not in text, f"{s!r} leaked into {where}"


def test_no_personal_data_in_any_written_file(tmp_path):
    src = _client_folder(tmp_path)
    res = load_client(src, today="2025-01-01", progress=False)
    # the raw report does show personal data (the consultant's own screen) ...
    assert "Anna Kowalski" in res.to_text()
    for fmt in ("csv", "parquet"):
        out = res.save(tmp_path / f"out_{fmt}", format=fmt, anonymise=True, salt=SALT)
        text = _all_written_text(out)
        for tag in ("[phone]", "[email]", "[name]", "[id]", "[address]", "[wechat]", "[qq]"):
            assert tag in text, tag
        _assert_no_secret(text, _secrets(), out)
        # ordinary text survives: order number, date, amount
        assert "订单A20240105001于2024-01-05退款¥1,234.50" in text


def test_cli_anonymise_writes_and_prints_no_personal_data(tmp_path, capsys):
    src = _client_folder(tmp_path)
    # its customers file loses 1 line of 6 (malformed): allowed here with --max-bad-rows
    code = main(["validate", str(src), "--out", str(tmp_path / "clean"), "--anonymise",
                 "--quiet", "--format", "csv", "--max-bad-rows", "20%"])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    text = _all_written_text(tmp_path / "clean") + printed.out + printed.err
    _assert_no_secret(text, _secrets()[1:], "the outputs of validate --anonymise")
    assert "[redacted]" in text  # the malformed line's text is not shown
    assert "random salt" in printed.out  # pseudonyms not reproducible: said so


def test_pseudonyms_keep_joins_and_are_salted():
    cust = pd.DataFrame([p for p in PEOPLE], columns=["customer_id", "name", "email", "phone"])
    tx = pd.DataFrame({"transaction_id": ["A1", "A2", "A3"], "customer_id": ["C1", "C2", "C1"],
                       "timestamp": pd.to_datetime(["2024-01-01"] * 3), "amount": [1.0, 2, 3]})
    data = to_crmdata({"customers": cust, "transactions": tx})
    a1, a2 = anonymise(data, salt=SALT), anonymise(data, salt=SALT)
    b = anonymise(data, salt="another salt, also long")
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


def _hex(kind, value, salt=SALT):
    return hmac.new(salt.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def test_pseudonyms_are_full_hmac_sha256_of_the_normalised_values():
    cust = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["  Renee   Booker ", "张伟"],
                         "email": [" Renee.Booker@Hotmail.COM ", "zhangwei＠163．com"],
                         "phone": ["+86 138-1234-5678", "(284) 004-2691 x12"]})
    tx = pd.DataFrame({"transaction_id": ["A1"], "customer_id": ["C2"],
                       "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    a = anonymise(to_crmdata({"customers": cust, "transactions": tx}), salt=SALT)
    c = a.customers
    assert c["customer_id"].tolist() == ["C" + _hex("id", "C1"), "C" + _hex("id", "C2")]
    assert a.transactions["customer_id"].tolist() == ["C" + _hex("id", "C2")]
    assert c["name"].tolist() == ["Name-" + _hex("name", "renee booker"),
                                  "Name-" + _hex("name", "张伟")]
    assert c["email"].tolist() == [_hex("email", "renee.booker@hotmail.com") + "@example.invalid",
                                   _hex("email", "zhangwei@163.com") + "@example.invalid"]
    assert c["phone"].tolist() == ["Tel-" + _hex("phone", "13812345678"),
                                   "Tel-" + _hex("phone", "2840042691x12")]
    assert len(_hex("id", "C1")) == 64  # all 256 bits, not a 64-bit truncation
    # a long salt (over one SHA-256 block) is hashed first, as HMAC does
    long_salt = "x" * 100
    assert pseudonymise(pd.Series(["C1"]), long_salt)[0] == _hex("id", "C1", long_salt)


def test_two_exports_join_with_the_same_salt_and_only_with_it():
    jan = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["Ann Lee", "张伟", "Bo Li"],
                        "email": ["Ann@X.com", "wei@y.cn", "bo@z.org"],
                        "phone": ["13812345678", "+1 (555) 123-4567", "010-12345678"]})
    feb = pd.DataFrame({"customer_id": ["C3", "C1", "C2"], "name": ["bo  li", "ANN LEE", "张伟"],
                        "email": ["BO@Z.ORG ", "ann@x.com", "wei@y.cn"],
                        "phone": ["+86 10 1234 5678", "+86 138 1234 5678", "555-123-4567"]})
    other = "a different salt, 24 chars"

    def anon(df, salt):
        return anonymise(to_crmdata({"customers": df}), salt=salt).customers

    a, b = anon(jan, SALT), anon(feb, SALT)
    joined = a.merge(b, on="customer_id", suffixes=("_jan", "_feb"))
    assert len(joined) == 3
    for col in ("name", "email", "phone"):
        assert (joined[f"{col}_jan"] == joined[f"{col}_feb"]).all(), col
    c = anon(feb, other)
    for col in ("customer_id", "name", "email", "phone"):
        assert not a[col].isin(c[col]).any(), col
    r1, r2 = anonymise(to_crmdata({"customers": jan})), anonymise(to_crmdata({"customers": jan}))
    assert not r1.customers["customer_id"].isin(r2.customers["customer_id"]).any()
    assert "random" in r1.meta["anonymised"]["salt"]
    given = anonymise(to_crmdata({"customers": jan}), salt=SALT).meta["anonymised"]["salt"]
    assert "given" in given


@pytest.mark.parametrize("salt", ["", "   ", "abc12", "fifteen-chars!!", b"0123456789"])
def test_weak_salts_are_refused(salt):
    data = to_crmdata({"customers": pd.DataFrame({"customer_id": ["C1"]})})
    with pytest.raises(ClientDataError, match="at least 16") as e:
        anonymise(data, salt=salt)
    assert (str(salt) not in str(e.value)) or not str(salt).strip()


def test_cli_salt_sources_same_pseudonyms_and_the_salt_never_written(tmp_path, capsys,
                                                                    monkeypatch):
    src = _client_folder(tmp_path)
    salt_file = tmp_path / "salt.txt"
    salt_file.write_text(SALT + "\n", encoding="utf-8")
    monkeypatch.delenv("CRM_SALT", raising=False)
    base = ["validate", str(src), "--anonymise", "--quiet", "--format", "csv",
            "--max-bad-rows", "0.2", "--out"]  # (1 malformed line of 6 customers)
    assert main(base + [str(tmp_path / "a"), "--salt-file", str(salt_file)]) == 0
    out_a = capsys.readouterr().out
    monkeypatch.setenv("CRM_SALT", SALT)
    assert main(base + [str(tmp_path / "b")]) == 0
    out_b = capsys.readouterr().out
    monkeypatch.delenv("CRM_SALT")
    assert main(base + [str(tmp_path / "c"), "--salt", SALT]) == 0
    out_c = capsys.readouterr().out
    assert "salt from --salt-file" in out_a and "salt from CRM_SALT" in out_b
    assert "random salt" not in out_a + out_b + out_c
    cust = [pd.read_csv(tmp_path / k / "tables" / "customers.csv") for k in "abc"]
    pd.testing.assert_frame_equal(cust[0], cust[1])
    pd.testing.assert_frame_equal(cust[0], cust[2])
    assert cust[0]["phone"].iloc[0] == "Tel-" + _hex("phone", "2840042691")
    for k in "abc":
        text = _all_written_text(tmp_path / k)
        assert SALT not in text and SALT[:12] not in text
    assert SALT not in out_a + out_b + out_c


@pytest.mark.parametrize("argv, env, message", [
    (["--salt", "short"], None, "--salt is too short"),
    (["--salt", ""], None, "--salt is empty"),
    ([], "tiny", "CRM_SALT is too short"),
    ([], "", "CRM_SALT is empty"),
    (["--salt-file", "{tmp}/none.txt"], None, "does not exist"),
    (["--salt-file", "{tmp}/weak.txt"], None, "salt in weak.txt is too short"),
])
def test_cli_weak_or_missing_salt_exits_2_in_one_line(tmp_path, capsys, monkeypatch, argv, env,
                                                      message):
    (tmp_path / "weak.txt").write_text("weak-salt\n")
    (tmp_path / "orders.csv").write_text("Order ID,Customer ID,Order Date,Net Amount\n"
                                         "A1,C1,2024-01-05,9.5\n")
    monkeypatch.delenv("CRM_SALT", raising=False)
    if env is not None:
        monkeypatch.setenv("CRM_SALT", env)
    argv = [a.format(tmp=tmp_path) for a in argv]
    code = main(["validate", str(tmp_path / "orders.csv"), "--anonymise", "--quiet", "--out",
                 str(tmp_path / "out")] + argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "weak-salt" not in err and "tiny" not in err
    assert not (tmp_path / "out").exists()


def test_cli_salt_needs_anonymise(tmp_path, capsys, monkeypatch):
    (tmp_path / "orders.csv").write_text("Order ID,Customer ID,Order Date,Net Amount\n"
                                         "A1,C1,2024-01-05,9.5\n")
    assert main(["validate", str(tmp_path / "orders.csv"), "--quiet", "--salt", SALT]) == 2
    assert "only apply with --anonymise" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one source of salt at a time
        main(["validate", str(tmp_path / "orders.csv"), "--anonymise", "--salt", SALT,
              "--salt-file", "x.txt"])


def test_resolve_salt_order():
    assert resolve_salt("a" * 16, None, {"CRM_SALT": "b" * 16}) == ("a" * 16, "--salt")
    assert resolve_salt(None, None, {"CRM_SALT": " " + "b" * 16 + "\n"}) == ("b" * 16, "CRM_SALT")
    assert resolve_salt(None, None, {}) == (None, "random")


HEADERLESS = [  # a customers export without a header: its first row becomes the "header"
    "C7,Zhou Xun,zhou.xun@example.cn,+86 137 0000 1111,1985-04-02",
    "C8,Liu Yang,liu.yang@example.cn,13700002222,1990-01-01",
]


def test_headerless_export_shows_no_value_anywhere(tmp_path, capsys):
    src = tmp_path / "customers.csv"
    src.write_text("\n".join(HEADERLESS) + "\n", encoding="utf-8")
    code = main(["validate", str(src), "--anonymise", "--quiet", "--format", "csv", "--out",
                 str(tmp_path / "out"), "--salt", SALT])
    printed = capsys.readouterr()
    assert code == 1  # nothing usable: the required columns are not found
    text = _all_written_text(tmp_path / "out") + printed.out + printed.err
    assert "columns found: column 1, column 2, column 3, column 4, column 5" in text
    cells = [c for line in HEADERLESS for c in line.split(",")]
    _assert_no_secret(text, cells + ["13700001111", "Zhou", SALT], "the header-less report")
    # without --anonymise the consultant sees the cells on their own screen
    main(["validate", str(src), "--quiet"])
    assert "zhou.xun@example.cn" in capsys.readouterr().out


def test_header_cells_that_are_values_hidden_in_every_message(tmp_path):
    src = tmp_path / "client"
    src.mkdir()
    # a real header with a stray value (a phone pasted into the header row) and an unknown
    # column name, which is kept
    (src / "orders.csv").write_text("订单编号,客户编号,下单时间,金额,Remarks,13812345678\n"
                                    "A1,C1,2024-01-05,10,ok,x\n", encoding="utf-8")
    (src / "customers.csv").write_text("Customer ID,Name\nC1,Renee Booker\n", encoding="utf-8")
    res = load_client(src, {"Renee Booker": "name"}, progress=False)
    assert "13812345678" in res.to_text()  # the raw report, for the consultant's screen
    for text in (res.to_text(redact=True), res.to_markdown(redact=True),
                 res.to_html(redact=True)):
        assert "13812345678" not in text and "Renee Booker" not in text
        assert "ignored: Remarks, column 6" in text
    assert header_labels(["客户编号", "Renee Booker"], names=["Renee Booker"]) == \
        {"Renee Booker": "column 2"}
    assert header_labels(["Order ID", "Amount", "2024-01-05", "9.5"]) == \
        {"2024-01-05": "column 3", "9.5": "column 4"}
    assert header_labels(["A1", "C1", "2024-01-05", "9.5"]) == \
        {c: f"column {i}" for i, c in enumerate(["A1", "C1", "2024-01-05", "9.5"], 1)}
    # sources.json names the columns as report.html does
    import json

    out = res.save(tmp_path / "out", anonymise=True, salt=SALT)
    written = (out / "validation" / "sources.json").read_text(encoding="utf-8")
    assert "13812345678" not in written and "Renee Booker" not in written
    record = {s["file"]: s for s in json.loads(written)["sources"]}
    assert record["orders.csv"]["ignored"] == ["Remarks", "column 6"]
    assert {"client": "Name", "kit": "name", "how": "name"} in record["customers.csv"]["columns"]
    (tmp_path / "people").mkdir()
    people = load_client(_client_folder(tmp_path / "people"), today="2025-01-01",
                         progress=False).save(tmp_path / "people_out", anonymise=True, salt=SALT)
    _assert_no_secret((people / "validation" / "sources.json").read_text(encoding="utf-8"),
                      _secrets(), "sources.json")
    r = Redactor(headers={"a.csv": {"Ann Lee": "column 2", "x'y": "column 3"}})
    assert r.text("columns 'Ann Lee', \"x'y\" all look like name; used 'Ann Lee'", "b.csv") == \
        "columns 'column 2', \"column 3\" all look like name; used 'column 2'"
    assert r.text("Ann Leeway stays", "a.csv") == "Ann Leeway stays"  # whole cells only


@pytest.mark.parametrize("text, expected", [
    ("mail me: a.b+c@x-y.co.uk now", "mail me: [email] now"),
    ("手机13812345678，谢谢", "手机[phone]，谢谢"),
    ("call (284) 004-2691 today", "call [phone] today"),
    ("ring +44 20 7946 0958", "ring [phone]"),
    # phones: spaces, dashes, +86, full-width digits, extensions, two in a row
    ("138 1234 5678", "[phone]"), ("138-1234-5678", "[phone]"), ("+86 13812345678", "[phone]"),
    ("0086-138-1234-5678", "[phone]"), ("+1 555 123 4567", "[phone]"),
    ("+1-997-392-5288x123", "[phone]"), ("电话：１３８１２３４５６７８", "电话：[phone]"),
    ("13812345678,13912345678", "[phone],[phone]"), ("(0755) 1234 5678", "[phone]"),
    ("tel 7654321", "tel [phone]"),
    # e-mails, also obfuscated
    ("ann at example dot com", "[email]"), ("ann(at)example.com", "[email]"),
    ("ann [at] example [dot] com", "[email]"), ("ann＠example．com", "[email]"),
    ("邮箱zhangwei@163.com。", "邮箱[email]。"),
    # ID-card numbers: 18 digits with X, spaced, 15 digits
    ("身份证号 11010519491231002X，谢谢", "身份证号 [id]，谢谢"),
    ("ID 110105 19491231 002X", "ID [id]"), ("id card: 1101 0519 4912 3100 2x", "id card: [id]"),
    ("old id 130503670401001", "old id [id]"),
    # addresses
    ("我住在北京市朝阳区建国路88号3栋2单元1201室，谢谢", "我住在[address]，谢谢"),
    ("地址：上海市浦东新区世纪大道100号", "地址：[address]"),
    ("广东省深圳市南山区科技园街道", "[address]"), ("住阳光花园5栋302", "住[address]"),
    ("I live at 221B Baker St., London now", "I live at [address] now"),
    ("12 Baker Street", "[address]"), ("Apt 4, 55 Main Rd", "[address]"),
    # WeChat and QQ
    ("微信: wxid_abc123", "微信: [wechat]"), ("WeChat: ann_lee88", "WeChat: [wechat]"),
    ("vx: annlee2020", "vx: [wechat]"), ("加微信 ann_lee88", "加微信 [wechat]"),
    ("加微信ann_lee88好吗", "加微信[wechat]好吗"), ("QQ 12345678", "QQ [qq]"),
    ("扣扣：87654321", "扣扣：[qq]"),
    # ordinary text survives: dates, times, amounts, order numbers, short numbers
    ("order 2024-01-05, 3 items, 12.50", "order 2024-01-05, 3 items, 12.50"),
    ("订单A20240105001金额¥1,234.50，共3件", "订单A20240105001金额¥1,234.50，共3件"),
    ("2024年1月5日下单，订单号 20240105123456", "2024年1月5日下单，订单号 20240105123456"),
    ("Refund of ¥1,234.50 on 05.01.2024 13:05", "Refund of ¥1,234.50 on 05.01.2024 13:05"),
    ("order #12345 shipped", "order #12345 shipped"),
    ("I paid 1,234,567.89 in total", "I paid 1,234,567.89 in total"),
    ("wechat pay is great", "wechat pay is great"),
    ("I arrived at noon. Then left", "I arrived at noon. Then left"),
    ("上海市场很大", "上海市场很大"), ("我在市场买的", "我在市场买的"),
    ("taobao order 1234567890123456789", "taobao order 1234567890123456789"),
    ("version 3.10.12, room 12, floor 3", "version 3.10.12, room 12, floor 3"),
])
def test_scrub_text(text, expected):
    assert scrub_text(text) == expected


def test_names_scrubbed_alike_in_short_and_long_columns():
    # up to 2,000 texts names are replaced in Python, beyond with RE2 alternations: same result
    names = ["Ann Lee", "Ann Leeds", "张伟", "a.b (x)", "x|y"]
    text = "Ann Leeds, Ann Lee, 张伟12, a.b (x), x|y, Annie"
    expected = "[name], [name], [name]12, [name], [name], Annie"
    assert scrub_text(text, names=names) == expected
    from crm_training.clients.anonymise import scrub_series

    long = scrub_series(pd.Series([text] * 2_500), names)
    assert (long == expected).all()
