"""imbalanced-learn's own sampler checks, on every sampler, with a tiny budget."""

import pytest
from imblearn.over_sampling import SMOTE
from imblearn.utils.estimator_checks import parametrize_with_checks

from imbdiff import (
    CTGANOverSampler,
    CWGANGPOverSampler,
    FinDiff,
    LReDDPM,
    SEMResDDPM,
    TabDDPM,
    TVAEOverSampler,
)
from imbdiff.samplers import OneHotOverSampler, ProWSyn, TabularSMOTE

TINY = {"n_timesteps": 10, "train_steps": 5, "batch_size": 64, "random_state": 0}
SAMPLERS = [
    TabDDPM(**TINY),
    FinDiff(**TINY),
    SEMResDDPM(**TINY, denoiser_options={"width": 8, "n_heads": 2, "n_blocks": 1}),
    # Tiny check data: every region guides, so none is too small.
    LReDDPM(
        **TINY,
        region=["safe", "border", "rare", "outlier"],
        classifier_options={"steps": 5},
        n_reference=16,
    ),
    # The default region: the check data have no safe minority example, so it
    # falls back (and warns).
    LReDDPM(**TINY, classifier_options={"steps": 5}, n_reference=16),
    CTGANOverSampler(epochs=1, batch_size=50, random_state=0),
    TVAEOverSampler(epochs=1, batch_size=50, random_state=0),
    CWGANGPOverSampler(train_steps=3, critic_steps=1, hidden=(16,), random_state=0),
    OneHotOverSampler(sampler=SMOTE(), random_state=0),
    TabularSMOTE(random_state=0),
    ProWSyn(random_state=0),
    # The method "prowsyn": ProWSyn behind the one-hot adapter.
    OneHotOverSampler(sampler=ProWSyn(), random_state=0),
]

# imbalanced-learn hands pytest a generator of cases, which recent pytest
# versions deprecate; the same cases, as a list.
_CHECKS = parametrize_with_checks(SAMPLERS)
_CHECKS = pytest.mark.parametrize(
    _CHECKS.args[0], list(_CHECKS.args[1]), **_CHECKS.kwargs
)


@_CHECKS
@pytest.mark.filterwarnings("ignore::imbdiff.samplers.RegionFallbackWarning")
def test_imbalanced_learn_checks(estimator, check):
    check(estimator)
