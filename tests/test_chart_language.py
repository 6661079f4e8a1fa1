"""Charts drawn in the report's language by the plotting functions themselves.

Every chart of the report (and the other charts that name things) takes ``language="en"`` or
"zh": in Chinese its title, axis labels, legend, colour bar and code tick labels are Chinese
(no English word of the English chart), the English chart is the one it always was, an unknown
language is refused, and a Chinese chart saved as PNG draws every glyph (no "Glyph ... missing"
warning: the function puts a CJK font first itself).
"""
import io
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crm_training  # noqa: E402
from crm_training import i18n  # noqa: E402
from crm_training.clv import BetaGeoModel, holdout_check  # noqa: E402
from crm_training.clv import plotting as clv_plot  # noqa: E402
from crm_training.evaluation import plotting as eval_plot  # noqa: E402
from crm_training.evaluation.roadmap import (MATURITY_DIMENSIONS, maturity_scorecard,  # noqa: E402
                                             roadmap_plan)
from crm_training.evaluation.roi import initiative_cash_flows  # noqa: E402
from crm_training.experience import audit_scorecard, audit_template  # noqa: E402
from crm_training.experience import plotting as exp_plot  # noqa: E402
from crm_training.fonts import find_cjk_font  # noqa: E402
from crm_training.loyalty import plotting as loy_plot  # noqa: E402
from crm_training.segmentation import plotting as seg_plot  # noqa: E402
from crm_training.segmentation._example import example_data  # noqa: E402
from crm_training.segmentation.rfm import rfm_scores  # noqa: E402
from crm_training.service import plotting as svc_plot  # noqa: E402
from crm_training.service.erlang import staffing_table  # noqa: E402

# Latin words a Chinese chart may show: acronyms, model and currency names, the course's notation
ALLOWED_LATIN = {"NPS", "CSAT", "RFM", "CRM", "FM", "R", "Erlang", "C", "BG", "NBD", "MBG", "CNY",
                 "USD"}
CJK = re.compile(r"[\u3400-\u9fff]")
NUMERIC = re.compile(r"^[\s\d.,:%+\-\u2212–/()]*$")  # numbers, shares, dates, ranges


@pytest.fixture(autouse=True)
def _rc():
    with matplotlib.rc_context():  # the zh charts set the font list: keep it to each test
        yield
    plt.close("all")


def _bg_model():
    m = BetaGeoModel()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    return m


RFM_DATA = pd.DataFrame({"customer_id": [1, 2, 3], "frequency": [0, 4, 2],
                         "recency": [0.0, 30.0, 12.0], "T": [38.0, 38.0, 38.0]})
TOUCHPOINTS = pd.DataFrame({"nps": [10.0, 30.0, -5.0], "nps_low": [0.0, 20.0, -15.0],
                            "nps_high": [20.0, 40.0, 5.0]},
                           index=["store", "app", "customer_service"])


@pytest.fixture(scope="module")
def holdout():
    return holdout_check(crm_training.generate("retail", 1000, seed=1).transactions)


def _audit_card():
    form = audit_template(["app", "website"])
    form["score"] = 3
    return audit_scorecard(form)


# name -> function of the language drawing the chart (returns an Axes or a Figure)
CHARTS = {
    "lorenz": lambda lang: seg_plot.plot_lorenz([1, 2, 3, 10, 40], language=lang),
    "lorenz_measure": lambda lang: seg_plot.plot_lorenz(
        [1, 2, 3, 10, 40], measure={"zh": "利润"}.get(lang, "profit"), language=lang),
    "pareto": lambda lang: seg_plot.plot_pareto(np.arange(1, 101), language=lang),
    "rfm_grid": lambda lang: seg_plot.plot_rfm_grid(rfm_scores(example_data(200)), language=lang),
    "rfm_grid_monetary": lambda lang: seg_plot.plot_rfm_grid(
        rfm_scores(example_data(200)), value="monetary", language=lang),
    "class_shares": lambda lang: seg_plot.plot_class_shares(
        pd.Series(["high", "medium", "medium", "potential"], name="value_tier"), language=lang),
    "cluster_profiles": lambda lang: seg_plot.plot_cluster_profiles(
        pd.DataFrame({"recency_days": [10.0, 300], "orders_per_year": [6.0, 0.5],
                      "monetary": [900.0, 50], "name": ["Big spenders", "Lapsed"],
                      "name_zh": ["高消费客户", "沉睡客户"]}), language=lang),
    "p_alive": lambda lang: clv_plot.plot_probability_alive_matrix(_bg_model(), RFM_DATA,
                                                                   language=lang),
    "frequency_recency": lambda lang: clv_plot.plot_frequency_recency_matrix(
        _bg_model(), RFM_DATA, future_t=4, language=lang),
    "satisfaction": lambda lang: exp_plot.plot_satisfaction(TOUCHPOINTS, "nps", language=lang),
    "satisfaction_bank": lambda lang: exp_plot.plot_satisfaction(
        TOUCHPOINTS, "nps", language=lang, industry="bank"),
    "audit_radar": lambda lang: exp_plot.plot_audit_radar(_audit_card(), language=lang),
    "uplift": lambda lang: loy_plot.plot_uplift(
        {"effect": 0.08, "ci_low": 0.03, "ci_high": 0.13}, {"effect": 0.35}, truth=0.1,
        language=lang),
    "staffing": lambda lang: svc_plot.plot_staffing(staffing_table(100 / 1800, 180, 20),
                                                    language=lang),
    "cash_flows": lambda lang: eval_plot.plot_cash_flows(
        initiative_cash_flows(1000, 600, 100), currency="CNY", language=lang),
    "roadmap": lambda lang: eval_plot.plot_roadmap(roadmap_plan("2025-01-06"),
                                                   today="2025-03-01", language=lang),
    "maturity": lambda lang: eval_plot.plot_maturity_radar(
        maturity_scorecard(dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 3)), language=lang),
}


def _figure(drawn):
    return drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure


def _texts(fig):
    """Every word of a chart: titles, axis labels (twin axes and colour bars too), legends,
    tick labels and the texts written on it (numbers left out)."""
    fig.canvas.draw()  # tick labels are set at draw time
    out = []
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
    out.append(fig._suptitle.get_text() if fig._suptitle is not None else "")
    return [t for t in out if t.strip() and not NUMERIC.match(t)]


def _latin(s):
    return set(re.findall(r"[A-Za-z]+", s))


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_chinese_chart_has_chinese_words_only(chart):
    en = _texts(_figure(CHARTS[chart]("en")))
    zh = _texts(_figure(CHARTS[chart]("zh")))
    assert zh, chart
    not_chinese = [t for t in zh if not CJK.search(t)]
    assert not not_chinese, (chart, not_chinese)
    english = {w for t in en for w in _latin(t)} - ALLOWED_LATIN
    left = {w for t in zh for w in _latin(t)} - ALLOWED_LATIN
    assert not left, (chart, sorted(left))
    assert english, chart  # the English chart does have English words to lose
    assert len(zh) == len(en), (chart, en, zh)  # nothing left out (or added) in translation


def test_examples_of_the_chinese_words():
    ax = CHARTS["lorenz"]("zh")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("客户（基尼系数") and "Gini" not in legend[0]
    assert "customers" not in " ".join(legend) and ax.get_title() == "洛伦兹曲线"
    assert CHARTS["lorenz_measure"]("zh").get_ylabel() == "利润累计占比"
    ax = CHARTS["class_shares"]("zh")  # most customers first
    assert [t.get_text() for t in ax.get_xticklabels()] == ["中价值", "高价值", "潜力价值"]
    ax = CHARTS["satisfaction_bank"]("zh").axes[0]
    assert {t.get_text() for t in ax.get_yticklabels()} == {"网点", "手机银行", "客服中心"}
    ax = CHARTS["satisfaction"]("zh").axes[0]
    assert {t.get_text() for t in ax.get_yticklabels()} == {"门店", "应用", "客户服务"}
    assert ax.get_xlabel() == "净推荐值（分）"
    fig = CHARTS["staffing"]("zh")
    assert fig.axes[1].get_ylabel() == "平均应答时间"  # the twin axis
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "服务水平", "目标", "平均应答时间"]
    assert CHARTS["cash_flows"]("zh").axes[0].get_ylabel() == "金额（CNY）"
    ax = CHARTS["rfm_grid"]("zh")
    cells = " ".join(t.get_text() for t in ax.texts)
    assert "冠军客户" in cells and "Champions" not in cells
    ax = CHARTS["uplift"]("zh").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["匹配对照", "简单对比"]


def test_english_charts_are_unchanged():
    ax = CHARTS["lorenz"]("en")
    assert ax.get_title() == "Lorenz curve" and ax.get_ylabel() == "cumulative share of value"
    assert ax.get_xlabel() == "cumulative share of customers (smallest first)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "customers (Gini 0.61)", "perfect equality"]
    ax = CHARTS["lorenz_measure"]("en")
    assert ax.get_title() == "Lorenz curve of profit"
    assert ax.get_ylabel() == "cumulative share of profit"
    ax = CHARTS["pareto"]("en")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "Pareto analysis", "top customers (cumulative share)", "share of value")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cumulative share",
                                                                   "share of value"]
    ax = CHARTS["rfm_grid"]("en")
    assert ax.get_title() == "RFM segments" and ax.get_ylabel() == "R score (recency)"
    assert ax.figure.axes[1].get_ylabel() == "customers" and "Champions" in ax.texts[3].get_text()
    ax = seg_plot.plot_class_shares(pd.Series(["high", "medium", "medium"]))
    assert ax.get_title() == "classes" and ax.get_ylabel() == "customers"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["medium", "high"]
    assert CHARTS["class_shares"]("en").get_title() == "value_tier"
    ax = CHARTS["cluster_profiles"]("en")
    assert ax.get_title() == "Cluster profiles (z-scores of the means)"
    # the features in words, not column names (a consultant's client reads them)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "days since last purchase", "purchases a year", "spend"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0: Big spenders", "1: Lapsed"]
    ax = CHARTS["p_alive"]("en")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "Probability of being active", "recency (time of last purchase)",
        "frequency (repeat purchases)")
    assert CHARTS["frequency_recency"]("en").get_title() == \
        "Expected purchases in the next 4 time units"
    ax = CHARTS["satisfaction"]("en").axes[0]
    assert ax.get_title() == "NPS with confidence intervals" and ax.get_xlabel() == "NPS (points)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["customer_service", "store", "app"]
    ax = CHARTS["satisfaction_bank"]("en").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["contact centre", "branch",
                                                            "mobile banking"]
    ax = CHARTS["uplift"]("en").axes[0]
    assert ax.get_title() == "Loyalty programme uplift: self-selection bias"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "naive members vs others", "true effect", "matched, 95% interval"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["matched (enrolment DiD)", "naive"]
    fig = CHARTS["staffing"]("en")
    assert (fig.axes[0].get_title(), fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel(),
            fig.axes[1].get_ylabel()) == ("Erlang C staffing", "agents",
                                          "share answered within target",
                                          "average speed of answer")
    fig = eval_plot.plot_cash_flows(initiative_cash_flows(1000, 600, 100))
    assert (fig.axes[0].get_title(), fig.axes[0].get_ylabel()) == ("Initiative cash flows",
                                                                   "currency")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "cumulative discounted (NPV so far)", "net cash flow"]
    assert CHARTS["cash_flows"]("en").axes[0].get_ylabel() == "CNY"
    assert CHARTS["roadmap"]("en").axes[0].get_title() == "CRM implementation roadmap"
    assert CHARTS["maturity"]("en").axes[0].get_title().startswith("CRM maturity")
    assert CHARTS["audit_radar"]("en").axes[0].get_title() == "Five design principles audit"


def test_holdout_words_come_from_the_shared_table(holdout):
    assert clv_plot.HOLDOUT_LABELS is i18n.CHART_WORDS["holdout"]
    en = clv_plot.plot_holdout(holdout)
    zh = clv_plot.plot_holdout(holdout, language="zh")
    assert en.get_ylabel() == "cumulative repeat purchases"
    assert zh.get_ylabel() == "累计重复购买次数"
    texts = _texts(zh.figure)
    assert all(CJK.search(t) for t in texts), texts
    assert not {w for t in texts for w in _latin(t)} - ALLOWED_LATIN


def test_chinese_alias_of_the_older_charts():
    plan = roadmap_plan("2025-01-06")
    card = maturity_scorecard(dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 3))
    for draw, arg in ((eval_plot.plot_roadmap, plan), (eval_plot.plot_maturity_radar, card),
                      (exp_plot.plot_audit_radar, _audit_card())):
        old, new = draw(arg, chinese=True), draw(arg, language="zh")
        assert _texts(old) == _texts(new), draw.__name__
        assert _texts(draw(arg)) == _texts(draw(arg, language="en")), draw.__name__


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_unknown_language_is_refused(chart):
    with pytest.raises(ValueError, match=r"language must be one of \('en', 'zh'\)"):
        CHARTS[chart]("fr")


def test_unknown_language_is_refused_by_the_helpers(holdout):
    with pytest.raises(ValueError, match="language"):
        clv_plot.plot_holdout(holdout, language="de")
    with pytest.raises(ValueError, match="language"):
        i18n.code_label("store", "zh_TW")
    with pytest.raises(ValueError, match="language"):
        i18n.chart_words("lorenz", "EN")


def test_code_labels():
    assert i18n.code_label("high", "zh") == "高"  # the ticket priority of the schema
    assert i18n.tier_label("high", "zh") == "高价值"  # the value tier
    assert i18n.code_label("Cannot lose them", "zh") == "不能流失的高价值客户"
    assert i18n.code_label("checkout", "zh", industry="telecom") == "套餐办理"
    assert i18n.code_label("product_page", "en") == "product page"
    from crm_training.report import text
    assert text.code_label("Lost", "zh") == "已流失客户" and text.EXTRA_ZH is i18n.EXTRA_ZH


def test_the_font_is_configured_only_when_needed(monkeypatch):
    from crm_training import fonts

    calls = []
    real = fonts.configure_matplotlib
    monkeypatch.setattr(fonts, "configure_matplotlib",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    CHARTS["pareto"]("en")
    assert calls == []
    CHARTS["pareto"]("zh")
    CHARTS["staffing"]("zh")
    assert len(calls) <= 1  # set once, then found set
    if find_cjk_font() is not None:
        assert len(calls) == 1 and matplotlib.rcParams["font.sans-serif"][0] == find_cjk_font()


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_chinese_chart_renders_every_glyph(chart, cjk_font):
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]  # as a fresh session: no CJK font
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig = _figure(CHARTS[chart]("zh"))
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    missing = [str(w.message) for w in record if re.search(r"Glyph \d+.*missing",
                                                           str(w.message))]
    assert not missing, (chart, missing[:3])
    assert buf.getvalue().startswith(b"\x89PNG")


def test_holdout_renders_every_glyph(holdout, cjk_font):
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clv_plot.plot_holdout(holdout, language="zh").figure.savefig(io.BytesIO(), format="png")
    assert not [w for w in record if "missing" in str(w.message)]
