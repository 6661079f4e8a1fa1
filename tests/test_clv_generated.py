"""End to end on the kit's own generator: a one-segment retail log, summarised by rfm_summary
(returns netted), gives back the Pareto/NBD and Gamma-Gamma parameters it was made with."""
import pytest

import crm_training
from crm_training.clv import GammaGammaModel, ParetoNBDModel, rfm_summary
from crm_training.datagen.presets import Segment

# One segment: purchase rate ~ Gamma(shape 2, mean 6 a year), dropout hazard ~ Gamma(shape 2,
# mean 0.3 a year), spend per order Gamma-Gamma with p = 4, q = 6 around a mean of 50. The
# interventions that change rates over time are switched off, so the log is a pure
# Pareto/NBD + Gamma-Gamma process (with 5% of orders returned in full).
SEGMENT = Segment("one", 1.0, purchase_rate=6.0, dropout_rate=0.3, spend_mean=50.0, margin=0.3,
                  satisfaction=3.8, rate_shape=2.0, dropout_shape=2.0, spend_p=4.0, spend_q=6.0)


@pytest.fixture(scope="module")
def rfm():
    data = crm_training.generate("retail", 20_000, seed=1, segments=(SEGMENT,),
                                 loyalty_rate_uplift=0.0, loyalty_dropout_cut=0.0,
                                 upgrade_dropout_cut=0.0, satisfaction_dropout=0.0,
                                 campaign_uplift=0.0)
    assert data.transactions["is_return"].any()
    # Customers whose only order was refunded kept no purchase and are left out.
    return rfm_summary(data.transactions, time_scaler=365.25)  # years


def test_pareto_nbd_recovers_the_generator(rfm):
    params = ParetoNBDModel().fit(rfm).params_
    assert params["r"] == pytest.approx(2.0, rel=0.10)
    assert params["alpha"] == pytest.approx(2.0 / 6.0, rel=0.10)
    # s and beta are weakly identified over three years (the same holds for data from
    # simulate_pareto_nbd); their ratio, the mean dropout hazard, is not.
    assert params["s"] / params["beta"] == pytest.approx(0.3, rel=0.10)


def test_gamma_gamma_recovers_the_generator(rfm):
    params = GammaGammaModel().fit(rfm).params_   # no zero spends: full refunds are dropped
    assert params["p"] == pytest.approx(4.0, rel=0.15)
    assert params["q"] == pytest.approx(6.0, rel=0.10)
    assert params["p"] * params["gamma"] / (params["q"] - 1) == pytest.approx(50.0, rel=0.05)
