"""Customer lifetime value (chapter 2): from a transaction log to RFM summaries, historic CLV,
and the probabilistic BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma models, fitted by maximum
likelihood.

Laid out like pymc-marketing's ``clv`` package (one model per module over a small shared base,
data preparation in ``utils``, plots in ``plotting``), with the same method names, so a trainee
can move on to it; but with scipy only, so fits take a fraction of a second.

Examples
--------
>>> from crm_training.clv import BetaGeoModel, simulate_bg_nbd
>>> data = simulate_bg_nbd(2000, T=52.0, r=0.3, alpha=5.0, a=0.8, b=2.5, seed=0)
>>> model = BetaGeoModel().fit(data)
>>> model.expected_probability_alive(data).between(0, 1).all()
np.True_
"""
from .base import CLVModel
from .beta_geo import BetaGeoModel
from .gamma_gamma import GammaGammaModel
from .mbg_nbd import ModifiedBetaGeoModel
from .pareto_nbd import ParetoNBDModel
from .simulate import (simulate_bg_nbd, simulate_gamma_gamma, simulate_mbg_nbd,
                       simulate_pareto_nbd)
from .utils import (TRANSACTION_MODELS, CLVForecast, churn_probability, clv_forecast,
                    compare_holdout, customer_lifetime_value, historic_clv, history_months,
                    holdout_check, horizon_check, rfm_summary, rfm_train_test_split,
                    transaction_model)

__all__ = ["CLVModel", "BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel",
           "GammaGammaModel", "rfm_summary", "rfm_train_test_split", "historic_clv",
           "customer_lifetime_value", "clv_forecast", "CLVForecast", "churn_probability",
           "holdout_check", "compare_holdout", "history_months", "horizon_check",
           "transaction_model", "TRANSACTION_MODELS",
           "simulate_bg_nbd", "simulate_mbg_nbd", "simulate_pareto_nbd", "simulate_gamma_gamma"]
