"""The hold-out and cross-validation protocols, end to end on tiny data."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from pandas.testing import assert_frame_equal
from sklearn.model_selection import StratifiedKFold

from imbdiff.evaluation import (
    CLASSIFIER_NAMES,
    METRIC_NAMES,
    PAPER_CLASSIFIERS,
    RESULT_COLUMNS,
    evaluate_cv,
    evaluate_holdout,
    holdout_split,
    summarise,
)
from imbdiff.evaluation import _scoring as scoring


class RecordingSMOTE(SMOTE):
    """SMOTE that records what each fitted clone was given."""

    calls: ClassVar[list[dict]] = []

    def _fit_resample(self, X, y):
        RecordingSMOTE.calls.append(
            {"X": np.array(X, copy=True), "y": np.array(y), "seed": self.random_state}
        )
        return super()._fit_resample(X, y)


@pytest.fixture
def recording_smote():
    RecordingSMOTE.calls = []
    yield RecordingSMOTE()
    RecordingSMOTE.calls = []


@pytest.fixture
def scored(monkeypatch):
    """Record the true labels and positive label of every scoring call."""
    seen: list[dict] = []
    original = scoring.classification_metrics

    def recording(y_true, y_pred, y_score, *, pos_label):
        seen.append({"y_true": np.asarray(y_true), "pos_label": pos_label})
        return original(y_true, y_pred, y_score, pos_label=pos_label)

    monkeypatch.setattr(scoring, "classification_metrics", recording)
    return seen


# --- hold-out -----------------------------------------------------------------


def test_holdout_split_is_stratified_and_fixed(tiny_binary):
    X, y = tiny_binary
    X_train, X_test, y_train, y_test = holdout_split(X, y, random_state=3)
    assert X_test.shape == (16, 4)
    assert X_train.shape == (64, 4)
    # 20 % of each class: 4 of the 20 minority rows, 12 of the 60 majority rows.
    assert int(y_test.sum()) == 4
    assert int(y_train.sum()) == 16
    again = holdout_split(X, y, random_state=3)
    np.testing.assert_array_equal(again[1], X_test)


def test_holdout_split_rejects_bad_input(tiny_binary):
    X, y = tiny_binary
    with pytest.raises(ValueError, match="test_size"):
        holdout_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="at least 2 rows of every class"):
        holdout_split(X[:5], np.array([0, 0, 0, 0, 1]))


def test_holdout_with_smote_columns_and_shape(tiny_binary):
    X, y = tiny_binary
    results = evaluate_holdout(SMOTE(), X, y, seeds=[0, 1])
    assert tuple(results.columns) == RESULT_COLUMNS
    assert len(results) == 2 * len(PAPER_CLASSIFIERS) * len(METRIC_NAMES)
    assert set(results["protocol"]) == {"holdout"}
    assert set(results["fold"]) == {0}
    assert sorted(set(results["seed"])) == [0, 1]
    assert set(results["classifier"]) == set(PAPER_CLASSIFIERS)
    assert list(results["metric"].iloc[: len(METRIC_NAMES)]) == list(METRIC_NAMES)
    # The training part has 48 majority and 16 minority rows: SMOTE adds 32.
    assert set(results["n_synthetic"]) == {32}
    assert results["value"].between(0, 1).all()
    assert results["seed"].dtype == np.int64
    assert results["value"].dtype == np.float64


def test_holdout_without_sampler(tiny_binary):
    X, y = tiny_binary
    results = evaluate_holdout(None, X, y, seeds=[0])
    assert set(results["n_synthetic"]) == {0}
    assert len(results) == len(PAPER_CLASSIFIERS) * len(METRIC_NAMES)


def test_holdout_is_deterministic(tiny_binary):
    X, y = tiny_binary
    first = evaluate_holdout(SMOTE(), X, y, seeds=[0, 1])
    second = evaluate_holdout(SMOTE(), X, y, seeds=[0, 1])
    assert_frame_equal(first, second)


def test_holdout_seed_reaches_the_sampler(tiny_binary, recording_smote):
    X, y = tiny_binary
    evaluate_holdout(recording_smote, X, y, seeds=[4, 9], classifiers=["knn"])
    assert [c["seed"] for c in RecordingSMOTE.calls] == [4, 9]
    # The sampler passed in is cloned, never fitted itself.
    assert recording_smote.random_state is None
    assert not hasattr(recording_smote, "sampling_strategy_")


def test_holdout_never_resamples_the_test_part(tiny_binary, recording_smote, scored):
    X, y = tiny_binary
    X_train, X_test, y_train, y_test = holdout_split(X, y, random_state=5)
    evaluate_holdout(
        recording_smote, X, y, seeds=[0, 1], split_seed=5, classifiers=["svm"]
    )
    # The sampler saw exactly the training part, every time.
    assert len(RecordingSMOTE.calls) == 2
    for call in RecordingSMOTE.calls:
        np.testing.assert_array_equal(call["X"], X_train)
        np.testing.assert_array_equal(call["y"], y_train)
    # Every score was computed on the 16 untouched test rows.
    assert X_test.shape[0] == 16
    assert len(scored) == 2
    for call in scored:
        assert call["y_true"].shape == (16,)
        np.testing.assert_array_equal(call["y_true"], y_test)


def test_holdout_with_a_frame_and_a_nominal_column(tiny_mixed_frame):
    frame, y = tiny_mixed_frame
    results = evaluate_holdout(
        None, frame, y, seeds=[0], classifiers=["logistic_regression"]
    )
    assert len(results) == len(METRIC_NAMES)
    assert results["value"].notna().all()


def test_positive_label_is_the_minority(tiny_binary, scored):
    X, y = tiny_binary
    # Minority labelled 0 (and a string majority): the minority is still scored
    # as the positive class.
    labels = np.where(y == 1, "rare", "usual")
    evaluate_holdout(None, X, labels, seeds=[0], classifiers=["gaussian_nb"])
    assert scored[-1]["pos_label"] == "rare"
    evaluate_holdout(None, X, 1 - y, seeds=[0], classifiers=["gaussian_nb"])
    assert scored[-1]["pos_label"] == 0


def test_holdout_rejects_bad_arguments(tiny_binary):
    X, y = tiny_binary
    with pytest.raises(ValueError, match="unknown classifier 'xgboost'"):
        evaluate_holdout(None, X, y, classifiers=["xgboost"])
    with pytest.raises(ValueError, match="seeds is empty"):
        evaluate_holdout(None, X, y, seeds=[])
    with pytest.raises(ValueError, match="seeds must be integers"):
        evaluate_holdout(None, X, y, seeds=[0.5])
    with pytest.raises(ValueError, match="fit_resample"):
        evaluate_holdout(object(), X, y)
    with pytest.raises(ValueError, match="X has 80 rows but y has 79"):
        evaluate_holdout(None, X, y[:-1])


@pytest.mark.parametrize("evaluate", [evaluate_holdout, evaluate_cv])
def test_multiclass_is_an_error_naming_the_classes(evaluate, tiny_binary):
    X, _ = tiny_binary
    y = np.arange(len(X)) % 3
    with pytest.raises(ValueError, match=r"binary problem.*3 classes: \[0, 1, 2\]"):
        evaluate(None, X, y)


# --- cross-validation ---------------------------------------------------------


def test_cv_all_nine_classifiers(tiny_binary):
    X, y = tiny_binary
    results = evaluate_cv(SMOTE(), X, y)
    assert tuple(results.columns) == RESULT_COLUMNS
    assert len(results) == 5 * len(CLASSIFIER_NAMES) * len(METRIC_NAMES)
    assert set(results["protocol"]) == {"cv"}
    assert sorted(set(results["fold"])) == [0, 1, 2, 3, 4]
    assert set(results["seed"]) == {0}
    assert set(results["classifier"]) == set(CLASSIFIER_NAMES)
    # Each training part has 48 majority and 16 minority rows: SMOTE adds 32.
    assert set(results["n_synthetic"]) == {32}
    auc = results[results["metric"] == "auc"]["value"]
    assert auc.mean() > 0.8  # the tiny data are easy; a broken pipeline is not


def test_cv_without_sampler_is_deterministic(tiny_binary):
    X, y = tiny_binary
    kwargs = {"classifiers": ["random_forest", "mlp"], "random_state": 2}
    first = evaluate_cv(None, X, y, **kwargs)
    assert set(first["n_synthetic"]) == {0}
    assert set(first["seed"]) == {2}
    assert_frame_equal(first, evaluate_cv(None, X, y, **kwargs))


def test_cv_never_resamples_the_test_fold(tiny_binary, recording_smote, scored):
    X, y = tiny_binary
    evaluate_cv(recording_smote, X, y, classifiers=["decision_tree"], random_state=1)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=1).split(X, y))
    assert len(RecordingSMOTE.calls) == len(scored) == 5
    test_rows = 0
    for (train_idx, test_idx), call, score in zip(folds, RecordingSMOTE.calls, scored):
        np.testing.assert_array_equal(call["X"], X[train_idx])
        assert call["seed"] == 1
        np.testing.assert_array_equal(score["y_true"], y[test_idx])
        test_rows += score["y_true"].size
    assert test_rows == len(y)  # every row is scored once, never resampled


def test_cv_with_a_frame_keeps_rows_by_position(tiny_mixed_frame):
    frame, y = tiny_mixed_frame
    results = evaluate_cv(None, frame, y, classifiers=["gaussian_nb"], n_splits=3)
    assert sorted(set(results["fold"])) == [0, 1, 2]
    auc = results[results["metric"] == "auc"]["value"]
    assert auc.mean() > 0.8


def test_cv_rejects_too_few_minority_rows(tiny_binary):
    X, y = tiny_binary
    keep = np.flatnonzero(y == 0)[:20].tolist() + np.flatnonzero(y == 1)[:3].tolist()
    with pytest.raises(ValueError, match="minority class has 3 rows"):
        evaluate_cv(None, X[keep], y[keep])
    with pytest.raises(ValueError, match="n_splits"):
        evaluate_cv(None, X, y, n_splits=1)


# --- summary ------------------------------------------------------------------


def test_summarise_hand_computed():
    results = pd.DataFrame(
        {
            "classifier": ["svm", "svm", "svm", "knn"],
            "metric": ["f1", "f1", "f1", "f1"],
            "value": [0.2, 0.4, 0.9, 0.5],
        }
    )
    out = summarise(results)
    assert list(out.columns) == ["classifier", "metric", "mean", "std", "n"]
    assert out["classifier"].tolist() == ["svm", "knn"]
    # svm: mean 0.5; deviations -0.3, -0.1, 0.4; sum of squares 0.26;
    # sample variance 0.26 / 2 = 0.13.
    assert out.loc[0, "mean"] == pytest.approx(0.5)
    assert out.loc[0, "std"] == pytest.approx(np.sqrt(0.13))
    assert out.loc[0, "n"] == 3
    assert np.isnan(out.loc[1, "std"])  # one repeat has no spread


def test_summarise_protocol_output(tiny_binary):
    X, y = tiny_binary
    results = evaluate_holdout(None, X, y, seeds=[0, 1, 2])
    out = summarise(results)
    assert len(out) == len(PAPER_CLASSIFIERS) * len(METRIC_NAMES)
    assert set(out["n"]) == {3}


def test_summarise_rejects_other_frames():
    with pytest.raises(ValueError, match=r"lacks the columns \['value'\]"):
        summarise(pd.DataFrame({"classifier": [], "metric": []}))
    with pytest.raises(ValueError, match="must be a DataFrame"):
        summarise([1, 2])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("protocol", ["holdout", "cv"])
def test_non_finite_features_are_refused_before_fitting(bad, protocol):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array([0] * 45 + [1] * 15)
    X[7, 1] = bad
    run = evaluate_holdout if protocol == "holdout" else evaluate_cv
    with pytest.raises(ValueError, match=r"column 1 has 1 (missing|infinite)"):
        run(None, X, y, classifiers=["decision_tree"])


def test_a_users_own_classifier_beside_the_named_ones(tiny_binary):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = tiny_binary
    mine = ("knn1", KNeighborsClassifier(1))
    frame = evaluate_holdout(None, X, y, classifiers=["knn", mine], seeds=[0])
    assert list(frame["classifier"].unique()) == ["knn", "knn1"]
    # One neighbour is not five: the estimator given is the one scored.
    by = frame.query("metric == 'auc'").set_index("classifier")["value"]
    assert by["knn"] != by["knn1"]
