"""crm_training: the helper package of the CRM training and consulting kit.

One data model (:class:`CRMData`) for synthetic and client data, a fast synthetic data generator
with ground truth, and tested analytics for the six chapters of the course.

Examples
--------
>>> import crm_training
>>> data = crm_training.generate("bank", n_customers=300, seed=7)
>>> data.customers["customer_id"].is_unique
True
"""
from .data import CRMData, load
from .datagen import INDUSTRIES, PRESETS, generate
from .schema import TABLES, data_dictionary

__all__ = ["CRMData", "load", "generate", "INDUSTRIES", "PRESETS", "TABLES", "data_dictionary"]
__version__ = "0.1.0"
