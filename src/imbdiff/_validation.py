"""Input checks shared by every public entry point.

Each check raises a ``ValueError`` whose message names the problem and, where
there is one, the way out. Nothing here prints or warns.

The rules for reading a table (which columns are numeric or nominal, what
counts as missing, what is refused) live here once, so that a file and a
DataFrame are read alike; docs/input.md states them for users.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import InvalidParameterError

from ._labels import check_label_types, check_target, minority_label, plain

__all__ = [
    "IDENTIFIER_MIN_DISTINCT",
    "IDENTIFIER_SHARE",
    "MISSING_TOKENS",
    "as_frame",
    "check_2d",
    "check_finite",
    "check_label_types",
    "check_no_missing",
    "check_positive_int",
    "check_target",
    "coerce_numeric_text",
    "identifier_error",
    "identifier_size",
    "minority_label",
    "numeric_text",
    "plain",
    "prepare_frame",
    "repeated_names",
    "resolve_categorical",
]

#: Text that stands for a missing value in a column that is otherwise numeric
#: (after surrounding spaces are stripped). In a text column these are
#: ordinary categories.
MISSING_TOKENS: tuple[str, ...] = (
    "",
    "?",
    "NA",
    "N/A",
    "NaN",
    "nan",
    "null",
    "None",
    "-",
)
#: A text column whose distinct values are at least this share of its rows...
IDENTIFIER_SHARE = 0.9
#: ... and at least this many is taken for an identifier and refused.
IDENTIFIER_MIN_DISTINCT = 20
#: Where the input rules are written down for users.
_INPUT_DOCS = "docs/input.md"


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
    repeated = repeated_names(X.columns)
    if repeated:
        raise ValueError(f"X has repeated column names {repeated}; rename them.")
    return X


def repeated_names(columns) -> list:
    """The column names that occur more than once, each once, in order.

    Examples
    --------
    >>> repeated_names(["a", "b", "a", "a"])
    ['a']
    """
    index = pd.Index(list(columns))
    return index[index.duplicated()].unique().tolist()


def check_positive_int(value, name: str, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is an integer >= 1 (booleans are not integers here).

    The error is scikit-learn's ``InvalidParameterError`` (a ``ValueError``
    and a ``TypeError``), as for any other parameter of the wrong type.
    """
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        extra = "None or " if allow_none else ""
        raise InvalidParameterError(
            f"{name} must be {extra}a positive integer; got {value!r}."
        )


def _is_text_dtype(dtype) -> bool:
    return not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    )


def numeric_text(values: pd.Series) -> pd.Series | None:
    """``values`` as float64 if the column is text that holds only numbers and
    missing values, else None.

    A text (object or string) column whose every entry is a number (or text
    that reads as one) or a missing value (NaN, None or one of
    :data:`MISSING_TOKENS`), with at least one of each, is a numeric column
    with missing values: a single ``?`` in a numeric column of a UCI file
    must not make it nominal. A text column of numbers alone (codes such as
    ``"01"``) stays text, as the user's dtype says; so does one of missing
    values alone, or one with a boolean in it.

    Examples
    --------
    >>> numeric_text(pd.Series(["1.5", "?", " 3", None])).tolist()
    [1.5, nan, 3.0, nan]
    >>> numeric_text(pd.Series(["a", "1", "?"])) is None
    True
    >>> numeric_text(pd.Series(["01", "02"])) is None
    True
    """
    if not _is_text_dtype(values.dtype):
        return None
    # Most text columns show a word among their first values: decide on
    # those before reading a long column whole.
    head = values.iloc[:512].dropna()
    if _as_numbers(head) is None:
        return None
    numbers = _as_numbers(values)
    if numbers is None or np.isnan(numbers).all() or not np.isnan(numbers).any():
        return None
    return pd.Series(numbers, index=values.index, name=values.name)


def _as_numbers(values: pd.Series) -> np.ndarray | None:
    """The entries of a text column as floats (missing values and tokens as
    NaN), or None if one entry is neither a number nor missing."""
    # str() of a boolean is "True", which is not a number, as intended.
    text = values.astype(str).str.strip()
    missing = values.isna().to_numpy() | text.isin(MISSING_TOKENS).to_numpy()
    numbers = pd.to_numeric(text.mask(missing), errors="coerce")
    numbers = numbers.to_numpy(dtype=float, na_value=np.nan)
    if (np.isnan(numbers) & ~missing).any():
        return None
    return numbers


def coerce_numeric_text(
    X: pd.DataFrame, columns
) -> tuple[pd.DataFrame, dict[object, list[str]]]:
    """``X`` with every text column among ``columns`` that :func:`numeric_text`
    reads as numbers converted to float64 (``X`` itself if none is).

    Returns the frame and, per converted column, the missing tokens it held
    (so that an error about its missing values can say how they were written).
    """
    converted, tokens = {}, {}
    for column in columns:
        values = numeric_text(X[column])
        if values is None:
            continue
        converted[column] = values
        given = X[column].dropna().astype(str).str.strip()
        seen = sorted(set(given[given.isin(MISSING_TOKENS)]))
        if seen:
            tokens[column] = seen
    if not converted:
        return X, tokens
    out = X.copy()
    for column, values in converted.items():
        out[column] = values
    return out, tokens


def identifier_size(values: pd.Series) -> int | None:
    """The number of distinct values if the text column ``values`` looks like
    an identifier (distinct values at least :data:`IDENTIFIER_SHARE` of its
    rows and at least :data:`IDENTIFIER_MIN_DISTINCT`), else None."""
    if not _is_text_dtype(values.dtype):
        return None
    distinct = int(values.nunique(dropna=True))
    if distinct >= IDENTIFIER_MIN_DISTINCT and distinct >= IDENTIFIER_SHARE * len(
        values
    ):
        return distinct
    return None


def identifier_error(column, distinct: int, rows: int, remedy: str) -> ValueError:
    """The error that refuses an identifier column, with how to get past it."""
    return ValueError(
        f"column {column!r} looks like an identifier ({distinct} distinct values "
        f"in {rows} rows), not a feature: generated rows could only copy its "
        f"values. {remedy} (see {_INPUT_DOCS})."
    )


def resolve_categorical(
    X: pd.DataFrame,
    categorical_features: str | Sequence | None = "auto",
    *,
    declared: Sequence = (),
    identifier_remedy: str = (
        "Drop it before resampling, or name it in categorical_features to keep "
        "it as a nominal column"
    ),
) -> list:
    """Return the column labels of ``X`` to be treated as nominal.

    Parameters
    ----------
    X : DataFrame
        The features.
    categorical_features : "auto", None or sequence of labels or positions
        ``"auto"`` takes pandas ``category``, ``object``, string and ``bool``
        columns, except text columns that hold only numbers and missing
        values (:func:`numeric_text`), which are numeric, and text columns
        that look like identifiers (:func:`identifier_size`), which are
        refused; ``None`` or an empty list means every column is numeric; a
        sequence of column labels or integer positions (or a boolean mask)
        names the nominal columns explicitly.
    declared : sequence of labels, default=()
        With ``"auto"``: columns the user declared nominal some other way
        (a ``category`` dtype that was converted on the way in); they are
        nominal and never refused as identifiers.
    identifier_remedy : str
        What the error refusing an identifier tells the user to do; ``{column}``
        stands for the column's label.

    Returns
    -------
    list
        Column labels of the nominal columns, in the frame's column order.

    Raises
    ------
    ValueError
        With ``"auto"``, for a text column that looks like an identifier.
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
        nominal = []
        for c in columns:
            values = X[c]
            if c in declared:
                nominal.append(c)
                continue
            if not _is_nominal_dtype(values.dtype):
                continue
            if _is_text_dtype(values.dtype):
                if numeric_text(values) is not None:
                    continue
                distinct = identifier_size(values)
                if distinct is not None:
                    raise identifier_error(
                        c, distinct, len(values), identifier_remedy.format(column=c)
                    )
            nominal.append(c)
        return nominal
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


def check_finite(
    X: pd.DataFrame, columns, *, allow_nan: bool, tokens: dict | None = None
) -> None:
    """Raise if a numeric column holds infinities, or NaN when not allowed.

    The message names the column (its label, or its position in an array)
    and says what to do; ``tokens`` (from :func:`coerce_numeric_text`) says
    how a column's missing values were written.
    """
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
    if not allow_nan:
        per_column = np.isnan(values).sum(axis=0)
        if per_column.any():
            j = int(np.flatnonzero(per_column)[0])
            written = (tokens or {}).get(columns[j])
            how = f" (written {', '.join(map(repr, written))})" if written else ""
            raise ValueError(
                f"column {columns[j]!r} has {_count(per_column[j], 'missing value')}"
                f"{how}; this method cannot take missing values. Impute them "
                "first, for example with scikit-learn's SimpleImputer in a "
                f"Pipeline, or drop those rows (see {_INPUT_DOCS})."
            )
    per_column = np.isinf(values).sum(axis=0)
    if per_column.any():
        j = int(np.flatnonzero(per_column)[0])
        raise ValueError(
            f"column {columns[j]!r} has {_count(per_column[j], 'infinite value')}; "
            "replace them with finite values (or with NaN and impute them) or "
            f"drop those rows (see {_INPUT_DOCS})."
        )


def check_no_missing(X: pd.DataFrame, columns) -> None:
    """Raise if a nominal column of ``X`` holds missing values."""
    for c in columns:
        n_missing = int(X[c].isna().sum())
        if n_missing:
            raise ValueError(
                f"column {c!r} has {_count(n_missing, 'missing value')}; this method "
                "cannot take missing values. Impute them first, for example with "
                "scikit-learn's SimpleImputer(strategy='most_frequent') in a "
                f"Pipeline, or drop those rows (see {_INPUT_DOCS})."
            )


def prepare_frame(
    X, categorical_features="auto", *, allow_nan: bool, names=None, declared=()
) -> tuple[pd.DataFrame, list]:
    """Read ``X`` by the input rules: the frame to work on and its nominal columns.

    Checks the column names, finds the nominal columns
    (:func:`resolve_categorical`), reads numeric text columns as numbers
    (:func:`coerce_numeric_text`) and checks that numeric columns are finite
    and, unless ``allow_nan``, that no value is missing.

    Parameters
    ----------
    X : array-like or DataFrame
    categorical_features : "auto", None or sequence
    allow_nan : bool
        Whether missing values are allowed (region typing takes them).
    names : sequence, optional
        Column labels to give an array (a sampler's ``feature_names_in_``), so
        that errors name the user's columns.
    declared : sequence, default=()
        Columns declared nominal by their dtype (see
        :func:`resolve_categorical`).

    Examples
    --------
    >>> X = pd.DataFrame({"a": ["1", "?", "3"], "b": ["x", "y", "x"]})
    >>> frame, nominal = prepare_frame(X, allow_nan=True)
    >>> frame["a"].tolist(), nominal
    ([1.0, nan, 3.0], ['b'])
    """
    frame = as_frame(X)
    if names is not None:
        frame = frame.set_axis(list(names), axis=1)
    # Numeric text becomes numbers first, so that resolving the nominal
    # columns afterwards does not parse it again; only columns named nominal
    # (by the user or their dtype) are left as text.
    named = (
        declared
        if isinstance(categorical_features, str)
        else resolve_categorical(frame, categorical_features)
    )
    frame, tokens = coerce_numeric_text(
        frame, [c for c in frame.columns if c not in named]
    )
    nominal = resolve_categorical(frame, categorical_features, declared=declared)
    numeric = [c for c in frame.columns if c not in nominal]
    check_finite(frame, numeric, allow_nan=allow_nan, tokens=tokens)
    if not allow_nan:
        check_no_missing(frame, nominal)
    return frame, nominal


def _count(n, noun: str) -> str:
    n = int(n)
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _is_nominal_dtype(dtype) -> bool:
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )
