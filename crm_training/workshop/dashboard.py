"""The workshop dashboard: ipywidgets over :mod:`crm_training.workshop.analysis`, for a client
meeting.

On top: the company, the currency and what the amounts are, an English / 中文 switch and the
status line; the data source (built-in scenario or a client folder) sits in a folded panel.
Then six tabs, each a chart drawn in the chosen language above a table with human labels and
formatted numbers, with the controls that change it beside the chart:

============  ========================================================  =====================
tab           shows                                                      controls
============  ========================================================  =====================
data          rows per table, the client data check                     (data panel)
concentration Lorenz curve, top-x% shares, Gini                          -
segments      RFM grid and segments, clusters with plain names          RFM bins, clusters
value tiers   customers vs value per tier, the tier strategies          tier shares, basis,
                                                                         weights
CLV and churn churn probability by tier, the customers of highest CLV   horizon, margin
actions       value at risk per action, the retention list, exports     list length, ranking
============  ========================================================  =====================

A control only recomputes its own part (memoised in
:class:`~crm_training.workshop.analysis.WorkshopData`) and only the visible tab is drawn; the
others are redrawn when opened (lazy tabs). Every control uses ``continuous_update=False``.
Widgets a test or a browser needs carry a stable CSS class ``crm-...``
(:attr:`Dashboard.CSS_CLASSES`).
"""
from __future__ import annotations

import base64
import contextlib
import html
import os
from pathlib import Path

import ipywidgets as W
import pandas as pd

from ..datagen import INDUSTRIES, generate
from ..i18n import check_language, tier_label
from ..segmentation.classes import TIER_SHARES
from . import charts
from .analysis import (DEFAULT_FAMILY_WEIGHTS, FAMILIES, RETENTION_ACTIONS, WorkshopData,
                       action_export, action_text, default_rfm_ranges, rfm_thresholds,
                       segment_customers, top_churn_risk, top_clv)
from .paths import MONEY_ENV, resolve_client_path, root_from_env

COMPANY_ENV = "CRM_WORKSHOP_COMPANY"

_STYLE = """<style>
.crm-dashboard {font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif;}
.crm-dashboard table.crm-table {border-collapse: collapse; font-size: 12px; margin: 4px 0;}
.crm-dashboard table.crm-table th, .crm-dashboard table.crm-table td {
  border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top;}
.crm-dashboard table.crm-table thead th {background: #f3f5f8; white-space: nowrap;}
.crm-dashboard table.crm-table .crm-text {text-align: left;}
.crm-dashboard .crm-error {color: #b00020;}
.crm-dashboard .crm-check table {border-collapse: collapse; font-size: 12px; margin: 4px 0 12px;}
.crm-dashboard .crm-check th, .crm-dashboard .crm-check td {border-bottom: 1px solid #ddd;
  padding: 3px 8px; text-align: left; vertical-align: top;}
.crm-dashboard .crm-check td.num {text-align: right;}
.crm-dashboard .crm-check h3 {font-size: 14px; margin: 10px 0 4px;}
.crm-dashboard .crm-note {color: #444; font-size: 12px; max-width: 900px;}
.crm-dashboard a.crm-download-link {color: #1565c0; text-decoration: underline;
  font-weight: bold; margin-right: 16px;}
.crm-dashboard .crm-header h2 {margin: 4px 0;}
.crm-dashboard .lm-TabBar-tab {flex: 0 0 auto !important; max-width: none !important;
  min-width: 0 !important;}
</style>"""

TABS = ("data", "concentration", "segments", "tiers", "clv", "actions")
#: the parts each tab draws (a control marks parts to redraw; the segments tab has two)
PARTS = {"data": ("data",), "concentration": ("concentration",), "segments": ("rfm", "cluster"),
         "tiers": ("tiers",), "clv": ("clv",), "actions": ("actions",)}
ALL_PARTS = {p for parts in PARTS.values() for p in parts}

#: every word on screen, (English, Chinese)
UI = {
    "title": ("{company}: customer workshop", "{company}：客户研讨会"),
    "title_plain": ("Customer workshop", "客户研讨会"),
    "subtitle": ("Amounts in {currency}; {basis}.", "金额单位：{currency}；{basis}。"),
    "basis_cost": ("value is profit (revenue minus cost)", "价值为利润（收入减成本）"),
    "basis_margin": ("value is profit at a {margin} margin", "价值为按{margin}毛利率计算的利润"),
    "basis_revenue": ("value is revenue (no costs in the data)", "价值为收入（数据中无成本）"),
    "tab_data": ("Data quality", "数据质量"), "tab_concentration": ("Concentration", "价值集中度"),
    "tab_segments": ("Segments", "客户细分"), "tab_tiers": ("Value tiers", "价值分层"),
    "tab_clv": ("CLV and churn risk", "生命周期价值与流失风险"),
    "tab_actions": ("Action list", "行动清单"),
    "data_panel": ("Data source", "数据来源"), "source": ("Data", "数据"),
    "scenario": ("Scenario", "模拟场景"), "client": ("Client folder", "客户文件夹"),
    "industry": ("Industry", "行业"), "customers": ("Customers", "客户数"),
    "seed": ("Seed", "随机种子"), "generate": ("Generate", "生成"),
    "folder": ("Folder", "文件夹"), "folder_hint": ("path to the client's exports",
                                                  "客户导出数据的路径"),
    "load": ("Load and check", "加载并检查"),
    "rfm_bins": ("RFM bins", "RFM分档"), "quantiles": ("quantiles", "分位数"),
    "fixed": ("fixed cut points", "固定分界点"), "r_cuts": ("R cuts (days)", "R分界（天）"),
    "f_cuts": ("F cuts (orders)", "F分界（次）"), "m_cuts": ("M cuts (spend)", "M分界（金额）"),
    "clusters": ("Clusters", "聚类数"), "high_share": ("High tier (%)", "高价值层占比（%）"),
    "medium_share": ("Medium tier (%)", "中价值层占比（%）"), "tier_basis": ("Rank by", "排序依据"),
    "basis_value": ("value (as the report)", "价值（与报告一致）"),
    "basis_score": ("weighted score", "加权评分"),
    "financial": ("Financial", "财务"), "behavioural": ("Behavioural", "行为"),
    "relationship": ("Relationship", "关系"), "potential": ("Potential", "潜力"),
    "horizon": ("Horizon (months)", "预测期（月）"),
    "margin": ("Margin (%, 0 = revenue)", "毛利率（%，0 = 按收入）"),
    "top_n": ("List length", "清单长度"), "rank_by": ("Rank by", "排序依据"),
    "value_at_risk": ("value at risk", "风险价值"), "probability": ("probability", "流失概率"),
    "working": ("Working", "计算中"), "ready": ("{label}: {n} customers with purchases.",
                                              "{label}：{n}位有购买记录的客户。"),
    "scenario_label": ("{industry} scenario (seed {seed})", "{industry}模拟场景（随机种子{seed}）"),
    "client_label": ("client folder {name}: {n} transactions", "客户文件夹{name}：{n}笔交易"),
    "given_label": ("data given: {n} customers", "给定数据：{n}位客户"),
    "not_clean": (" (NOT clean: see Data quality)", "（数据未通过检查：见“数据质量”）"),
    "synthetic": ("Synthetic scenario: generated data, no client data check.",
                  "模拟场景：生成的数据，无需客户数据检查。"),
    "no_client": ("No client data loaded.", "尚未加载客户数据。"),
    "verdict_ok": ("The client data are usable.", "客户数据可用。"),
    "negative_value": ("{n} customers have a negative net {measure} (returns or costs above "
                       "their purchases): check them before reading shares of value.",
                       "{n}位客户的净{measure}为负（退货或成本超过购买额）：解读价值占比前请先核实。"),
    "verdict_warned": ("The client data are usable, with {n} warning{s}: read them below "
                       "before trusting the figures.",
                       "客户数据可用，但有{n}条警告：请先阅读下方说明再使用这些数字。"),
    "verdict_bad": ("Not usable as is: fix the errors below (the analyses use what could be "
                    "read).", "数据不能直接使用：请修正下列错误（分析使用了可读取的部分）。"),
    "conc_note": ("The top {top20} of customers bring {share} of the {measure}; Gini {gini}.",
                  "前20%的客户贡献了{share}的{measure}；基尼系数{gini}。"),
    "tier_note": ("Tiers: the top {high} of customers by {basis} are high value, the next "
                  "{medium} medium, the rest potential (customers of equal value stay in one "
                  "tier){same}",
                  "分层规则：按{basis}排序，前{high}为高价值客户，其后{medium}为中价值客户，"
                  "其余为潜力价值客户（价值相同的客户归入同一层级）{same}"),
    "tier_same": (": the tiers of the case-study report.", "，与案例报告一致。"),
    "tier_other": (": the report's names and cut, ranked by the score instead of value.",
                   "：名称与切分与报告相同，但按评分而非价值排序。"),
    "by_value": ("value", "价值"), "by_score": ("the weighted score ({weights})",
                                             "加权评分（{weights}）"),
    "clv_note": ("CLV: expected {measure} over {months} months (discounted at 10% a year) from "
                 "the {model} model x Gamma-Gamma, as in the report. Churn probability = "
                 "1 - P(alive): the chance that the customer has already stopped buying.",
                 "客户生命周期价值：{months}个月内预期{measure}（年折现率10%），由{model}模型"
                 "与Gamma-Gamma模型计算，与报告一致。流失概率 = 1 - 存活概率，即客户已停止购买"
                 "的可能性。"),
    "no_dropout": ("The model sees almost no dropout in these data ({share} of the customers "
                   "have a churn probability below 1%): the history is too short or too thin "
                   "to show who leaves, so low churn here is no evidence that nobody does.",
                   "模型在这些数据中几乎看不到客户流失（{share}的客户流失概率低于1%）：历史数据"
                   "太短或太少，无法显示谁会离开，因此这里的低流失率并不能说明没有客户流失。"),
    "horizon_warning": (" The horizon is more than twice the {history:.0f} months of history: "
                        "read it with care.",
                        "预测期超过历史数据{history:.0f}个月的两倍，请谨慎解读。"),
    "action_note": ("The {n} customers at risk (churn probability 30% or more) with the most "
                    "value at risk (churn probability x CLV), and what to do with each by tier "
                    "and risk.",
                    "有流失风险（流失概率不低于30%）且风险价值（流失概率 × 生命周期价值）最高的"
                    "{n}位客户，以及按层级与风险给出的行动建议。"),
    "action_note_p": ("The {n} customers at risk (churn probability 30% or more) most likely "
                      "to have stopped buying (equal probabilities: most value at risk first), "
                      "and what to do with each by tier and risk.",
                      "有流失风险（流失概率不低于30%）且最可能已停止购买的{n}位客户（概率相同时"
                      "风险价值高者在前），以及按层级与风险给出的行动建议。"),
    "pseudonyms": (" Customer ids are pseudonyms (anonymised data): the client traces them back "
                   "with their salt and exports (crm-training reidentify), into a key kept "
                   "apart; no key is in these files.",
                   "客户编号为化名（已匿名化数据）：客户方用自己的盐值和原始导出数据还原"
                   "（crm-training reidentify），密钥单独保存，不在这些文件中。"),
    "download_xlsx": ("Download the action list (Excel)", "下载行动清单（Excel）"),
    "download_csv": ("Download the action list (CSV)", "下载行动清单（CSV）"),
    "download_all": ("Download every customer's segments (CSV)", "下载全部客户细分结果（CSV）"),
    "build_links": ("Build the download links", "生成下载链接"),
    "na": ("Not available for these data: {why}", "该数据无法计算：{why}"),
    "weights_zero": ("give at least one weight family a weight above 0",
                     "请至少为一个指标族设置大于0的权重"),
    "rfm_title": ("RFM segments", "RFM客户细分"), "cluster_title": ("Clusters", "聚类结果"),
    "top_clv_title": ("Customers of highest CLV", "生命周期价值最高的客户"),
    "tables_in_use": ("Tables in use", "使用的数据表"),
}

#: column headers, (English, Chinese); money columns get the currency
HEADERS = {
    "value_tier": ("Tier", "价值层级"), "customers": ("Customers", "客户数"),
    "customer_share": ("Share of customers", "客户占比"),
    "value_share": ("Share of value", "价值占比"),
    "value_per_customer_year": ("Value per customer a year", "每客户年价值"),
    "mean_clv": ("Mean CLV", "平均生命周期价值"),
    "mean_churn_probability": ("Mean churn probability", "平均流失概率"),
    "strategy": ("Strategy", "策略"), "segment": ("Segment", "细分"),
    "revenue_share": ("Share of revenue", "收入占比"), "recency_days": ("Days since last purchase",
                                                                   "距上次购买天数"),
    "frequency": ("Purchases", "购买次数"), "monetary": ("Spend", "消费金额"),
    "action": ("Action", "行动"), "cluster": ("Cluster", "聚类"),
    "orders_per_year": ("Purchases a year", "年购买次数"),
    "avg_order_value": ("Average purchase", "平均单次消费"),
    "customer_id": ("Customer", "客户编号"), "clv": ("CLV", "生命周期价值"),
    "p_alive": ("P(alive)", "存活概率"), "churn_probability": ("Churn probability", "流失概率"),
    "rfm_segment": ("RFM segment", "RFM细分"), "value_at_risk": ("Value at risk", "风险价值"),
    "share": ("Share", "占比"), "measure": ("", ""), "table": ("Table", "数据表"),
    "rows": ("Rows", "行数"),
}
PERCENT = {"customer_share", "value_share", "revenue_share", "mean_churn_probability",
           "churn_probability", "p_alive", "share"}
MONEY = {"value_per_customer_year", "mean_clv", "monetary", "avg_order_value", "clv",
         "value_at_risk"}
WHOLE = {"recency_days"}  # shown as whole numbers
NO_DROPOUT, NO_DROPOUT_SHARE = 0.01, 0.95  # churn below 1% for 95% of buyers: no dropout seen


def say(key: str, language: str, **figures) -> str:
    """A word or sentence of the dashboard in ``language``: ``say("tab_tiers", "zh") ==
    '价值分层'``."""
    check_language(language)
    return UI[key][0 if language == "en" else 1].format(**figures)


def _cell(col, v, currency):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    if col in PERCENT:
        return f"{100 * float(v):.1f}%"
    if col in MONEY or col in WHOLE:
        return f"{float(v):,.0f}"
    if isinstance(v, (int,)) or (hasattr(v, "dtype") and "int" in str(v.dtype)):
        return f"{int(v):,}"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def html_table(df: pd.DataFrame, css_class: str, language: str = "en",
               currency: str = "") -> str:
    """A table with human headers in ``language`` (money headers name the currency), shares in
    %, money as whole units, counts with separators, text left-aligned and escaped.

    Examples
    --------
    >>> import pandas as pd
    >>> t = html_table(pd.DataFrame({"customer_share": [0.25], "customers": [3000],
    ...                              "clv": [1234.5]}), "x", "zh", "CNY")
    >>> "客户占比" in t and "25.0%" in t and "3,000" in t and "生命周期价值（CNY）" in t
    True
    """
    i = 0 if language == "en" else 1

    def head(c):
        word = HEADERS.get(str(c), (str(c).replace("_", " "),) * 2)[i]
        if c in MONEY and currency:
            word = f"{word} ({currency})" if language == "en" else f"{word}（{currency}）"
        return html.escape(word)

    text_cols = {c for c in df.columns if df[c].dtype == object or str(df[c].dtype) in
                 ("string", "category", "str")}
    heads = "".join(f'<th class="{"crm-text" if c in text_cols else ""}">{head(c)}</th>'
                    for c in df.columns)
    rows = []
    for row in df.itertuples(index=False, name=None):  # a shown table: at most a few hundred
        cells = "".join(
            f'<td class="crm-text">{html.escape(_cell(c, v, currency))}</td>' if c in text_cols
            else f"<td>{html.escape(_cell(c, v, currency))}</td>" for c, v in zip(df.columns, row))
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="crm-table {css_class}"><thead><tr>{heads}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _download_link(payload: bytes, filename: str, mime: str, text: str, css: str) -> str:
    b64 = base64.b64encode(payload).decode("ascii")
    return (f'<a download="{html.escape(filename)}" href="data:{mime};base64,{b64}" '
            f'class="crm-download-link {css}">{html.escape(text)}</a>')


def _classed(widget, name):
    widget.add_class(name)
    return widget


class Dashboard:
    """The workshop dashboard (display it, or its :attr:`widget`, in a notebook or Voila).

    Parameters
    ----------
    data : a CRMData to start with; else ``data_dir`` (a client folder, validated with
        :func:`crm_training.load_client`); else the built-in scenario below.
    data_dir : client folder (CSV, Excel or Parquet exports, or a checked folder).
    industry, n_customers, seed, locale : the built-in scenario (``crm_training.generate``).
    language : "en" or "zh" (default: from ``locale``); the switch on top changes it live.
    company : the name on top (default: ``CRM_WORKSHOP_COMPANY``, the data's ``company``, or
        the scenario's industry).
    csv_link_limit : no longer used: the download of every customer's segments is always
        built on request (a button), the action list's files with every change.
    root : the folder the *Folder* box may open client folders under (see
        :mod:`crm_training.workshop.paths`); ``None`` = ``CRM_WORKSHOP_ROOT``, and without it
        any folder (JupyterLab).
    margin, currency : the money rules of the report (:mod:`crm_training.money`); ``None`` =
        the ``CRM_WORKSHOP_MARGIN`` / ``CRM_WORKSHOP_CURRENCY`` environment variables.
    warm_up : fit the CLV models and the clustering in a background thread once the first
        tab is shown (the first page needs neither); whatever needs them waits for it.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> d = Dashboard(data=example_data(200), seed=0)
    >>> d.clusters.value = 3  # a slider move: only the clustering is redone
    >>> d.result.assignment["cluster"].nunique()
    3
    >>> d.language.value = "zh"; d.tabs.get_title(3)
    '价值分层'
    """

    CSS_CLASSES = ("crm-dashboard", "crm-header", "crm-language", "crm-data-panel", "crm-source",
                   "crm-industry",
                   "crm-n-customers", "crm-seed", "crm-generate", "crm-client-path",
                   "crm-client-load", "crm-validation", "crm-status", "crm-rfm-bins",
                   "crm-r-range", "crm-f-range", "crm-m-range", "crm-clusters", "crm-high-share",
                   "crm-medium-share", "crm-tier-basis", "crm-horizon", "crm-margin",
                   "crm-top-n", "crm-churn-rank", "crm-download", "crm-build-all",
                   "crm-all-link", "crm-tabs",
                   *(f"crm-{t}-chart" for t in TABS), *(f"crm-{t}-table" for t in TABS),
                   "crm-cluster-table", "crm-cluster-chart",
                   *(f"crm-w-{f}" for f in FAMILIES))

    def __init__(self, data=None, data_dir=None, industry: str = "retail",
                 n_customers: int = 2000, seed: int = 1, locale: str = "en_US",
                 language: str | None = None, company: str | None = None,
                 csv_link_limit: int = 100_000, root=None, margin=None, currency=None,
                 warm_up: bool = True):
        from .. import money

        env_margin = os.environ.get(MONEY_ENV["margin"])
        self.margin = money.check_margin(margin if margin is not None else
                                         float(env_margin) if env_margin else None)
        self.currency = money.currency_code(currency or os.environ.get(MONEY_ENV["currency"]))
        self.locale = locale
        lang = language or ("zh" if str(locale).lower().startswith("zh") else "en")
        self._company = company or os.environ.get(COMPANY_ENV) or None
        self.root = root_from_env() if root is None else str(root)
        self.csv_link_limit = int(csv_link_limit)
        self.work = None
        self._result = None
        self._warm = None
        self.warm_up = bool(warm_up)
        self.label = ""
        self._res = None  # the client load result, for the data tab
        self._quiet = False
        self._dirty = set(ALL_PARTS)
        self._build(industry, n_customers, seed, data_dir, check_language(lang))
        if data is not None:
            self.set_data(data, ("given", {"n": f"{len(data.customers):,}"}))
        elif data_dir:
            self.source.value = "client"
            self.load_client_folder()
        else:
            self.generate_scenario()

    @property
    def lang(self) -> str:
        return self.language.value

    # ---- layout -----------------------------------------------------------------------------
    def _build(self, industry, n_customers, seed, data_dir, lang):
        L = W.Layout
        self.language = _classed(W.ToggleButtons(options=[("English", "en"), ("中文", "zh")],
                                                 value=lang), "crm-language")
        self.header = _classed(W.HTML(""), "crm-header")
        self.status = _classed(W.HTML(""), "crm-status")
        self.source = _classed(W.ToggleButtons(options=[("", "scenario"), ("", "client")]),
                               "crm-source")
        self.industry = _classed(W.Dropdown(options=list(INDUSTRIES), value=industry),
                                 "crm-industry")
        self.n_customers = _classed(W.BoundedIntText(value=int(n_customers), min=100,
                                                     max=1_000_000, step=100), "crm-n-customers")
        self.seed = _classed(W.IntText(value=int(seed)), "crm-seed")
        self.generate_button = _classed(W.Button(icon="refresh"), "crm-generate")
        self.client_path = _classed(W.Text(value=str(data_dir or ""), continuous_update=False,
                                           layout=L(width="520px")), "crm-client-path")
        self.load_button = _classed(W.Button(icon="upload"), "crm-client-load")
        self.validation = _classed(W.HTML(""), "crm-validation")
        scenario = W.HBox([self.industry, self.n_customers, self.seed, self.generate_button])
        client = W.HBox([self.client_path, self.load_button])
        client.layout.display = "none"
        self._scenario_box, self._client_box = scenario, client
        self.data_panel = _classed(W.Accordion(children=[W.VBox([self.source, scenario,
                                                                 client])]), "crm-data-panel")
        self.data_panel.selected_index = None
        self.source.observe(lambda ch: self._show_source(), "value")
        self.generate_button.on_click(lambda _: self.generate_scenario())
        self.load_button.on_click(lambda _: self.load_client_folder())

        def wide():  # each slider its own Layout: a shared one would hide them all at once
            return {"layout": L(width="430px"), "style": {"description_width": "150px"},
                    "continuous_update": False}
        self.rfm_bins = _classed(W.ToggleButtons(options=[("", "quantiles"), ("", "fixed")]),
                                 "crm-rfm-bins")
        self.r_range = _classed(W.IntRangeSlider(value=(1, 2), min=0, max=10, **wide()),
                                "crm-r-range")
        self.f_range = _classed(W.IntRangeSlider(value=(1, 2), min=0, max=10, **wide()),
                                "crm-f-range")
        self.m_range = _classed(W.IntRangeSlider(value=(1, 2), min=0, max=10, **wide()),
                                "crm-m-range")
        self.clusters = _classed(W.IntSlider(value=4, min=2, max=8, **wide()), "crm-clusters")
        self.high_share = _classed(W.IntSlider(value=round(100 * TIER_SHARES[0]), min=5, max=50,
                                               step=5, readout_format="d", **wide()),
                                   "crm-high-share")
        self.medium_share = _classed(W.IntSlider(value=round(100 * TIER_SHARES[1]), min=5,
                                                 max=60, step=5, **wide()), "crm-medium-share")
        self.tier_basis = _classed(W.ToggleButtons(options=[("", "value"), ("", "score")],
                                                   style={"button_width": "auto"}),
                                   "crm-tier-basis")
        self.weights = {f: _classed(W.FloatSlider(value=DEFAULT_FAMILY_WEIGHTS[f], min=0, max=1,
                                                  step=0.05, **wide()), f"crm-w-{f}")
                        for f in FAMILIES}
        self.high_share.observe(lambda ch: setattr(
            self.medium_share, "max", max(self.medium_share.min, 100 - ch["new"])), "value")
        self.weights_box = W.VBox(list(self.weights.values()), layout=L(display="none"))
        self.tier_basis.observe(lambda ch: setattr(
            self.weights_box.layout, "display", None if ch["new"] == "score" else "none"),
            "value")
        self.horizon = _classed(W.IntSlider(value=36, min=6, max=60, step=6, **wide()),
                                "crm-horizon")
        self.margin_slider = _classed(W.IntSlider(value=0, min=0, max=90, step=5, **wide()),
                                      "crm-margin")
        self.top_n = _classed(W.IntSlider(value=20, min=5, max=200, step=5, **wide()),
                              "crm-top-n")
        self.churn_rank = _classed(W.ToggleButtons(options=[("", "value_at_risk"),
                                                            ("", "churn_probability")]),
                                   "crm-churn-rank")
        self.download = _classed(W.HTML(""), "crm-download")
        self.links_button = _classed(W.Button(layout=L(display="none", width="auto")),
                                     "crm-build-all")
        self.all_link = _classed(W.HTML(""), "crm-all-link")
        self.links_button.on_click(lambda _: self._build_links())

        self.charts = {t: _classed(W.Image(format="png"), f"crm-{t}-chart") for t in TABS}
        self.charts["cluster"] = _classed(W.Image(format="png"), "crm-cluster-chart")
        self.tables = {t: _classed(W.HTML(""), f"crm-{t}-table") for t in TABS}
        self.tables["cluster"] = _classed(W.HTML(""), "crm-cluster-table")
        self.notes = {t: W.HTML("") for t in TABS}
        self.headings = {k: W.HTML("") for k in ("rfm", "cluster", "top_clv", "tables")}
        for img in self.charts.values():
            img.layout = L(max_width="640px")

        def row(chart, controls):
            return W.HBox([chart, W.VBox(controls, layout=L(margin="0 0 0 16px"))])

        pages = {
            "data": [row(self.charts["data"], [self.headings["tables"], self.tables["data"]]),
                     self.notes["data"], self.validation],
            "concentration": [row(self.charts["concentration"], [self.tables["concentration"]]),
                              self.notes["concentration"]],
            "segments": [self.headings["rfm"],
                         row(self.charts["segments"], [self.rfm_bins, self.r_range,
                                                       self.f_range, self.m_range]),
                         self.tables["segments"], self.headings["cluster"],
                         row(self.charts["cluster"], [self.clusters]), self.tables["cluster"]],
            "tiers": [row(self.charts["tiers"], [self.high_share, self.medium_share,
                                                 self.tier_basis, self.weights_box]),
                      self.notes["tiers"], self.tables["tiers"]],
            "clv": [row(self.charts["clv"], [self.horizon, self.margin_slider]),
                    self.notes["clv"], self.headings["top_clv"], self.tables["clv"]],
            "actions": [row(self.charts["actions"], [self.top_n, self.churn_rank]),
                        self.notes["actions"], self.download,
                        W.HBox([self.links_button, self.all_link]), self.tables["actions"]],
        }
        self.tabs = _classed(W.Tab(children=[W.VBox(pages[t]) for t in TABS]), "crm-tabs")
        self.tabs.observe(lambda ch: self._draw_visible(), "selected_index")

        for w in (self.rfm_bins, self.r_range, self.f_range, self.m_range):
            w.observe(lambda ch: self._changed({"rfm", "actions"}), "value")
        self.clusters.observe(lambda ch: self._changed({"cluster"}), "value")
        for w in (self.high_share, self.medium_share, self.tier_basis):
            w.observe(lambda ch: self._changed({"tiers", "clv", "actions"}), "value")
        for w in self.weights.values():  # the weights move the tiers only when they rank them
            w.observe(lambda ch: self._changed({"tiers", "clv", "actions"} if
                                               self.tier_basis.value == "score" else set()),
                      "value")
        self.horizon.observe(lambda ch: self._changed({"tiers", "clv", "actions"}), "value")
        self.margin_slider.observe(lambda ch: (self._header(), self._changed(
            {"tiers", "clv", "actions", "rfm", "cluster"}, segment=False)), "value")
        for w in (self.top_n, self.churn_rank):
            w.observe(lambda ch: self._changed({"actions"}, segment=False), "value")
        self.language.observe(lambda ch: self._relabel(), "value")

        self.widget = _classed(W.VBox([
            W.HTML(_STYLE), W.HBox([self.header, self.language],
                                   layout=L(justify_content="space-between")),
            self.status, self.data_panel, self.tabs]), "crm-dashboard")
        self._relabel(draw=False)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _relabel(self, draw: bool = True):
        """Every label of the controls and tabs in the chosen language; redraw the visible
        tab (the others when opened)."""
        lang = self.lang
        for i, t in enumerate(TABS):
            self.tabs.set_title(i, say(f"tab_{t}", lang))
        self.data_panel.set_title(0, say("data_panel", lang))
        # new option labels reset a toggle to its first option: keep what the user chose
        quiet, self._quiet = self._quiet, True
        try:
            for widget, options in (
                    (self.source, (("scenario", "scenario"), ("client", "client"))),
                    (self.industry, tuple((None, i) for i in INDUSTRIES)),
                    (self.rfm_bins, (("quantiles", "quantiles"), ("fixed", "fixed"))),
                    (self.tier_basis, (("basis_value", "value"), ("basis_score", "score"))),
                    (self.churn_rank, (("value_at_risk", "value_at_risk"),
                                       ("probability", "churn_probability")))):
                chosen = widget.value
                widget.options = [(say(key, lang) if key else self._industry_name_in(value, lang),
                                   value) for key, value in options]
                widget.value = chosen
        finally:
            self._quiet = quiet
        for widget, key in ((self.source, "source"), (self.industry, "industry"),
                            (self.n_customers, "customers"), (self.seed, "seed"),
                            (self.client_path, "folder"), (self.rfm_bins, "rfm_bins"),
                            (self.r_range, "r_cuts"), (self.f_range, "f_cuts"),
                            (self.m_range, "m_cuts"), (self.clusters, "clusters"),
                            (self.high_share, "high_share"),
                            (self.medium_share, "medium_share"),
                            (self.tier_basis, "tier_basis"), (self.horizon, "horizon"),
                            (self.margin_slider, "margin"), (self.top_n, "top_n"),
                            (self.churn_rank, "rank_by")):
            widget.description = say(key, lang)
        for f, w in self.weights.items():
            w.description = say(f, lang)
        self.high_share.readout_format = self.medium_share.readout_format = "d"
        self.client_path.placeholder = say("folder_hint", lang)
        self.generate_button.description = say("generate", lang)
        self.load_button.description = say("load", lang)
        self.links_button.description = say("download_all", lang)
        for key, word in (("rfm", "rfm_title"), ("cluster", "cluster_title"),
                          ("top_clv", "top_clv_title"), ("tables", "tables_in_use")):
            self.headings[key].value = f"<h4>{html.escape(say(word, lang))}</h4>"
        if draw and self.work is not None:
            self._header()
            self._status()
            self._dirty = set(ALL_PARTS)
            self._draw_visible()

    def _show_source(self):
        scenario = self.source.value == "scenario"
        self._scenario_box.layout.display = None if scenario else "none"
        self._client_box.layout.display = "none" if scenario else None

    @contextlib.contextmanager
    def _working(self):
        done = self.status.value
        self.status.value = f"<i>{html.escape(say('working', self.lang))} ...</i>"
        try:
            yield
            if self.status.value.startswith("<i>"):
                self.status.value = done
        except Exception as e:  # noqa: BLE001 - a live dashboard shows the problem, never dies
            # the user's own mistakes (a folder, a value) in words; anything else with its kind
            plain = isinstance(e, (OSError, ValueError)) or type(e).__name__.endswith(
                ("RootError", "DataError"))
            shown = str(e) if plain else f"{type(e).__name__}: {e}"
            self.status.value = _problem(shown).replace("<p ", "<span ").replace("</p>",
                                                                                 "</span>")

    # ---- data -------------------------------------------------------------------------------
    def generate_scenario(self):
        """Generate the built-in scenario of the industry, size and seed controls."""
        with self._working():
            data = generate(self.industry.value, int(self.n_customers.value),
                            seed=int(self.seed.value), locale=self.locale)
            self._res = None
            self.set_data(data, ("scenario", {"industry": self.industry.value,
                                              "n": f"{len(data.customers):,}",
                                              "seed": self.seed.value}))

    def load_client_folder(self):
        """Load and validate the folder of the path control; analyse it if usable."""
        from ..clients import ClientDataError, load_client

        path = self.client_path.value.strip()
        with self._working():
            if not path:
                raise FileNotFoundError("no such folder: (empty)")
            real = resolve_client_path(path, self.root)  # the root check first
            if not real.exists():
                raise FileNotFoundError(f"no such folder: {path}")
            try:
                res = load_client(real, progress=False)
            except ClientDataError as e:
                self.validation.value = f'<p class="crm-error">{html.escape(str(e))}</p>'
                raise
            self._res = res
            data = res.data
            if data.transactions is None or len(data.transactions) == 0:
                raise ValueError("the client data has no usable transactions: see the Data "
                                 "quality tab")
            self.set_data(data, ("client", {"name": Path(path).name,
                                            "n": f"{len(data.transactions):,}",
                                            "clean": res.ok}))

    def set_data(self, data, label):
        """Analyse new data: rebuild the cache, reset the RFM ranges and the margin, redraw."""
        with self._working():
            self.work = WorkshopData(data, seed=int(self.seed.value), margin=self.margin,
                                     currency=self.currency or None)
            self._label = label
            ranges = default_rfm_ranges(self.work.features)
            self._quiet = True
            try:
                for widget, key in ((self.r_range, "R"), (self.f_range, "F"),
                                    (self.m_range, "M")):
                    lo, hi, mn, mx = ranges[key]
                    widget.max = max(widget.max, mx)
                    widget.min = min(widget.min, mn)
                    widget.value = (lo, hi)
                    widget.min, widget.max = mn, mx
                # the margin matters only for data without costs
                self.margin_slider.disabled = self.work.value_basis == "cost"
                self.margin_slider.layout.display = "none" if self.margin_slider.disabled \
                    else None
                self.margin_slider.value = round(100 * (self.work.margin or 0))
            finally:
                self._quiet = False
            self._header()
            self._dirty = set(ALL_PARTS)
            if self.warm_up:
                import threading

                self._warm = threading.Thread(target=self._warm_up, daemon=True, args=(
                    self.work, int(self.clusters.value)))
                self._warm.start()
            self.refresh()

    def _header(self):
        lang, work = self.lang, self.work
        meta = getattr(work.data, "meta", None) or {}
        company = self._company or meta.get("company") or (
            self._industry_name(meta.get("industry", "")) if meta.get("source") == "synthetic"
            else "")
        basis = (say("basis_cost", lang) if work.value_basis == "cost" else
                 say("basis_margin", lang, margin=f"{self.margin_value():.0%}")
                 if self.margin_value() is not None else say("basis_revenue", lang))
        subtitle = say("subtitle", lang, currency=work.currency or "-", basis=basis)
        title = say("title", lang, company=company) if company else say("title_plain", lang)
        self.header.value = (f"<h2>{html.escape(title)}</h2>"
                             f"<div>{html.escape(subtitle)}</div>")

    @staticmethod
    def _industry_name_in(industry, language):
        from ..report.text import industry_name

        return industry_name(industry, language)

    def _industry_name(self, industry):
        from ..report.text import industry_name

        return industry_name(industry, self.lang) if industry else ""

    # ---- controls ---------------------------------------------------------------------------
    def thresholds(self):
        """RFM cut points of the controls (``None`` = quantiles)."""
        if self.rfm_bins.value == "quantiles":
            return None
        return rfm_thresholds(self.r_range.value, self.f_range.value, self.m_range.value)

    def weight_values(self) -> dict:
        return {f: float(w.value) for f, w in self.weights.items()}

    def tier_shares(self) -> tuple:
        high = self.high_share.value / 100
        return high, min(self.medium_share.value / 100, 1 - high)

    def margin_value(self):
        """The margin in use for data without costs: the margin slider (0 = none: revenue);
        ``None`` for data with costs or at 0."""
        if self.work is None or self.work.value_basis == "cost" or not self.margin_slider.value:
            return None
        return self.margin_slider.value / 100

    def measure(self) -> str:
        """What the value columns are: "profit" (costs, or the margin slider) or "revenue"."""
        return "profit" if self.work.value_basis == "cost" or self.margin_value() else "revenue"

    def money_factor(self) -> float:
        """What the CLV and value columns are multiplied by for the margin slider: the
        slider's margin over the one the data were analysed at (1 = revenue)."""
        m = self.margin_value()
        base = self.work.margin if self.work is not None and self.work.margin else 1.0
        return (m if m is not None else 1.0) / base

    def _changed(self, tabs, segment: bool = True):
        if self._quiet or self.work is None:
            return
        self._dirty |= set(tabs)
        if segment:
            self.refresh()
        else:
            with self._working():
                self._draw_visible()

    def refresh(self):
        """Take the current controls: the segmentation is redone when a tab needs it, and the
        visible tab is redrawn."""
        with self._working():
            fixed = self.rfm_bins.value != "quantiles"
            for w in (self.r_range, self.f_range, self.m_range):
                w.disabled = not fixed
            self._result = None
            self._status()
            self._draw_visible()

    @property
    def result(self):
        """The :class:`~crm_training.workshop.analysis.Segmentation` of the current controls
        (computed on first use after a change; ``None`` without data)."""
        if self.work is None:
            return None
        if self._result is None:
            if self._warm is not None:  # the models being fitted in the background
                self._warm.join()
                self._warm = None
            weights = self.weight_values()
            if sum(weights.values()) <= 0:
                raise ValueError(say("weights_zero", self.lang))
            self._result = segment_customers(
                self.work, self.thresholds(), weights, int(self.clusters.value),
                tier_shares=self.tier_shares(), tier_basis=self.tier_basis.value,
                clv_months=int(self.horizon.value))
        return self._result

    def _warm_up(self, work, k):
        """Fit what the first segmentation needs (CLV models, k-means, RFM) while the client
        looks at the first tab; errors are left for the tab that needs the result."""
        with contextlib.suppress(Exception):
            work.clv_forecast()
        for step in (lambda: work.clusters(k), lambda: work.rfm(None),
                     lambda: work.value_classes(None, TIER_SHARES), work.churn_risk):
            with contextlib.suppress(Exception):
                step()

    def _status(self):
        lang = self.lang
        kind, figures = self._label
        if kind == "scenario":
            label = say("scenario_label", lang, **{**figures, "industry": self._industry_name(
                figures["industry"])})
        elif kind == "client":
            label = say("client_label", lang, name=figures["name"], n=figures["n"]) + (
                "" if figures["clean"] else say("not_clean", lang))
        else:
            label = say("given_label", lang, **figures)
        n = f"{int(self.work.features['frequency'].gt(0).sum()):,}"
        self.status.value = f"<b>{html.escape(say('ready', lang, label=label, n=n))}</b>"

    # ---- drawing ----------------------------------------------------------------------------
    def _draw_visible(self):
        if self.work is None:
            return
        tab = TABS[self.tabs.selected_index or 0]
        todo = [p for p in PARTS[tab] if p in self._dirty]
        if todo:
            with self._working():
                for part in todo:
                    getattr(self, f"_draw_{part}")()
                    self._dirty.discard(part)

    def draw_all(self):
        """Draw every tab now (a test, or a screenshot of each tab)."""
        for part in ALL_PARTS:
            getattr(self, f"_draw_{part}")()
        self._dirty.clear()

    def _money(self, df, cols):
        f = self.money_factor()
        return df.assign(**{c: df[c] * f for c in cols if c in df}) if f != 1 else df

    def _show(self, chart: str, fig) -> None:
        """Put ``fig`` in the chart widget ``chart``; ``None`` hides the widget."""
        image = self.charts[chart]
        image.value = charts.png(fig) if fig is not None else b""
        image.layout.display = None if fig is not None else "none"

    def _draw_data(self):
        lang, work = self.lang, self.work
        rows = pd.Series({name: len(df) for name, df in work.data.tables.items()
                          if df is not None and len(df)})
        self._show("data", charts.plot_table_rows(rows, lang))
        names = [charts.TABLE_NAMES[lang].get(n, n.replace("_", " ")) for n in rows.index]
        self.tables["data"].value = html_table(
            pd.DataFrame({"table": names, "rows": rows.values}), "crm-data", lang)
        negative = int((work.values < 0).sum())
        loss = _note(say("negative_value", lang, n=f"{negative:,}", measure=_measure_word(
            self.measure(), lang))) if negative else ""
        res = self._res
        if res is None:
            self.notes["data"].value = _note(say("synthetic", lang)) + loss
            self.validation.value = ""
            return
        from ..report.appendix import data_quality_html

        warnings = len(res.report.warnings)
        verdict = say("verdict_bad", lang) if not res.ok else say(
            "verdict_warned", lang, n=warnings, s="s" * (warnings != 1)) if warnings \
            else say("verdict_ok", lang)
        self.notes["data"].value = f"<p><b>{html.escape(verdict)}</b></p>" + loss
        # the report's appendix: files and column mapping, every problem, the cleaning log
        self.validation.value = f'<div class="crm-check">{data_quality_html(res, lang)}</div>'

    def _draw_concentration(self):
        from ..segmentation.plotting import plot_lorenz

        lang, work = self.lang, self.work
        measure = _measure_word(self.measure(), lang)
        ax = plot_lorenz(work.values, measure=measure, language=lang)
        self._show("concentration", ax.figure)
        from ..segmentation import gini, top_share

        tops = (0.01, 0.05, 0.1, 0.2, 0.5)
        label = (lambda t: f"top {t:.0%}") if lang == "en" else (lambda t: f"前{t:.0%}客户")
        v = work.values.clip(lower=0)
        t = pd.DataFrame({"segment": [label(x) for x in tops],
                          "share": [top_share(v, x) for x in tops]})
        self.tables["concentration"].value = html_table(t, "crm-concentration", lang)
        self.notes["concentration"].value = _note(say(
            "conc_note", lang, top20="20%", share=f"{top_share(v, 0.2):.0%}", measure=measure,
            gini=f"{gini(v):.2f}"))

    def _draw_rfm(self):
        from ..segmentation.plotting import plot_rfm_grid

        lang, r = self.lang, self.result
        rfm = self.work.rfm(self.thresholds())
        self._show("segments", plot_rfm_grid(rfm, language=lang).figure)
        seg_col = "label_zh" if lang == "zh" else None
        t = r.rfm_segments.reset_index()
        first = t.columns[0]
        t["segment"] = t[seg_col] if seg_col else t[first]
        t = t[["segment", "customers", "customer_share", "revenue_share", "recency_days",
               "frequency", "monetary"]]
        self.tables["segments"].value = html_table(t, "crm-rfm", lang, self.work.currency)

    def _draw_cluster(self):
        from ..segmentation.plotting import plot_cluster_profiles

        lang, r = self.lang, self.result
        prof = r.clusters
        full = self.work.cluster_features.groupby(
            r.assignment["cluster"].reindex(self.work.cluster_features.index)).mean()
        shown = full.join(prof[["name", "name_zh"]])
        self._show("cluster", plot_cluster_profiles(shown, language=lang).figure)
        c = prof.reset_index(drop=True)
        c.insert(0, "cluster", prof["name_zh" if lang == "zh" else "name"].to_numpy())
        c = c.drop(columns=["name", "name_zh"])
        self.tables["cluster"].value = html_table(c, "crm-clusters", lang, self.work.currency)

    def _draw_tiers(self):
        lang, r, work = self.lang, self.result, self.work
        t = r.tiers
        self._show("tiers", charts.plot_tier_shares(t, lang))
        shown = t.reset_index()
        shown["value_tier"] = [tier_label(x, lang) for x in shown["value_tier"]]
        shown["strategy"] = shown["strategy_zh" if lang == "zh" else "strategy"]
        shown = shown.drop(columns=["strategy_zh"])
        self.tables["tiers"].value = html_table(
            self._money(shown, ["value_per_customer_year", "mean_clv"]), "crm-tiers", lang,
            work.currency)
        high, medium = self.tier_shares()
        if self.tier_basis.value == "value":
            basis = _measure_word(self.measure(), lang)
        else:
            w = self.weight_values()
            total = sum(w.values())
            basis = say("by_score", lang, weights=", ".join(
                f"{say(f, lang)} {v / total:.0%}" for f, v in w.items()))
        same = say("tier_same" if self.tier_basis.value == "value" else "tier_other", lang)
        self.notes["tiers"].value = _note(say("tier_note", lang, high=f"{high:.0%}",
                                              medium=f"{medium:.0%}", basis=basis, same=same))

    def _draw_clv(self):
        lang, r, work = self.lang, self.result, self.work
        if "clv" in r.problems:
            self._show("clv", None)
            self.notes["clv"].value = _problem(say("na", lang, why=r.problems["clv"]))
            self.tables["clv"].value = ""
            return
        self._show("clv", charts.plot_churn_by_tier(r.assignment, lang))
        fc = work.clv_forecast()
        history = float(fc.horizon.get("history_months") or 0)
        months = int(self.horizon.value)
        note = say("clv_note", lang, measure=_measure_word(self.measure(), lang), months=months,
                   model=fc.selection.get("name", "BG/NBD"))
        if history and months > 2 * history:
            note += say("horizon_warning", lang, history=history)
        self.notes["clv"].value = _note(note) + self._no_dropout_note()
        t = top_clv(r.assignment, int(self.top_n.value)).reset_index()
        t["value_tier"] = [tier_label(x, lang) for x in t["value_tier"]]
        t["rfm_segment"] = _rfm_names(t["rfm_segment"], lang)
        self.tables["clv"].value = html_table(self._money(t, ["clv"]), "crm-clv", lang,
                                              work.currency)

    def _no_dropout_note(self) -> str:
        """A warning when the model sees (almost) nobody drop out: churn near 0 then says the
        history is too short or too thin to show dropout, not that no customer leaves."""
        p = self.result.assignment["churn_probability"].dropna()
        share = float((p < NO_DROPOUT).mean()) if len(p) else 0.0
        if share < NO_DROPOUT_SHARE:
            return ""
        return _problem(say("no_dropout", self.lang, share=f"{share:.0%}"))

    def action_list(self) -> pd.DataFrame:
        """The retention list as shown (current length, ranking, language, margin)."""
        r = self.result
        t = top_churn_risk(r.assignment, int(self.top_n.value), self.churn_rank.value,
                           industry=self.work.industry, language=self.lang, at_risk_only=True)
        return self._money(t, ["clv", "value_at_risk"])

    def _draw_actions(self):
        lang, r, work = self.lang, self.result, self.work
        if "churn" in r.problems:
            self.notes["actions"].value = _problem(say("na", lang, why=r.problems["churn"]))
            self.tables["actions"].value = self.download.value = ""
            self._show("actions", None)
            return
        t = self.action_list()
        words = {c: action_text(c, work.industry, lang) for c in RETENTION_ACTIONS}
        short = {c: v.split(";")[0].split("，")[0].split("：")[0] for c, v in words.items()}
        self._show("actions", charts.plot_actions(t, short, lang, work.currency)
                   if len(t) else None)  # nobody at risk: no empty chart
        note = say("action_note" if self.churn_rank.value == "value_at_risk" else
                   "action_note_p", lang, n=len(t))
        if _anonymised(work.data):
            note += say("pseudonyms", lang)
        self.notes["actions"].value = _note(note) + self._no_dropout_note()
        shown = t.reset_index()
        shown["value_tier"] = [tier_label(x, lang) for x in shown["value_tier"]]
        shown["rfm_segment"] = _rfm_names(shown["rfm_segment"], lang)
        shown["action"] = shown.pop("action_text")
        self.tables["actions"].value = html_table(shown, "crm-actions", lang, work.currency)
        # the list's own files are small: built with every change; every customer's
        # segments (megabytes for a large base) only on request
        table = action_export(t, lang, work.currency)
        self.download.value = (
            _download_link(table["xlsx"], "actions.xlsx", "application/vnd.openxmlformats-"
                           "officedocument.spreadsheetml.sheet", say("download_xlsx", lang),
                           "crm-xlsx")
            + _download_link(table["csv"], "actions.csv", "text/csv;charset=utf-8",
                             say("download_csv", lang), "crm-csv"))
        self.all_link.value = ""
        self.links_button.layout.display = None

    def _build_links(self):
        """The download of every customer's segments (CSV), built when asked for."""
        from .analysis import assignment_csv

        if self.result is not None:
            self.all_link.value = _download_link(
                assignment_csv(self.result.assignment), "segments.csv",
                "text/csv;charset=utf-8", say("download_all", self.lang), "crm-all")
            self.links_button.layout.display = "none"


def _measure_word(measure: str, language: str) -> str:
    return {"profit": ("profit", "利润"), "revenue": ("revenue", "收入")}[measure][
        0 if language == "en" else 1]


def _rfm_names(codes: pd.Series, language: str) -> list:
    if language == "en":
        return list(codes)
    from ..segmentation.rfm import RFM_SEGMENT_LABELS_ZH

    return [RFM_SEGMENT_LABELS_ZH.get(c, c) for c in codes]


def _anonymised(data) -> bool:
    meta = getattr(data, "meta", None) or {}
    return bool(meta.get("anonymised") or meta.get("anonymized"))


def _note(text: str) -> str:
    return f'<p class="crm-note">{html.escape(text)}</p>'


def _problem(message: str) -> str:
    return f'<p class="crm-error">{html.escape(message)}</p>'
