"""Industry scenarios of the course, each a named preset of generator parameters.

Every preset is tied to a case of the syllabus (chapter in brackets) and can be overridden field
by field through ``generate(..., **overrides)``:

- ``retail`` (ch. 1-2): a retailer whose top fifth of customers bring most of the profit; the path
  optimisation case (repurchase 32% -> 58%) is its loyalty/experience intervention.
- ``bank`` (ch. 2): annual churn near 22% before the segmentation-led retention programme, which
  targets the 12% of the case.
- ``telecom`` (ch. 5): satisfaction 3.2 of 5 before a service upgrade that lifts it towards 4.5 in
  the pilot region and lowers churn.
- ``coffee_chain`` (ch. 4): frequent small orders; a membership programme lifts repurchase.
- ``travel`` (ch. 3): satisfaction 3.2 of 5 before the experience redesign (towards 4.5).
- ``manufacturing`` (ch. 6, B2B): few large accounts; the service upgrade cuts complaints by 60%
  and halves resolution time.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True)
class Segment:
    """A latent behavioural segment: the generative parameters its customers are drawn from.

    Purchase rate lambda ~ Gamma(shape ``rate_shape``, mean ``purchase_rate`` per year); dropout
    hazard mu ~ Gamma(shape ``dropout_shape``, mean ``dropout_rate`` per year); spend per order
    follows the Gamma-Gamma model with shape ``spend_p`` and heterogeneity ``spend_q`` around
    ``spend_mean``.
    """

    name: str
    weight: float
    purchase_rate: float
    dropout_rate: float
    spend_mean: float
    margin: float
    satisfaction: float
    rate_shape: float = 2.0
    dropout_shape: float = 2.0
    spend_p: float = 4.0
    spend_q: float = 6.0
    high_service: float = 0.2  # share with high service need
    self_service: float = 0.3
    online: float = 0.5  # affinity to digital channels (web sessions, online orders)


@dataclass(frozen=True)
class Preset:
    """All parameters of one industry scenario (see the module docstring for the cases)."""

    industry: str
    case: str
    start: str = "2023-01-01"
    end: str = "2025-12-31"
    currency_scale: float = 1.0  # amounts in USD for en_US; times 7 in CNY for zh_CN
    segments: tuple[Segment, ...] = ()
    categories: tuple[str, ...] = ()
    category_weights: tuple[float, ...] = ()
    categories_zh: tuple[str, ...] = ()
    sales_channel_weights: tuple[float, ...] = (0.5, 0.25, 0.2, 0.03, 0.02)  # schema.SALES_CHANNELS
    favourite_category_share: float = 0.6
    mean_quantity: float = 1.8
    return_rate: float = 0.05
    satisfaction_sd: float = 0.6
    satisfaction_dropout: float = 0.35  # log-hazard change per point of satisfaction below 3.5
    b2b: bool = False
    # contacts
    interaction_rate: float = 2.0  # contacts per customer-year
    ticket_rate: float = 0.6  # service cases per customer-year
    survey_rate: float = 0.15  # share of orders followed by a survey answer
    comment_rate: float = 0.45  # share of survey answers with a comment
    touchpoint_effects: tuple[float, ...] = (0.1, 0.1, 0.2, -0.3, -0.2, 0.0)  # schema.TOUCHPOINTS
    bot_share: float = 0.08  # share of eligible tickets a chatbot answers before any upgrade
    web_rate: float = 3.0  # web sessions per customer-year at full online affinity
    mobile_share: float = 0.55
    # loyalty programme
    loyalty_launch: float = 0.35  # fraction of the period when the programme launches
    loyalty_enrol_share: float = 0.35  # share of active customers who enrol by the end
    loyalty_rate_uplift: float = 0.25  # members buy (1 + uplift) times as often after enrolling
    loyalty_dropout_cut: float = 0.2  # members' dropout hazard falls by this share
    points_per_currency: float = 1.0
    tier_thresholds: tuple[int, ...] = (1_000, 5_000, 20_000)  # silver, gold, platinum
    redeem_rate: float = 0.12  # share of member orders on which points are redeemed
    redeem_share: float = 0.8  # share of points since the last redemption that is redeemed
    referral_bonus: int = 200
    # service upgrade (pilot region)
    upgrade_at: float = 0.6
    upgrade_satisfaction: float = 0.6  # latent satisfaction points gained in the pilot region
    upgrade_response: float = 0.4  # first-response time multiplier
    upgrade_resolution: float = 0.5  # resolution time multiplier
    upgrade_bot_share: float = 0.45
    upgrade_complaints: float = 0.6  # complaint-rate multiplier
    upgrade_dropout_cut: float = 0.2
    # A/B campaign
    campaign_at: float = 0.85
    campaign_share: float = 0.2  # share of customers signed up by then who are assigned
    campaign_window: int = 30  # days in which a response counts
    campaign_uplift: float = 0.08  # chance that an active treated customer places an extra order
    discount_rate: float = 0.10  # yearly, for the true CLV
    extra: dict = field(default_factory=dict)

    def with_overrides(self, **overrides) -> "Preset":
        known = {f.name for f in fields(self)} - {"industry", "case", "extra"}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown override(s) {unknown}; known: {', '.join(sorted(known))}")
        return replace(self, **overrides)


_RETAIL_CATS = ("grocery", "apparel", "electronics", "home", "beauty", "toys")
_RETAIL_CATS_ZH = ("食品杂货", "服装", "电子产品", "家居", "美妆", "玩具")

PRESETS: dict[str, Preset] = {p.industry: p for p in [
    Preset(
        "retail", "Retailer: 20% of customers bring most profit; path optimisation lifts repurchase.",
        segments=(
            Segment("vip", 0.08, 15, 0.12, 100, 0.34, 4.2, rate_shape=3, high_service=0.5,
                    self_service=0.1, online=0.6),
            Segment("regular", 0.27, 7, 0.25, 60, 0.30, 3.9, online=0.55),
            Segment("occasional", 0.40, 2.5, 0.4, 45, 0.27, 3.6, online=0.45),
            Segment("bargain_hunter", 0.25, 3, 0.7, 30, 0.12, 3.2,
                    high_service=0.1, self_service=0.5, online=0.7),
        ),
        categories=_RETAIL_CATS, categories_zh=_RETAIL_CATS_ZH,
        category_weights=(0.3, 0.2, 0.12, 0.15, 0.13, 0.1),
    ),
    Preset(
        "bank", "Bank: churn near 22% a year before a segmentation-led retention programme.",
        segments=(
            Segment("affluent", 0.1, 30, 0.10, 250, 0.45, 4.1, rate_shape=3, high_service=0.6,
                    self_service=0.1, online=0.5),
            Segment("mass_active", 0.35, 20, 0.2, 80, 0.35, 3.8, online=0.7),
            Segment("mass_passive", 0.35, 6, 0.3, 60, 0.30, 3.5, rate_shape=1.5, online=0.5),
            Segment("at_risk", 0.2, 8, 0.5, 50, 0.25, 3.0, high_service=0.3, online=0.6),
        ),
        categories=("cards", "loans", "deposits", "wealth", "insurance", "fees"),
        categories_zh=("信用卡", "贷款", "存款", "理财", "保险", "手续费"),
        category_weights=(0.4, 0.1, 0.2, 0.1, 0.1, 0.1),
        sales_channel_weights=(0.3, 0.2, 0.4, 0.08, 0.02), return_rate=0.01,
        loyalty_launch=0.5, loyalty_rate_uplift=0.15, loyalty_dropout_cut=0.45,
    ),
    Preset(
        "telecom", "Telecom operator: satisfaction 3.2 of 5 before a service upgrade.",
        segments=(
            Segment("family_plan", 0.25, 12, 0.12, 90, 0.40, 3.45, rate_shape=8, online=0.5),
            Segment("heavy_data", 0.3, 12, 0.25, 60, 0.38, 3.25, rate_shape=8, online=0.8),
            Segment("basic", 0.3, 11, 0.35, 25, 0.30, 3.15, rate_shape=6, online=0.4),
            Segment("prepaid_switcher", 0.15, 8, 0.9, 20, 0.20, 2.95, rate_shape=3, online=0.6),
        ),
        categories=("mobile_plan", "broadband", "devices", "roaming", "add_ons"),
        categories_zh=("手机套餐", "宽带", "终端设备", "漫游", "增值业务"),
        category_weights=(0.5, 0.2, 0.1, 0.05, 0.15),
        sales_channel_weights=(0.2, 0.3, 0.35, 0.1, 0.05), return_rate=0.02,
        ticket_rate=1.2, upgrade_satisfaction=1.6, upgrade_dropout_cut=0.35,
    ),
    Preset(
        "coffee_chain", "Coffee chain: a membership programme lifts repurchase (case: to 78%).",
        segments=(
            Segment("daily_regular", 0.15, 120, 0.2, 6.5, 0.62, 4.1, rate_shape=4, online=0.6),
            Segment("weekly", 0.35, 40, 0.35, 6.0, 0.60, 3.9, rate_shape=3, online=0.5),
            Segment("occasional", 0.35, 10, 0.6, 6.0, 0.58, 3.7, rate_shape=1.5, online=0.4),
            Segment("tourist", 0.15, 3, 1.5, 7.0, 0.55, 3.6, rate_shape=1.2, online=0.3),
        ),
        categories=("coffee", "tea", "pastry", "sandwich", "beans", "merchandise"),
        categories_zh=("咖啡", "茶饮", "烘焙", "三明治", "咖啡豆", "周边商品"),
        category_weights=(0.55, 0.12, 0.15, 0.1, 0.05, 0.03), mean_quantity=1.4,
        sales_channel_weights=(0.7, 0.02, 0.25, 0.01, 0.02), return_rate=0.005,
        loyalty_enrol_share=0.45, loyalty_rate_uplift=0.3, points_per_currency=10.0,
        ticket_rate=0.15, survey_rate=0.03, interaction_rate=0.8,
    ),
    Preset(
        "travel", "Travel platform: satisfaction 3.2 of 5 and retention 28% before a redesign.",
        segments=(
            Segment("business", 0.15, 6, 0.25, 650, 0.12, 3.55, rate_shape=3, online=0.8),
            Segment("family", 0.30, 1.8, 0.4, 1200, 0.10, 3.3, online=0.7),
            Segment("budget", 0.35, 1.5, 0.6, 300, 0.08, 3.1, rate_shape=1.5, online=0.9),
            Segment("one_off", 0.20, 0.8, 1.2, 500, 0.09, 3.15, rate_shape=1.2, online=0.8),
        ),
        categories=("flights", "hotels", "packages", "trains", "car_rental", "insurance"),
        categories_zh=("机票", "酒店", "度假套餐", "火车票", "租车", "旅行保险"),
        category_weights=(0.35, 0.3, 0.12, 0.1, 0.08, 0.05), mean_quantity=1.5,
        sales_channel_weights=(0.02, 0.5, 0.43, 0.03, 0.02), return_rate=0.06,
        web_rate=6.0, upgrade_satisfaction=1.6, upgrade_dropout_cut=0.3,
        points_per_currency=0.1, satisfaction_sd=0.5,
    ),
    Preset(
        "manufacturing", "Manufacturer (B2B): service upgrade cuts complaints 60%, halves resolution time.",
        segments=(
            Segment("key_account", 0.08, 24, 0.05, 18_000, 0.28, 3.8, rate_shape=3, high_service=0.7,
                    self_service=0.05, online=0.2),
            Segment("growth_account", 0.22, 10, 0.12, 6_000, 0.25, 3.6, high_service=0.4,
                    online=0.3),
            Segment("standard_account", 0.45, 5, 0.2, 2_500, 0.22, 3.4, online=0.3),
            Segment("spot_buyer", 0.25, 1.5, 0.5, 1_500, 0.18, 3.2, rate_shape=1.2, online=0.4),
        ),
        categories=("components", "machinery", "spare_parts", "maintenance", "consumables"),
        categories_zh=("零部件", "机械设备", "备件", "维保服务", "耗材"),
        category_weights=(0.35, 0.1, 0.25, 0.15, 0.15), mean_quantity=12.0,
        sales_channel_weights=(0.05, 0.25, 0.05, 0.6, 0.05), return_rate=0.03, b2b=True,
        interaction_rate=5.0, ticket_rate=1.5, survey_rate=0.25, points_per_currency=0.01,
        upgrade_complaints=0.4, upgrade_resolution=0.5, upgrade_satisfaction=0.8,
        loyalty_rate_uplift=0.2, web_rate=2.0, mobile_share=0.2,
    ),
]}

INDUSTRIES = tuple(PRESETS)
