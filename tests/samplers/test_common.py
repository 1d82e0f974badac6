"""imbalanced-learn's own sampler checks, on every sampler, with a tiny budget."""

from imblearn.utils.estimator_checks import parametrize_with_checks

from imbdiff import FinDiff, SEMResDDPM, TabDDPM

TINY = {"n_timesteps": 10, "train_steps": 5, "batch_size": 64, "random_state": 0}
SAMPLERS = [
    TabDDPM(**TINY),
    FinDiff(**TINY),
    SEMResDDPM(**TINY, denoiser_options={"width": 8, "n_heads": 2, "n_blocks": 1}),
]


@parametrize_with_checks(SAMPLERS)
def test_imbalanced_learn_checks(estimator, check):
    check(estimator)
