"""AutoOverSampler: imbalanced-learn's checks with its default candidates,
and the choice it makes."""

import pickle

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from imbdiff import load_dataset
from imbdiff.samplers import AUTO_CANDIDATES, AutoOverSampler

TINY = {"n_timesteps": 10, "train_steps": 5, "batch_size": 64}
# The default candidates, each diffusion sampler with a tiny budget.
PARAMS = {
    "tabddpm": TINY,
    "semres": {**TINY, "denoiser_options": {"width": 8, "n_heads": 2, "n_blocks": 1}},
    "lreddpm": {**TINY, "classifier_options": {"steps": 5}, "n_reference": 16},
}

_CHECKS = parametrize_with_checks([AutoOverSampler(params=PARAMS, random_state=0)])
_CHECKS = pytest.mark.parametrize(
    _CHECKS.args[0], list(_CHECKS.args[1]), **_CHECKS.kwargs
)


@_CHECKS
@pytest.mark.filterwarnings("ignore::imbdiff.samplers.RegionFallbackWarning")
def test_imbalanced_learn_checks(estimator, check):
    check(estimator)


def test_it_chooses_by_inner_cross_validation():
    data = load_dataset("ecoli4")
    auto = AutoOverSampler(methods=["none", "smote", "random"], random_state=0)
    X_res, y_res = auto.fit_resample(data.X, data.y)
    results = auto.cv_results_
    assert results["method"] == ["none", "smote", "random"]
    best = int(np.argmax(results["mean_test_score"]))
    assert auto.best_method_ == results["method"][best]
    assert auto.best_score_ == results["mean_test_score"][best]
    assert len(results["split2_test_score"]) == 3
    assert results["error"] == ["", "", ""]
    if auto.best_method_ == "none":
        assert auto.sampler_ is None
        assert len(X_res) == len(data.X)
    else:
        assert (
            np.unique(y_res, return_counts=True)[1] == (y_res == y_res[0]).sum()
        ).all()
    # The same seed, the same choice; it pickles with its choice.
    again = pickle.loads(pickle.dumps(auto))
    assert again.best_method_ == auto.best_method_


def test_a_candidate_that_cannot_run_loses_and_no_oversampling_wins_ties():
    data = load_dataset("ecoli4")
    # k = 100 neighbours: more than the minority rows of a fold.
    auto = AutoOverSampler(
        methods=["none", "smote"],
        params={"smote": {"k_neighbors": 100}},
        random_state=0,
    )
    auto.fit_resample(data.X, data.y)
    assert auto.best_method_ == "none"
    assert "n_neighbors" in auto.cv_results_["error"][1]
    assert np.isnan(auto.cv_results_["mean_test_score"][1])


def test_in_a_pipeline_and_a_grid_search():
    data = load_dataset("ecoli4")
    pipe = Pipeline(
        [
            ("auto", AutoOverSampler(methods=["none", "smote"], random_state=0)),
            ("tree", DecisionTreeClassifier(random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"auto__cv": [2, 3]}, cv=2, scoring="f1_macro")
    search.fit(data.X, data.y)
    assert search.best_params_["auto__cv"] in (2, 3)


def test_refusals():
    data = load_dataset("ecoli4")
    for methods, message in (
        (["balanced"], "changes the classifier"),
        (["auto"], "cannot be a candidate of itself"),
        (["smoth"], "unknown method 'smoth'"),
        (["smote", "smote"], "named twice"),
        ([3], "a candidate is a method name"),
    ):
        with pytest.raises(ValueError, match=message):
            AutoOverSampler(methods=methods).fit_resample(data.X, data.y)
    with pytest.raises(ValueError, match="'cv' parameter of AutoOverSampler"):
        AutoOverSampler(cv=1).fit_resample(data.X, data.y)
    with pytest.raises(ValueError, match="params names 'tvae'"):
        AutoOverSampler(methods=["smote"], params={"tvae": {}}).fit_resample(
            data.X, data.y
        )
    assert "none" in AUTO_CANDIDATES
