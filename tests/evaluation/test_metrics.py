"""Metrics against hand-computed values, and the memorisation checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from scipy.spatial.distance import cdist

from imbdiff.evaluation import (
    METRIC_NAMES,
    classification_metrics,
    distance_to_closest_record,
    gmean_pr_score,
    gmean_score,
    memorisation_summary,
)

# Ten rows, 4 positives and 6 negatives:
#
#                 predicted 1   predicted 0
#   true 1 (4)      TP = 3        FN = 1
#   true 0 (6)      FP = 2        TN = 4
#
# TPR = recall = 3/4 = 0.75      TNR = 4/6 = 2/3
# precision = 3/(3+2) = 0.6      accuracy = (3+4)/10 = 0.7
# F1 = 2 * 0.6 * 0.75 / (0.6 + 0.75) = 0.9 / 1.35 = 2/3
# balanced accuracy = (0.75 + 2/3) / 2 = 17/24 = 0.708333...
# G-mean     = sqrt(0.75 * 2/3) = sqrt(0.5)  = 0.70710678...
# G-mean(PR) = sqrt(0.6 * 0.75) = sqrt(0.45) = 0.67082039...
Y_TRUE = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
Y_PRED = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0])
# Positive scores 0.9, 0.8, 0.7, 0.2; negative scores 0.75, 0.6, 0.3, 0.1, 0.05, 0.
# Pairs (positive above negative), out of 4 * 6 = 24:
#   0.9 -> 6, 0.8 -> 6, 0.7 -> 5 (all but 0.75), 0.2 -> 3 (0.1, 0.05, 0)
# AUC = 20 / 24 = 0.833333...
Y_SCORE = np.array([0.9, 0.8, 0.7, 0.2, 0.75, 0.6, 0.3, 0.1, 0.05, 0.0])


def test_gmean_matches_hand_computed_value():
    assert gmean_score(Y_TRUE, Y_PRED) == pytest.approx(0.7071067811865476)


def test_gmean_pr_matches_hand_computed_value():
    assert gmean_pr_score(Y_TRUE, Y_PRED) == pytest.approx(0.6708203932499369)


def test_the_two_gmeans_differ():
    assert gmean_score(Y_TRUE, Y_PRED) != pytest.approx(gmean_pr_score(Y_TRUE, Y_PRED))


def test_classification_metrics_match_hand_computed_values():
    m = classification_metrics(Y_TRUE, Y_PRED, Y_SCORE, pos_label=1)
    assert tuple(m) == METRIC_NAMES
    expected = {
        "auc": 20 / 24,
        "f1": 2 / 3,
        "recall": 0.75,
        "precision": 0.6,
        "accuracy": 0.7,
        "balanced_accuracy": 17 / 24,
        "gmean": math.sqrt(0.5),
        "gmean_pr": math.sqrt(0.45),
    }
    for key, value in expected.items():
        assert m[key] == pytest.approx(value), key
    assert all(isinstance(v, float) for v in m.values())


def test_pos_label_swaps_the_roles_of_the_classes():
    # With 0 as positive: TP = 4, FN = 2, FP = 1, TN = 3.
    # TPR = 4/6, TNR = 3/4 (the same product), precision = 4/5, recall = 4/6.
    m = classification_metrics(Y_TRUE, Y_PRED, -Y_SCORE, pos_label=0)
    assert m["gmean"] == pytest.approx(math.sqrt(0.5))
    assert m["precision"] == pytest.approx(0.8)
    assert m["recall"] == pytest.approx(4 / 6)
    assert m["gmean_pr"] == pytest.approx(math.sqrt(0.8 * 4 / 6))
    # Negated scores rank the negatives first, so the AUC is unchanged.
    assert m["auc"] == pytest.approx(20 / 24)


def test_string_labels():
    y_true = np.where(Y_TRUE == 1, "rare", "common")
    y_pred = np.where(Y_PRED == 1, "rare", "common")
    assert gmean_score(y_true, y_pred, pos_label="rare") == pytest.approx(
        math.sqrt(0.5)
    )
    assert gmean_pr_score(y_true, y_pred, pos_label="rare") == pytest.approx(
        math.sqrt(0.45)
    )


def test_gmean_agrees_with_imbalanced_learn_on_random_labels():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, size=200)
    y_pred = rng.integers(0, 2, size=200)
    assert gmean_score(y_true, y_pred) == pytest.approx(
        geometric_mean_score(y_true, y_pred, average="binary")
    )


def test_no_predicted_positive_gives_zeros_without_warning():
    # Precision has a zero denominator: it counts as 0, and no warning escapes
    # (the test configuration turns warnings into errors).
    y_pred = np.zeros_like(Y_TRUE)
    m = classification_metrics(Y_TRUE, y_pred, Y_SCORE, pos_label=1)
    assert m["precision"] == 0.0
    assert m["recall"] == 0.0
    assert m["f1"] == 0.0
    assert m["gmean"] == 0.0
    assert m["gmean_pr"] == 0.0
    assert m["balanced_accuracy"] == pytest.approx(0.5)
    assert m["accuracy"] == pytest.approx(0.6)


def test_single_class_truth_gives_nan_auc_without_warning():
    y_true = np.ones(4, dtype=int)
    y_pred = np.array([1, 1, 0, 1])
    m = classification_metrics(y_true, y_pred, [0.9, 0.8, 0.1, 0.7], pos_label=1)
    assert math.isnan(m["auc"])
    assert m["recall"] == pytest.approx(0.75)
    # Only the positive class is present, so balanced accuracy is its recall.
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["gmean"] == 0.0  # TNR has no negatives: counted as 0


def test_missing_score_gives_nan_auc():
    m = classification_metrics(Y_TRUE, Y_PRED, None, pos_label=1)
    assert math.isnan(m["auc"])
    assert m["f1"] == pytest.approx(2 / 3)


def test_more_than_two_labels_is_an_error():
    with pytest.raises(ValueError, match="binary problem"):
        gmean_score([0, 1, 2], [0, 1, 1])


def test_absent_pos_label_is_an_error():
    with pytest.raises(ValueError, match="pos_label=2"):
        gmean_pr_score([0, 1], [0, 1], pos_label=2)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="must match"):
        classification_metrics([0, 1, 1], [0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y_score has 2 values"):
        classification_metrics([0, 1, 1], [0, 1, 1], [0.1, 0.2])


def test_non_finite_score_is_an_error():
    with pytest.raises(ValueError, match="NaN or infinite"):
        classification_metrics([0, 1], [0, 1], [0.1, np.nan])


# --- memorisation -----------------------------------------------------------


def test_dcr_hand_computed():
    reference = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    synthetic = np.array(
        [
            [0.0, 0.0],  # a copy of row 0: 0
            [3.0, 0.0],  # 3 from row 0, sqrt(16) = 4 from row 1: 3
            [6.0, 8.0],  # 5 from row 1 (3-4-5 triangle)
            [12.0, 0.0],  # 2 from row 2
        ]
    )
    np.testing.assert_allclose(
        distance_to_closest_record(synthetic, reference), [0.0, 3.0, 5.0, 2.0]
    )


def test_dcr_matches_brute_force_and_copies_are_exact_zeros():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(300, 40))
    synthetic = rng.normal(size=(120, 40))
    synthetic[:10] = reference[50:60]
    dcr = distance_to_closest_record(synthetic, reference)
    np.testing.assert_allclose(dcr, cdist(synthetic, reference).min(axis=1))
    assert np.all(dcr[:10] == 0.0)
    assert np.all(dcr[10:] > 0.0)


def test_memorisation_summary_hand_computed():
    train = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    # Two copies (rows 0 and 3 of train) and two rows at distance 0.5 and 1.5.
    synthetic = np.array([[0.0, 0.0], [5.0, 5.0], [1.5, 0.0], [0.0, 2.5]])
    # Held-out rows at distances 1 and 2 (no copies).
    holdout = np.array([[5.0, 6.0], [-2.0, 0.0]])
    summary = memorisation_summary(synthetic, train, holdout)
    assert summary == pytest.approx(
        {
            "synthetic_dcr_median": 0.25,  # median of 0, 0, 0.5, 1.5
            "synthetic_dcr_mean": 0.5,
            "synthetic_exact_copy_share": 0.5,
            "holdout_dcr_median": 1.5,
            "holdout_dcr_mean": 1.5,
            "holdout_exact_copy_share": 0.0,
        }
    )


def test_exact_copy_share_counts_negative_zero_as_zero():
    train = np.array([[0.0, 1.0]])
    synthetic = np.array([[-0.0, 1.0], [0.0, 1.0 + 1e-12]])
    summary = memorisation_summary(synthetic, train, train)
    assert summary["synthetic_exact_copy_share"] == 0.5
    assert summary["holdout_exact_copy_share"] == 1.0


def test_memorisation_rejects_bad_input():
    good = np.zeros((3, 2))
    with pytest.raises(ValueError, match="3 columns but reference has 2"):
        distance_to_closest_record(np.zeros((2, 3)), good)
    with pytest.raises(ValueError, match="holdout has 3 columns"):
        memorisation_summary(good, good, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"synthetic: column 1 has 1 missing"):
        distance_to_closest_record(np.array([[0.0, np.nan]]), good)
    with pytest.raises(ValueError, match="reference is empty"):
        distance_to_closest_record(good, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="must be numeric"):
        distance_to_closest_record(np.array([["a", "b"]]), good)
    with pytest.raises(ValueError, match="two-dimensional"):
        distance_to_closest_record(np.zeros(3), good)
