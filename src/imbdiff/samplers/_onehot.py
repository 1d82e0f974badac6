"""Numeric-only oversamplers (SMOTE, ADASYN, ...) on data with nominal columns.

imbalanced-learn's interpolating samplers need numbers. ``OneHotOverSampler``
gives them the nominal columns one-hot encoded (0/1 per category), lets them
generate, and decodes each generated block to its largest entry, so the new
rows hold categories seen in training. On numeric data it hands the data to
the sampler unchanged and returns exactly what the sampler returns.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from ..encoding import one_hot
from ._tabular import CATEGORICAL_FEATURES, TabularOverSampler, reach_counts

__all__ = ["OneHotOverSampler"]


class OneHotOverSampler(TabularOverSampler):
    """Run a numeric-only ``sampler`` on mixed data through one-hot encoding.

    Parameters
    ----------
    sampler : imbalanced-learn over-sampler
        For example ``SMOTE()``; cloned at each fit. Its own
        ``sampling_strategy`` and ``random_state`` are replaced by these.
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Passed to the sampler.
    categorical_features : "auto", None or list, default="auto"
        Nominal columns: "auto" takes text, category and bool columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from imblearn.over_sampling import SMOTE
    >>> from imbdiff.samplers import OneHotOverSampler
    >>> X = pd.DataFrame({"size": range(12), "colour": list("rgb") * 4})
    >>> X["colour"] = X["colour"].astype("category")
    >>> y = [0] * 9 + [1] * 3
    >>> sampler = OneHotOverSampler(sampler=SMOTE(k_neighbors=2), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> len(X_res), set(X_res["colour"]) <= {"r", "g", "b"}
    (18, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        **TabularOverSampler._parameter_constraints,
        # Any imbalanced-learn sampler; it validates its own parameters.
        "sampler": [HasMethods(["fit_resample"]), None],
        "random_state": ["random_state"],
        "categorical_features": CATEGORICAL_FEATURES,
    }

    def __init__(
        self,
        *,
        sampler=None,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.sampler = sampler
        self.random_state = random_state
        self.categorical_features = categorical_features

    def _fit_resample(self, X, y):
        if self.sampler is None or not hasattr(self.sampler, "fit_resample"):
            raise ValueError(
                "sampler must be an imbalanced-learn over-sampler such as SMOTE(); "
                f"got {self.sampler!r}."
            )
        frame, nominal = self._frame_of(X)
        inner = clone(self.sampler)
        inner.set_params(sampling_strategy=reach_counts(y, self.sampling_strategy_))
        if "random_state" in inner.get_params(deep=False):
            inner.set_params(random_state=self.random_state)
        columns = list(frame.columns)
        numeric = [c for c in columns if c not in nominal]
        categories = {c: pd.Index(pd.unique(frame[c].astype(object))) for c in nominal}
        encoded = np.hstack(
            [frame[numeric].to_numpy(dtype=float)]
            + [one_hot(frame[c], categories[c]) for c in nominal]
        )
        X_res, y_res = inner.fit_resample(encoded, y)
        new = np.asarray(X_res)[len(y) :]
        if len(new) == 0:
            return X, y
        decoded = pd.DataFrame(new[:, : len(numeric)], columns=numeric)
        start = len(numeric)
        for c in nominal:
            block = new[:, start : start + len(categories[c])]
            decoded[c] = categories[c][block.argmax(axis=1)]
            start += len(categories[c])
        return self._append(X, y, [decoded[columns]], [np.asarray(y_res)[len(y) :]])
