"""Checks of the labels ``y`` (part of :mod:`._validation`, which re-exports
them): one kind of label, at least two classes, the minority class."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_label_types", "check_target", "minority_label", "plain"]


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
    check_label_types(y_arr)
    classes = np.unique(y_arr)
    if classes.size < 2:
        raise ValueError(
            f"y holds a single class ({plain(classes[0])!r}); an imbalanced problem "
            "needs at least two classes."
        )
    return y_arr


def check_label_types(y) -> set[str]:
    """Raise if the labels of ``y`` are of more than one kind (numbers, text, ...).

    Missing labels are left to the caller. The message names both kinds with
    an example of each, which scikit-learn's "Unknown label type" does not.
    Returns the kind found in an array of Python objects (``{"number"}``,
    ``{"text"}``, ...), or an empty set for a typed array or a list.

    Examples
    --------
    >>> check_label_types([0, 1, 1])
    set()
    >>> check_label_types(np.array(["a", "b"], dtype=object))
    {'text'}
    >>> check_label_types(np.array([0, "a"], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y mixes labels of two types: number (e.g. 0) and text (e.g. 'a'); ...
    """
    # A list of 0 and "a" would become the strings "0" and "a" in an array.
    from_list = isinstance(y, (list, tuple))
    arr = np.asarray(y, dtype=object) if from_list else np.asarray(y)
    if arr.dtype != object:
        return set()
    examples: dict[str, object] = {}
    for value in arr.ravel().tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        examples.setdefault(_label_kind(value), value)
        if len(examples) > 1:
            (a, ex_a), (b, ex_b) = examples.items()
            raise ValueError(
                f"y mixes labels of two types: {a} (e.g. {ex_a!r}) and {b} "
                f"(e.g. {ex_b!r}); use one type for all labels, for example "
                "y.astype(str)."
            )
    return set() if from_list else set(examples)


def _label_kind(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, float, np.number)):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def minority_label(y):
    """The least frequent label of ``y``.

    On a tie the label that sorts last wins, as scikit-learn takes the larger
    label as the positive class of a binary problem.
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    smallest = classes[counts == counts.min()]
    return plain(smallest[-1])
