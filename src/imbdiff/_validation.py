"""Input checks shared by every public entry point.

Each check raises a ``ValueError`` whose message names the problem and, where
there is one, the way out. Nothing here prints or warns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "as_frame",
    "check_2d",
    "check_finite",
    "check_positive_int",
    "check_target",
    "minority_label",
    "plain",
    "resolve_categorical",
]


def check_2d(X):
    """Return ``X`` unchanged if it is a DataFrame, else as a 2-d numpy array."""
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(
            f"X must be two-dimensional (rows x features); got an array of shape "
            f"{arr.shape}."
        )
    return arr


def as_frame(X) -> pd.DataFrame:
    """Return ``X`` as a DataFrame without copying a DataFrame that is one already.

    A numpy input gets integer column labels (its positions), as pandas gives;
    an object array holding only numbers gets numeric columns.
    """
    X = check_2d(X)
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(X)
        if any(pd.api.types.is_object_dtype(t) for t in X.dtypes):
            X = X.infer_objects()
    if X.shape[1] == 0:
        raise ValueError("X has no feature columns; there is nothing to compare.")
    if not X.columns.is_unique:
        repeated = X.columns[X.columns.duplicated()].unique().tolist()
        raise ValueError(f"X has repeated column names {repeated}; rename them.")
    return X


def minority_label(y):
    """The least frequent label of ``y``.

    On a tie the label that sorts last wins, as scikit-learn takes the larger
    label as the positive class of a binary problem.
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    smallest = classes[counts == counts.min()]
    return plain(smallest[-1])


def check_positive_int(value, name: str, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is an integer >= 1 (booleans are not integers here)."""
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        extra = "None or " if allow_none else ""
        raise ValueError(f"{name} must be {extra}a positive integer; got {value!r}.")


def plain(value):
    """A numpy scalar as the Python value it holds (so that messages read well)."""
    return value.item() if isinstance(value, np.generic) else value


def check_target(y, *, n_rows: int | None = None) -> np.ndarray:
    """Return ``y`` as a 1-d array after checking it has at least two classes.

    Raises
    ------
    ValueError
        If ``y`` is empty, has missing labels, has a length other than
        ``n_rows`` or holds a single class.
    """
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        y_arr = y_arr.reshape(-1) if y_arr.ndim == 2 and 1 in y_arr.shape else y_arr
    if y_arr.ndim != 1:
        raise ValueError(f"y must be one-dimensional; got shape {np.shape(y)}.")
    if y_arr.size == 0:
        raise ValueError("y is empty: there is no row to learn from.")
    if n_rows is not None and y_arr.size != n_rows:
        raise ValueError(
            f"X has {n_rows} rows but y has {y_arr.size} labels; they must match."
        )
    if pd.isna(y_arr).any():
        raise ValueError(
            f"y has {int(pd.isna(y_arr).sum())} missing labels; drop those rows first."
        )
    try:
        classes = np.unique(y_arr)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in y_arr.tolist()})
        raise ValueError(
            f"y mixes labels of different types ({', '.join(kinds)}); use one type "
            "for all labels."
        ) from None
    if classes.size < 2:
        raise ValueError(
            f"y holds a single class ({classes[0]!r}); an imbalanced problem needs "
            "at least two classes."
        )
    return y_arr


def resolve_categorical(
    X: pd.DataFrame, categorical_features: str | Sequence | None = "auto"
) -> list:
    """Return the column labels of ``X`` to be treated as nominal.

    Parameters
    ----------
    X : DataFrame
        The features.
    categorical_features : "auto", None or sequence of labels or positions
        ``"auto"`` takes pandas ``category``, ``object``, string and ``bool``
        columns; ``None`` or an empty list means every column is numeric; a
        sequence of column labels or integer positions (or a boolean mask)
        names the nominal columns explicitly.

    Returns
    -------
    list
        Column labels of the nominal columns, in the frame's column order.
    """
    columns = list(X.columns)
    if categorical_features is None:
        return []
    if isinstance(categorical_features, str):
        if categorical_features != "auto":
            raise ValueError(
                "categorical_features must be 'auto', None, or a list of column "
                f"names or positions; got {categorical_features!r}."
            )
        return [c for c in columns if _is_nominal_dtype(X[c].dtype)]
    chosen = list(categorical_features)
    if chosen and all(isinstance(c, (bool, np.bool_)) for c in chosen):
        if len(chosen) != len(columns):
            raise ValueError(
                f"a boolean categorical_features mask must have one entry per "
                f"column ({len(columns)}); got {len(chosen)}."
            )
        return [c for c, keep in zip(columns, chosen) if keep]
    out = []
    for c in chosen:
        if c in columns:
            out.append(c)
        elif isinstance(c, (int, np.integer)) and -len(columns) <= c < len(columns):
            out.append(columns[c])
        else:
            raise ValueError(
                f"categorical feature {c!r} is neither a column name nor a valid "
                f"position; the columns are {columns[:10]}"
                + (" ..." if len(columns) > 10 else "")
            )
    return [c for c in columns if c in set(out)]


def check_finite(X: pd.DataFrame, columns, *, allow_nan: bool) -> None:
    """Raise if a numeric column holds infinities, or NaN when not allowed."""
    columns = list(columns)
    if not columns:
        return
    try:
        values = X[columns].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        for c in columns:
            try:
                X[c].to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                raise ValueError(
                    f"column {c!r} is treated as numeric but holds values that are "
                    "not numbers; name it in categorical_features or fix the data."
                ) from None
        raise
    problems = (np.isinf(values), "infinite values; replace them with finite values")
    checks = [problems]
    if not allow_nan:
        checks.insert(
            0,
            (
                np.isnan(values),
                "missing (NaN) values; this method cannot take them. Impute or "
                "drop them first",
            ),
        )
    for bad, what in checks:
        per_column = bad.sum(axis=0)
        if per_column.any():
            j = int(np.flatnonzero(per_column)[0])
            raise ValueError(f"column {columns[j]!r} has {int(per_column[j])} {what}.")


def _is_nominal_dtype(dtype) -> bool:
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )
