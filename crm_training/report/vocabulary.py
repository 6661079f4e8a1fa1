"""The words of each industry, and tier strategies scaled to what a customer is worth.

A bank has branches, relationship managers and account opening, not a checkout; a telecom has
subscribers and plans; a coffee chain visits and members. The report names touchpoints, the
people who serve the top tier and the strategies of each value tier in the client's own
language (en and zh), and never proposes a dedicated manager for a customer worth less a year
than a share of that manager's cost.

Examples
--------
>>> touchpoint_label("checkout", "bank", "en"), touchpoint_label("store", "bank", "zh")
('account opening', '网点')
>>> tier_strategy("high", "retail", 241.0, "USD", "en")[:37]
'Priority service, early access to new'
>>> tier_strategy("high", "manufacturing", 26_000.0, "USD", "en")[:40]
'A dedicated account manager, agreed serv'
"""
from __future__ import annotations

# Touchpoint codes of the data model (schema.TOUCHPOINTS) in each industry's words.
_TOUCHPOINTS = {
    "retail": {"website": ("online shop", "网店"), "app": ("shopping app", "购物APP"),
               "store": ("store", "门店"), "checkout": ("checkout", "结账"),
               "delivery": ("delivery", "配送"), "customer_service": ("customer service", "客服")},
    "bank": {"website": ("online banking", "网上银行"), "app": ("mobile banking", "手机银行"),
             "store": ("branch", "网点"), "checkout": ("account opening", "开户"),
             "delivery": ("cards and statements by post", "卡片与对账单寄送"),
             "customer_service": ("contact centre", "客服中心")},
    "telecom": {"website": ("self-service website", "网上营业厅"), "app": ("operator app", "营业厅APP"),
                "store": ("retail store", "营业厅"), "checkout": ("plan sign-up", "套餐办理"),
                "delivery": ("SIM and device delivery", "SIM卡与终端配送"),
                "customer_service": ("contact centre", "客服中心")},
    "coffee_chain": {"website": ("website", "官网"), "app": ("ordering app", "点单APP"),
                     "store": ("café", "门店"), "checkout": ("ordering and payment", "点单与支付"),
                     "delivery": ("pick-up and delivery", "自取与外送"),
                     "customer_service": ("customer care", "客户关怀")},
    "travel": {"website": ("booking website", "预订网站"), "app": ("travel app", "出行APP"),
               "store": ("travel agency", "门店"), "checkout": ("booking and payment", "预订与支付"),
               "delivery": ("the trip itself", "行程体验"),
               "customer_service": ("customer service", "客服")},
    "manufacturing": {"website": ("customer portal", "客户门户"), "app": ("ordering app", "订货APP"),
                      "store": ("distributor", "经销商"), "checkout": ("order placement", "下单"),
                      "delivery": ("delivery and installation", "交付与安装"),
                      "customer_service": ("technical support", "技术支持")},
}

# Who serves the top tier, what customers and their purchases are called.
_TERMS = {
    "retail": {"manager": ("personal shopper", "专属导购"), "customers": ("shoppers", "顾客"),
               "purchases": ("purchases", "购买")},
    "bank": {"manager": ("relationship manager", "客户经理"),
             "customers": ("account holders", "客户"), "purchases": ("product uses", "业务办理")},
    "telecom": {"manager": ("account manager", "客户经理"), "customers": ("subscribers", "用户"),
                "purchases": ("plan payments", "套餐缴费")},
    "coffee_chain": {"manager": ("store team", "门店团队"), "customers": ("members", "会员"),
                     "purchases": ("visits", "到店消费")},
    "travel": {"manager": ("travel consultant", "专属旅行顾问"),
               "customers": ("travellers", "旅客"), "purchases": ("bookings", "预订")},
    "manufacturing": {"manager": ("account manager", "大客户经理"),
                      "customers": ("accounts", "客户企业"), "purchases": ("orders", "订单")},
}

# Tier strategies per industry: (high and worth a person, high, medium, potential), en and zh.
# "{manager}" is the industry's word; the high tier gets a dedicated person only when it is
# worth it (see tier_strategy).
_STRATEGIES = {
    "retail": {
        "medium": ("Personalised offers by e-mail and app, cross-selling, points rewards.",
                   "邮件与APP个性化优惠、交叉销售、积分奖励"),
        "potential": ("Welcome offer on the second purchase, sign-up rewards, product tips.",
                      "第二次购买优惠、注册奖励、商品推荐"),
    },
    "bank": {
        "medium": ("Needs-based offers in mobile banking, cross-selling of cards and savings.",
                   "手机银行中基于需求的推荐、信用卡与储蓄产品交叉销售"),
        "potential": ("Onboarding journey, salary-account and first-product incentives.",
                      "新客户引导旅程、代发工资账户与首个产品激励"),
    },
    "telecom": {
        "medium": ("Plan upgrades matched to usage, family bundles, loyalty data gifts.",
                   "按用量匹配的套餐升级、家庭融合套餐、忠诚流量赠送"),
        "potential": ("Usage tips in the first months, prepaid-to-contract offers.",
                      "入网前几个月的用量提醒、预付费转合约优惠"),
    },
    "coffee_chain": {
        "medium": ("Member challenges, pre-order in the app, seasonal drink offers.",
                   "会员挑战活动、APP预点单、季节饮品优惠"),
        "potential": ("Second-visit coupon, sign-up drink, morning-route reminders.",
                      "第二次到店优惠券、注册赠饮、早间路线提醒"),
    },
    "travel": {
        "medium": ("Trip bundles, member fares, reminders before the usual travel season.",
                   "行程套餐、会员价、常用出行季前提醒"),
        "potential": ("Offer on the second booking, price alerts, easy rebooking.",
                      "第二次预订优惠、降价提醒、便捷改签"),
    },
    "manufacturing": {
        "medium": ("Distributor programmes, volume pricing, planned replenishment.",
                   "经销商激励计划、阶梯价格、计划补货"),
        "potential": ("Trial orders, technical onboarding, sample programmes.",
                      "试订单、技术导入支持、样品计划"),
    },
}

_HIGH = {  # by how much a high-tier customer is worth a year (see tier_strategy)
    "person": ("A dedicated {manager}, agreed service levels, tailored terms.",
               "专属{manager}、约定服务水平、定制化条款"),
    "team": ("A named service team, a priority line and personal offers.",
             "指定服务团队、优先服务专线、个性化优惠"),
    "light": ("Priority service, early access to new products, personal thank-you offers.",
              "优先服务、新品优先体验、个性化感谢礼遇"),
}

# Yearly cost of one full-time service person by currency (the report's AGENT_COST).
_PERSON_COST = {"USD": 45_000.0, "EUR": 42_000.0, "GBP": 38_000.0, "CNY": 150_000.0}
# A dedicated person looks after about this many top customers; a customer is worth one when
# their yearly value is at least the person's cost per customer (PERSON_ACCOUNTS), a named team
# when it is at least a third of that.
PERSON_ACCOUNTS = 40


def _industry(industry) -> str:
    return industry if industry in _TOUCHPOINTS else "retail"  # client data: retail words


def touchpoint_label(code, industry, language: str) -> str:
    """A touchpoint code in the industry's words (retail's for client data)."""
    pair = _TOUCHPOINTS[_industry(industry)].get(str(code))
    if pair is None:
        return str(code).replace("_", " ")
    return pair[0 if language == "en" else 1]


def term(key: str, industry, language: str) -> str:
    """``manager``, ``customers`` or ``purchases`` in the industry's words."""
    return _TERMS[_industry(industry)][key][0 if language == "en" else 1]


def high_tier_level(value_per_customer_year: float, currency: str) -> str:
    """How much service a high-tier customer is worth: ``person`` (a dedicated manager costs
    less than the customer's yearly value), ``team`` or ``light``."""
    cost = _PERSON_COST.get(currency or "USD", _PERSON_COST["USD"]) / PERSON_ACCOUNTS
    v = float(value_per_customer_year) if value_per_customer_year == value_per_customer_year \
        else 0.0
    return "person" if v >= cost else "team" if v >= cost / 3 else "light"


def tier_strategy(tier: str, industry, value_per_customer_year: float, currency: str,
                  language: str) -> str:
    """The strategy of a value tier in the industry's words, scaled to the tier's value."""
    i = 0 if language == "en" else 1
    ind = _industry(industry)
    if tier == "high":
        text = _HIGH[high_tier_level(value_per_customer_year, currency)][i]
        return text.format(manager=term("manager", ind, language))
    return _STRATEGIES[ind][tier][i]
