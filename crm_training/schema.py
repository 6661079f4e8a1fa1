"""The kit's one data model: every table, column, type and label (the data dictionary).

Synthetic data (:func:`crm_training.generate`) and client exports (:func:`crm_training.load_client`)
both end in these tables, so every analysis works on either. Codes such as channels are stored in
English; their Chinese labels live here. Used by every chapter; chapter 00 introduces it.

Examples
--------
>>> from crm_training.schema import TABLES, data_dictionary
>>> TABLES["transactions"]["amount"].dtype
'float64'
>>> data_dictionary().query("table == 'surveys' and column == 'nps'")["label_zh"].item()
'净推荐值'
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Channels of the syllabus (website, app, social media, phone, e-mail, SMS, face to face in store),
# then the two levels only client exports fill (CLIENT_CHANNELS, never drawn by the generator,
# last so that the syllabus channels keep their codes): ``marketplace``, a third-party platform
# the client sells on (Tmall, JD, Amazon, TikTok Shop ...), and ``other``, a channel the kit
# does not know (its text kept in ``channel_raw``; see crm_training.clients.channels).
CLIENT_CHANNELS = ("marketplace", "other")
CHANNELS = ("website", "app", "social", "phone", "email", "sms", "store") + CLIENT_CHANNELS
SALES_CHANNELS = ("store", "website", "app", "phone", "social") + CLIENT_CHANNELS
TICKET_CHANNELS = ("phone", "email", "website", "app", "social", "store") + CLIENT_CHANNELS
INTERACTION_TYPES = ("inquiry", "complaint", "suggestion", "praise")
TICKET_CATEGORIES = ("account", "billing", "order", "product", "technical", "refund")
PRIORITIES = ("low", "medium", "high", "urgent")
TOUCHPOINTS = ("website", "app", "store", "checkout", "delivery", "customer_service")
LOYALTY_EVENT_TYPES = ("enrol", "earn", "redeem", "expire", "tier_change", "referral")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
DEVICES = ("desktop", "mobile", "tablet")
FUNNEL_PAGES = ("home", "category", "product", "cart", "checkout", "confirmation")
SERVICE_NEEDS = ("high_service", "standard", "self_service")
STRATEGIC_TIERS = ("core", "important", "ordinary")
INCOME_BANDS = ("low", "middle", "upper_middle", "high")
GENDERS = ("female", "male", "unknown")
ACQUISITION_CHANNELS = ("store", "website", "app", "social", "referral", "sales_rep",
                        "partner") + CLIENT_CHANNELS
SENTIMENTS = ("negative", "neutral", "positive")
GROUPS = ("control", "treatment")
HANDLERS = ("bot", "human")

# Chinese labels of the codes above (for reports and plots in Simplified Chinese).
CODE_LABELS_ZH = {
    "website": "网站", "app": "应用", "social": "社交媒体", "phone": "电话", "email": "电子邮件",
    "sms": "短信", "store": "门店", "inquiry": "咨询", "complaint": "投诉", "suggestion": "建议",
    "praise": "表扬", "account": "账户", "billing": "账单费用", "order": "订单配送",
    "product": "产品", "technical": "技术问题", "refund": "退款退货", "low": "低",
    "medium": "中", "high": "高", "urgent": "紧急", "checkout": "结账支付", "delivery": "配送",
    "customer_service": "客户服务", "enrol": "入会", "earn": "积分获取", "redeem": "积分兑换",
    "expire": "积分过期", "tier_change": "等级变更", "referral": "推荐", "bronze": "铜卡",
    "silver": "银卡", "gold": "金卡", "platinum": "白金卡", "desktop": "电脑", "mobile": "手机",
    "tablet": "平板", "home": "首页", "category": "分类页", "cart": "购物车",
    "confirmation": "确认页", "high_service": "高服务需求", "standard": "标准服务",
    "self_service": "自助服务", "core": "核心", "important": "重要", "ordinary": "普通",
    "middle": "中等", "upper_middle": "中高", "female": "女", "male": "男", "unknown": "未知",
    "sales_rep": "销售代表", "partner": "合作伙伴", "negative": "负面", "neutral": "中性",
    "positive": "正面", "control": "对照组", "treatment": "实验组", "bot": "机器人",
    "human": "人工", "marketplace": "第三方平台", "other": "其他",
}


@dataclass(frozen=True)
class Column:
    """One column of the data model."""

    name: str
    dtype: str  # "string", "category", "datetime64[ns]", "float64", "int64", "Int8", "Int16", "bool"
    label_en: str
    label_zh: str
    meaning: str
    required: bool = False  # must be present in a client export
    levels: tuple[str, ...] | None = None  # allowed codes of a categorical column
    nullable: bool = False
    pii: bool = False  # personal data: anonymised before anything is written
    unit: str = ""


@dataclass(frozen=True)
class Table:
    """One table: its columns in order, its key and what it describes."""

    name: str
    label_en: str
    label_zh: str
    meaning: str
    key: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def __getitem__(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}; it has: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name, dtype, en, zh, meaning, **kw) -> Column:
    return Column(name, dtype, en, zh, meaning, **kw)


_CID = _c("customer_id", "string", "Customer ID", "客户编号", "Unique customer identifier.",
          required=True)
# beside every channel a client export can fill: what the client wrote, kept as written
_CHANNEL_RAW = _c("channel_raw", "string", "Channel as exported", "原始渠道",
                  "The client's own text of the channel (天猫, 京东, Kiosk ...), kept for every "
                  "row that names one; blank in synthetic data.", nullable=True)

TABLES: dict[str, Table] = {t.name: t for t in [
    Table("customers", "Customers", "客户", "One row per customer: profile and segmentation fields.",
          "customer_id", (
              _CID,
              _c("name", "string", "Name", "姓名", "Person's or company's name.", pii=True),
              _c("email", "string", "E-mail", "电子邮箱", "E-mail address (unique).", pii=True),
              _c("phone", "string", "Phone", "电话", "Phone number.", pii=True),
              _c("gender", "category", "Gender", "性别", "Self-reported gender.", levels=GENDERS),
              _c("birth_year", "Int16", "Birth year", "出生年份", "Year of birth (blank for companies).",
                 nullable=True),
              _c("city", "string", "City", "城市", "City of residence or of the head office."),
              _c("region", "string", "Region", "区域", "Sales region the city belongs to."),
              _c("income_band", "category", "Income band", "收入水平",
                 "Household income band (company size band for B2B).", levels=INCOME_BANDS),
              _c("signup_date", "datetime64[ns]", "Sign-up date", "注册日期",
                 "Date of the first purchase / account opening."),
              _c("acquisition_channel", "category", "Acquisition channel", "获客渠道",
                 "How the customer was won.", levels=ACQUISITION_CHANNELS),
              _c("preferred_channel", "category", "Preferred channel", "偏好渠道",
                 "Channel the customer uses most for contacts.", levels=CHANNELS),
              _c("service_need", "category", "Service need", "服务需求",
                 "Needs-based segment: high service, standard or self service.", levels=SERVICE_NEEDS),
              _c("strategic_tier", "category", "Strategic importance", "战略重要性",
                 "Strategic importance: core, important or ordinary.", levels=STRATEGIC_TIERS),
              _c("social_influence", "float64", "Social influence", "社交影响力",
                 "Reach in social networks, scaled 0 (none) to 1 (key opinion leader)."),
              _c("loyalty_member", "bool", "Loyalty member", "会员",
                 "Member of the loyalty programme at the end of the data."),
              _c("marketing_consent", "bool", "Marketing consent", "营销许可",
                 "Agreed to receive marketing messages."),
          )),
    Table("transactions", "Transactions", "交易", "One row per purchase line; returns are negative rows.",
          "transaction_id", (
              _c("transaction_id", "string", "Transaction ID", "订单编号", "Unique order identifier.",
                 required=True),
              _CID,
              _c("timestamp", "datetime64[ns]", "Order time", "下单时间", "When the order was placed.",
                 required=True),
              _c("channel", "category", "Sales channel", "渠道", "Where the order was placed.",
                 levels=SALES_CHANNELS),
              _CHANNEL_RAW,
              _c("category", "string", "Product category", "品类", "Product or service category."),
              _c("quantity", "int64", "Quantity", "数量", "Units (negative for returns)."),
              _c("amount", "float64", "Net amount", "实付金额",
                 "Amount paid after discounts, negative for returns.", required=True, unit="currency"),
              _c("cost", "float64", "Cost", "成本", "Cost of goods and service, negative for returns.",
                 unit="currency"),
              _c("is_return", "bool", "Return", "是否退货", "True for a return (refund) row."),
              _c("original_transaction_id", "string", "Original order", "原订单编号",
                 "For a return, the order it refunds.", nullable=True),
          )),
    Table("interactions", "Interactions", "互动", "Customer contacts by channel and type.",
          "interaction_id", (
              _c("interaction_id", "string", "Interaction ID", "互动编号", "Unique contact identifier.",
                 required=True),
              _CID,
              _c("timestamp", "datetime64[ns]", "Time", "时间", "When the contact happened.",
                 required=True),
              _c("channel", "category", "Channel", "渠道", "Contact channel.", levels=CHANNELS),
              _CHANNEL_RAW,
              _c("type", "category", "Type", "类型", "Inquiry, complaint, suggestion or praise.",
                 levels=INTERACTION_TYPES),
          )),
    Table("tickets", "Service tickets", "服务工单", "Service cases from creation to resolution.",
          "ticket_id", (
              _c("ticket_id", "string", "Ticket ID", "工单编号", "Unique case identifier.",
                 required=True),
              _CID,
              _c("channel", "category", "Channel", "渠道", "Channel the case came in by.",
                 levels=TICKET_CHANNELS),
              _CHANNEL_RAW,
              _c("category", "category", "Category", "问题类别", "Type of issue.",
                 levels=TICKET_CATEGORIES),
              _c("priority", "category", "Priority", "优先级", "Urgency of the case.", levels=PRIORITIES),
              _c("created_at", "datetime64[ns]", "Created", "创建时间", "When the case was opened.",
                 required=True),
              _c("first_response_at", "datetime64[ns]", "First response", "首次响应时间",
                 "First answer to the customer.", nullable=True),
              _c("resolved_at", "datetime64[ns]", "Resolved at", "解决时间",
                 "When the case was closed (blank while open).", nullable=True),
              _c("resolved", "bool", "Resolved", "是否解决", "Case closed by the end of the data."),
              _c("handled_by", "category", "Handled by", "处理方", "Chatbot or human agent.",
                 levels=HANDLERS),
              _c("first_contact_resolution", "bool", "First-contact resolution", "首次解决",
                 "Solved in the first contact."),
              _c("reopened", "bool", "Reopened", "重新打开", "Customer came back on the same case."),
              _c("csat", "Int8", "CSAT after contact", "服务满意度",
                 "Satisfaction with the case, 1-5 (blank if not answered).", nullable=True),
              _c("text", "string", "Description", "问题描述", "Customer's description of the issue.",
                 pii=True),
          )),
    Table("surveys", "Surveys", "满意度调查", "Survey answers: NPS, CSAT, effort and a comment.",
          "survey_id", (
              _c("survey_id", "string", "Survey ID", "问卷编号", "Unique response identifier.",
                 required=True),
              _CID,
              _c("timestamp", "datetime64[ns]", "Time", "时间", "When the survey was answered.",
                 required=True),
              _c("touchpoint", "category", "Touchpoint", "触点", "Journey touchpoint asked about.",
                 levels=TOUCHPOINTS),
              _c("channel", "category", "Channel", "渠道", "Channel of the experience.",
                 levels=CHANNELS),
              _CHANNEL_RAW,
              _c("nps", "Int8", "Likelihood to recommend", "净推荐值",
                 "0-10; 9-10 promoters, 0-6 detractors.", nullable=True),
              _c("csat", "Int8", "CSAT", "客户满意度", "Satisfaction 1-5; 4-5 counts as satisfied.",
                 nullable=True),
              _c("effort", "Int8", "Customer effort", "客户费力度",
                 "Effort 1 (very easy) to 7 (very hard).", nullable=True),
              _c("comment", "string", "Comment", "评论", "Free-text comment.", nullable=True,
                 pii=True),
          )),
    Table("loyalty_events", "Loyalty events", "会员积分事件",
          "Programme ledger: enrolment, points earned, redeemed, expired, tier changes, referrals.",
          "event_id", (
              _c("event_id", "string", "Event ID", "事件编号", "Unique ledger entry.", required=True),
              _CID,
              _c("timestamp", "datetime64[ns]", "Time", "时间", "When the event happened.",
                 required=True),
              _c("event_type", "category", "Event type", "事件类型",
                 "enrol, earn, redeem, expire, tier_change or referral.", levels=LOYALTY_EVENT_TYPES),
              _c("points", "int64", "Points", "积分", "Points added (+) or removed (-)."),
              _c("tier", "category", "Tier", "会员等级", "Member tier after the event.",
                 levels=LOYALTY_TIERS),
              _c("transaction_id", "string", "Order", "订单编号", "Order that earned the points.",
                 nullable=True),
          )),
    Table("web_events", "Web events", "网站行为", "Page views and clicks within sessions.",
          "event_id", (
              _c("event_id", "string", "Event ID", "事件编号", "Unique page-view identifier.",
                 required=True),
              _c("session_id", "string", "Session ID", "会话编号", "Visit the page view belongs to."),
              _CID,
              _c("timestamp", "datetime64[ns]", "Time", "时间", "When the page was viewed.",
                 required=True),
              _c("device", "category", "Device", "设备", "Desktop, mobile or tablet.", levels=DEVICES),
              _c("page", "category", "Page", "页面", "Page of the purchase funnel.",
                 levels=FUNNEL_PAGES),
              _c("funnel_step", "int64", "Funnel step", "漏斗步骤", "1 (home) to 6 (confirmation)."),
              _c("x", "float64", "Click x", "点击横坐标", "Click position, 0 (left) to 1 (right)."),
              _c("y", "float64", "Click y", "点击纵坐标", "Click position, 0 (top) to 1 (bottom)."),
          )),
    Table("experiments", "Experiments", "实验分组",
          "Assignment of customers to treatment or control in tests and pilots.", "experiment_id", (
              _c("experiment_id", "string", "Experiment", "实验名称", "Name of the test or pilot.",
                 required=True),
              _CID,
              _c("group", "category", "Group", "组别", "control or treatment.", levels=GROUPS),
              _c("start_date", "datetime64[ns]", "Start", "开始日期", "When the intervention began."),
          )),
]}

# The ground truth of synthetic data: what a method should recover. Never part of client data.
TRUTH_TABLES: dict[str, Table] = {t.name: t for t in [
    Table("customers", "True customer parameters", "客户真实参数",
          "Latent parameters each customer was simulated with.", "customer_id", (
              _CID,
              _c("segment", "string", "Latent segment", "潜在细分", "Behavioural segment simulated."),
              _c("purchase_rate", "float64", "Purchase rate", "购买率",
                 "Expected purchases per year while active (before any programme).", unit="1/year"),
              _c("dropout_rate", "float64", "Dropout rate", "流失率",
                 "Hazard of becoming inactive, per year (before any programme).", unit="1/year"),
              _c("spend_mean", "float64", "Mean spend", "平均客单价", "Expected amount per order.",
                 unit="currency"),
              _c("margin", "float64", "Margin", "毛利率", "Expected profit share of an order."),
              _c("satisfaction", "float64", "Satisfaction", "满意度",
                 "Latent satisfaction on the 1-5 scale (before any upgrade)."),
              _c("alive", "bool", "Active at end", "期末活跃", "Still an active customer at the end."),
              _c("dropout_date", "datetime64[ns]", "Dropout date", "流失日期",
                 "Day the customer became inactive (blank if active).", nullable=True),
              _c("expected_purchases_1y", "float64", "Expected purchases next year", "未来一年预期购买",
                 "Expected purchases in the 365 days after the end."),
              _c("clv_3y", "float64", "True 3-year CLV", "真实三年客户终身价值",
                 "Expected profit of the next 3 years, discounted at the preset's rate.",
                 unit="currency"),
              _c("enrol_date", "datetime64[ns]", "Enrolment date", "入会日期",
                 "Loyalty enrolment (blank if never).", nullable=True),
          )),
    Table("text_labels", "Text labels", "文本标注", "Known sentiment and topic of every free text.",
          "source_id", (
              _c("source", "category", "Source table", "来源表", "surveys or tickets."),
              _c("source_id", "string", "Row ID", "记录编号", "survey_id or ticket_id."),
              _c("sentiment", "category", "Sentiment", "情感", "negative, neutral or positive.",
                 levels=SENTIMENTS),
              _c("topic", "string", "Topic", "主题", "Ticket category or survey touchpoint."),
          )),
    Table("interventions", "Interventions", "干预措施", "Programmes simulated with a known effect.",
          "name", (
              _c("name", "string", "Name", "名称", "Intervention (matches experiments.experiment_id)."),
              _c("kind", "string", "Kind", "类型", "loyalty_programme, service_upgrade or campaign."),
              _c("start_date", "datetime64[ns]", "Start", "开始日期", "When it began."),
              _c("population", "string", "Who", "对象", "Who received it."),
              _c("metric", "string", "Metric", "指标", "Outcome the effect is measured on."),
              _c("true_effect", "float64", "True effect", "真实效果", "Simulated effect on the metric."),
              _c("effect_type", "string", "Effect type", "效果类型",
                 "relative (multiplier - 1), absolute (difference) or points."),
              _c("description", "string", "Description", "说明", "What was simulated."),
          )),
]}


def data_dictionary(truth: bool = False) -> pd.DataFrame:
    """The data dictionary as a table: one row per column of every table.

    Parameters
    ----------
    truth : include the synthetic ground-truth tables (prefixed ``truth.``).

    Examples
    --------
    >>> dd = data_dictionary()
    >>> sorted(dd["table"].unique())[:3]
    ['customers', 'experiments', 'interactions']
    """
    tables = list(TABLES.values())
    if truth:
        tables += [Table("truth." + t.name, t.label_en, t.label_zh, t.meaning, t.key, t.columns)
                   for t in TRUTH_TABLES.values()]
    rows = [
        {"table": t.name, "column": c.name, "dtype": c.dtype, "label_en": c.label_en,
         "label_zh": c.label_zh, "meaning": c.meaning, "required": c.required,
         "nullable": c.nullable, "pii": c.pii, "unit": c.unit,
         "levels": "|".join(c.levels) if c.levels else ""}
        for t in tables for c in t.columns
    ]
    return pd.DataFrame(rows)


def require_columns(df, columns, name: str) -> None:
    """Raise a clear error unless ``df`` is a DataFrame with all ``columns`` (named in the message).

    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "surveys")
    Traceback (most recent call last):
    ...
    ValueError: surveys: missing column(s) ['b']; found ['a']
    """
    if df is None:
        raise ValueError(f"{name} table is required but missing")
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame, not {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; found {list(df.columns)}")


_NULLABLE = {"bool": "boolean", "int64": "Int64"}


def conform(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return ``df`` with exactly the table's columns, in order, with the model's dtypes.

    Missing optional columns are added empty (blank values; bool and int64 columns then use the
    nullable ``boolean`` / ``Int64`` dtypes); a missing required column raises ``ValueError``
    naming it. Categorical columns get the table's levels so that codes are comparable everywhere.
    """
    missing = [c for c in table.required if c not in df.columns]
    if missing:
        raise ValueError(f"{table.name}: missing required column(s) {missing}; "
                         f"found {list(df.columns)}")
    out = {}
    for c in table.columns:
        if c.name in df.columns:
            s = df[c.name]
        else:  # absent: blank (text made as text at once, ten times faster than a cast)
            s = pd.Series(np.nan, index=df.index, dtype="str" if c.dtype == "string" else object)
        if c.dtype == "category":
            levels = list(c.levels) if c.levels else sorted(pd.unique(s.dropna().astype(str)))
            if not (isinstance(s.dtype, pd.CategoricalDtype)
                    and list(s.cat.categories) == levels):
                s = s.astype(object).where(s.isin(levels))  # unknown codes become blank
                s = pd.Series(pd.Categorical(s, categories=levels), index=df.index)
        elif c.dtype == "string":
            if s.dtype != "str":
                s = s.astype("str")
        elif s.dtype == c.dtype:
            pass
        elif c.dtype.startswith("datetime"):
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif c.dtype in _NULLABLE and s.isna().any():
            s = s.astype(_NULLABLE[c.dtype])  # absent or partly blank: keep the blanks, never invent
        else:
            s = s.astype(c.dtype)
        out[c.name] = s
    return pd.DataFrame(out, index=df.index)
