"""Implementation and evaluation (chapter 6): the KPI table, experiments (A/B tests, sample size,
power, difference-in-differences), ROI / NPV, the implementation roadmap and the CRM maturity
scorecard. Charts are in :mod:`.plotting`.

Examples
--------
>>> from crm_training.evaluation import npv, sample_size_proportions
>>> round(npv([-100, 60, 60], 0.1), 2)
4.13
"""
from .experiments import (ab_test, campaign_conversion, difference_in_differences,
                          mean_difference_test, pilot_did, power_means, power_proportions,
                          sample_size_means, sample_size_proportions, two_proportion_test)
from .kpis import (HIGHER_IS_BETTER, KPI_LABELS_ZH, KPIS, kpi_comparison, kpi_pilot_control,
                   kpi_table)
from .roadmap import (MATURITY_DIMENSIONS, MATURITY_LEVELS, MATURITY_LEVELS_ZH, PHASES,
                      SUCCESS_FACTORS, maturity_scorecard, roadmap_plan, roadmap_status,
                      update_phase)
from .roi import benefit_from_effect, initiative_cash_flows, initiative_roi, irr, npv

__all__ = [
    "ab_test", "campaign_conversion", "difference_in_differences", "mean_difference_test",
    "pilot_did", "power_means", "power_proportions", "sample_size_means",
    "sample_size_proportions", "two_proportion_test", "HIGHER_IS_BETTER", "KPI_LABELS_ZH", "KPIS",
    "kpi_comparison", "kpi_pilot_control", "kpi_table", "MATURITY_DIMENSIONS", "MATURITY_LEVELS",
    "MATURITY_LEVELS_ZH", "PHASES", "SUCCESS_FACTORS", "maturity_scorecard", "roadmap_plan",
    "roadmap_status", "update_phase", "benefit_from_effect", "initiative_cash_flows",
    "initiative_roi", "irr", "npv",
]
