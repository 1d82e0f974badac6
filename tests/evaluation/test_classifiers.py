"""The protocol classifiers, their shared encoding and their scores."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from imbdiff.evaluation import (
    CLASSIFIER_NAMES,
    PAPER_CLASSIFIERS,
    BudgetedMLPClassifier,
    FeatureEncoder,
    adjust_classifier,
    classifier_scores,
    make_classifier,
)


def test_names():
    assert CLASSIFIER_NAMES == (
        "logistic_regression",
        "decision_tree",
        "random_forest",
        "svm",
        "knn",
        "gaussian_nb",
        "adaboost",
        "gradient_boosting",
        "mlp",
    )
    assert PAPER_CLASSIFIERS == ("decision_tree", "logistic_regression")


@pytest.mark.parametrize("name", CLASSIFIER_NAMES)
def test_every_classifier_learns_the_tiny_data(name, tiny_binary):
    X, y = tiny_binary
    clf = make_classifier(name, random_state=0)
    assert isinstance(clf, Pipeline)
    assert [step for step, _ in clf.steps] == ["encode", "model"]
    clf.fit(X, y)
    scores = classifier_scores(clf, X)
    assert scores.shape == (len(y),)
    # The data are well separated: every model fits its training rows well and
    # ranks the minority rows above most majority rows.
    assert (clf.predict(X) == y).mean() > 0.8
    assert scores[y == 1].mean() > scores[y == 0].mean()


@pytest.mark.parametrize("name", CLASSIFIER_NAMES)
def test_every_classifier_takes_a_frame_with_a_nominal_column(name, tiny_mixed_frame):
    frame, y = tiny_mixed_frame
    clf = make_classifier(name, random_state=0).fit(frame, y)
    assert clf.named_steps["encode"].nominal_columns_ == ["colour"]
    unseen = frame.iloc[:3].assign(
        colour=pd.Categorical(["purple"] * 3, categories=["purple"])
    )
    assert clf.predict(unseen).shape == (3,)


@pytest.mark.parametrize("name", ["random_forest", "mlp", "adaboost"])
def test_same_seed_same_model(name, tiny_binary):
    X, y = tiny_binary
    a = classifier_scores(make_classifier(name, random_state=3).fit(X, y), X)
    b = classifier_scores(make_classifier(name, random_state=3).fit(X, y), X)
    np.testing.assert_array_equal(a, b)


def test_seed_reaches_the_model():
    clf = make_classifier("random_forest", random_state=7)
    assert clf.named_steps["model"].random_state == 7


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown classifier 'xgboost'.*gaussian_nb"):
        make_classifier("xgboost")


def test_svm_scores_come_from_the_decision_function(tiny_binary):
    X, y = tiny_binary
    clf = make_classifier("svm").fit(X, y)
    assert not hasattr(clf, "predict_proba")
    np.testing.assert_allclose(classifier_scores(clf, X), clf.decision_function(X))
    np.testing.assert_allclose(
        classifier_scores(clf, X, pos_label=0), -clf.decision_function(X)
    )


def test_scores_follow_pos_label(tiny_binary):
    X, y = tiny_binary
    labels = np.where(y == 1, "rare", "common")  # classes_ = [common, rare]
    clf = make_classifier("logistic_regression").fit(X, labels)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(classifier_scores(clf, X), proba[:, 1])
    np.testing.assert_allclose(
        classifier_scores(clf, X, pos_label="common"), proba[:, 0]
    )
    with pytest.raises(ValueError, match="pos_label='other'"):
        classifier_scores(clf, X, pos_label="other")


def test_scores_need_a_fitted_binary_classifier(tiny_binary):
    X, y = tiny_binary
    with pytest.raises(ValueError, match="not fitted"):
        classifier_scores(make_classifier("knn"), X)
    three = np.arange(len(y)) % 3
    clf = make_classifier("gaussian_nb").fit(X, three)
    with pytest.raises(ValueError, match="binary classifier"):
        classifier_scores(clf, X)


def test_encoder_hand_computed():
    X = pd.DataFrame({"size": [1.0, 3.0, 5.0], "colour": ["red", "blue", "red"]})
    out = FeatureEncoder().fit_transform(X)
    # One-hot first (blue, red in sorted order), then size standardised:
    # mean 3, population std sqrt(8/3).
    z = np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3)
    expected = np.column_stack([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], z])
    np.testing.assert_allclose(out, expected)


def test_encoder_matches_frame_columns_by_name():
    X = pd.DataFrame({"size": [1.0, 3.0, 5.0], "colour": ["red", "blue", "red"]})
    enc = FeatureEncoder().fit(X)
    np.testing.assert_allclose(enc.transform(X[["colour", "size"]]), enc.transform(X))
    with pytest.raises(ValueError, match=r"lacks the columns \['size'\]"):
        enc.transform(X[["colour"]])


def test_encoder_on_numpy_with_named_nominal_positions():
    X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    enc = FeatureEncoder(categorical_features=[0]).fit(X)
    assert enc.nominal_columns_ == [0]
    assert enc.transform(X).shape == (3, 4)  # 3 codes + 1 numeric column
    with pytest.raises(ValueError, match="3 columns but the encoder was fitted on 2"):
        enc.transform(np.zeros((2, 3)))


def test_encoder_takes_mixed_column_labels():
    # scikit-learn rejects frames whose labels mix strings and numbers; the
    # encoder selects by position, so such a frame still works.
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0], 0: ["x", "y", "x"]})
    assert FeatureEncoder().fit_transform(X).shape == (3, 3)


def test_encoder_survives_clone():
    enc = FeatureEncoder(categorical_features=["colour"])
    assert clone(enc).get_params() == {"categorical_features": ["colour"]}


def test_budgeted_mlp_records_non_convergence_without_warning(tiny_binary):
    # The test configuration turns warnings into errors, so this fit would fail
    # if the ConvergenceWarning escaped.
    X, y = tiny_binary
    short = BudgetedMLPClassifier(max_iter=3, random_state=0).fit(X, y)
    assert short.converged_ is False
    assert short.n_iter_ == 3
    long = BudgetedMLPClassifier(max_iter=2000, random_state=0).fit(X, y)
    assert long.converged_ is True


def test_budgeted_mlp_passes_other_warnings_on(monkeypatch):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def fit_that_warns(self, X, y):
        warnings.warn("something else", UserWarning, stacklevel=2)
        warnings.warn("budget reached", ConvergenceWarning, stacklevel=2)
        return self

    monkeypatch.setattr(MLPClassifier, "fit", fit_that_warns)
    clf = BudgetedMLPClassifier()
    with pytest.warns(UserWarning, match="something else") as record:
        clf.fit([[0.0], [1.0]], [0, 1])
    assert clf.converged_ is False
    assert not any(issubclass(w.category, ConvergenceWarning) for w in record)


@pytest.mark.parametrize("name", ["svm", "logistic_regression", "random_forest"])
def test_balanced_classifiers_score_as_the_model_itself(name, tiny_binary):
    X, y = tiny_binary
    labels = np.where(y == 1, "rare", "common")
    clf = adjust_classifier(make_classifier(name), "balanced", pos_label="rare")
    clf.fit(X, labels)
    inner = clf.estimator_
    assert hasattr(clf, "predict_proba") == hasattr(inner, "predict_proba")
    expected = (
        inner.predict_proba(X)[:, 1]
        if hasattr(inner, "predict_proba")
        else inner.decision_function(X)
    )
    np.testing.assert_allclose(classifier_scores(clf, X, pos_label="rare"), expected)
