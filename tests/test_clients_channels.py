"""Channels of client exports: the platform and marketplace vocabulary, unknown channels kept as
``other`` with the client's text in ``channel_raw``, a mapping's ``codes:``, the round trip
through saved folders and anonymisation (issue 12, point 4)."""
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training import schema
from crm_training.clients import ClientDataError, load_client
from crm_training.clients.anonymise import anonymise
from crm_training.clients.mapping import load_mapping
from crm_training.clients.parsing import parse_code

TODAY = "2025-06-30"
SALT = "channels-test-salt-0123456789"

# what a client writes -> the kit's code (odd case, spaces, full-width forms and punctuation)
VOCABULARY = [
    ("淘宝", "marketplace"), ("淘宝网", "marketplace"), (" 天猫 ", "marketplace"),
    ("天猫旗舰店", "marketplace"), ("ＴＭＡＬＬ", "marketplace"), ("Tmall", "marketplace"),
    ("t-mall", "marketplace"), ("京东", "marketplace"), ("京东 自营", "marketplace"),
    ("JD", "marketplace"), ("jd.com", "marketplace"), ("ＪＤ", "marketplace"),
    ("拼多多", "marketplace"), ("Pinduoduo", "marketplace"), ("PDD", "marketplace"),
    ("Taobao", "marketplace"), ("抖音小店", "marketplace"), ("TikTok Shop", "marketplace"),
    ("tiktok  shop", "marketplace"), ("Amazon", "marketplace"), ("amazon.co.uk", "marketplace"),
    ("eBay", "marketplace"), ("LAZADA", "marketplace"), ("Shopee SG", "marketplace"),
    ("marketplace", "marketplace"), ("Market-place", "marketplace"), ("第三方平台", "marketplace"),
    ("抖音", "social"), ("Douyin", "social"), ("TikTok", "social"), ("小红书", "social"),
    ("Xiaohongshu", "social"), ("RED", "social"), ("微信", "social"), ("WeChat", "social"),
    ("公众号", "social"), ("视频号", "social"), ("微博", "social"),
    ("小程序", "app"), ("微信小程序", "app"), ("微信 小程序", "app"),
    ("WeChat Mini Program", "app"), ("wechat mini-program", "app"), ("APP", "app"),
    ("ＡＰＰ", "app"), ("手机客户端", "app"), ("Mobile App", "app"), ("iOS", "app"),
    ("Android", "app"),
    ("门店", "store"), ("线下", "store"), ("POS", "store"), ("pos", "store"), ("In-Store", "store"),
    ("官网", "website"), ("Web Shop", "website"), ("online shop", "website"),
    ("E-Shop", "website"), ("eshop", "website"), ("Shopify", "website"), ("网上商城", "website"),
    ("400电话", "phone"), ("４００电话", "phone"), ("客服热线", "phone"), ("Call Centre", "phone"),
    ("call center", "phone"), ("CALL-CENTER", "phone"), ("Ｃａｌｌ　Ｃｅｎｔｒｅ", "phone"),
    ("呼叫中心", "phone"),
    ("其他", "other"), ("Other", "other"),
]
UNKNOWN = ["Fax", "Kiosk", "Fax"]
ORDERS_HEAD = "订单编号,客户编号,下单时间,实付金额,销售渠道\n"


def _orders(path, channels):
    lines = [f"A{i},C{i % 3},2024-01-{1 + i % 28:02d},{10 + i}.50,{v}"
             for i, v in enumerate(channels)]
    path.write_text(ORDERS_HEAD + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tickets(path, channels, priority=None):
    head = "工单号,客户编号,创建时间,渠道" + (",优先级" if priority else "") + "\n"
    lines = [f"K{i},C{i % 3},2024-02-{1 + i:02d},{v}" + (f",{priority[i]}" if priority else "")
             for i, v in enumerate(channels)]
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A transactions export with every name of the vocabulary and three unknown channels."""
    folder = tmp_path_factory.mktemp("messy")
    _orders(folder / "orders.csv", [v for v, _ in VOCABULARY] + UNKNOWN + [""])
    return load_client(folder / "orders.csv", today=TODAY, progress=False)


def test_every_vocabulary_name_gets_its_code(messy):
    tx = messy.data.transactions
    n = len(VOCABULARY)
    got = tx["channel"].astype(object).tolist()
    assert got[:n] == [code for _, code in VOCABULARY]
    assert got[n:n + 3] == ["other", "other", "other"] and pd.isna(got[-1])
    assert list(tx["channel"].cat.categories) == list(schema.SALES_CHANNELS)


def test_channel_raw_keeps_the_clients_text_of_every_row(messy):
    tx = messy.data.transactions
    raw = tx["channel_raw"].tolist()
    # known and unknown alike, trimmed (天猫 and 京东 stay apart though both are marketplaces)
    assert raw[:len(VOCABULARY) + 3] == [v.strip() for v, _ in VOCABULARY] + UNKNOWN
    assert pd.isna(raw[-1])  # a row without a channel has no text either
    assert tx["channel_raw"].dtype == "str"
    both = tx.loc[tx["channel"] == "marketplace", "channel_raw"]
    assert {"天猫", "京东", "Amazon"} <= set(both)


def test_unknown_channels_are_a_warning_that_costs_no_row(messy):
    rep = messy.report
    assert messy.ok and "unknown_code" not in rep.codes()
    [issue] = [i for i in rep.issues if i.code == "other_channel"]
    assert issue.severity == "warning" and issue.column == "channel" and issue.count == 3
    assert issue.message == ("2 channel values the kit does not know ('Fax', 'Kiosk'); kept as "
                             "other, the original in channel_raw")
    assert [e["channel"] for e in issue.examples] == UNKNOWN
    # nothing dropped or blanked: every row is kept, and no cleaning step touches the channel
    assert messy.cleaning.dropped() == 0 and len(messy.data.transactions) == len(VOCABULARY) + 4
    assert not [s for s in messy.cleaning.steps if s.column in ("channel", "channel_raw")]
    assert "2 channel values the kit does not know" in messy.to_text()


def test_many_unknown_values_show_the_most_common_three():
    p = parse_code(pd.Series(["Fax"] * 3 + ["Kiosk"] * 2 + ["Telex", "Pigeon", "天猫"]),
                   schema.SALES_CHANNELS, other="other")
    assert p.values.tolist() == ["other"] * 7 + ["marketplace"]
    assert not p.bad.any()
    [f] = p.findings
    assert f.code == "other_channel" and f.cells.tolist() == [True] * 7 + [False]
    assert f.message.startswith("4 channel values the kit does not know (e.g. 'Fax', 'Kiosk', ")


def test_without_other_an_unknown_code_stays_blank_and_bad():
    p = parse_code(pd.Series(["天猫", "Fax"]), schema.SALES_CHANNELS)
    assert p.values.tolist()[0] == "marketplace" and pd.isna(p.values.tolist()[1])
    assert p.bad.tolist() == [False, True] and p.findings == []


def test_contact_channels_and_other_coded_columns(tmp_path):
    _tickets(tmp_path / "tickets.csv", ["EDM", "邮件", "E-Mail", "短信", "天猫", "Fax"],
             priority=["high", "紧急", "super-urgent", "low", "medium", "low"])
    res = load_client({"tickets": tmp_path / "tickets.csv"}, today=TODAY, progress=False)
    t = res.data.tickets
    # no SMS among the ticket channels: a text message is kept as other there
    assert t["channel"].astype(object).tolist() == ["email", "email", "email", "other",
                                                    "marketplace", "other"]
    assert t["channel_raw"].tolist() == ["EDM", "邮件", "E-Mail", "短信", "天猫", "Fax"]
    # other coded columns keep their rule: an unknown value is blanked and reported
    assert t["priority"].astype(object).tolist()[:2] == ["high", "urgent"]
    assert pd.isna(t["priority"].iloc[2])
    [unknown] = [i for i in res.report.issues if i.code == "unknown_code"]
    assert unknown.column == "priority" and unknown.count == 1
    assert [s.reason for s in res.cleaning.steps if s.column == "priority"] == [
        "unknown code set to blank"]
    [other] = [i for i in res.report.issues if i.code == "other_channel"]
    assert other.count == 2 and other.message.startswith(
        "2 channel values the kit does not know ('短信', 'Fax')")


def test_surveys_and_interactions_keep_channel_raw_too(tmp_path):
    (tmp_path / "surveys.csv").write_text("问卷编号,客户编号,时间,渠道,净推荐值\n"
                                          "S1,C1,2024-03-01,视频号,9\nS2,C1,2024-03-02,Kiosk,3\n",
                                          encoding="utf-8")
    (tmp_path / "interactions.csv").write_text("互动编号,客户编号,时间,渠道\n"
                                               "I1,C1,2024-03-01,客服热线\n"
                                               "I2,C1,2024-03-02,短信\nI3,C1,2024-03-03,Ｓ Ｍ Ｓ\n",
                                               encoding="utf-8")
    res = load_client(tmp_path, today=TODAY, progress=False)
    s, i = res.data.surveys, res.data.interactions
    assert s["channel"].astype(object).tolist() == ["social", "other"]
    assert s["channel_raw"].tolist() == ["视频号", "Kiosk"]
    assert i["channel"].astype(object).tolist() == ["phone", "sms", "sms"]
    assert i["channel_raw"].tolist() == ["客服热线", "短信", "Ｓ Ｍ Ｓ"]


def test_a_mapping_adds_codes(tmp_path):
    _orders(tmp_path / "orders.csv", ["Kiosk", "Fax", "抖音", "天猫", "Telex"])
    _tickets(tmp_path / "tickets.csv", ["Fax", "Kiosk"])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("codes:\n  channel:\n    Kiosk: store\n    FAX: phone\n"
                       "    抖音: marketplace\n  tickets:\n    channel:\n      fax: email\n",
                       encoding="utf-8")
    res = load_client(tmp_path, mapping, today=TODAY, progress=False)
    tx, tk = res.data.transactions, res.data.tickets
    # the mapping's words match like the kit's (case, spaces) and win over the kit's own
    assert tx["channel"].astype(object).tolist() == ["store", "phone", "marketplace",
                                                     "marketplace", "other"]
    assert tx["channel_raw"].tolist() == ["Kiosk", "Fax", "抖音", "天猫", "Telex"]
    assert tk["channel"].astype(object).tolist() == ["email", "store"]  # the table's entry wins
    [issue] = [i for i in res.report.issues if i.code == "other_channel"]
    assert issue.file == "orders.csv" and issue.count == 1 and "'Telex'" in issue.message


def test_mapping_codes_are_checked():
    m = load_mapping({"codes": {"channel": {"Kiosk": "store"},
                                "tickets": {"channel": {"Fax": "email"}}}})
    assert m["codes"] == {"*": {"channel": {"Kiosk": "store"}},
                          "tickets": {"channel": {"Fax": "email"}}}
    assert load_mapping(None)["codes"] == {}
    with pytest.raises(ClientDataError, match=r"codes: channel: 'Fax' -> 'fax_machine': "
                       r"'fax_machine' is not a code of channel in the data model; codes: "
                       r"store, website, app, phone, social, marketplace, other, email, sms$"):
        load_mapping({"codes": {"channel": {"Fax": "fax_machine"}}})
    # per table: the codes of that table's column (no e-mail among the sales channels)
    with pytest.raises(ClientDataError, match=r"'email' is not a code of channel in "
                       r"transactions; codes: store, website, app, phone, social, "
                       r"marketplace, other$"):
        load_mapping({"codes": {"transactions": {"channel": {"Fax": "email"}}}})
    with pytest.raises(ClientDataError, match=r"'city' is not a coded column"):
        load_mapping({"codes": {"city": {"BJ": "Beijing"}}})
    with pytest.raises(ClientDataError, match=r"must map the client's values to codes"):
        load_mapping({"codes": {"channel": "store"}})


def test_an_invalid_mapping_code_stops_the_load(tmp_path):
    _orders(tmp_path / "orders.csv", ["Fax"])
    with pytest.raises(ClientDataError, match="'Store' is not a code of channel"):
        load_client(tmp_path / "orders.csv", {"codes": {"channel": {"Fax": "Store"}}},
                    progress=False)


def test_a_code_for_another_table_leaves_the_value_other(tmp_path):
    # e-mail is a ticket channel, not a sales channel: in orders "Fax" stays other (kept)
    _orders(tmp_path / "orders.csv", ["Fax"])
    res = load_client(tmp_path / "orders.csv", {"codes": {"channel": {"Fax": "email"}}},
                      today=TODAY, progress=False)
    tx = res.data.transactions
    assert tx["channel"].astype(object).tolist() == ["other"]
    assert tx["channel_raw"].tolist() == ["Fax"]


def test_an_export_column_mapped_to_channel_raw_is_used(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "订单编号,客户编号,下单时间,实付金额,平台,店铺名称\n"
        "A1,C1,2024-01-05,10,天猫,某某旗舰店\nA2,C1,2024-01-06,11,Fax,\n", encoding="utf-8")
    res = load_client(tmp_path / "orders.csv", {"平台": "channel", "店铺名称": "channel_raw"},
                      today=TODAY, progress=False)
    tx = res.data.transactions
    assert tx["channel"].astype(object).tolist() == ["marketplace", "other"]
    assert tx["channel_raw"].iloc[0] == "某某旗舰店" and pd.isna(tx["channel_raw"].iloc[1])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_keeps_channel_raw(messy, tmp_path, fmt):
    out = messy.save(tmp_path / "checked", format=fmt)
    back = crm_training.load(out)
    tx = back.transactions
    assert tx["channel_raw"].tolist()[:len(VOCABULARY)] == [v.strip() for v, _ in VOCABULARY]
    assert tx["channel"].astype(object).tolist() == \
        messy.data.transactions["channel"].astype(object).tolist()
    assert list(tx["channel"].cat.categories) == list(schema.SALES_CHANNELS)


def test_anonymise_scrubs_channel_raw(tmp_path):
    _orders(tmp_path / "orders.csv", ["天猫", "138 1234 5678", "ann@example.com", "Kiosk"])
    res = load_client(tmp_path / "orders.csv", today=TODAY, progress=False)
    assert res.data.transactions["channel_raw"].tolist()[1] == "138 1234 5678"
    anon = anonymise(res.data, salt=SALT)
    tx = anon.transactions
    assert tx["channel_raw"].tolist() == ["天猫", "[phone]", "[email]", "Kiosk"]
    assert tx["channel"].astype(object).tolist() == ["marketplace", "other", "other", "other"]
    assert "transactions.channel_raw" in anon.meta["anonymised"]["scrubbed"]
    # and what an anonymised save writes: the tables, and a report without the values
    out = res.save(tmp_path / "anon", anonymise=True, salt=SALT)
    back = crm_training.load(out)
    assert back.transactions["channel_raw"].tolist() == ["天猫", "[phone]", "[email]", "Kiosk"]
    text = res.to_text(redact=True)
    assert "138 1234 5678" not in text and "ann@example.com" not in text
    assert "3 channel values the kit does not know" in text


def test_schema_levels_labels_and_columns():
    for levels in (schema.CHANNELS, schema.SALES_CHANNELS, schema.TICKET_CHANNELS,
                   schema.ACQUISITION_CHANNELS):
        assert levels[-2:] == ("marketplace", "other")
    assert schema.CODE_LABELS_ZH["marketplace"] == "第三方平台"
    assert schema.CODE_LABELS_ZH["other"] == "其他"
    with_channel = [n for n, t in schema.TABLES.items() if "channel" in t.names]
    assert with_channel == ["transactions", "interactions", "tickets", "surveys"]
    for name in with_channel:
        t = schema.TABLES[name]
        c = t["channel_raw"]
        assert t.names.index("channel_raw") == t.names.index("channel") + 1
        assert (c.dtype, c.required, c.nullable, c.pii, c.levels) == \
            ("string", False, True, False, None)
        assert "other" in t["channel"].levels and "marketplace" in t["channel"].levels


def test_synthetic_data_never_uses_the_client_levels():
    data = crm_training.generate("retail", 400, seed=5)
    for name in ("transactions", "interactions", "tickets", "surveys"):
        df = getattr(data, name)
        assert df["channel_raw"].isna().all() and df["channel_raw"].dtype == "str"
        used = set(df["channel"].dropna().astype(str))
        assert used and not used & {"marketplace", "other"}
    assert not set(data.customers["acquisition_channel"].astype(str)) & {"marketplace", "other"}
    # analyses by channel show the channels used, never empty rows for the unused levels
    kpis = crm_training.service.ticket_kpis(data.tickets, by="channel")
    assert set(kpis.index.astype(str)) == set(data.tickets["channel"].dropna().astype(str))
    table = crm_training.experience.satisfaction_table(data.surveys, by="channel")
    assert not {"marketplace", "other"} & set(table.index.astype(str))
    assert (table["n"] > 0).all()


def test_generation_keeps_its_codes():
    """The new levels come last: the codes (and so the data) of a seed are unchanged."""
    tx = crm_training.generate("coffee_chain", 300, seed=9).transactions
    codes = tx["channel"].cat.codes.to_numpy()
    assert codes.min() >= 0 and codes.max() < 5
    assert np.array_equal(np.asarray(schema.SALES_CHANNELS[:5]),
                          np.array(["store", "website", "app", "phone", "social"]))


def test_codes_extend_other_coded_columns_too(tmp_path):
    _tickets(tmp_path / "tickets.csv", ["电话", "电话"], priority=["P1", "P9"])
    res = load_client({"tickets": tmp_path / "tickets.csv"},
                      {"codes": {"priority": {"p1": "urgent"}}}, today=TODAY, progress=False)
    t = res.data.tickets
    assert t["priority"].iloc[0] == "urgent" and pd.isna(t["priority"].iloc[1])  # P9: blank
    assert [i.count for i in res.report.issues if i.code == "unknown_code"] == [1]


def test_a_marketplace_export_with_buyer_ids_and_platform_names(tmp_path):
    """A Tmall/JD-style order export (GB18030): buyer ids, a 平台 column, no customers file."""
    p = tmp_path / "订单.csv"
    p.write_bytes(("订单编号,买家ID,付款时间,实付金额,平台\n"
                   "N1,U1,2024/01/05 10:00,￥88.00,天猫\nN2,U2,2024/01/06 11:00,\"￥1,299.00\",京东\n"
                   "N3,U1,2024/02/01 09:30,￥45.50,微信小程序\nN4,U3,2024/02/02 20:15,￥12.00,"
                   "门店\nN5,U3,2024/02/03 08:00,￥30.00,Kiosk\n").encode("gb18030"))
    res = load_client(p, today=TODAY, progress=False)
    assert res.ok, res.to_text()
    t = res.data.transactions
    assert t["channel"].astype(str).tolist() == ["marketplace", "marketplace", "app", "store",
                                                 "other"]
    assert t["channel_raw"].tolist() == ["天猫", "京东", "微信小程序", "门店", "Kiosk"]
    assert t["amount"].tolist() == [88.0, 1299.0, 45.5, 12.0, 30.0]
    assert sorted(res.data.customers["customer_id"]) == ["U1", "U2", "U3"]
