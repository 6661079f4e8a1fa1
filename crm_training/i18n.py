"""The words of the package's charts in English and Simplified Chinese, in one place.

Every plotting function takes ``language="en"`` ("en" or "zh", :data:`LANGUAGES`) and draws its
title, axis labels, legend and code tick labels in that language itself, with the words of
:data:`CHART_WORDS` (:func:`chart_words`) and :func:`code_label` for data codes (channels, tiers,
touchpoints, segments...). For Chinese, :func:`ensure_cjk_font` puts a CJK font first in
matplotlib's font list (once; see :mod:`crm_training.fonts`), so no glyph is drawn as an empty
box. The report (:mod:`crm_training.report.text`) uses the same labels for its tables.

Examples
--------
>>> check_language("zh")
'zh'
>>> code_label("customer_service", "en"), code_label("email", "zh")
('customer service', '电子邮件')
>>> code_label("store", "zh", industry="bank")
'网点'
>>> chart_words("lorenz", "zh", gini="0.45", label="客户")["curve"]
'客户（基尼系数0.45）'
"""
from __future__ import annotations

from .schema import CODE_LABELS_ZH, TOUCHPOINTS

LANGUAGES = ("en", "zh")

#: labels of codes that are not in :data:`crm_training.schema.CODE_LABELS_ZH` (RFM segment
#: names come from :data:`crm_training.segmentation.RFM_SEGMENT_LABELS_ZH`)
EXTRA_ZH = {"matched (enrolment DiD)": "匹配对照", "naive": "简单对比",
            "all": "全部", "other": "其他", "high": "高价值", "medium": "中价值",
            "potential": "潜力价值", "first_response_h_median": "首次响应（小时）",
            "resolution_h_median": "解决时间（小时）", "fcr_rate": "首次联系解决率",
            "sla_attainment": "服务水平达成率", "csat": "满意度",
            "service level": "服务水平", "average speed of answer": "平均应答时间",
            "account_manager": "客户经理", "search": "搜索", "product_page": "商品页",
            "booking": "预订", "payment": "支付", "onboarding": "开户/入网", "billing": "账单",
            "store_visit": "到店", "after_sales": "售后",
            # customer features (cluster profiles)
            "recency_days": "最近购买距今天数", "frequency": "购买次数", "monetary": "消费金额",
            "orders_per_year": "年购买次数", "avg_order_value": "平均订单金额",
            "n_categories": "购买品类数", "tenure_days": "客户时长（天）",
            "profit_margin": "利润率", "profit": "利润", "revenue": "收入", "gross_sales": "销售额"}

#: English words of the customer features (cluster profiles), where the code is no word
FEATURES_EN = {"recency_days": "days since last purchase", "orders_per_year": "purchases a year",
               "avg_order_value": "average purchase", "n_categories": "categories bought",
               "tenure_days": "days as a customer", "monetary": "spend",
               "frequency": "purchases"}

#: the value tiers (high / medium / potential value) in each language
TIER_LABELS = {"en": {"high": "high value", "medium": "medium value",
                      "potential": "potential value"},
               "zh": {"high": "高价值", "medium": "中价值", "potential": "潜力价值"}}

#: chart -> language -> {"title", "x", "y", legend entries and other words}; ``{name}``
#: placeholders are filled by :func:`chart_words`
CHART_WORDS = {
    "lorenz": {
        "en": {"title": "Lorenz curve", "title_measure": "Lorenz curve of {measure}",
               "x": "cumulative share of customers (smallest first)",
               "y": "cumulative share of value", "y_measure": "cumulative share of {measure}",
               "customers": "customers", "curve": "{label} (Gini {gini})",
               "equality": "perfect equality"},
        "zh": {"title": "洛伦兹曲线", "title_measure": "{measure}洛伦兹曲线",
               "x": "客户累计占比（从小到大）", "y": "价值累计占比",
               "y_measure": "{measure}累计占比", "customers": "客户",
               "curve": "{label}（基尼系数{gini}）", "equality": "完全平均线"}},
    "pareto": {
        "en": {"title": "Pareto analysis", "x": "top customers (cumulative share)",
               "y": "share of value", "bars": "share of value", "line": "cumulative share"},
        "zh": {"title": "帕累托分析", "x": "头部客户（累计占比）", "y": "价值占比",
               "bars": "价值占比", "line": "累计占比"}},
    "rfm_grid": {
        "en": {"title": "RFM segments", "x": "FM score (frequency and monetary)",
               "y": "R score (recency)", "customers": "customers", "mean": "mean {value}"},
        "zh": {"title": "RFM客户细分", "x": "FM得分（购买频率与金额）", "y": "R得分（最近购买）",
               "customers": "客户数", "mean": "平均{value}"}},
    "class_shares": {
        "en": {"title": "classes", "title_tiers": "Customers per value tier", "y": "customers"},
        "zh": {"title": "各类别客户数", "title_tiers": "各价值层级客户数", "y": "客户数"}},
    "cluster_profiles": {
        "en": {"title": "Cluster profiles (z-scores of the means)", "colorbar": "z-score"},
        "zh": {"title": "聚类画像（各特征均值的标准分）", "colorbar": "标准分"}},
    "p_alive": {
        "en": {"title": "Probability of being active", "x": "recency (time of last purchase)",
               "y": "frequency (repeat purchases)"},
        "zh": {"title": "客户存活概率", "x": "最近一次购买时间（自首次购买起）",
               "y": "重复购买次数"}},
    "frequency_recency": {
        "en": {"title": "Expected purchases in the next {future_t:g} time units",
               "x": "recency (time of last purchase)", "y": "frequency (repeat purchases)"},
        "zh": {"title": "未来{future_t:g}个时间单位的预期购买次数",
               "x": "最近一次购买时间（自首次购买起）", "y": "重复购买次数"}},
    "holdout": {
        "en": {"title": "Cumulative repeat purchases: actual vs {model}",
               "x_weeks": "weeks since the first purchase in the data",
               "x_days": "days since the first purchase in the data",
               "x_units": "time since the first purchase in the data ({scaler:g}-day units)",
               "y": "cumulative repeat purchases", "actual": "actual",
               "model": "model, from first purchase dates only",
               "forecast": "forecast from each customer's history",
               "calibration_end": "end of calibration ({date})",
               "error": "holdout: forecast {predicted} vs actual {actual} repeat purchases "
                        "({error})"},
        "zh": {"title": "累计重复购买：实际与{model}模型对比",
               "x_weeks": "自数据中首次购买起的周数", "x_days": "自数据中首次购买起的天数",
               "x_units": "自数据中首次购买起的时间（单位：{scaler:g}天）",
               "y": "累计重复购买次数", "actual": "实际", "model": "模型（仅依据首次购买日期）",
               "forecast": "依据每位客户历史的预测", "calibration_end": "校准期结束（{date}）",
               "error": "保留期：预测重复购买{predicted}次，实际{actual}次（{error}）"}},
    "satisfaction": {
        "en": {"title": "{metric} with confidence intervals", "x_csat": "CSAT (share 4-5)",
               "x_nps": "NPS (points)", "x_effort": "effort (1 easy - 7 hard)",
               "csat": "CSAT", "nps": "NPS", "effort": "EFFORT"},
        "zh": {"title": "{metric}及置信区间", "x_csat": "满意度（4-5分占比）",
               "x_nps": "净推荐值（分）", "x_effort": "费力度（1容易至7困难）",
               "csat": "满意度", "nps": "净推荐值", "effort": "费力度"}},
    "uplift": {
        "en": {"title": "Loyalty programme uplift: self-selection bias",
               "x": "relative change of purchase rate", "matched": "matched, 95% interval",
               "naive": "naive members vs others", "true": "true effect"},
        "zh": {"title": "忠诚度计划的提升：自我选择偏差", "x": "购买频率的相对变化",
               "matched": "匹配对照（95%置信区间）", "naive": "会员与非会员简单对比",
               "true": "真实效果"}},
    "staffing": {
        "en": {"title": "Erlang C staffing", "x": "agents", "y": "share answered within target",
               "y2": "average speed of answer", "service_level": "service level",
               "target": "target", "asa": "average speed of answer"},
        "zh": {"title": "Erlang C人员配置", "x": "客服人数", "y": "目标时间内接通比例",
               "y2": "平均应答时间", "service_level": "服务水平", "target": "目标",
               "asa": "平均应答时间"}},
    "cash_flows": {
        "en": {"title": "Initiative cash flows", "x": "year", "y": "currency",
               "y_currency": "{currency}", "net": "net cash flow",
               "cumulative": "cumulative discounted (NPV so far)"},
        "zh": {"title": "项目现金流", "x": "年", "y": "金额", "y_currency": "金额（{currency}）",
               "net": "净现金流", "cumulative": "累计折现现金流（截至当年的净现值）"}},
    "roadmap": {
        "en": {"title": "CRM implementation roadmap", "today": "today"},
        "zh": {"title": "CRM实施路线图", "today": "今天"}},
    "maturity": {
        "en": {"title": "CRM maturity", "title_overall": "CRM maturity (overall {overall})",
               "score": "score", "target": "target"},
        "zh": {"title": "CRM成熟度", "title_overall": "CRM成熟度（总体{overall}）",
               "score": "得分", "target": "目标"}},
    "audit_radar": {
        "en": {"title": "Five design principles audit"},
        "zh": {"title": "五项设计原则评估"}},
}


def check_language(language) -> str:
    """``language`` if it is one of :data:`LANGUAGES`, else a ValueError naming them.

    Examples
    --------
    >>> check_language("fr")
    Traceback (most recent call last):
    ...
    ValueError: language must be one of ('en', 'zh'), not 'fr'
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


_rfm_zh: dict = {}


def code_label(code, language: str, industry=None) -> str:
    """A code of the data (channel, tier, segment, touchpoint...) in ``language``.

    Chinese from :data:`crm_training.schema.CODE_LABELS_ZH`, then :data:`EXTRA_ZH`, then the
    RFM segment names; English is the code with underscores as spaces. With ``industry`` a
    touchpoint is named in that industry's words (:mod:`crm_training.report.vocabulary`). An
    unknown code is shown as it is.

    Examples
    --------
    >>> code_label("tier_change", "zh"), code_label("tier_change", "en")
    ('等级变更', 'tier change')
    >>> code_label("checkout", "en", industry="bank")
    'account opening'
    >>> code_label("At risk", "zh"), code_label("C-7", "zh")
    ('流失风险客户', 'C-7')
    """
    check_language(language)
    code = str(code)
    if industry is not None and code in TOUCHPOINTS:
        from .report.vocabulary import touchpoint_label  # light: imports nothing

        return touchpoint_label(code, industry, language)
    if language == "zh":
        found = CODE_LABELS_ZH.get(code) or EXTRA_ZH.get(code)
        if found:
            return found
        if not _rfm_zh:
            from .segmentation.rfm import RFM_SEGMENT_LABELS_ZH

            _rfm_zh.update(RFM_SEGMENT_LABELS_ZH)
        return _rfm_zh.get(code, code)
    return code.replace("_", " ")


def tier_label(code, language: str) -> str:
    """A value tier (high / medium / potential) in ``language``; another code via
    :func:`code_label`.

    Examples
    --------
    >>> tier_label("high", "zh"), tier_label("potential", "en"), tier_label("gold", "zh")
    ('高价值', 'potential value', '金卡')
    """
    check_language(language)
    return TIER_LABELS[language].get(str(code)) or code_label(code, language)


class _Keep(dict):
    """Figures for :meth:`str.format_map` that leave a placeholder without a figure as it is."""

    def __missing__(self, key):
        return _Placeholder(key)


class _Placeholder:
    def __init__(self, key):
        self.key = key

    def __format__(self, spec):
        return "{" + self.key + (":" + spec if spec else "") + "}"


def chart_words(chart: str, language: str, **figures) -> dict[str, str]:
    """The words of ``chart`` in ``language``, with ``figures`` filled in.

    A placeholder without a figure stays as it is (``{gini}``), so a chart can fill the rest
    later.

    Examples
    --------
    >>> w = chart_words("staffing", "zh")
    >>> w["title"], w["x"]
    ('Erlang C人员配置', '客服人数')
    >>> chart_words("lorenz", "en", measure="profit")["title_measure"]
    'Lorenz curve of profit'
    >>> chart_words("holdout", "en")["x_units"]
    'time since the first purchase in the data ({scaler:g}-day units)'
    >>> chart_words("pie", "en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "no chart 'pie'; charts: lorenz, pareto, rfm_grid, ..."
    """
    check_language(language)
    if chart not in CHART_WORDS:
        raise KeyError(f"no chart {chart!r}; charts: {', '.join(CHART_WORDS)}")
    keep = _Keep(figures)
    return {k: v.format_map(keep) for k, v in CHART_WORDS[chart][language].items()}


def ensure_cjk_font(language: str) -> str | None:
    """For "zh", make sure matplotlib draws with a CJK font; returns its family (or None).

    Cheap when it is already so (the font search of :func:`crm_training.fonts.find_cjk_font`
    runs once per process); otherwise :func:`crm_training.fonts.configure_matplotlib` sets the
    font list (it warns when no CJK font is installed). English changes nothing.

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context():
    ...     font = ensure_cjk_font("zh")
    ...     font is None or matplotlib.rcParams["font.sans-serif"][0] == font
    True
    >>> ensure_cjk_font("en") is None
    True
    """
    check_language(language)
    if language != "zh":
        return None
    import matplotlib

    from .fonts import configure_matplotlib, find_cjk_font

    font = find_cjk_font()
    rc = matplotlib.rcParams
    if font is not None and list(rc["font.sans-serif"][:1]) == [font] \
            and list(rc["font.family"][:1]) == ["sans-serif"] and not rc["axes.unicode_minus"]:
        return font
    return configure_matplotlib("zh", svg=False)
