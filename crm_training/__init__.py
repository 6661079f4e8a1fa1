"""crm_training: the helper package of the CRM training and consulting kit.

One data model (:class:`CRMData`) for synthetic and client data, a fast synthetic data generator
with ground truth, and tested analytics for the six chapters of the course. The analytics
sub-packages load on first use (``crm_training.segmentation``, ``.clv``, ``.churn``,
``.experience``, ``.loyalty``, ``.service``, ``.evaluation``, ``.clients``), so the command line
starts quickly.

Examples
--------
>>> import crm_training
>>> data = crm_training.generate("bank", n_customers=300, seed=7)
>>> data.customers["customer_id"].is_unique
True
>>> crm_training.clv.rfm_summary is not None
True
"""
import importlib

from .data import CRMData, load
from .datagen import INDUSTRIES, PRESETS, generate
from .schema import TABLES, data_dictionary

_SUBPACKAGES = ("segmentation", "clv", "churn", "experience", "loyalty", "service", "evaluation",
                "clients")
_FROM_CLIENTS = ("load_client", "anonymise", "ClientDataError", "ClientLoad")

__all__ = ["CRMData", "load", "generate", "INDUSTRIES", "PRESETS", "TABLES", "data_dictionary",
           *_FROM_CLIENTS, *_SUBPACKAGES]
__version__ = "0.1.0"


def __getattr__(name):  # PEP 562: import analytics sub-packages on first use
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in _FROM_CLIENTS:
        return getattr(importlib.import_module(".clients", __name__), name)
    raise AttributeError(f"module 'crm_training' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
