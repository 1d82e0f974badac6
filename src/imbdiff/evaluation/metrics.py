"""Classification metrics for imbalanced binary problems, and memorisation checks.

The minority class is the positive class throughout. Two different quantities go
by the name "G-mean" in the literature, so both are here under distinct names:

- :func:`gmean_score` is ``sqrt(TPR * TNR)``, the geometric mean of sensitivity and
  specificity (the usual definition in imbalanced learning);
- :func:`gmean_pr_score` is ``sqrt(precision * recall)``, the quantity the LReDDPM
  paper reports as "G-mean".

Every table built from these functions must say which of the two it shows.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.neighbors import NearestNeighbors

from .._validation import as_frame, check_finite

__all__ = [
    "METRIC_NAMES",
    "classification_metrics",
    "distance_to_closest_record",
    "gmean_pr_score",
    "gmean_score",
    "memorisation_summary",
]

#: Keys of the dictionary returned by :func:`classification_metrics`, in order.
METRIC_NAMES: tuple[str, ...] = (
    "auc",
    "f1",
    "recall",
    "precision",
    "accuracy",
    "balanced_accuracy",
    "gmean",
    "gmean_pr",
)


def gmean_score(y_true, y_pred, *, pos_label=1) -> float:
    """Geometric mean of sensitivity and specificity, ``sqrt(TPR * TNR)``.

    ``TPR = TP / (TP + FN)`` is the recall of the positive (minority) class and
    ``TNR = TN / (TN + FP)`` the recall of the negative class. A rate whose
    denominator is zero (a class absent from ``y_true``) counts as 0, as
    scikit-learn's ``zero_division=0`` does.

    This is not the "G-mean" of the LReDDPM paper; that one is
    :func:`gmean_pr_score`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels of a binary problem.
    pos_label : label, default=1
        The positive (minority) class.

    Returns
    -------
    float
        A value in ``[0, 1]``.

    Examples
    --------
    >>> from imbdiff.evaluation import gmean_score
    >>> # TPR = 1/2, TNR = 2/2, so G-mean = sqrt(0.5)
    >>> round(gmean_score([1, 1, 0, 0], [1, 0, 0, 0]), 4)
    0.7071
    """
    tp, fn, tn, fp = _binary_counts(y_true, y_pred, pos_label)
    tpr = _ratio(tp, tp + fn)
    tnr = _ratio(tn, tn + fp)
    return math.sqrt(tpr * tnr)


def gmean_pr_score(y_true, y_pred, *, pos_label=1) -> float:
    """Geometric mean of precision and recall, ``sqrt(precision * recall)``.

    This is the quantity the LReDDPM paper calls "G-mean". It is kept under its
    own name because the usual G-mean of imbalanced learning is
    ``sqrt(TPR * TNR)`` (:func:`gmean_score`). Precision or recall with a zero
    denominator counts as 0.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels of a binary problem.
    pos_label : label, default=1
        The positive (minority) class.

    Returns
    -------
    float
        A value in ``[0, 1]``.

    Examples
    --------
    >>> from imbdiff.evaluation import gmean_pr_score
    >>> # precision = 1/2 (one of two predicted positives), recall = 1/2
    >>> round(gmean_pr_score([1, 1, 0, 0], [1, 0, 1, 0]), 4)
    0.5
    """
    tp, fn, _, fp = _binary_counts(y_true, y_pred, pos_label)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return math.sqrt(precision * recall)


def classification_metrics(y_true, y_pred, y_score, *, pos_label=1) -> dict[str, float]:
    """Every metric of the evaluation protocols for one binary prediction.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels of a binary problem.
    y_score : array-like of shape (n_samples,) or None
        A score that grows with the confidence in ``pos_label`` (a probability
        or a decision function), used for the AUC. ``None`` gives a NaN AUC.
    pos_label : label, default=1
        The positive (minority) class.

    Returns
    -------
    dict of str to float
        Keys are :data:`METRIC_NAMES`: ``auc`` (ROC AUC of ``y_score``), ``f1``,
        ``recall``, ``precision``, ``accuracy``, ``balanced_accuracy`` (mean of
        TPR and TNR over the classes present in ``y_true``), ``gmean``
        (``sqrt(TPR * TNR)``, :func:`gmean_score`) and ``gmean_pr``
        (``sqrt(precision * recall)``, :func:`gmean_pr_score`). A ratio with a
        zero denominator counts as 0; the AUC is NaN when ``y_true`` holds a
        single class, since it is undefined then.

    Examples
    --------
    >>> from imbdiff.evaluation import classification_metrics
    >>> m = classification_metrics([1, 1, 0, 0], [1, 0, 0, 0], [0.9, 0.4, 0.3, 0.1])
    >>> m["auc"], m["recall"], m["precision"]
    (1.0, 0.5, 1.0)
    """
    tp, fn, tn, fp = _binary_counts(y_true, y_pred, pos_label)
    y_true_arr = np.asarray(y_true).reshape(-1)
    y_pred_arr = np.asarray(y_pred).reshape(-1)
    is_pos = y_true_arr == pos_label

    if y_score is None:
        auc = math.nan
    else:
        score = np.asarray(y_score, dtype=float).reshape(-1)
        if score.shape[0] != y_true_arr.shape[0]:
            raise ValueError(
                f"y_score has {score.shape[0]} values but y_true has "
                f"{y_true_arr.shape[0]} labels; they must match."
            )
        if not np.isfinite(score).all():
            raise ValueError("y_score holds NaN or infinite values.")
        # roc_auc_score refuses a single class; the AUC is simply undefined there.
        auc = (
            float(roc_auc_score(is_pos, score))
            if 0 < is_pos.sum() < is_pos.size
            else math.nan
        )

    # Binarised labels keep sklearn away from the label set of the input, so a
    # class missing from y_pred or y_true cannot make it warn.
    pred_pos = y_pred_arr == pos_label
    tpr = _ratio(tp, tp + fn)
    tnr = _ratio(tn, tn + fp)
    present_rates = [r for r, n in ((tpr, tp + fn), (tnr, tn + fp)) if n > 0]
    return {
        "auc": auc,
        "f1": float(f1_score(is_pos, pred_pos, zero_division=0)),
        "recall": float(recall_score(is_pos, pred_pos, zero_division=0)),
        "precision": float(precision_score(is_pos, pred_pos, zero_division=0)),
        "accuracy": float(accuracy_score(is_pos, pred_pos)),
        "balanced_accuracy": float(np.mean(present_rates)),
        "gmean": math.sqrt(tpr * tnr),
        "gmean_pr": gmean_pr_score(y_true_arr, y_pred_arr, pos_label=pos_label),
    }


def distance_to_closest_record(synthetic, reference) -> np.ndarray:
    """Euclidean distance from each synthetic row to its closest reference row.

    The distance to closest record (DCR) is the usual first check for
    memorisation: a generator that copies its training rows gives many zeros.

    Inputs must be numeric and already on the scale the distance should be
    measured on: encode nominal columns and scale numeric ones first (for
    example with the same encoder for both arguments). Nothing is rescaled here.

    The nearest neighbour is found with scikit-learn's ``NearestNeighbors``
    (a tree or a chunked brute-force search, so no ``n x m`` distance matrix is
    held for large inputs); the distance to the neighbour found is then
    recomputed directly, so that an exact copy gives exactly 0.

    Parameters
    ----------
    synthetic : array-like of shape (n_synthetic, n_features)
        The rows to check.
    reference : array-like of shape (n_reference, n_features)
        The rows they may have been copied from (usually the training rows).

    Returns
    -------
    ndarray of shape (n_synthetic,)
        The distance of each synthetic row to its nearest reference row.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff.evaluation import distance_to_closest_record
    >>> reference = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> distance_to_closest_record(np.array([[0.0, 0.0], [4.0, 5.0]]), reference)
    array([0., 5.])
    """
    syn = _numeric_matrix(synthetic, "synthetic")
    ref = _numeric_matrix(reference, "reference")
    _check_same_width(syn, ref, "synthetic", "reference")
    nn = NearestNeighbors(n_neighbors=1).fit(ref)
    _, idx = nn.kneighbors(syn)
    return np.linalg.norm(syn - ref[idx[:, 0]], axis=1)


def memorisation_summary(synthetic, train, holdout) -> dict[str, float]:
    """Summarise how close synthetic rows sit to the training rows.

    The synthetic rows are compared with the training rows the generator saw;
    real held-out rows, compared with the same training rows, give the
    reference: synthetic rows much closer to the training rows than fresh real
    rows are hints of copying. Small minority classes invite it.

    Inputs must be numeric and already encoded and scaled the same way (for
    example nominal columns one-hot encoded and numeric columns scaled with
    statistics of the training rows); nothing is rescaled here.

    Parameters
    ----------
    synthetic : array-like of shape (n_synthetic, n_features)
        Generated rows.
    train : array-like of shape (n_train, n_features)
        The real rows the generator was fitted on.
    holdout : array-like of shape (n_holdout, n_features)
        Real rows the generator never saw, from the same distribution.

    Returns
    -------
    dict of str to float
        ``synthetic_dcr_median``, ``synthetic_dcr_mean``: median and mean
        distance from a synthetic row to its closest training row
        (:func:`distance_to_closest_record`); ``synthetic_exact_copy_share``:
        the share of synthetic rows equal to some training row in every
        column; ``holdout_dcr_median``, ``holdout_dcr_mean`` and
        ``holdout_exact_copy_share``: the same for the held-out rows.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff.evaluation import memorisation_summary
    >>> train = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> synthetic = np.array([[0.0, 0.0], [1.0, 0.5]])
    >>> holdout = np.array([[0.5, 0.5]])
    >>> summary = memorisation_summary(synthetic, train, holdout)
    >>> summary["synthetic_exact_copy_share"], summary["synthetic_dcr_median"]
    (0.5, 0.25)
    """
    syn = _numeric_matrix(synthetic, "synthetic")
    ref = _numeric_matrix(train, "train")
    hold = _numeric_matrix(holdout, "holdout")
    _check_same_width(syn, ref, "synthetic", "train")
    _check_same_width(hold, ref, "holdout", "train")
    out: dict[str, float] = {}
    for name, rows in (("synthetic", syn), ("holdout", hold)):
        dcr = distance_to_closest_record(rows, ref)
        out[f"{name}_dcr_median"] = float(np.median(dcr))
        out[f"{name}_dcr_mean"] = float(np.mean(dcr))
        out[f"{name}_exact_copy_share"] = _exact_copy_share(rows, ref)
    return out


def _exact_copy_share(rows: np.ndarray, reference: np.ndarray) -> float:
    # Hashing whole rows finds exact copies in linear time and does not depend
    # on the rounding of a distance computation; adding 0.0 maps -0.0 to 0.0 so
    # that the two zeros hash alike.
    ref_keys = {r.tobytes() for r in np.ascontiguousarray(reference + 0.0)}
    rows = np.ascontiguousarray(rows + 0.0)
    hits = sum(r.tobytes() in ref_keys for r in rows)
    return hits / rows.shape[0]


def _numeric_matrix(X, name: str) -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be numeric; encode nominal columns (for example one-hot) "
            "before measuring distances."
        ) from None
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be two-dimensional (rows x features); got shape {arr.shape}."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}).")
    frame = as_frame(arr)
    try:
        check_finite(frame, frame.columns, allow_nan=False)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return arr


def _check_same_width(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{name_a} has {a.shape[1]} columns but {name_b} has {b.shape[1]}; "
            "they must describe the same encoded features."
        )


def _binary_counts(y_true, y_pred, pos_label) -> tuple[int, int, int, int]:
    """Return ``(TP, FN, TN, FP)`` after checking the labels form a binary problem."""
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} labels but y_pred has "
            f"{y_pred.shape[0]}; they must match."
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true is empty: there is nothing to score.")
    labels = set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist())
    if len(labels) > 2:
        raise ValueError(
            "these metrics score a binary problem (minority = positive); the "
            f"labels hold {len(labels)} classes: {_sorted_labels(labels)}."
        )
    if pos_label not in labels:
        raise ValueError(
            f"pos_label={pos_label!r} is not among the labels "
            f"{_sorted_labels(labels)}; pass the minority class as pos_label."
        )
    true_pos = y_true == pos_label
    pred_pos = y_pred == pos_label
    tp = int(np.sum(true_pos & pred_pos))
    fn = int(np.sum(true_pos & ~pred_pos))
    tn = int(np.sum(~true_pos & ~pred_pos))
    fp = int(np.sum(~true_pos & pred_pos))
    return tp, fn, tn, fp


def _sorted_labels(labels) -> list:
    try:
        return sorted(labels)
    except TypeError:  # labels of mixed types do not compare
        return sorted(labels, key=repr)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0
