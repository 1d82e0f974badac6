"""What every generative oversampler of imbdiff shares, whatever its model.

Text and category columns pass imbalanced-learn's checks untouched, the
input is checked for missing or infinite values once, and new rows are
appended after the original ones in the input's own type (sparse, array or
DataFrame, whose dtypes ``fit_resample`` restores).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils._validation import check_target_type
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._validation import as_frame, check_label_types, prepare_frame

__all__ = [
    "PerClassOverSampler",
    "TabularInput",
    "TabularOverSampler",
    "random_state_of",
]

#: Parameter constraints (scikit-learn's) shared by several samplers; a value
#: of the wrong type is refused with ``InvalidParameterError`` at fit time.
POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
POSITIVE_REAL = [Interval(Real, 0, None, closed="neither")]
CATEGORICAL_FEATURES = ["array-like", StrOptions({"auto"}), None]


def random_state_of(random_state) -> np.random.RandomState:
    """Like scikit-learn's ``check_random_state``, but ``None`` draws fresh OS
    entropy instead of using (and advancing) numpy's global random state."""
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return check_random_state(random_state)


def reach_counts(y, sampling_strategy_: dict) -> dict:
    """The row count each class must reach, as an imbalanced-learn sampler's
    dict ``sampling_strategy`` asks, from a fitted ``sampling_strategy_``
    (which counts the rows to add).

    Examples
    --------
    >>> reach_counts(["a", "a", "a", "b"], {"b": 2})
    {'b': 3}
    """
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    have = dict(zip(labels.tolist(), counts.tolist()))
    return {label: have[label] + int(n) for label, n in sampling_strategy_.items()}


class TabularInput:
    """Mixed-type input for an imbalanced-learn sampler, appended output.

    A sampler class lists it before imbalanced-learn's base; its
    ``_fit_resample`` reads the input with :meth:`_frame_of` and returns it
    with the generated rows by :meth:`_append`.
    """

    def fit_resample(self, X, y, **params):
        """Resample the dataset (see imbalanced-learn's ``fit_resample``).

        Before imbalanced-learn's own checks, repeated column names and labels
        of mixed types are refused with errors that name them (scikit-learn
        would fail with an unrelated message).
        """
        if isinstance(X, pd.DataFrame):
            # Raises before X[column] of a repeated name returns a frame.
            as_frame(X)
        if check_label_types(y) == {"number"}:
            # scikit-learn cannot tell the type of numbers held as objects.
            raise ValueError(
                "y holds numbers as Python objects (dtype object); convert it to "
                "a numeric array first, for example y.astype(int)."
            )
        return super().fit_resample(X, y, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags

    # imbalanced-learn validates X as numbers; text columns must pass through.
    def _check_X_y(self, X, y, accept_sparse=None):
        if accept_sparse is None:
            accept_sparse = ["csr", "csc"]
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        self.feature_dtypes_ = list(X.dtypes) if isinstance(X, pd.DataFrame) else None
        if isinstance(X, pd.DataFrame):
            # scikit-learn would cast category columns to float; as objects
            # they pass through (fit_resample restores the user's dtypes).
            nominal = [
                c
                for c in X.columns
                if isinstance(X[c].dtype, pd.CategoricalDtype)
                or pd.api.types.is_string_dtype(X[c].dtype)
            ]
            if nominal:
                X = X.astype(dict.fromkeys(nominal, object))
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            accept_sparse=accept_sparse,
            dtype=None,
            ensure_all_finite=False,
        )
        return X, y, binarize_y

    def _frame_of(self, X) -> tuple[pd.DataFrame, list]:
        """The checked input as a DataFrame, and its nominal columns.

        The frame carries the user's column names when they gave a DataFrame,
        so that every error names the column as they know it.
        """
        dense = X.toarray() if sparse.issparse(X) else X
        names = getattr(self, "feature_names_in_", None)
        # Category columns reach here as objects (see _check_X_y); their dtype
        # declared them nominal, so the identifier rule does not apply.
        dtypes = self.feature_dtypes_ or []
        declared = [
            c
            for c, dtype in zip(
                names if names is not None else range(len(dtypes)), dtypes
            )
            if isinstance(dtype, pd.CategoricalDtype)
        ]
        return prepare_frame(
            dense,
            self.categorical_features,
            allow_nan=False,
            names=names,
            declared=declared,
        )

    @staticmethod
    def _append(X, y, new_rows: list[pd.DataFrame], new_labels: list[np.ndarray]):
        """``X`` and ``y`` followed by the generated rows, in ``X``'s type."""
        if not new_rows:
            return X, y
        generated = pd.concat(new_rows, ignore_index=True)
        if sparse.issparse(X):
            block = sparse.csr_matrix(generated.to_numpy(dtype=X.dtype))
            X_res = sparse.vstack([X, block], format=X.format)
        else:
            X_res = np.vstack([X, generated.to_numpy(dtype=X.dtype)])
        return X_res, np.hstack([y, *new_labels])


class TabularOverSampler(TabularInput, BaseOverSampler):
    """Base of the generative oversamplers: mixed-type input, appended output.

    Subclasses implement ``_fit_resample`` with :meth:`_frame_of` to read the
    input and :meth:`_append` to return it with the generated rows.
    """


@dataclass
class ClassFit:
    """What the fits of one ``fit_resample`` call share across the classes."""

    frame: pd.DataFrame
    y: np.ndarray
    nominal: list
    #: A model that every class shares (a class-conditional one), if any.
    shared: object = None


class PerClassOverSampler(TabularOverSampler):
    """Base of the samplers that fit a model for each class to oversample
    (or one that every class shares), then generate that class's rows.

    :meth:`_fit_resample` is the template and fixes the order, so that every
    such sampler draws its seeds alike: one per class from ``random_state``,
    in the order of ``sampling_strategy_``. A subclass writes
    :meth:`_start_fit`, :meth:`_fit_class` and :meth:`_generate_class`, and
    where it needs to :meth:`_fit_shared`, :meth:`_fits_class`,
    :meth:`_finish_fit` and :meth:`_threads`.
    """

    def _fit_resample(self, X, y):
        fit = self._start_fit(X, y)
        rng = random_state_of(self.random_state)
        self.fit_seconds_ = self.sample_seconds_ = 0.0
        new: tuple[list, list] = ([], [])
        with self._threads():
            start = time.perf_counter()
            self._fit_shared(fit, rng)
            self.fit_seconds_ += time.perf_counter() - start
            for label in list(self.sampling_strategy_):
                if not self._fits_class(label):
                    continue
                seed = int(rng.randint(np.iinfo(np.int32).max))
                start = time.perf_counter()
                model = self._fit_class(fit, label, seed)
                self.fit_seconds_ += time.perf_counter() - start
                self._generate_class(fit, label, model, seed, new)
        self._finish_fit(fit)
        return self._append(X, y, *new)

    def _start_fit(self, X, y) -> ClassFit:
        """Check the settings and read the table: what the classes share."""
        frame, nominal = self._frame_of(X)
        return ClassFit(frame, y, nominal)

    def _fit_shared(self, fit: ClassFit, rng: np.random.RandomState) -> None:
        """Fit what every class shares before the classes (nothing here)."""

    def _fits_class(self, label) -> bool:
        """Whether class ``label`` is fitted (and draws a seed) at all."""
        return True

    def _fit_class(self, fit: ClassFit, label, seed: int):
        """The model of class ``label``, fitted with ``seed``."""
        raise NotImplementedError

    def _generate_class(self, fit: ClassFit, label, model, seed: int, new) -> None:
        """Append the new rows of ``label`` and their labels to the lists
        ``new`` (rows, labels), counting the time as sampling."""
        raise NotImplementedError

    def _finish_fit(self, fit: ClassFit) -> None:
        """Keep what the fit leaves behind (nothing here)."""

    def _threads(self):
        """The thread limits the fit runs under (none here)."""
        return contextlib.nullcontext()
