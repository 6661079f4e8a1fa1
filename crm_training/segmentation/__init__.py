"""Segmentation and value tiers (chapters 1-2): concentration, RFM, the syllabus classes,
clustering and the value assessment system. Charts are in :mod:`.plotting`.

Examples
--------
>>> from crm_training.segmentation import rfm_scores, gini
>>> gini([0, 0, 0, 1])
0.75
"""
from .classes import (CLASS_LEVELS, VAST_DIMENSIONS, all_classes, behaviour_classes, customer_pyramid,
                      lifecycle_stages, needs_classes, strategic_classes, tier_strategies,
                      tier_summary, TIER_SHARES, VALUE_TIERS, value_tiers, vast_scores)
from .clustering import (BEHAVIOUR_FEATURES, CustomerSegmenter, choose_k, cluster_profiles, clustering_features,
                         suggest_cluster_name)
from .concentration import (concentration_summary, concentration_table, customer_value, gini,
                            lorenz_curve,
                            pareto_table, top_share)
from .features import customer_features, data_years, percentile_scores
from .rfm import (RFM_SEGMENT_GRID, RFM_SEGMENT_LABELS_ZH, RFM_SEGMENTS, rfm_eight_classes, rfm_scores,
                  rfm_segment, rfm_segment_summary)
from .value_assessment import (INDICATORS, normalise, resolve_weights, tier_migration,
                               value_assessment, value_indicators, weight_sensitivity)

__all__ = [
    "CLASS_LEVELS", "VAST_DIMENSIONS", "BEHAVIOUR_FEATURES", "RFM_SEGMENTS", "all_classes", "behaviour_classes", "customer_pyramid", "lifecycle_stages",
    "needs_classes", "strategic_classes", "tier_strategies", "tier_summary", "TIER_SHARES",
    "VALUE_TIERS", "value_tiers", "vast_scores",
    "CustomerSegmenter", "choose_k", "cluster_profiles", "clustering_features",
    "suggest_cluster_name", "concentration_summary", "concentration_table", "customer_value", "gini", "lorenz_curve",
    "pareto_table", "top_share", "customer_features", "data_years", "percentile_scores", "RFM_SEGMENT_GRID",
    "RFM_SEGMENT_LABELS_ZH", "rfm_eight_classes", "rfm_scores", "rfm_segment",
    "rfm_segment_summary", "INDICATORS", "normalise", "resolve_weights", "tier_migration",
    "value_assessment", "value_indicators", "weight_sensitivity",
]
