"""One training part resampled, each classifier trained on it and scored.

What every evaluation here does once per split: the protocols
(:mod:`.protocols`) and the benchmark engine's cells.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sklearn.base import clone

from .classifiers import (
    NotApplicableError,
    adjust_classifier,
    classifier_label,
    classifier_scores,
    make_classifier,
)
from .metrics import classification_metrics

__all__ = ["resample", "resample_and_score", "score_classifiers"]


def resample(sampler, X, y, *, seed: int):
    """Fit a fresh clone of ``sampler`` (``random_state`` = ``seed`` when it has
    one) on ``X, y``: ``(fitted, X_res, y_res)``; ``None`` keeps the data."""
    if sampler is None:
        return None, X, y
    fitted = clone(sampler)
    if "random_state" in fitted.get_params(deep=False):
        fitted.set_params(random_state=seed)
    X_res, y_res = fitted.fit_resample(X, y)
    return fitted, X_res, y_res


def resample_and_score(
    sampler,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    names: Sequence[str],
    seed: int,
    pos_label,
    categorical_features="auto",
    adjust: str | None = None,
):
    """:func:`resample` the training part, then :func:`score_classifiers` on
    the result: ``(fitted, X_res, y_res, scores, seconds)``, ``seconds`` the
    time the resampling took."""
    start = time.perf_counter()
    fitted, X_res, y_res = resample(sampler, X_train, y_train, seed=seed)
    seconds = time.perf_counter() - start
    scores = score_classifiers(
        X_res,
        y_res,
        X_test,
        y_test,
        names=names,
        seed=seed,
        pos_label=pos_label,
        categorical_features=categorical_features,
        adjust=adjust,
    )
    return fitted, X_res, y_res, scores, seconds


def score_classifiers(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    names: Sequence[str],
    seed: int,
    pos_label,
    categorical_features="auto",
    adjust: str | None = None,
) -> dict[str, dict[str, float]]:
    """Train each classifier on the (resampled) training rows, score it on the
    test rows: ``{classifier: {metric: value}}``.

    ``adjust`` changes each classifier (:func:`adjust_classifier`); a
    classifier it does not apply to is left out of the result, not scored
    as something else.
    """
    out = {}
    for name in names:
        clf = make_classifier(
            name, random_state=seed, categorical_features=categorical_features
        )
        try:
            clf = adjust_classifier(clf, adjust, pos_label=pos_label, random_state=seed)
        except NotApplicableError:
            continue
        clf = _fit_tuned(clf, X_train, y_train)
        out[classifier_label(name)] = classification_metrics(
            y_test,
            clf.predict(X_test),
            classifier_scores(clf, X_test, pos_label=pos_label),
            pos_label=pos_label,
        )
    return out


def _fit_tuned(clf, X, y):
    """Fit ``clf``; a threshold-tuned classifier whose inner fits predict one
    constant score has no threshold to tune (every threshold gives the same
    predictions), so it is scored as the classifier it wraps, fitted on all
    rows at its default threshold, which is what tuning would have kept."""
    from sklearn.model_selection import TunedThresholdClassifierCV

    try:
        return clf.fit(X, y)
    except ValueError as error:
        if not (
            isinstance(clf, TunedThresholdClassifierCV)
            and "constant predictions" in str(error)
        ):
            raise
        return clf.estimator.fit(X, y)
