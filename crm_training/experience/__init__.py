"""Customer experience analytics (chapter 3): satisfaction metrics, funnels and journeys, the five
design principles audit, sentiment of feedback and click heat maps. Charts are in :mod:`.plotting`.

Examples
--------
>>> from crm_training.experience import nps, csat
>>> nps([10, 9, 8, 0]), csat([5, 4, 3, 1])
(25.0, 0.5)
"""
from .funnel import funnel, journeys
from .heatmap import click_heatmap, hot_spots
from .principles import (
                         AUDIT_ITEMS,
                         PRINCIPLE_LABELS,
                         PRINCIPLES,
                         audit_items,
                         audit_scorecard,
                         audit_template,
)
from .satisfaction import (
                         ConsistencyResult,
                         Estimate,
                         channel_consistency,
                         csat,
                         csat_interval,
                         customer_effort_score,
                         effort_interval,
                         nps,
                         nps_interval,
                         satisfaction_table,
                         wilson_interval,
)
from .sentiment import (
                         LEXICON,
                         SentimentClassifier,
                         evaluate_sentiment,
                         sentiment_corpus,
)

__all__ = [
    "funnel", "journeys", "click_heatmap", "hot_spots", "AUDIT_ITEMS", "PRINCIPLE_LABELS",
    "PRINCIPLES", "audit_items", "audit_scorecard", "audit_template", "ConsistencyResult",
    "Estimate", "channel_consistency", "csat", "csat_interval", "customer_effort_score",
    "effort_interval", "nps", "nps_interval", "satisfaction_table", "wilson_interval", "LEXICON",
    "SentimentClassifier", "evaluate_sentiment", "sentiment_corpus",
]
