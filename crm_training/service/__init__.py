"""Customer service upgrade (chapter 5): ticket KPIs, Erlang C staffing, chatbot deflection and
ticket routing. Charts are in :mod:`.plotting`.

Examples
--------
>>> from crm_training.service import agents_needed, erlang_c
>>> agents_needed(arrival_rate=200, aht=3 / 60, target_service_level=0.8, target_time=20 / 3600)
14
"""
from .deflection import FAQ_CATEGORIES, chatbot_deflection, deflection_inputs
from .erlang import (agents_needed, average_speed_of_answer, erlang_b, erlang_c, service_level,
                     simulate_queue, staffing_table, traffic_intensity)
from .kpis import (DEFAULT_SLA_HOURS, KPI_COLUMNS, backlog, ticket_channel_consistency,
                   ticket_kpis, ticket_times)
from .routing import (TicketClassifier, TicketRouter, classification_report_frame,
                      evaluate_routing)

__all__ = [
    "FAQ_CATEGORIES", "chatbot_deflection", "deflection_inputs", "agents_needed",
    "average_speed_of_answer", "erlang_b", "erlang_c", "service_level", "simulate_queue",
    "staffing_table", "traffic_intensity", "DEFAULT_SLA_HOURS", "KPI_COLUMNS", "backlog",
    "ticket_channel_consistency", "ticket_kpis", "ticket_times", "TicketClassifier",
    "TicketRouter", "classification_report_frame", "evaluate_routing",
]
