"""Every word of a case-study report, in English and Simplified Chinese.

Headings, labels, table headers, chart titles and sentence templates live in one table
(:data:`TEXT`, key -> ``{"en": ..., "zh": ...}``); :func:`t` fills a template with figures. The
sentences of the executive summary and of each section are built from the computed
:class:`~.findings.Findings` (:func:`executive_summary`, :func:`section_text`), so that they carry
the numbers of this client, never canned text. :func:`styled` gives a table with translated
headers and formatted numbers. The charts draw their own words in the report's language
(``language=`` of each plotting function, words in :data:`crm_training.i18n.CHART_WORDS`). Chinese
terms follow the course syllabus and :data:`crm_training.schema.CODE_LABELS_ZH`.
"""
from __future__ import annotations

import datetime
import html
import os
import re

import numpy as np
import pandas as pd

from ..i18n import CHART_WORDS, EXTRA_ZH  # noqa: F401  (EXTRA_ZH: the code labels, re-exported)
from ..i18n import code_label as _code_label
from .findings import LANGUAGES

# ----------------------------------------------------------------------------- the phrase book
TEXT = {
    # title and headings
    "title": {"en": "{company}: customer relationship case study",
              "zh": "{company}：客户关系管理案例分析报告"},
    "subtitle": {"en": "{industry} · {customers} customers · data from {start} to {end} · "
                       "CLV horizon {horizon} months",
                 "zh": "{industry} · 客户{customers}名 · 数据期间{start}至{end} · "
                       "客户终身价值预测期{horizon}个月"},
    "h_summary": {"en": "Executive summary", "zh": "执行摘要"},
    "h_concentration": {"en": "1. Customer concentration", "zh": "1. 客户集中度"},
    "h_segments": {"en": "2. Segments and tier strategies", "zh": "2. 客户细分与价值分层策略"},
    "h_clv": {"en": "3. Customer lifetime value and churn risk",
              "zh": "3. 客户终身价值与流失风险"},
    "h_experience": {"en": "4. Customer experience and NPS", "zh": "4. 客户体验与净推荐值"},
    "h_loyalty": {"en": "5. Loyalty programme economics", "zh": "5. 忠诚度计划的经济效益"},
    "h_service": {"en": "6. Service KPIs and staffing", "zh": "6. 客户服务指标与人员配置"},
    "h_recommendations": {"en": "7. Recommendations", "zh": "7. 行动建议"},
    "h_roadmap": {"en": "Roadmap", "zh": "实施路线图"},
    "h_roi": {"en": "Expected return", "zh": "预期投资回报"},
    "h_assumptions": {"en": "Assumptions", "zh": "测算假设"},
    "h_appendix": {"en": "Appendix: data quality", "zh": "附录：数据质量"},
    "h_tier_table": {"en": "Value tiers and their strategies", "zh": "价值层级及对应策略"},
    "h_rfm_table": {"en": "RFM segments", "zh": "RFM客户细分"},
    "h_top_customers": {"en": "Customers with the highest forecast value",
                        "zh": "预测价值最高的客户"},
    "not_available": {"en": "*{section}: not available in this data (the table {table} is "
                            "missing or empty).*",
                      "zh": "*{section}：本数据中不可用（缺少{table}表或该表为空）。*"},
    "s_clv_check": {
        "en": "Check of {model} (time in weeks): fitted on the {customers} customers "
              "of the first {cal_weeks} weeks (to {cal_end}): {params} (standard errors {se}); "
              "over the next {hold_weeks} weeks it predicts "
              "{predicted} repeat purchases against {actual} made ({error}), "
              "a mean error of {mae} purchases per customer.",
        "zh": "{model}模型检验（时间单位为周）：用前{cal_weeks}周（至{cal_end}）的{customers}位客户拟合，"
              "{params}（标准误{se}）；对随后{hold_weeks}周预测重复购买"
              "{predicted}次，实际{actual}次（{error}），每位客户平均误差{mae}次。"},
    "s_clv_choice_mae": {
        "en": "The forecast uses {model}: of the two models checked, its forecasts of each "
              "customer's holdout purchases were closer (a mean error of {mae} purchases per "
              "customer, against {other_mae} for {other}).",
        "zh": "预测采用{model}模型：在检验的两个模型中，它对每位客户保留期购买次数的预测更接近实际"
              "（每位客户平均误差{mae}次，{other}模型为{other_mae}次）。"},
    "s_clv_choice_total": {
        "en": "The forecast uses {model}: of the two models checked, its forecast of the "
              "holdout's repeat purchases was closer ({error}, against {other_error} for "
              "{other}).",
        "zh": "预测采用{model}模型：在检验的两个模型中，它对保留期重复购买总数的预测更接近实际"
              "（{error}，{other}模型为{other_error}）。"},
    "s_clv_choice_likelihood": {
        "en": "The forecast uses {model}: the models could not be checked on a holdout period, "
              "so the one that fits the whole history better was kept.",
        "zh": "预测采用{model}模型：无法在保留期内检验模型，因此采用对全部历史数据拟合更好的模型。"},
    "s_clv_choice_fallback": {
        "en": "The forecast uses {model}: {other}, which forecast the holdout better, could not "
              "be fitted on the whole history.",
        "zh": "预测采用{model}模型：保留期预测更好的{other}模型无法用全部历史数据拟合。"},
    "s_churn_definition": {
        "en": "A customer's churn probability is 1 − P(alive): the model's probability that "
              "the customer has already stopped buying; \"probably lost\" means P(alive) below "
              "{threshold}. The workshop shows the same figure.",
        "zh": "客户流失概率 = 1 − 存活概率，即模型估计该客户已停止购买的概率；"
              "“很可能已流失”指存活概率低于{threshold}。工作坊显示的是同一数字。"},
    "s_one_time": {
        "en": "{one_time} of the customers never bought again; {model} puts their mean P(alive) "
              "at {one_time_alive}. With {other} instead, {other_at_risk} of buyers would count "
              "as probably lost.",
        "zh": "{one_time}的客户只购买过一次；{model}模型估计他们的平均存活概率为{one_time_alive}。"
              "若改用{other}模型，{other_at_risk}的购买客户将被视为很可能已流失。"},
    "s_horizon_warning": {
        "en": "Caution: the forecast runs {horizon} months from {history} months of history, "
              "more than twice what the data show; read its later years as an extrapolation.",
        "zh": "注意：预测期为{horizon}个月，而数据历史仅有{history}个月，超过历史长度的两倍；"
              "预测后期的数字属于外推，请谨慎解读。"},
    "s_clv_no_check": {
        "en": "The model could not be checked on a holdout period (too little history).",
        "zh": "数据历史太短，无法在保留期内检验模型。"},
    "s_money_cost": {"en": "Amounts are in {currency}; values are profit: revenue minus the "
                           "costs in the data.",
                     "zh": "金额单位为{currency}；价值为利润：收入减去数据中的成本。"},
    "s_money_margin": {"en": "Amounts are in {currency}; values are profit at an assumed margin "
                             "of {margin} of revenue (the data have no costs).",
                       "zh": "金额单位为{currency}；价值为利润，按假定毛利率{margin}计算（数据中没有成本）。"},
    "s_money_revenue": {"en": "Amounts are in {currency}; values are revenue, not profit: the "
                              "data have no costs and no margin was given (with a margin, e.g. "
                              "30%, every figure would be profit).",
                        "zh": "金额单位为{currency}；价值为收入而非利润：数据中没有成本，也未给出毛利率"
                              "（给出毛利率，例如30%，所有数字都将按利润计算）。"},
    "no_currency": {"en": "the data's currency (not stated in the export)",
                    "zh": "数据自身的货币（导出文件中未注明）"},
    "na_no_table": {"en": "*{section}: not available: it needs the {table} table, which is not "
                          "in this data.*",
                    "zh": "*{section}：不可用：需要{table}表，本数据中没有。*"},
    "na_no_values": {"en": "*{section}: not available: the {table} table has no {column} "
                           "values.*",
                     "zh": "*{section}：不可用：{table}表中没有{column}的数值。*"},
    "na_few_customers": {"en": "*{section}: not available: it needs at least {need} customers "
                               "with purchases; these data have {n}.*",
                         "zh": "*{section}：不可用：至少需要{need}位有购买记录的客户，本数据只有{n}位。*"},
    "na_few_repeat_buyers": {"en": "*{section}: not available: a lifetime-value forecast needs "
                                   "at least {need} repeat buyers (customers who bought on two "
                                   "days or more); these data have {n}.*",
                             "zh": "*{section}：不可用：客户终身价值预测至少需要{need}位重复购买的客户"
                                   "（在两天或以上有购买），本数据只有{n}位。*"},
    "na_failed": {"en": "*{section}: not available: these data could not be used for it "
                        "({detail}).*",
                  "zh": "*{section}：不可用：无法用本数据计算（{detail}）。*"},
    "appendix_synthetic": {"en": "The data are synthetic (built-in generator): no data-quality "
                                 "check is needed.",
                           "zh": "本报告使用内置生成器的模拟数据，无需数据质量检查。"},
    # sentences of the executive summary and the sections
    "s_concentration": {
        "en": "The top 20% of customers bring {top20} of {measure} and the top 1% bring {top1}; "
              "the Gini coefficient of {measure} per customer is {gini}.",
        "zh": "前20%的客户贡献了{top20}的{measure}，前1%的客户贡献了{top1}；"
              "客户{measure}的基尼系数为{gini}。"},
    "s_concentration_high": {
        "en": "Value is highly concentrated: losing a few top customers would cost more than "
              "winning many small ones.",
        "zh": "价值高度集中：失去少数高价值客户的损失将超过赢得大量小客户的收益。"},
    "s_concentration_low": {
        "en": "Value is spread more evenly than the 80/20 rule suggests: growth lies in the "
              "middle of the base.",
        "zh": "价值分布比二八法则更为均匀：增长空间在于中间层客户。"},
    "s_segments": {
        "en": "The high-value tier ({high_share} of customers) brings {high_value} of {measure}; "
              "{lapsing} customers ({lapsing_share}) sit in lapsing RFM segments worth "
              "{lapsing_value} a year.",
        "zh": "高价值客户（占客户的{high_share}）贡献了{high_value}的{measure}；"
              "{lapsing}名客户（{lapsing_share}）处于流失倾向的RFM细分中，每年价值{lapsing_value}。"},
    "s_clv": {
        "en": "Over the next {horizon} months the customers are expected to bring {total} of "
              "discounted {measure} (mean {mean} per customer); the top 20% hold {top20} of it.",
        "zh": "未来{horizon}个月，客户预计带来折现{measure}{total}（人均{mean}），"
              "其中前20%的客户占{top20}。"},
    "s_churn": {
        "en": "{at_risk} of buyers are probably lost (P(alive) below {threshold}), among them "
              "{high_at_risk} customers of the high-value tier ({high_at_risk_share} of it).",
        "zh": "{at_risk}的购买客户很可能已流失（存活概率低于{threshold}），"
              "其中包括{high_at_risk}名高价值客户（占该层级的{high_at_risk_share}）。"},
    "s_experience": {
        "en": "NPS is {nps} (95% interval {low} to {high}, {n} answers); CSAT is {csat} and the "
              "effort score {effort} (1 easy - 7 hard).",
        "zh": "净推荐值（NPS）为{nps}（95%置信区间{low}至{high}，共{n}份答卷）；"
              "客户满意度（CSAT）为{csat}，客户费力度为{effort}（1为最省力，7为最费力）。"},
    "s_touchpoint": {
        "en": "The weakest touchpoint is {touchpoint} (NPS {tp_nps}).",
        "zh": "表现最差的触点是{touchpoint}（NPS {tp_nps}）。"},
    "s_channels_consistent": {
        "en": "Satisfaction is consistent across channels (spread {spread}, p {p}).",
        "zh": "各渠道满意度一致（差距{spread}，p {p}）。"},
    "s_channels_inconsistent": {
        "en": "Satisfaction differs between channels (spread {spread}, p {p}): the "
              "omnichannel experience is not yet consistent.",
        "zh": "各渠道满意度存在显著差异（差距{spread}，p {p}）：全渠道体验尚不一致。"},
    "s_loyalty": {
        "en": "{members} customers ({member_share}) are programme members; the points "
              "liability is {liability} ({net_liability} net of a breakage of {breakage}).",
        "zh": "共有{members}名会员（占{member_share}）；积分负债为{liability}"
              "（扣除{breakage}的积分失效后净额{net_liability}）。"},
    "s_uplift": {
        "en": "Members buy {naive} more often than non-members, but against matched customers "
              "enrolment adds {matched} ({low} to {high}): most of the naive gap is "
              "self-selection.",
        "zh": "会员的购买频率比非会员高{naive}，但与匹配对照客户相比，入会带来的提升仅为{matched}"
              "（{low}至{high}）：简单对比的差距大部分来自自我选择偏差。"},
    "s_uplift_close": {
        "en": "Members buy {naive} more often than non-members and against matched customers "
              "enrolment adds {matched} ({low} to {high}).",
        "zh": "会员的购买频率比非会员高{naive}，与匹配对照客户相比入会带来{matched}的提升"
              "（{low}至{high}）。"},
    "s_service": {
        "en": "{tickets} tickets a year: {sla} met their SLA, {fcr} were resolved at first "
              "contact; median first response {response} h, median resolution {resolution} h.",
        "zh": "每年{tickets}张服务工单：{sla}在服务水平协议时限内响应，{fcr}在首次联系时解决；"
              "首次响应时间中位数{response}小时，解决时间中位数{resolution}小时。"},
    "s_staffing": {
        "en": "At a peak of {rate} contacts an hour and {aht} minutes each, the Erlang C model "
              "puts the agents needed to answer {target} within {seconds} s at {agents} "
              "(service level {level}).",
        "zh": "高峰每小时{rate}次联系、每次{aht}分钟，按Erlang C模型需要{agents}名客服，"
              "才能在{seconds}秒内接通{target}的来电（服务水平{level}）。"},
    "s_recommendations": {
        "en": "{k} actions follow from these figures; the first is \u201c{first}\u201d. Those "
              "with a positive NPV ({funded}) need {investment} up front and return an NPV of "
              "{npv} over {years} years (ROI {roi}).",
        "zh": "根据上述数据得出{k}项行动建议，首要行动是\u201c{first}\u201d。其中净现值为正的{funded}项"
              "共需初始投入{investment}，{years}年净现值为{npv}（投资回报率{roi}）。"},
    "s_none_funded": {
        "en": "{k} actions follow from these figures, but none has a positive NPV on the stated "
              "assumptions: pilot them small and measure before investing.",
        "zh": "根据上述数据得出{k}项行动建议，但在当前假设下没有一项净现值为正：建议小规模试点、先测量再投入。"},
    "s_not_worth": {
        "en": "{action} ({trigger}): not worth it at the stated assumptions (NPV {npv} over "
              "{years} years): it pays only with an effect of {even} on its {customers} {unit}, "
              "where {effect} is assumed.",
        "zh": "{action}（{trigger}）：在当前假设下不值得投入（{years}年净现值{npv}）：只有对其涉及的"
              "{customers}{unit}达到{even}的效果才能回本，而假设效果为{effect}。"},
    "s_never_worth": {
        "en": "{action} ({trigger}): not worth it (NPV {npv} over {years} years): even the "
              "largest possible effect on its {customers} {unit} would not cover its costs.",
        "zh": "{action}（{trigger}）：不值得投入（{years}年净现值{npv}）：即使对其涉及的"
              "{customers}{unit}产生最大可能的效果，也无法覆盖成本。"},
    "h_not_worth": {"en": "Considered and not recommended", "zh": "已评估但不建议的行动"},
    "h_sensitivity": {"en": "How each NPV moves with the effect", "zh": "净现值对效果假设的敏感性"},
    "s_no_recommendations": {
        "en": "No rule fires on these figures: keep monitoring the KPIs.",
        "zh": "根据当前数据没有触发任何规则：建议持续监测关键指标。"},
    "s_not_available": {"en": "{section}: not available in this data.",
                        "zh": "{section}：本数据中不可用。"},
    "s_assumptions": {
        "en": "Money figures rest on stated assumptions: discount rate {rate} a year, {years}-year "
              "horizon with half the benefit in year 1, a contact costs {contact} of the mean "
              "order value ({aov}), one action's set-up {setup} of a year's {measure}.",
        "zh": "货币测算基于以下假设：年折现率{rate}，测算期{years}年（第一年实现一半收益），"
              "每次客户触达成本为平均订单金额（{aov}）的{contact}，每项行动的启动成本为年度{measure}的{setup}。"},
    # words
    "profit": {"en": "profit", "zh": "利润"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "year": {"en": "year", "zh": "年"},
    "none": {"en": "none", "zh": "无"},
    # the cover, the contents and what the layout says
    "h_contents": {"en": "Contents", "zh": "目录"},
    "cover_scope": {"en": "{industry} · {customers} customers · CLV horizon {horizon} months",
                    "zh": "{industry} · 客户{customers}名 · 客户终身价值预测期{horizon}个月"},
    "cover_data": {"en": "Data from {start} to {end}", "zh": "数据期间：{start}至{end}"},
    "cover_built": {"en": "Report built on {date}", "zh": "报告生成日期：{date}"},
    "s_lapsing": {
        "en": "{lapsing} customers ({lapsing_share}) sit in lapsing RFM segments worth "
              "{lapsing_value} a year.",
        "zh": "{lapsing}名客户（{lapsing_share}）处于流失倾向的RFM细分中，每年价值{lapsing_value}。"},
    "no_chart_uplift": {
        "en": "*Against matched customers, enrolment adds {matched} ({low} to {high}); with no "
              "member/non-member comparison to set it against, there is no chart.*",
        "zh": "*与匹配对照客户相比，入会带来{matched}的提升（{low}至{high}）；"
              "没有会员与非会员的对比可供参照，故不绘制图表。*"},
    "no_chart_uplift_zero": {
        "en": "*No uplift chart: both estimates are zero.*",
        "zh": "*未绘制提升图：两项估计值均为零。*"},
    # the appendix on a client's data (data_quality_html)
    "dq_sources": {"en": "Files read and how their columns were mapped",
                   "zh": "读取的文件与列映射"},
    "dq_saved": {"en": "The folder was checked and saved by crm-training; the files below are "
                       "those of the client's export.",
                 "zh": "该文件夹已经过本工具包的检查与保存；下表列出的是客户导出的原始文件。"},
    "dq_not_recorded": {
        "en": "This folder does not record how the client's files were read and their columns "
              "mapped: the files below are its tables.",
        "zh": "该文件夹未记录客户文件的读取方式与列映射；下表列出的是其中的数据表。"},
    "dq_by_mapping": {"en": "mapping file", "zh": "映射文件"},
    "dq_kept": {"en": "{n} kept", "zh": "保留{n}行"},
    "dq_sheet": {"en": "sheet {s}", "zh": "工作表{s}"},
    "dq_validation": {"en": "Validation: {errors}, {warnings}", "zh": "数据校验：{errors}，{warnings}"},
    "dq_errors": {"en": "{n} error{s}", "zh": "{n}个错误"},
    "dq_warnings": {"en": "{n} warning{s}", "zh": "{n}个警告"},
    "dq_cleaning": {"en": "Cleaning log: {n} step{s}", "zh": "清洗记录：共{n}步"},
    "dq_no_sources": {"en": "No file was read.", "zh": "未读取任何文件。"},
    "dq_no_issues": {"en": "No problems found.", "zh": "未发现问题。"},
    "dq_no_cleaning": {"en": "Nothing was changed.", "zh": "未做任何修改。"},
    "dq_original_text": {"en": "Problems and reasons are given as the checker wrote them.",
                         "zh": "问题与原因两栏保留数据校验程序输出的英文原文。"},
    "dq_file": {"en": "file", "zh": "文件"},
    "dq_table": {"en": "table", "zh": "数据表"},
    "dq_rows": {"en": "rows", "zh": "行数"},
    "dq_read_as": {"en": "read as", "zh": "读取方式"},
    "dq_mapping": {"en": "columns (export → field)", "zh": "列映射（导出列 → 字段）"},
    "dq_ignored": {"en": "columns not used", "zh": "未使用的列"},
    "dq_severity": {"en": "severity", "zh": "级别"},
    "dq_column": {"en": "column", "zh": "列"},
    "dq_problem": {"en": "problem", "zh": "问题"},
    "dq_examples": {"en": "examples", "zh": "示例"},
    "dq_action": {"en": "action", "zh": "操作"},
    "dq_reason": {"en": "reason", "zh": "原因"},
    "dq_error": {"en": "error", "zh": "错误"},
    "dq_warning": {"en": "warning", "zh": "警告"},
    "dq_dropped": {"en": "dropped", "zh": "删除"},
    "dq_changed": {"en": "changed", "zh": "修改"},
    "dq_added": {"en": "added", "zh": "新增"},
    "dq_linked": {"en": "linked", "zh": "关联"},
    "dq_derived": {"en": "derived", "zh": "推导生成"},
    "dq_not_read": {"en": "not read", "zh": "未读取"},
    "dq_not_used": {"en": "not used (see the errors)", "zh": "未使用（见错误）"},
    "dq_delimiter": {"en": "delimiter {d}", "zh": "分隔符{d}"},
    "dq_header_line": {"en": "header on line {n}", "zh": "表头在第{n}行"},
    "dq_line": {"en": "line {n}", "zh": "第{n}行"},
}

INDUSTRY_NAMES = {
    "retail": {"en": "Retail", "zh": "零售"}, "bank": {"en": "Banking", "zh": "银行"},
    "telecom": {"en": "Telecom", "zh": "电信"}, "coffee_chain": {"en": "Coffee chain", "zh": "咖啡连锁"},
    "travel": {"en": "Travel platform", "zh": "在线旅游平台"},
    "manufacturing": {"en": "Manufacturing (B2B)", "zh": "制造业（B2B）"},
}

SECTION_NAMES = {
    "concentration": {"en": "Customer concentration", "zh": "客户集中度", "table": "transactions"},
    "segments": {"en": "Segments", "zh": "客户细分", "table": "transactions"},
    "clv": {"en": "Customer lifetime value", "zh": "客户终身价值", "table": "transactions"},
    "experience": {"en": "Customer experience", "zh": "客户体验", "table": "surveys"},
    "loyalty": {"en": "Loyalty programme", "zh": "忠诚度计划", "table": "loyalty_events"},
    "service": {"en": "Customer service", "zh": "客户服务", "table": "tickets"},
}

#: table headers (column and index names)
COLUMNS = {
    "customers": ("customers", "客户数"), "customer_share": ("share of customers", "客户占比"),
    "value_share": ("share of value", "价值占比"),
    "value_per_customer_year": ("value per customer a year", "年人均价值"),
    "strategy": ("strategy", "策略"), "revenue": ("revenue", "收入"), "profit": ("profit", "利润"),
    "revenue_share": ("share of revenue", "收入占比"), "recency_days": ("recency (days)", "最近购买距今天数"),
    "frequency": ("purchases", "购买次数"), "monetary": ("spend", "消费金额"),
    "action": ("action", "行动"), "clv": ("CLV", "客户终身价值"), "p_alive": ("P(alive)", "存活概率"),
    "value_tier": ("value tier", "价值层级"), "nps": ("NPS", "净推荐值"),
    "nps_low": ("NPS low", "NPS下限"), "nps_high": ("NPS high", "NPS上限"),
    "csat": ("CSAT", "满意度"), "csat_low": ("CSAT low", "满意度下限"),
    "csat_high": ("CSAT high", "满意度上限"), "effort": ("effort", "费力度"),
    "effort_low": ("effort low", "费力度下限"), "effort_high": ("effort high", "费力度上限"),
    "n": ("answers", "答卷数"), "tickets": ("tickets", "工单数"),
    "first_response_h_median": ("first response (h, median)", "首次响应（小时，中位数）"),
    "resolution_h_median": ("resolution (h, median)", "解决时间（小时，中位数）"),
    "fcr_rate": ("first-contact resolution", "首次联系解决率"),
    "sla_attainment": ("SLA attainment", "服务水平达成率"), "bot_share": ("handled by bot", "机器人处理占比"),
    "agents": ("agents", "客服人数"), "occupancy": ("occupancy", "占用率"),
    "p_wait": ("P(wait)", "等待概率"), "service_level": ("service level", "服务水平"),
    "asa": ("average speed of answer (s)", "平均应答时间（秒）"),
    "tier": ("tier", "会员等级"), "members": ("members", "会员数"), "share": ("share", "占比"),
    "priority": ("priority", "优先级"), "trigger": ("trigger", "触发指标"),
    "impact": ("expected impact", "预期效果"), "cost_basis": ("cost assumption", "成本假设"),
    "annual_benefit": ("yearly benefit", "年收益"), "investment": ("investment", "初始投入"),
    "annual_cost": ("yearly running cost", "年运营成本"), "npv": ("NPV", "净现值"),
    "roi": ("ROI", "投资回报率"), "payback_years": ("payback (years)", "回收期（年）"),
    "assumption": ("assumption", "假设"), "source": ("source", "来源"),
    "effect": ("assumed effect", "假设效果"), "break_even_effect": ("break-even effect",
                                                                 "盈亏平衡效果"),
    "npv_low": ("NPV at half the effect", "效果减半时净现值"),
    "npv_high": ("NPV at 1.5x the effect", "效果1.5倍时净现值"),
    "quarter": ("quarter", "季度"), "phase": ("phase", "阶段"), "actions": ("actions", "行动"),
    "segment": ("segment", "细分"), "touchpoint": ("touchpoint", "触点"), "channel": ("channel", "渠道"),
    "class": ("class", "类别"), "customer_id": ("customer", "客户编号"),
    "top 1%": ("top 1%", "前1%"), "top 5%": ("top 5%", "前5%"), "top 10%": ("top 10%", "前10%"),
    "top 20%": ("top 20%", "前20%"), "top 50%": ("top 50%", "前50%"), "gini": ("Gini", "基尼系数"),
    "high": ("high value", "高价值"), "medium": ("medium value", "中价值"),
    "potential": ("potential value", "潜力价值"), "metric": ("figure", "指标"),
    "value": ("value", "数值"), "group": ("group", "分组"),
}

#: the label of each figure a rule reads (used in trigger descriptions)
METRICS = {
    "top20_share": ("top-20% share of value", "前20%客户的价值占比"),
    "lapsing_share": ("share of customers in lapsing RFM segments", "处于流失倾向RFM细分的客户占比"),
    "at_risk_share": ("share of buyers probably lost", "很可能已流失的购买客户占比"),
    "nps": ("NPS", "净推荐值"),
    "channel_p": ("p-value of the channel CSAT test", "渠道满意度检验的p值"),
    "sla_attainment": ("SLA attainment", "服务水平达成率"),
    "fcr_rate": ("first-contact resolution", "首次联系解决率"),
    "naive_to_matched": ("naive uplift / matched uplift", "简单对比提升 / 匹配对照提升"),
    "liability_share": ("net points liability / yearly value", "积分净负债 / 年度价值"),
}

#: recommended actions: title, expected impact and cost assumption
ACTIONS = {
    "protect_top_tier": {
        "short_en": "Protect the high-value tier", "short_zh": "保护高价值客户", "unit": "customers",
        "en": "Protect the high-value tier: dedicated account managers, customised offers, "
              "priority service channel",
        "zh": "保护高价值客户：专属客户经理、定制化产品、优先服务通道",
        "cost_en": "set-up 3x {setup}; two personal contacts a year per high-value customer",
        "cost_zh": "启动成本为3×{setup}；每名高价值客户每年两次专人触达"},
    "nurture_potential": {
        "short_en": "Grow the medium and potential tiers", "short_zh": "培育中价值与潜力客户", "unit": "customers",
        "en": "Grow the medium and potential tiers: automated marketing, cross-selling, "
              "first-purchase and sign-up rewards",
        "zh": "培育中价值与潜力客户：自动化营销、交叉销售、首购优惠与注册奖励",
        "cost_en": "set-up {setup}; one automated contact a year per potential-tier customer",
        "cost_zh": "启动成本{setup}；每名潜力客户每年一次自动化触达"},
    "win_back": {
        "short_en": "Win back lapsing customers", "short_zh": "挽回流失倾向客户", "unit": "customers",
        "en": "Win back lapsing customers (at risk, cannot lose them, about to sleep, need "
              "attention) with personal offers",
        "zh": "针对流失风险、不能流失、即将沉睡和需要关注的客户开展个性化挽回活动",
        "cost_en": "set-up {setup}; two contacts a year per lapsing customer",
        "cost_zh": "启动成本{setup}；每名流失倾向客户每年两次触达"},
    "churn_early_warning": {
        "short_en": "Churn early-warning list", "short_zh": "客户流失预警", "unit": "customers",
        "en": "Run a monthly churn early-warning list (P(alive)) and contact customers at risk",
        "zh": "建立月度客户流失预警名单（存活概率），主动联系高风险客户",
        "cost_en": "set-up 2x {setup}; one contact a year per customer at risk",
        "cost_zh": "启动成本为2×{setup}；每名高风险客户每年一次触达"},
    "fix_detractor_journeys": {
        "short_en": "Fix detractor journeys", "short_zh": "优化贬损者旅程", "unit": "customers",
        "en": "Fix the journeys that create detractors, starting at the weakest touchpoint",
        "zh": "优化产生贬损者的客户旅程，从表现最差的触点入手",
        "cost_en": "set-up 2x {setup}; running cost half of {setup} a year",
        "cost_zh": "启动成本为2×{setup}；每年运营成本为{setup}的一半"},
    "unify_channels": {
        "short_en": "Unify channel standards", "short_zh": "统一渠道服务标准", "unit": "customers",
        "en": "Unify service standards and share customer information across channels",
        "zh": "统一各渠道服务标准，实现渠道间客户信息共享",
        "cost_en": "set-up 2x {setup}; running cost half of {setup} a year",
        "cost_zh": "启动成本为2×{setup}；每年运营成本为{setup}的一半"},
    "staff_to_erlang": {
        "short_en": "Staff to the Erlang C figure", "short_zh": "按Erlang C配置人员", "unit": "tickets",
        "en": "Staff the contact centre to the Erlang C figure and monitor the SLA daily",
        "zh": "按Erlang C模型配置客服人员，并每日监控服务水平协议达成情况",
        "cost_en": "extra agents at {agent_cost} a year each",
        "cost_zh": "新增客服每人每年{agent_cost}"},
    "first_contact_resolution": {
        "short_en": "Raise first-contact resolution", "short_zh": "提高首次联系解决率", "unit": "tickets",
        "en": "Raise first-contact resolution: knowledge base, routing by type and urgency, "
              "empowered front line",
        "zh": "提高首次联系解决率：知识库、按类型和紧急程度智能分派、授权一线员工",
        "cost_en": "set-up {setup}; running cost half of {setup} a year",
        "cost_zh": "启动成本{setup}；每年运营成本为{setup}的一半"},
    "measure_loyalty_uplift": {
        "short_en": "Measure the loyalty uplift properly", "short_zh": "科学评估忠诚度计划提升", "unit": "members",
        "en": "Judge the loyalty programme on its matched uplift, not the member/non-member gap",
        "zh": "以匹配对照后的提升评估忠诚度计划，而非会员与非会员的简单差距",
        "cost_en": "an analyst's time: a fifth of {setup}",
        "cost_zh": "分析人员工时：{setup}的五分之一"},
    "review_points_expiry": {
        "short_en": "Review points liability and expiry", "short_zh": "审视积分负债与过期规则", "unit": "members",
        "en": "Provision the points liability and review the earn, expiry and redemption rules",
        "zh": "计提积分负债，并审视积分获取、过期与兑换规则",
        "cost_en": "an analyst's time: a fifth of {setup}",
        "cost_zh": "分析人员工时：{setup}的五分之一"},
}

UNITS = {"customers": ("customers", "名客户"), "tickets": ("tickets a year", "张工单/年"),
         "members": ("members", "名会员")}

IMPACT = {
    "money": {"en": "about {benefit} a year over {customers} {unit}; NPV {npv}, ROI {roi}",
              "zh": "每年约{benefit}，涉及{customers}{unit}；净现值{npv}，投资回报率{roi}"},
    "governance": {"en": "not counted in money: better decisions on the programme budget",
                   "zh": "不直接计入货币收益：改善忠诚度计划预算决策"},
}

PHASES = {
    "quick_win": ("Quick win", "速赢行动"), "pilot": ("Pilot against a control group", "对照试点"),
    "rollout": ("Full rollout", "全面推广"), "review": ("Review before investing", "评估后再投入"),
}

PRIORITY = {"high": ("high", "高"), "medium": ("medium", "中"), "low": ("low", "低")}

# ----------------------------------------------------------------------------- formatting
def _check(language):
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")


def build_date(environ=None) -> datetime.date:
    """The date a report says it was built: from ``SOURCE_DATE_EPOCH`` when set (seconds since
    1970-01-01 UTC, the reproducible-builds convention, so two runs with the same seed give the
    same report on any day), else today.

    Examples
    --------
    >>> build_date({"SOURCE_DATE_EPOCH": "1735689600"})
    datetime.date(2025, 1, 1)
    >>> build_date({}) == datetime.date.today()
    True
    """
    env = os.environ if environ is None else environ
    epoch = str(env.get("SOURCE_DATE_EPOCH", "")).strip()
    if not epoch:
        return datetime.date.today()
    try:
        seconds = int(epoch)
    except ValueError:
        raise ValueError("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 "
                         f"UTC, not {epoch!r}") from None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).date()


def fmt_pct(x, digits: int = 0) -> str:
    """A share as a percentage: ``fmt_pct(0.8074) == '81%'``; NaN gives ``'–'``."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{100 * x:.{digits}f}%"


def fmt_num(x, digits: int = 0) -> str:
    """A number with thousands separators: ``fmt_num(12345.6) == '12,346'``."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def fmt_money(x, currency: str = "") -> str:
    """An amount with its currency: ``fmt_money(1234.5, "USD") == 'USD 1,235'``."""
    return f"{currency} {fmt_num(x)}".strip()


def fmt_points(x) -> str:
    """NPS points with one decimal and a sign: ``fmt_points(13.46) == '+13.5'``."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:+.1f}"


def fmt_p(p) -> str:
    """A p-value: ``fmt_p(0.0004) == '< 0.001'``, ``fmt_p(0.0263) == '= 0.026'``."""
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


from .vocabulary import touchpoint_label  # noqa: E402  (no cycle: vocabulary imports nothing)


def code_label(code, language: str) -> str:
    """A code of the data (channel, tier, segment...) in the report's language
    (:func:`crm_training.i18n.code_label`)."""
    return _code_label(code, language)


def t(key: str, language: str = "en", **figures) -> str:
    """The text ``key`` in ``language``, filled with ``figures``.

    Examples
    --------
    >>> t("h_summary", "zh")
    '执行摘要'
    >>> t("title", "en", company="Acme")
    'Acme: customer relationship case study'
    """
    _check(language)
    if key not in TEXT:
        raise KeyError(f"no report text {key!r}")
    return TEXT[key][language].format(**{k: md_escape(v) if isinstance(v, str) else v
                                         for k, v in figures.items()})


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value: str) -> str:
    """A figure safe inside Markdown sentences: HTML escaped (a company called
    ``<script>`` stays text) and Markdown's link and emphasis marks backslash-escaped (so
    ``[x](javascript:...)`` is no link). Every text figure of :func:`t` goes through it.

    Examples
    --------
    >>> print(md_escape('<svg onload=x> [a](javascript:b) *c*'))
    &lt;svg onload=x&gt; \\[a\\](javascript:b) \\*c\\*
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def data_quality_html(loaded, language: str = "en") -> str:
    """The appendix of a report on client data, in ``language``: how each file was read and
    its columns mapped, the validation report, and the cleaning log (what was dropped, changed
    or made, with counts), all escaped. The headings, headers and fixed words are the report's;
    what the client wrote (file and column names, values) and the checker's messages stay as
    they are (see :mod:`crm_training.report.appendix`)."""
    from .appendix import data_quality_html as _appendix

    return _appendix(loaded, language)


def heading(key: str, language: str, level: int = 2) -> str:
    """A Markdown heading: ``heading("h_summary", "en") == '## Executive summary'``."""
    return "#" * level + " " + t(key, language)


def industry_name(industry, language: str) -> str:
    """Name of a built-in industry (or the given text for a client's own)."""
    _check(language)
    names = INDUSTRY_NAMES.get(str(industry))
    return names[language] if names else str(industry)


def section_name(section: str, language: str) -> str:
    """Name of a report section."""
    _check(language)
    return SECTION_NAMES[section][language]


TABLE_NAMES = {"transactions": "交易", "surveys": "问卷", "loyalty_events": "积分流水",
               "tickets": "工单", "customers": "客户"}


def not_available(section: str, language: str, reason: dict | None = None) -> str:
    """The note shown in place of a section that could not be computed, saying why
    (``reason``: the code and figures :func:`~.findings.compute_findings` records in
    ``meta["skipped"]``).

    Examples
    --------
    >>> not_available("clv", "en", {"code": "few_repeat_buyers", "n": 4, "need": 20})[:60]
    '*Customer lifetime value: not available: a lifetime-value fo'
    """
    name = section_name(section, language)
    table = SECTION_NAMES[section]["table"]
    shown_table = TABLE_NAMES.get(table, table) if language == "zh" else table
    if isinstance(reason, dict) and f"na_{reason.get('code')}" in TEXT:
        figures = {k: v for k, v in reason.items() if k != "code"}
        if "table" in figures and language == "zh":
            figures["table"] = TABLE_NAMES.get(figures["table"], figures["table"])
        return t(f"na_{reason['code']}", language, section=name, **figures)
    return t("not_available", language, section=name, table=shown_table)


def header(column, language: str) -> str:
    """Table header of a column in ``language``."""
    _check(language)
    pair = COLUMNS.get(str(column))
    if pair is None:
        return code_label(column, language)
    return pair[0 if language == "en" else 1]


# ----------------------------------------------------------------------------- sentences
def _figures(f, language):
    """The formatted figures the sentences share."""
    cur = f.meta.get("currency", "")
    measure = t(f.meta["measure"], language)
    return {"measure": measure, "cur": cur}


def section_text(section: str, findings, language: str) -> list[str]:
    """The sentences of one section, carrying its figures (or the not-available note)."""
    _check(language)
    f = findings
    if getattr(f, section) is None:
        return [not_available(section, language, f.meta.get("skipped", {}).get(section))]
    g = _figures(f, language)
    cur, measure = g["cur"], g["measure"]
    if section == "concentration":
        c = f.concentration
        out = [t("s_concentration", language, top20=fmt_pct(c["top20_share"]),
                 top1=fmt_pct(c["top1_share"]), gini=f"{c['gini']:.2f}", measure=measure)]
        out.append(t("s_concentration_high" if c["top20_share"] > 0.7 else "s_concentration_low",
                     language))
        return out
    if section == "segments":
        s = f.segments
        tier = s["tier_table"]
        return [t("s_segments", language, high_share=fmt_pct(tier.loc["high", "customer_share"]),
                  high_value=fmt_pct(s["high_tier_value_share"]), measure=measure,
                  lapsing=fmt_num(s["lapsing_customers"]), lapsing_share=fmt_pct(s["lapsing_share"]),
                  lapsing_value=fmt_money(s["lapsing_value_year"], cur))]
    if section == "clv":
        c = f.clv
        threshold = f"{f.assumptions['p_alive_risk']:.1f}"
        out = [t("s_clv", language, horizon=c["horizon_months"], total=fmt_money(c["total"], cur),
                 mean=fmt_money(c["mean"], cur), top20=fmt_pct(c["top20_share"]),
                 measure=measure),
               t("s_churn", language, at_risk=fmt_pct(c["at_risk_share"]), threshold=threshold,
                 high_at_risk=fmt_num(c["high_tier_at_risk"]),
                 high_at_risk_share=fmt_pct(c["high_tier_at_risk_share"])),
               t("s_churn_definition", language, threshold=threshold)]
        if c.get("horizon_warning"):
            w = c["horizon_warning"]
            out.append(t("s_horizon_warning", language, horizon=w["horizon_months"],
                         history=fmt_num(w["history_months"])))
        alt = c.get("alternative")
        if alt is not None and c.get("one_time_share", 0) > 0:
            out.append(t("s_one_time", language, one_time=fmt_pct(c["one_time_share"]),
                         model=c["model_name"],
                         one_time_alive=fmt_pct(c["one_time_mean_p_alive"]),
                         other=alt["model_name"], other_at_risk=fmt_pct(alt["at_risk_share"])))
        checks = list((c.get("checks") or {}).values())  # BG/NBD first (TRANSACTION_MODELS)
        out += [clv_check_text(chk, language) for chk in checks] or \
            [clv_check_text(None, language)]
        if c.get("model_choice"):
            out.append(clv_choice_text(c, language))
        return out
    if section == "experience":
        e = f.experience
        out = [t("s_experience", language, nps=fmt_points(e["nps"]), low=fmt_points(e["nps_low"]),
                 high=fmt_points(e["nps_high"]), n=fmt_num(e["responses"]),
                 csat=fmt_pct(e["csat"]), effort=fmt_num(e["effort"], 1))]
        if e["worst_touchpoint"]:
            out.append(t("s_touchpoint", language,
                         touchpoint=touchpoint_label(e["worst_touchpoint"],
                                                     findings.meta.get("industry"), language),
                         tp_nps=fmt_points(e["worst_touchpoint_nps"])))
        if np.isfinite(e["channel_p"]):
            key = "s_channels_consistent" if e["channel_consistent"] else "s_channels_inconsistent"
            out.append(t(key, language, spread=fmt_pct(e["channel_spread"], 1),
                         p=fmt_p(e["channel_p"])))
        return out
    if section == "loyalty":
        lo = f.loyalty
        out = [t("s_loyalty", language, members=fmt_num(lo["members"]),
                 member_share=fmt_pct(lo["member_share"]), liability=fmt_money(lo["liability"], cur),
                 net_liability=fmt_money(lo["net_liability"], cur), breakage=fmt_pct(lo["breakage"], 1))]
        if np.isfinite(lo["naive_uplift"]) and np.isfinite(lo["matched_uplift"]):
            key = "s_uplift" if over_credited(lo) else "s_uplift_close"
            out.append(t(key, language, naive=fmt_pct(lo["naive_uplift"]),
                         matched=fmt_pct(lo["matched_uplift"]), low=fmt_pct(lo["matched_low"]),
                         high=fmt_pct(lo["matched_high"])))
        return out
    if section == "service":
        s, a = f.service, f.assumptions
        return [t("s_service", language, tickets=fmt_num(s["tickets_year"]),
                  sla=fmt_pct(s["sla_attainment"]), fcr=fmt_pct(s["fcr_rate"]),
                  response=fmt_num(s["first_response_h"], 1), resolution=fmt_num(s["resolution_h"], 1)),
                t("s_staffing", language, rate=fmt_num(s["peak_contacts_per_hour"], 1),
                  aht=f"{a['aht_minutes']:g}", agents=s["agents_needed"],
                  target=fmt_pct(a["service_target"]), seconds=f"{a['service_target_seconds']:g}",
                  level=fmt_pct(s["service_level_at_needed"], 1))]
    raise ValueError(f"unknown section {section!r}")


def over_credited(loyalty: dict) -> bool:
    """True when the naive member gap is more than twice the matched uplift."""
    naive, matched = loyalty["naive_uplift"], loyalty["matched_uplift"]
    return bool(np.isfinite(naive) and np.isfinite(matched) and naive > 0
                and naive > 2 * max(matched, 0.0))


def action_title(action: str, language: str) -> str:
    """Title of a recommended action."""
    _check(language)
    return ACTIONS[action][language]


def recommendation_sentence(recs: pd.DataFrame, totals: dict, findings, language: str) -> str:
    """The summary sentence of the recommendations with their combined return."""
    if recs is None or len(recs) == 0:
        return t("s_no_recommendations", language)
    cur = findings.meta.get("currency", "")
    if totals["actions"] == 0:
        return t("s_none_funded", language, k=len(recs))
    return t("s_recommendations", language, k=len(recs), funded=totals["actions"],
             first=ACTIONS[recs["action"].iloc[0]][f"short_{language}"],
             investment=fmt_money(totals["investment"], cur), npv=fmt_money(totals["npv"], cur),
             years=findings.assumptions["roi_years"], roi=fmt_pct(totals["roi"]))


def executive_summary(findings, recs: pd.DataFrame, language: str = "en") -> list[str]:
    """The sentences of the executive summary, each carrying this client's figures.

    One or two sentences per section (or its not-available note) and one on the recommended
    actions and their combined return.

    Examples
    --------
    >>> import crm_training
    >>> from crm_training.report.findings import compute_findings
    >>> from crm_training.report.recommendations import recommend
    >>> f = compute_findings(crm_training.generate("bank", 600, seed=3), horizon_months=12)
    >>> s = executive_summary(f, recommend(f), "en")
    >>> fmt_pct(f.concentration["top20_share"]) in s[0]
    True
    """
    from .recommendations import expected_return
    _check(language)
    out = []
    out += section_text("concentration", findings, language)[:1]
    out += _summary_segments(findings, language)
    clv_lines = section_text("clv", findings, language)
    out += clv_lines[:2]  # value and churn; the model's checks stay in the CLV section
    c = findings.clv or {}
    if c.get("horizon_warning"):
        out.append(clv_lines[3])
    for section in ("experience", "loyalty", "service"):
        if getattr(findings, section) is None:
            reason = findings.meta.get("skipped", {}).get(section)
            out.append(not_available(section, language, reason).strip("*") if reason else
                       t("s_not_available", language, section=section_name(section, language)))
        else:
            out += section_text(section, findings, language)[:1 if section != "loyalty" else 2]
    out.append(recommendation_sentence(recs, expected_return(recs, findings), findings, language))
    return out


def _summary_segments(findings, language: str) -> list[str]:
    """The segments' sentence of the summary: without the high-value tier's share when that
    tier is the top 20% the concentration sentence before it already speaks of."""
    s, c = findings.segments, findings.concentration
    if s is None or c is None or fmt_pct(s["tier_table"].loc["high", "customer_share"]) != "20%":
        return section_text("segments", findings, language)
    return [t("s_lapsing", language, lapsing=fmt_num(s["lapsing_customers"]),
              lapsing_share=fmt_pct(s["lapsing_share"]),
              lapsing_value=fmt_money(s["lapsing_value_year"], findings.meta.get("currency", "")))]


def clv_check_text(check, language: str) -> str:
    """The sentence of a CLV model's holdout check: calibration parameters (weeks), and
    predicted against actual repeat purchases in the holdout."""
    if not check:
        return t("s_clv_no_check", language)
    est, se = check["summary"]["estimate"], check["summary"]["std_error"]
    sep = "，" if language == "zh" else ", "
    return t("s_clv_check", language, customers=fmt_num(check["customers"]),
             cal_weeks=fmt_num(check["calibration_weeks"]),
             cal_end=f"{check['calibration_end']:%Y-%m-%d}",
             model=check.get("model_name", "BG/NBD"),
             params=sep.join(f"{shown_name} = {est[k]:.3f}" for k, shown_name in
                             (("r", "r"), ("alpha", "α"), ("a", "a"), ("b", "b"))),
             se=sep.join(f"{v:.3f}" for v in se[["r", "alpha", "a", "b"]]),
             hold_weeks=fmt_num(check["weeks"]), predicted=fmt_num(check["predicted"]),
             actual=fmt_num(check["actual"]), error=_signed_pct(check["error"]),
             mae=fmt_num(check["per_customer_mae"], 2))


def _signed_pct(error) -> str:
    return (("+" if error >= 0 else "−") + fmt_pct(abs(error), 1)) if np.isfinite(error) else "–"


def clv_choice_text(clv: dict, language: str) -> str:
    """Which transaction model the forecast uses, and why (holdout fit, or the fallback)."""
    choice, name = clv["model_choice"], clv["model_name"]
    others = [n for n in choice["errors"] if n != name]
    if choice["basis"] == "holdout" and others:
        o = others[0]
        if choice["criterion"] == "total":
            return t("s_clv_choice_total", language, model=name, other=o,
                     error=_signed_pct(choice["errors"][name]),
                     other_error=_signed_pct(choice["errors"][o]))
        return t("s_clv_choice_mae", language, model=name, other=o,
                 mae=fmt_num(choice["per_customer_mae"][name], 2),
                 other_mae=fmt_num(choice["per_customer_mae"][o], 2))
    if choice["basis"] == "fallback":
        return t("s_clv_choice_fallback", language, model=name,
                 other=next(iter(choice["failed"]), "–"))
    return t("s_clv_choice_likelihood", language, model=name)


def money_text(findings, language: str) -> str:
    """The sentence saying what the money figures are: currency, and profit or revenue.

    Examples
    --------
    >>> import crm_training
    >>> from crm_training.report.findings import compute_findings
    >>> f = compute_findings(crm_training.generate("retail", 300, seed=1), horizon_months=12)
    >>> money_text(f, "en")
    'Amounts are in USD; values are profit: revenue minus the costs in the data.'
    """
    m = findings.meta
    basis = m.get("value_basis", "cost" if m.get("measure") == "profit" else "revenue")
    return money_sentence(m.get("currency"), basis, m.get("margin"), language)


def money_sentence(currency, basis: str, margin, language: str) -> str:
    """What the amounts are, from plain values (the workshop shows it too): ``currency`` an
    ISO code ('' or None: not stated), ``basis`` one of :data:`crm_training.money.BASES`."""
    return t(f"s_money_{basis}", language, currency=currency or t("no_currency", language),
             margin=fmt_pct(margin or 0))


# Every money assumption as the report prints it: (English, Chinese, shown as a percent).
ASSUMPTION_LABELS = {
    "discount_rate": ("discount rate a year", "年折现率", True),
    "roi_years": ("years of each action's cash flows", "每项行动的现金流年数", False),
    "p_alive_risk": ("P(alive) below which a customer is at risk", "判定为流失风险的存活概率阈值",
                     True),
    "retention_save": ("share of contacted at-risk customers a retention plan keeps",
                       "挽留计划留住的风险客户比例", True),
    "winback_rate": ("share of lapsing customers a win-back brings back", "挽回活动召回的流失倾向客户比例",
                     True),
    "detractor_fix": ("share of detractors turned by fixing their journeys", "旅程改进后转化的贬损者比例",
                      True),
    "detractor_value_gain": ("value a turned detractor adds, share of a yearly value",
                             "转化的贬损者新增价值（占年价值比例）", True),
    "contact_cost": ("cost of one contact, share of the mean order value", "单次触达成本（占平均订单金额比例）",
                     True),
    "setup_share": ("set-up cost of one action, share of a year's value", "单项行动启动成本（占年度价值比例）",
                    True),
    "service_target": ("share answered within the target time", "目标时间内应答比例", True),
    "service_target_seconds": ("target answer time (s)", "目标应答时间（秒）", False),
    "aht_minutes": ("average handling time (min)", "平均处理时长（分钟）", False),
    "opening_hours": ("opening hours a day", "每日营业小时数", False),
    "peak_factor": ("busiest hour against the average hour", "高峰时段与平均时段之比", False),
    "sla_target": ("share of tickets within their SLA (target)", "工单SLA达成率目标", True),
    "sla_value": ("value lost per breached ticket, share of a yearly value",
                  "每张超时工单损失的价值（占年价值比例）", True),
    "fcr_target": ("first-contact resolution a good desk reaches", "优秀服务台的首次解决率", True),
    "point_value": ("value of one loyalty point", "每个积分的价值", False),
}


def assumptions_frame(findings, language: str) -> pd.DataFrame:
    """Every assumption behind the money figures, its value and where it comes from (the
    kit's default or the user's ``--assumptions``)."""
    from .findings import DEFAULT_ASSUMPTIONS

    i = 0 if language == "en" else 1
    src = {"en": ("default", "given"), "zh": ("默认", "用户设定")}[language]
    rows = []
    for k, (en, zh, pct) in ASSUMPTION_LABELS.items():
        v = findings.assumptions[k]
        shown = fmt_pct(v, 1) if pct else f"{v:,.4g}"
        rows.append({"assumption": (en, zh)[i], "value": shown,
                     "source": src[int(v != DEFAULT_ASSUMPTIONS[k])]})
    return pd.DataFrame(rows)


def assumptions_text(findings, language: str) -> str:
    """One sentence stating the assumptions behind the money figures."""
    a, m = findings.assumptions, findings.meta
    return t("s_assumptions", language, rate=fmt_pct(a["discount_rate"]), years=a["roi_years"],
             contact=fmt_pct(a["contact_cost"]),
             aov=fmt_money(m.get("avg_order_value", np.nan), m.get("currency", "")),
             setup=fmt_pct(a["setup_share"]), measure=t(m["measure"], language))


def markdown(lines, bullets: bool = False) -> str:
    """Sentences joined as one Markdown paragraph (or a bullet list)."""
    if isinstance(lines, str):
        return lines
    return "\n".join(f"- {s}" for s in lines) if bullets else " ".join(lines)


# ----------------------------------------------------------------------------- tables and charts
PERCENT_COLUMNS = {"effect", "break_even_effect", "customer_share", "value_share",
                   "revenue_share", "fcr_rate", "sla_attainment",
                   "bot_share", "csat", "csat_low", "csat_high", "p_alive", "occupancy", "p_wait",
                   "service_level", "roi", "share", "top 1%", "top 5%", "top 10%", "top 20%",
                   "top 50%"}


def translate_frame(df: pd.DataFrame, language: str) -> pd.DataFrame:
    """Copy of ``df`` with headers, index name and code values in ``language``."""
    _check(language)
    out = df.copy()
    out.index = [header(i, language) if isinstance(i, str) else i for i in out.index]
    out.index.name = header(df.index.name, language) if df.index.name else None
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, (pd.CategoricalDtype, pd.StringDtype)):
            out[col] = out[col].map(lambda v: header(v, language) if isinstance(v, str) else v)
    out.columns = [header(c, language) for c in df.columns]
    return out


def styled(df: pd.DataFrame, language: str, columns=None, money=(), currency: str = "",
           digits: int = 2):
    """A styled table for the report: translated headers, shares as %, amounts rounded.

    ``columns`` picks and orders columns; ``money`` names columns shown as whole amounts.
    """
    df = df if columns is None else df[list(columns)]
    if isinstance(df, pd.Series):
        df = df.to_frame()
    shown = translate_frame(df, language)
    formats = {}
    for src, dst in zip(df.columns, shown.columns):
        if src in PERCENT_COLUMNS or (str(src).startswith("top ") and "%" in str(src)):
            formats[dst] = lambda v: fmt_pct(v, 1)
        elif src in money:
            formats[dst] = lambda v: fmt_num(v)
        elif pd.api.types.is_float_dtype(df[src]):
            formats[dst] = lambda v, d=digits: fmt_num(v, d)
    text_columns = [dst for src, dst in zip(df.columns, shown.columns)
                    if not pd.api.types.is_numeric_dtype(df[src])]
    return _left(_escaped(shown.style).format(formats, na_rep="–"), text_columns)


def _escaped(styler):
    """Every cell and header of a table HTML-escaped (client ids and labels are text the
    client wrote); number formats set afterwards apply on top."""
    return (styler.format(escape="html", na_rep="–").format_index(escape="html", axis=0)
            .format_index(escape="html", axis=1))


def _left(styler, columns):
    """Text columns aligned left (numbers stay right-aligned)."""
    if len(columns):
        styler = styler.set_properties(subset=list(columns), **{"text-align": "left"})
    return styler


def all_keys() -> dict[str, dict]:
    """Every phrase table of the module (for the coverage test)."""
    return {"TEXT": TEXT, "INDUSTRY_NAMES": INDUSTRY_NAMES, "SECTION_NAMES": SECTION_NAMES,
            "ACTIONS": ACTIONS, "IMPACT": IMPACT, "CHART_WORDS": CHART_WORDS}


# ----------------------------------------------------------------------------- the report's tables
def report_table(findings, name: str, language: str, recs: pd.DataFrame | None = None):
    """One table of the report, styled, with headers in ``language``.

    ``name`` is one of ``concentration``, ``tiers``, ``rfm``, ``top_customers``, ``touchpoints``,
    ``loyalty_tiers``, ``service_channels``, ``recommendations``, ``sensitivity`` (NPV at half,
    the assumed and 1.5 times the effect, beside the break-even effect) or ``roadmap`` (these
    three need ``recs``).
    """
    _check(language)
    f = findings
    if name == "concentration":
        tab = f.concentration["table"]
        shown = translate_frame(tab, language)
        shares = [header(i, language) for i in tab.index if i != "gini"]
        return (_escaped(shown.style).format(lambda v: fmt_pct(v, 1),
                                             subset=pd.IndexSlice[shares, :])
                .format(lambda v: fmt_num(v, 2), subset=pd.IndexSlice[[header("gini", language)], :]))
    if name == "tiers":
        from .vocabulary import tier_strategy

        tab = f.segments["tier_table"]
        shown = tab[["customers", "customer_share", "value_share", "value_per_customer_year"]]
        shown = shown.assign(strategy=[  # the industry's words, scaled to what a tier is worth
            tier_strategy(k, f.meta.get("industry"), v, f.meta.get("currency", ""), language)
            for k, v in tab["value_per_customer_year"].items()])
        return styled(shown.rename_axis("value_tier"), language, money=("value_per_customer_year",))
    if name == "rfm":
        tab = f.segments["rfm_table"].rename_axis("segment")
        return styled(tab, language, columns=["customers", "customer_share", "revenue_share",
                                              "recency_days", "frequency", "monetary"], digits=1)
    if name == "top_customers":
        tab = f.clv["top_customers"].rename_axis("customer_id")
        return styled(tab, language, columns=["clv", "p_alive", "value_tier"], money=("clv",))
    if name == "touchpoints":
        from .vocabulary import touchpoint_label

        tab = f.experience["touchpoints"]
        tab = tab.rename(index=lambda c: touchpoint_label(c, f.meta.get("industry"), language))
        return styled(tab.rename_axis("touchpoint"), language,
                      columns=["n", "nps", "nps_low", "nps_high", "csat", "effort"], digits=1)
    if name == "loyalty_tiers":
        return styled(f.loyalty["tiers"].rename_axis("tier"), language)
    if name == "service_channels":
        return styled(f.service["by_channel"].rename_axis("channel"), language,
                      columns=["tickets", "first_response_h_median", "resolution_h_median",
                               "fcr_rate", "sla_attainment", "csat"], money=("tickets",), digits=1)
    if name == "recommendations":
        i = 0 if language == "en" else 1
        paren = "{} ({})" if language == "en" else "{}（{}）"
        tab = recs.assign(priority=[paren.format(p, PRIORITY[lv][i]) for p, lv in
                                    zip(recs["priority"], recs["priority_level"])])
        tab = tab.set_index("priority")[["title", "trigger", "impact", "cost_basis"]]
        tab.columns = [header(c, language) if c != "title" else header("action", language)
                       for c in tab.columns]
        tab.index.name = header("priority", language)
        return _left(_escaped(tab.style), tab.columns)
    if name == "assumptions":
        tab = assumptions_frame(f, language)
        tab.columns = [header(c, language) for c in tab.columns]
        return _left(_escaped(tab.style).hide(axis="index"), tab.columns)
    if name == "sensitivity":  # how the NPV of each priced action moves with its effect
        priced = recs[recs["npv"].notna()].set_index("title")
        tab = priced[["effect", "break_even_effect", "npv_low", "npv", "npv_high"]]
        tab = tab.rename_axis("action")
        return styled(tab, language, money=("npv_low", "npv", "npv_high"),
                      currency=f.meta.get("currency", ""), digits=1)
    if name == "roadmap":
        from .recommendations import roadmap_table
        tab = roadmap_table(recs, language)   # a quarter can hold two phases: no index
        tab.columns = [header(c, language) for c in tab.columns]
        return _left(_escaped(tab.style).hide(axis="index"), tab.columns)
    raise ValueError(f"unknown report table {name!r}")


def section_markdown(section: str, findings, language: str) -> str:
    """Heading and sentences of a section (or its not-available note) as Markdown."""
    return heading(f"h_{section}", language) + "\n\n" + markdown(
        section_text(section, findings, language))
