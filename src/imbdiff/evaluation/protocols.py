"""The two evaluation protocols: a fixed hold-out split, and stratified k-fold.

Both protocols oversample the training part only, train each classifier on the
resampled training rows and score it on rows the sampler never saw. The
minority (least frequent) class is the positive class. Results come back as a
tidy DataFrame with one row per (repeat, classifier, metric) and the columns
of :data:`RESULT_COLUMNS`:

``protocol``
    ``"holdout"`` or ``"cv"``.
``seed``
    The seed given to the sampler (its ``random_state``) and to every
    classifier of the repeat.
``fold``
    The fold index for ``"cv"``; ``0`` for ``"holdout"``, which has one split.
``classifier``, ``metric``, ``value``
    A name of :data:`~imbdiff.evaluation.CLASSIFIER_NAMES`, a name of
    :data:`~imbdiff.evaluation.METRIC_NAMES` and its value on the test part.
``n_synthetic``
    Rows the sampler added to the training part (0 without a sampler; negative
    for a sampler that removes rows).

A repeat's seed drives both the sampler and the classifiers, so the spread
over repeats mixes both sources of randomness; standard deviations published
with other protocols need not be comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from .._validation import (
    check_2d,
    check_target,
    minority_label,
    prepare_frame,
)
from ._scoring import resample, resample_and_score, score_classifiers
from .classifiers import (
    CLASSIFIER_NAMES,
    PAPER_CLASSIFIERS,
    check_classifiers,
    classifier_label,
)
from .metrics import METRIC_NAMES

__all__ = [
    "RESULT_COLUMNS",
    "evaluate_cv",
    "evaluate_holdout",
    "holdout_split",
    "resample",
    "score_classifiers",
    "summarise",
]

#: Columns of the DataFrames returned by the protocols, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "protocol",
    "seed",
    "fold",
    "classifier",
    "metric",
    "value",
    "n_synthetic",
)


def holdout_split(X, y, *, test_size: float = 0.2, random_state: int | None = 0):
    """Split rows into a stratified training part and test part.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features. A DataFrame keeps its index and dtypes.
    y : array-like of shape (n_samples,)
        Labels; every class keeps its share in both parts.
    test_size : float, default=0.2
        Share of rows in the test part, in ``(0, 1)``.
    random_state : int or None, default=0
        Seed of the shuffle.

    Returns
    -------
    X_train, X_test, y_train, y_test
        The two parts, of the types of ``X`` and ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff.evaluation import holdout_split
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0] * 5 + [1] * 5)
    >>> X_train, X_test, y_train, y_test = holdout_split(X, y)
    >>> X_train.shape, X_test.shape, int(y_test.sum())
    ((8, 2), (2, 2), 1)
    """
    if not isinstance(test_size, (float, int)) or not 0 < test_size < 1:
        raise ValueError(
            f"test_size must be a share strictly between 0 and 1; got {test_size!r}."
        )
    X = check_2d(X)
    y_arr = check_target(y, n_rows=X.shape[0])
    _, counts = np.unique(y_arr, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            "a stratified split needs at least 2 rows of every class; the "
            f"smallest class has {counts.min()}."
        )
    return train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y_arr
    )


def evaluate_holdout(
    sampler,
    X,
    y,
    *,
    classifiers: Sequence[str] = PAPER_CLASSIFIERS,
    seeds: Iterable[int] = range(10),
    test_size: float = 0.2,
    split_seed: int = 0,
    categorical_features: str | Sequence | None = "auto",
) -> pd.DataFrame:
    """Score a sampler with the LReDDPM protocol: one split, several seeds.

    The rows are split once into a stratified training part and test part
    (fixed by ``split_seed``). For every seed, a fresh clone of ``sampler``
    (its ``random_state`` set to the seed when it has one) is fitted on the
    training part, every classifier (``random_state`` = the seed) is trained
    on the resampled training rows and scored on the untouched test part.

    Parameters
    ----------
    sampler : imbalanced-learn sampler or None
        Anything with ``fit_resample`` that ``sklearn.base.clone`` can copy;
        ``None`` trains on the training part as it is.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features; passed to the sampler unchanged in type.
    y : array-like of shape (n_samples,)
        Binary labels; the least frequent class is the positive class.
    classifiers : sequence, default=PAPER_CLASSIFIERS
        Names from :data:`~imbdiff.evaluation.CLASSIFIER_NAMES`, or
        ``(label, estimator)`` pairs of your own classifiers (see
        :func:`~imbdiff.evaluation.check_classifiers`).
    seeds : iterable of int, default=range(10)
        One repeat per seed.
    test_size : float, default=0.2
        Share of rows in the test part.
    split_seed : int, default=0
        Seed of the split, the same for every repeat.
    categorical_features : "auto", None or sequence, default="auto"
        Nominal columns for the classifiers' encoding (see
        :class:`~imbdiff.evaluation.FeatureEncoder`).

    Returns
    -------
    DataFrame
        Tidy results, columns :data:`RESULT_COLUMNS`; ``protocol`` is
        ``"holdout"`` and ``fold`` is 0.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.datasets import make_classification
    >>> from imbdiff.evaluation import evaluate_holdout, summarise
    >>> X, y = make_classification(n_samples=120, weights=[0.8], random_state=0)
    >>> results = evaluate_holdout(SMOTE(), X, y, seeds=[0, 1])
    >>> results.shape
    (32, 7)
    >>> summarise(results).shape
    (16, 5)
    """
    seed_list = _seed_list(seeds)
    X, y_arr, names, pos_label = _prepare(
        sampler, X, y, classifiers, categorical_features
    )
    X_train, X_test, y_train, y_test = holdout_split(
        X, y_arr, test_size=test_size, random_state=split_seed
    )
    splits = ((seed, 0, X_train, y_train, X_test, y_test) for seed in seed_list)
    return _score_splits(
        sampler, splits, "holdout", names, pos_label, categorical_features
    )


def evaluate_cv(
    sampler,
    X,
    y,
    *,
    classifiers: Sequence[str] = CLASSIFIER_NAMES,
    n_splits: int = 5,
    random_state: int = 0,
    categorical_features: str | Sequence | None = "auto",
) -> pd.DataFrame:
    """Score a sampler with the SEMRes protocol: stratified k-fold cross-validation.

    The rows are cut into ``n_splits`` stratified folds (shuffled with
    ``random_state``). For every fold, a fresh clone of ``sampler`` is fitted
    on the other folds, every classifier is trained on the resampled rows and
    scored on the held-out fold, which is never resampled. The fold is the
    repeat unit; ``random_state`` is also the seed of the sampler and of the
    classifiers in every fold.

    Parameters
    ----------
    sampler : imbalanced-learn sampler or None
        Anything with ``fit_resample`` that ``sklearn.base.clone`` can copy;
        ``None`` trains on the training folds as they are.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features; passed to the sampler unchanged in type.
    y : array-like of shape (n_samples,)
        Binary labels; the least frequent class is the positive class.
    classifiers : sequence, default=CLASSIFIER_NAMES
        Names from :data:`~imbdiff.evaluation.CLASSIFIER_NAMES`, or
        ``(label, estimator)`` pairs of your own classifiers (see
        :func:`~imbdiff.evaluation.check_classifiers`).
    n_splits : int, default=5
        Number of folds; every class needs at least that many rows.
    random_state : int, default=0
        Seed of the fold assignment, of the sampler and of the classifiers.
    categorical_features : "auto", None or sequence, default="auto"
        Nominal columns for the classifiers' encoding.

    Returns
    -------
    DataFrame
        Tidy results, columns :data:`RESULT_COLUMNS`; ``protocol`` is ``"cv"``
        and ``seed`` is ``random_state``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbdiff.evaluation import evaluate_cv
    >>> X, y = make_classification(n_samples=100, weights=[0.8], random_state=0)
    >>> results = evaluate_cv(None, X, y, classifiers=["gaussian_nb"], n_splits=3)
    >>> sorted(results["fold"].unique().tolist())
    [0, 1, 2]
    """
    if (
        isinstance(n_splits, bool)
        or not isinstance(n_splits, (int, np.integer))
        or n_splits < 2
    ):
        raise ValueError(f"n_splits must be an integer >= 2; got {n_splits!r}.")
    X, y_arr, names, pos_label = _prepare(
        sampler, X, y, classifiers, categorical_features
    )
    _, counts = np.unique(y_arr, return_counts=True)
    if counts.min() < n_splits:
        # StratifiedKFold would only warn and build folds without the class.
        raise ValueError(
            f"the minority class has {counts.min()} rows, fewer than "
            f"n_splits={n_splits}; every fold needs at least one of them. "
            "Lower n_splits."
        )
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    splits = (
        (
            int(random_state),
            fold,
            _take(X, train),
            y_arr[train],
            _take(X, test),
            y_arr[test],
        )
        for fold, (train, test) in enumerate(
            folds.split(np.zeros((y_arr.size, 1)), y_arr)
        )
    )
    return _score_splits(sampler, splits, "cv", names, pos_label, categorical_features)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of each metric per classifier, over repeats.

    Parameters
    ----------
    results : DataFrame
        Output of :func:`evaluate_holdout` or :func:`evaluate_cv`; only the
        columns ``classifier``, ``metric`` and ``value`` are used.

    Returns
    -------
    DataFrame
        Columns ``classifier``, ``metric``, ``mean``, ``std`` (sample standard
        deviation, ``ddof=1``; NaN for a single repeat) and ``n`` (number of
        repeats), one row per (classifier, metric) in order of appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> from imbdiff.evaluation import summarise
    >>> results = pd.DataFrame(
    ...     {"classifier": ["svm", "svm"], "metric": ["f1", "f1"], "value": [0.5, 0.7]}
    ... )
    >>> summarise(results).round(4).to_dict("records")
    [{'classifier': 'svm', 'metric': 'f1', 'mean': 0.6, 'std': 0.1414, 'n': 2}]
    """
    if not isinstance(results, pd.DataFrame):
        raise ValueError("results must be a DataFrame from an evaluation protocol.")
    missing = [c for c in ("classifier", "metric", "value") if c not in results]
    if missing:
        raise ValueError(
            f"results lacks the columns {missing}; pass the output of "
            "evaluate_holdout or evaluate_cv."
        )
    grouped = results.groupby(["classifier", "metric"], sort=False)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    out = out.rename(columns={"count": "n"})
    out["n"] = out["n"].astype(int)
    return out


def _score_splits(
    sampler, splits, protocol: str, names, pos_label, categorical_features
) -> pd.DataFrame:
    """Resample each training part, train and score every classifier on it.

    ``splits`` yields ``(seed, fold, X_train, y_train, X_test, y_test)``, one
    repeat each, taken in turn; the result is the protocols' tidy frame.
    """
    rows: list[dict] = []
    for seed, fold, X_train, y_train, X_test, y_test in splits:
        _, _, y_res, scores, _ = resample_and_score(
            sampler,
            X_train,
            y_train,
            X_test,
            y_test,
            names=names,
            seed=seed,
            pos_label=pos_label,
            categorical_features=categorical_features,
        )
        n_synthetic = int(len(y_res) - len(y_train))
        rows.extend(
            {
                "protocol": protocol,
                "seed": seed,
                "fold": fold,
                "classifier": label,
                "metric": metric,
                "value": scores[label][metric],
                "n_synthetic": n_synthetic,
            }
            for label in map(classifier_label, names)
            for metric in METRIC_NAMES
        )
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return frame.astype(
        {"seed": "int64", "fold": "int64", "value": "float64", "n_synthetic": "int64"}
    )


def _prepare(sampler, X, y, classifiers, categorical_features):
    """Checks shared by both protocols, before any fitting starts."""
    names = check_classifiers(classifiers)
    _check_sampler(sampler)
    X = check_2d(X)
    y_arr = check_target(y, n_rows=X.shape[0])
    # Classifiers and samplers cannot take missing or infinite numbers.
    prepare_frame(X, categorical_features, allow_nan=False)
    return X, y_arr, names, _minority_label(y_arr)


def _minority_label(y: np.ndarray):
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(
            "these protocols score a binary problem (minority = positive), but y "
            f"has {classes.size} classes: {classes.tolist()}. Reduce it to one "
            "minority class against the rest first."
        )
    return minority_label(y)


def _take(X, idx: np.ndarray):
    return X.iloc[idx] if isinstance(X, pd.DataFrame) else X[idx]


def _check_sampler(sampler) -> None:
    if sampler is not None and not hasattr(sampler, "fit_resample"):
        raise ValueError(
            f"sampler must have a fit_resample method (an imbalanced-learn "
            f"sampler) or be None; got {type(sampler).__name__}."
        )


def _seed_list(seeds) -> list[int]:
    seeds = [seeds] if isinstance(seeds, (int, np.integer)) else list(seeds)
    if not seeds:
        raise ValueError("seeds is empty; give at least one seed.")
    bad = [
        s for s in seeds if isinstance(s, bool) or not isinstance(s, (int, np.integer))
    ]
    if bad:
        raise ValueError(f"seeds must be integers; got {bad}.")
    return [int(s) for s in seeds]
