"""An oversampler that chooses among oversamplers, and no oversampling, by
cross-validation on the data it is fitted on."""

from __future__ import annotations

import time
from collections.abc import Mapping
from numbers import Integral
from typing import ClassVar

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.base import clone
from sklearn.metrics import f1_score, get_scorer, make_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ..evaluation.classifiers import make_classifier
from ._classic import prowsyn_available
from ._registry import METHODS, make_sampler
from ._tabular import TabularInput

__all__ = ["AUTO_CANDIDATES", "AutoOverSampler"]

#: The methods :class:`AutoOverSampler` chooses among by default (ProWSyn
#: only when smote-variants is installed). ``balanced`` and ``threshold``
#: change the classifier, which a sampler cannot do.
AUTO_CANDIDATES = (
    "none",
    "smote",
    "borderline",
    "prowsyn",
    "tabddpm",
    "semres",
    "lreddpm",
)


def installed_candidates(methods) -> list[str]:
    """``methods`` without ProWSyn where smote-variants is not installed.

    Examples
    --------
    >>> installed_candidates(["none", "smote"])
    ['none', 'smote']
    """
    return [m for m in methods if m != "prowsyn" or prowsyn_available()]


class AutoOverSampler(TabularInput, BaseSampler):
    """Choose the oversampler, or none, by inner cross-validation.

    An imbalanced-learn sampler, but not one of its over-samplers: when no
    oversampling wins, it returns the data as it is, whatever
    ``sampling_strategy`` asks. Each candidate resamples the training part
    of each of ``cv`` stratified folds of the data given to
    :meth:`fit_resample`; ``classifier`` is
    trained on the result and scored on the fold's held-out part. The
    candidate with the best mean score (the earlier one on a tie, so no
    oversampling wins ties when it comes first) then resamples all the data.

    Parameters
    ----------
    methods : sequence, default=None
        The candidates: method names of :data:`imbdiff.samplers.METHODS`
        (``"none"`` for no oversampling), samplers, or ``(name, sampler)``
        pairs. None takes :data:`AUTO_CANDIDATES` (ProWSyn where installed).
    params : mapping of str to dict, default=None
        Parameters of named candidates over their defaults, by method name
        (``{"tabddpm": {"train_steps": 300}}``).
    classifier : estimator, default=None
        The classifier whose score decides; None is a decision tree behind
        the library's feature encoding (nominal columns one-hot encoded).
    scoring : str or callable, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; None is F1
        of the minority class for two classes and macro F1 for more.
    cv : int, default=3
        Folds of the inner cross-validation.
    sampling_strategy : str, float, dict or callable, default="auto"
        Passed to every candidate (imbalanced-learn's meaning).
    categorical_features : "auto", None or sequence, default="auto"
        Nominal columns of array input, as for the other samplers.
    random_state : int, RandomState or None, default=None
        Seeds the folds and every candidate.

    Attributes
    ----------
    cv_results_ : dict of lists
        Per candidate: ``method``, ``mean_test_score``, ``std_test_score``,
        ``split<i>_test_score``, ``mean_seconds`` (resampling per fold) and
        ``error`` (why a candidate could not be scored, else "").
    best_method_ : str
        The chosen candidate's name.
    best_score_ : float
        Its mean score.
    sampler_ : sampler or None
        The chosen candidate, fitted on all the data (None for no
        oversampling).

    Examples
    --------
    >>> from imbdiff import load_dataset
    >>> from imbdiff.samplers import AutoOverSampler
    >>> data = load_dataset("ecoli4")
    >>> auto = AutoOverSampler(methods=["none", "smote"], random_state=0)
    >>> X_res, y_res = auto.fit_resample(data.X, data.y)
    >>> auto.best_method_ in ("none", "smote"), auto.cv_results_["method"]
    (True, ['none', 'smote'])
    """

    # sampling_strategy is read and checked as an over-sampler's.
    _sampling_type = "over-sampling"
    _parameter_constraints: ClassVar[dict] = {
        "sampling_strategy": BaseOverSampler._parameter_constraints[
            "sampling_strategy"
        ],
        "cv": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        methods=None,
        params=None,
        classifier=None,
        scoring=None,
        cv=3,
        sampling_strategy="auto",
        categorical_features="auto",
        random_state=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.methods = methods
        self.params = params
        self.classifier = classifier
        self.scoring = scoring
        self.cv = cv
        self.categorical_features = categorical_features
        self.random_state = random_state

    def _fit_resample(self, X, y):
        frame, nominal = self._frame_of(X)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        candidates = self._candidates(seed, nominal)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        splits = list(folds.split(frame, y))
        scorer = self._scorer(y)
        classifier = (
            make_classifier(
                "decision_tree", random_state=seed, categorical_features=nominal
            )
            if self.classifier is None
            else self.classifier
        )
        rows = [
            _cross_validate(name, sampler, classifier, scorer, frame, y, splits)
            for name, sampler in candidates
        ]
        self.cv_results_ = _results(rows, len(splits))
        scores = np.array(self.cv_results_["mean_test_score"], dtype=float)
        if np.isnan(scores).all():
            errors = "; ".join(f"{r['method']}: {r['error']}" for r in rows)
            raise ValueError(f"no candidate could be scored: {errors}")
        best = int(np.nanargmax(scores))
        self.best_method_ = candidates[best][0]
        self.best_score_ = float(scores[best])
        self.sampler_ = candidates[best][1]
        if self.sampler_ is None:
            return X, y
        X_res, y_res = self.sampler_.fit_resample(frame, y)
        new_rows = pd.DataFrame(X_res).iloc[len(frame) :]
        return self._append(X, y, [new_rows], [np.asarray(y_res)[len(y) :]])

    def _candidates(self, seed: int, nominal) -> list[tuple[str, object]]:
        """(name, unfitted sampler or None) of each candidate, each seeded
        with ``seed`` and asked for this sampler's ``sampling_strategy``."""
        methods = self.methods
        if methods is None:
            methods = installed_candidates(AUTO_CANDIDATES)
        params = dict(self.params or {})
        out, names = [], []
        for entry in methods:
            name, sampler = _named(entry, params)
            if name in names:
                raise ValueError(f"candidate {name!r} is named twice.")
            names.append(name)
            if sampler is not None:
                own = sampler.get_params(deep=False)
                settings = {"sampling_strategy": self.sampling_strategy}
                if "random_state" in own:
                    settings["random_state"] = seed
                if (
                    "categorical_features" in own
                    and own["categorical_features"] == "auto"
                ):
                    settings["categorical_features"] = list(nominal)
                sampler = clone(sampler).set_params(**settings)
            out.append((name, sampler))
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"params names {unknown[0]!r}, which is no candidate.")
        return out

    def _scorer(self, y):
        """The scorer of :attr:`scoring` (see the class's documentation)."""
        if callable(self.scoring):
            return self.scoring
        if self.scoring is not None:
            return get_scorer(self.scoring)
        labels, counts = np.unique(y, return_counts=True)
        if len(labels) == 2:
            minority = labels[np.argmin(counts)]
            return make_scorer(f1_score, pos_label=minority, zero_division=0.0)
        return make_scorer(f1_score, average="macro", zero_division=0.0)


def _named(entry, params: Mapping) -> tuple[str, object]:
    """(name, sampler or None) of a candidate as the user gave it."""
    if isinstance(entry, str):
        if entry not in METHODS:
            raise ValueError(f"unknown method {entry!r}; known: {', '.join(METHODS)}.")
        if entry == "auto":
            raise ValueError("'auto' cannot be a candidate of itself.")
        if entry in ("balanced", "threshold"):
            raise ValueError(
                f"{entry!r} changes the classifier, which a sampler cannot do; "
                "imbdiff compare weighs it."
            )
        return entry, make_sampler(entry, params.get(entry, {}))
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
        return entry
    if hasattr(entry, "fit_resample"):
        return type(entry).__name__, entry
    raise ValueError(
        f"a candidate is a method name, a sampler or (name, sampler); got {entry!r}."
    )


def _cross_validate(name, sampler, classifier, scorer, frame, y, splits) -> dict:
    """A candidate's score on each fold, or its error."""
    scores, seconds = [], []
    for train, test in splits:
        X_train, y_train = frame.iloc[train], y[train]
        try:
            start = time.perf_counter()
            if sampler is not None:
                X_train, y_train = clone(sampler).fit_resample(X_train, y_train)
            seconds.append(time.perf_counter() - start)
            fitted = clone(classifier).fit(X_train, y_train)
        except (ValueError, RuntimeError) as error:
            # A candidate that cannot run on this data loses; the others go on.
            return {"method": name, "scores": [], "seconds": [], "error": str(error)}
        scores.append(float(scorer(fitted, frame.iloc[test], y[test])))
    return {"method": name, "scores": scores, "seconds": seconds, "error": ""}


def _results(rows: list[dict], n_splits: int) -> dict[str, list]:
    """The rows of :func:`_cross_validate` as ``cv_results_``."""
    out = {
        "method": [r["method"] for r in rows],
        "mean_test_score": [
            np.mean(r["scores"]) if r["scores"] else np.nan for r in rows
        ],
        "std_test_score": [
            np.std(r["scores"]) if r["scores"] else np.nan for r in rows
        ],
    }
    for i in range(n_splits):
        out[f"split{i}_test_score"] = [
            r["scores"][i] if r["scores"] else np.nan for r in rows
        ]
    out["mean_seconds"] = [
        np.mean(r["seconds"]) if r["seconds"] else np.nan for r in rows
    ]
    out["error"] = [r["error"] for r in rows]
    return out
