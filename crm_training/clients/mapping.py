"""Map a client's column names (English or Chinese) onto the data model; guess each file's table.

The synonym table starts from the data model's own labels (``label_en`` / ``label_zh`` of
:data:`crm_training.schema.TABLES`) and adds the names that client systems commonly use
(客户ID, 下单时间, 实付金额, Order Date, Net Amount ...). Headers are compared after normalising
(full-width to half-width, case, spaces, punctuation and a unit in brackets such as "金额(元)").
An explicit mapping (a dict or a YAML file) always wins over guessing.

A mapping file looks like this (every part optional)::

    transactions:            # columns of the file(s) holding this table
      单据号: transaction_id
      会员卡号: customer_id
    files:                   # which table a file holds, when its name does not say
      export_2024.xlsx: transactions
    options:                 # reading rules
      dayfirst: true
      decimal: ","
      max_bad_rows: 5%       # share of rows that may be unreadable before a file is blocked
    codes:                   # the client's own values of coded columns, per model column
      channel: {Kiosk: store, 传真: phone}   # (or per table: {tickets: {channel: {...}}})

Codes of a ``codes:`` entry must be levels of the column (:data:`crm_training.schema.TABLES`);
an entry for a column of several tables applies where its code is one of the table's levels,
and one under a table wins. They come before the kit's own words (:mod:`.channels`).

Examples
--------
>>> guess_columns(["客户ID", "下单时间", "实付金额(元)", "Remarks"], "transactions")
{'客户ID': 'customer_id', '下单时间': 'timestamp', '实付金额(元)': 'amount'}
>>> guess_table("2024_订单.csv", ["订单编号", "客户编号", "金额", "日期"])
'transactions'
"""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from pathlib import Path

from ..schema import TABLES
from .report import ClientDataError

# Common names in client exports, by table and column, in order of preference (when two columns
# of one file match the same model column, the one earlier in this list is used).
_COMMON = {
    "customer_id": ["customer id", "customer no", "customer number", "customer code", "cust id",
                    "client id", "member id", "member no", "user id", "account id", "客户id",
                    "客户号", "客户编码", "客户代码", "会员编号", "会员id", "会员号", "会员卡号",
                    "用户id", "用户编号", "顾客编号", "顾客id", "buyer id", "buyer", "买家id",
                    "买家编号", "买家会员名", "买家账号", "买家"],
}
_TIME = ["timestamp", "datetime", "date", "time", "日期", "时间", "日期时间"]
_EXTRA = {
    "customers": {
        "name": ["customer name", "full name", "company name", "客户名称", "客户姓名", "名称",
                 "公司名称", "联系人"],
        "email": ["email", "e mail", "mail", "email address", "邮箱", "电子邮件", "邮箱地址"],
        "phone": ["phone", "mobile", "telephone", "tel", "phone number", "mobile phone", "手机",
                  "手机号", "手机号码", "联系电话", "电话号码"],
        "gender": ["sex", "性别"],
        "birth_year": ["year of birth", "出生年", "出生年份"],
        "signup_date": ["registration date", "join date", "created", "signup", "sign up date",
                        "注册时间", "开户日期", "加入日期", "首次购买日期"],
        "region": ["area", "地区", "大区", "区域"],
        "loyalty_member": ["member", "is member", "是否会员"],
        "marketing_consent": ["consent", "opt in", "是否同意营销", "营销同意"],
    },
    "transactions": {
        "transaction_id": ["order id", "order no", "order number", "transaction id",
                           "transaction no", "invoice no", "invoice number", "receipt no",
                           "订单号", "订单id", "交易编号", "交易号", "流水号", "单号", "订单编码"],
        "timestamp": ["order date", "order time", "transaction date", "transaction time",
                      "purchase date", "purchase time", "date", "datetime", "订单日期", "下单日期",
                      "交易时间", "交易日期", "购买时间", "购买日期", "支付时间", "付款时间",
                      "日期", "时间"],
        "amount": ["net amount", "amount", "paid", "amount paid", "total", "order total",
                   "sales", "revenue", "payment", "实付", "支付金额", "付款金额", "金额",
                   "订单金额", "成交金额", "交易金额", "销售额", "销售金额"],
        "channel": ["sales channel", "channel", "source", "order source", "platform",
                    "下单渠道", "销售渠道", "来源渠道", "订单来源", "来源平台", "销售平台", "平台",
                    "渠道来源"],
        "category": ["product category", "category", "类别", "商品类别", "产品类别", "类目",
                     "商品分类"],
        "quantity": ["qty", "units", "件数", "购买数量", "商品数量"],
        "cost": ["cogs", "cost of goods", "成本金额", "商品成本"],
        "is_return": ["return", "returned", "is return", "refund", "退货", "是否退款",
                      "退货标记", "退货标志"],
        "original_transaction_id": ["original order id", "original order", "original order no",
                                    "原订单号", "原单号", "原订单"],
    },
    "tickets": {
        "ticket_id": ["ticket no", "case id", "case no", "工单号", "工单id", "服务单号"],
        "created_at": ["created", "created time", "opened", "open date", "提交时间", "受理时间",
                       "创建日期", "日期", "时间"],
        "first_response_at": ["first reply", "响应时间", "首次回复时间"],
        "resolved_at": ["closed", "closed at", "close date", "关闭时间", "结案时间", "完成时间"],
        "text": ["description", "text", "content", "issue", "问题", "描述", "内容", "工单内容"],
        "csat": ["satisfaction", "满意度", "评分"],
        "category": ["问题类型", "类别"],
    },
    "surveys": {
        "nps": ["nps", "recommend", "likelihood to recommend", "推荐意愿", "推荐度", "nps得分"],
        "csat": ["satisfaction", "满意度", "csat得分"],
        "effort": ["ces", "effort score", "费力度", "费力程度"],
        "comment": ["comments", "feedback", "remarks", "意见", "建议", "留言", "反馈", "备注"],
        "timestamp": _TIME + ["提交时间", "answered at", "回答时间"],
    },
    "interactions": {"timestamp": _TIME, "type": ["interaction type", "互动类型"]},
    "loyalty_events": {"timestamp": _TIME, "points": ["积分变动", "积分数"],
                       "event_type": ["type", "类型"]},
    "web_events": {"timestamp": _TIME, "page": ["页面名称", "page name"]},
    "experiments": {"experiment_id": ["experiment", "test", "campaign", "实验", "活动名称"],
                    "group": ["分组", "variant"]},
}

# Words of file names that say which table a file holds.
_FILE_WORDS = {
    "customers": ["customer", "client", "member", "user", "客户", "会员", "用户", "顾客"],
    "transactions": ["transaction", "order", "sale", "purchase", "invoice", "订单", "交易",
                     "销售", "购买", "流水"],
    "tickets": ["ticket", "case", "service", "support", "工单", "客服", "服务"],
    "surveys": ["survey", "nps", "feedback", "questionnaire", "问卷", "调查", "调研", "满意度"],
    "interactions": ["interaction", "contact", "互动", "接触"],
    "loyalty_events": ["loyalty", "points", "积分"],
    "web_events": ["web", "click", "session", "pageview", "网站", "点击", "浏览"],
    "experiments": ["experiment", "abtest", "ab_test", "pilot", "实验", "试点"],
}


def normalise(name) -> str:
    """Compare-friendly form of a header: half-width, lower case, no spaces or punctuation.

    Examples
    --------
    >>> normalise("  Customer_ID "), normalise("实付金额（元）"), normalise("E-Mail")
    ('customerid', '实付金额', 'email')
    """
    s = unicodedata.normalize("NFKC", str(name)).lower().strip().lstrip("\ufeff")
    s = re.sub(r"\((元|rmb|cny|usd|eur|¥|￥|\$|€|%|pcs|件)\)$", "", s)
    return re.sub(r"[\s_\-./:#*()\[\]]+", "", s)


def synonyms(table: str) -> dict[str, list[str]]:
    """Model column -> its known names (normalised), best first, for one table."""
    t = TABLES[table]
    out = {}
    for c in t.columns:
        names = [c.name, c.label_en, c.label_zh] + _COMMON.get(c.name, [])
        names += _EXTRA.get(table, {}).get(c.name, [])
        seen = []
        for n in map(normalise, names):
            if n and n not in seen:
                seen.append(n)
        out[c.name] = seen
    return out


@functools.lru_cache(maxsize=None)
def _lookup(table: str) -> dict[str, tuple[str, int]]:
    """Normalised name -> (model column, rank); a name claimed by two columns goes to the one
    that ranks it higher (a column's own name first), then to the first column.

    Cached: the tables are constant (do not modify the returned dict)."""
    out = {}
    for col, names in synonyms(table).items():
        for rank, n in enumerate(names):
            if n not in out or rank < out[n][1]:
                out[n] = (col, rank)
    return out


def guess_columns(columns, table: str, skip=()) -> dict[str, str]:
    """Client column -> model column for the columns recognised, each model column used once.

    ``skip`` holds model columns already mapped explicitly.
    """
    lookup = _lookup(table)
    candidates = {}
    for pos, c in enumerate(columns):
        hit = lookup.get(normalise(c))
        if hit and hit[0] not in skip:
            candidates.setdefault(hit[0], []).append((hit[1], pos, c))
    chosen = {min(v)[2]: col for col, v in candidates.items()}
    return {c: chosen[c] for c in columns if c in chosen}


def ambiguous_columns(columns, table: str, skip=()) -> dict[str, list[str]]:
    """Model column -> the client columns that all look like it (only where more than one)."""
    lookup = _lookup(table)
    found = {}
    for c in columns:
        hit = lookup.get(normalise(c))
        if hit and hit[0] not in skip:
            found.setdefault(hit[0], []).append(str(c))
    return {k: v for k, v in found.items() if len(v) > 1}


def header_score(cells) -> int:
    """How many cells of a row are known column names of any table (finds the header row)."""
    known = _known_names()
    return sum(normalise(c) in known for c in cells if c)


@functools.lru_cache(maxsize=None)
def _known_names() -> frozenset:
    return frozenset(n for t in TABLES for n in _lookup(t))


def guess_table(filename, columns, default: str | None = None) -> str | None:
    """The table a file most likely holds, from its columns and the words of its name.

    Recognised required columns count most, then other recognised columns, then the file name.
    Returns ``default`` when nothing is recognised.
    """
    stem = normalise(Path(str(filename)).stem)
    best, best_score = default, 0.0
    for t, table in TABLES.items():
        mapped = set(guess_columns(columns, t).values())
        own = mapped - {"customer_id"}  # every table has a customer id: it tells nothing
        req = [c for c in table.required if c != "customer_id"]
        score = 2 * sum(c in own for c in req) + len(own) + 0.5 * ("customer_id" in mapped)
        if req and not all(c in mapped for c in req):
            score *= 0.5
        if any(normalise(w) in stem for w in _FILE_WORDS[t]):
            score += 2.5
        if score > best_score:
            best, best_score = t, score
    return best


def load_mapping(mapping) -> dict:
    """Read a mapping (dict, YAML file path or None) into ``{"columns": {table|"*": {src: col}},
    "files": {filename: table}, "options": {...}, "codes": {table|"*": {col: {text: code}}}}``,
    checking every target column and code.

    Examples
    --------
    >>> load_mapping({"单据号": "transaction_id"})["columns"]
    {'*': {'单据号': 'transaction_id'}}
    >>> load_mapping({"codes": {"channel": {"Kiosk": "store"}}})["codes"]
    {'*': {'channel': {'Kiosk': 'store'}}}
    """
    out = {"columns": {}, "files": {}, "options": {}, "codes": {}}
    if mapping is None:
        return out
    if isinstance(mapping, (str, os.PathLike)):
        path = Path(mapping)
        if "\x00" in str(path):
            raise ClientDataError("the mapping file name holds a NUL character")
        if not path.exists():
            raise ClientDataError(f"mapping file {path} does not exist")
        if not path.is_file():
            raise ClientDataError(f"mapping {path} is not a file (a YAML file of client column: "
                                  "model column)")
        if path.stat().st_size > (1 << 20):
            raise ClientDataError(f"mapping file {path} is {path.stat().st_size:,} bytes: too "
                                  "big for a column mapping")
        import yaml

        try:
            mapping = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_yaml_loader())
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ClientDataError(f"mapping file {path.name} is not valid YAML: "
                                  f"{str(e).splitlines()[0]}") from None
        mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise ClientDataError("mapping must be a dict or a YAML file of "
                              "{client column: model column}")
    flat = {}
    for k, v in mapping.items():
        if k == "files":
            if not isinstance(v, dict) or any(t not in TABLES for t in v.values()):
                raise ClientDataError(f"mapping 'files' must map file names to tables "
                                      f"({', '.join(TABLES)})")
            out["files"] = {str(f): t for f, t in v.items()}
        elif k == "options":
            if not isinstance(v, dict):
                raise ClientDataError("mapping 'options' must be a dict")
            unknown = set(v) - {"dayfirst", "decimal", "table", "max_bad_rows"}
            if unknown:
                raise ClientDataError(f"unknown mapping option(s) {sorted(unknown)}; "
                                      "known: dayfirst, decimal, table, max_bad_rows")
            out["options"] = dict(v)
        elif k == "codes" and isinstance(v, dict):
            out["codes"] = _check_codes(v)
        elif k in TABLES and isinstance(v, dict):
            out["columns"][k] = _check_targets({str(a): b for a, b in v.items()}, k)
        else:
            flat[str(k)] = v
    if flat:
        out["columns"]["*"] = _check_targets(flat, None)
    return out


def _yaml_loader():
    """A safe YAML loader that reads only true/false as booleans: column names such as
    "No", "Yes", "On" or "Off" (YAML 1.1 booleans) stay text."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                 re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))
    return Loader


def _check_targets(cols: dict, table: str | None) -> dict:
    valid = TABLES[table].names if table else sorted({c for t in TABLES.values() for c in t.names})
    for src, dst in cols.items():
        if dst not in valid:
            raise ClientDataError(f"mapping: {src!r} -> {dst!r}: {dst!r} is not a column of "
                                  f"{table or 'the data model'}; columns: {', '.join(valid)}")
    return cols


def _check_codes(codes: dict) -> dict:
    """The ``codes:`` of a mapping: ``{column: {text: code}}`` (the column in every table) or
    ``{table: {column: {text: code}}}``, as ``{table|"*": {column: {text: code}}}``."""
    out: dict = {}
    for k, v in codes.items():
        if k in TABLES:
            if not isinstance(v, dict):
                raise ClientDataError(f"mapping codes: {k}: must map its columns to "
                                      "{client value: code}")
            for col, words in v.items():
                out.setdefault(k, {})[str(col)] = _check_words(words, str(col), [k])
        else:
            out.setdefault("*", {})[str(k)] = _check_words(v, str(k), list(TABLES))
    return out


def _check_words(words, column: str, tables: list) -> dict:
    levels = []  # the column's codes in those tables, in the model's order
    for t in tables:
        if column in TABLES[t].names and TABLES[t][column].levels:
            levels += [lv for lv in TABLES[t][column].levels if lv not in levels]
    where = f"{tables[0]}" if len(tables) == 1 else "the data model"
    if not levels:
        coded = sorted({c.name for t in tables for c in TABLES[t].columns if c.levels})
        raise ClientDataError(f"mapping codes: {column!r} is not a coded column of {where}; "
                              f"coded columns: {', '.join(coded)}")
    if not isinstance(words, dict):
        raise ClientDataError(f"mapping codes: {column}: must map the client's values to codes "
                              f"({{Kiosk: store}}); codes: {', '.join(levels)}")
    for text, code in words.items():
        if not isinstance(code, str) or code not in levels:
            raise ClientDataError(f"mapping codes: {column}: {str(text)!r} -> {code!r}: "
                                  f"{code!r} is not a code of {column} in {where}; codes: "
                                  f"{', '.join(levels)}")
    return {str(text): code for text, code in words.items()}
