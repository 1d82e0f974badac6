"""Minority example types (safe, border, rare, outlier) under the HVDM distance.

LReDDPM (section 3.1) types every minority example by the classes of its k = 5
nearest neighbours among all training examples under the Heterogeneous Value
Difference Metric of Wilson & Martinez (1997); :mod:`._hvdm` computes the
distance and runs the exact search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._hvdm import (
    _kneighbors,
    _n_threads,
    _prepare,
    hvdm_kneighbors,
    hvdm_neighbours_of,
)
from ._validation import (
    as_frame,
    check_positive_int,
    check_target,
)

__all__ = [
    "REGION_NAMES",
    "hvdm_kneighbors",
    "hvdm_neighbours_of",
    "minority_types",
    "region_of",
    "replaced_composition",
]

#: Region names, in the paper's numbering (region 1 = safe ... 4 = outlier).
REGION_NAMES: tuple[str, ...] = ("safe", "border", "rare", "outlier")


def region_of(same_class: np.ndarray, k: int = 5) -> np.ndarray:
    """Map counts of same-class neighbours to region names.

    For ``k = 5`` this is the paper's equation (5): 5 or 4 same-class neighbours
    -> safe, 3 or 2 -> border, 1 -> rare, 0 -> outlier. For another ``k`` the
    same proportions are used: at least 4/5 of k -> safe, at least 2/5 ->
    border, above 0 -> rare, 0 -> outlier.

    Examples
    --------
    >>> region_of([5, 4, 3, 2, 1, 0]).tolist()
    ['safe', 'safe', 'border', 'border', 'rare', 'outlier']
    """
    same = np.asarray(same_class)
    share = same / k
    out = np.where(
        share >= 0.8 - 1e-12,
        "safe",
        np.where(share >= 0.4 - 1e-12, "border", np.where(same > 0, "rare", "outlier")),
    )
    return out.astype(object)


def minority_types(
    X,
    y,
    *,
    k: int = 5,
    minority_classes=None,
    categorical_features="auto",
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Type every minority example as safe, border, rare or outlier.

    Each minority example's k nearest neighbours are found among all other
    examples under HVDM; the number of them sharing its class gives its type
    (:func:`region_of`). With several minority classes, each is typed against
    all other examples (one class against the rest).

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features; missing values are allowed (HVDM defines them).
    y : array-like of shape (n_samples,)
        Class labels.
    k : int, default=5
        Neighbours per example (the paper uses 5).
    minority_classes : list, optional
        Classes to type. Default: every class but the most frequent one (for a
        binary problem, the minority class).
    categorical_features : "auto", None or list
        Nominal columns (see :func:`hvdm_kneighbors`).
    n_jobs : int, optional
        Threads for the neighbour search.

    Returns
    -------
    DataFrame
        One row per minority example, indexed like ``X`` (row positions for an
        array), with columns ``label``, ``same_class_neighbours`` and ``region``
        (categorical, in the order of :data:`REGION_NAMES`).

    Raises
    ------
    ValueError
        If ``y`` has one class, a typed class has fewer than ``k + 1``
        examples, or a numeric column holds infinities.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(3, 1, (8, 2))])
    >>> y = np.array([0] * 40 + [1] * 8)
    >>> types = minority_types(X, y)
    >>> list(types.columns)
    ['label', 'same_class_neighbours', 'region']
    >>> len(types)
    8
    """
    frame, y_arr, nominal = _prepare(X, y, categorical_features)
    check_positive_int(k, "k")
    _n_threads(n_jobs)
    labels, counts = np.unique(y_arr, return_counts=True)
    if minority_classes is not None and (
        isinstance(minority_classes, str) or np.ndim(minority_classes) == 0
    ):
        minority_classes = [minority_classes]
    if minority_classes is None:
        majority = labels[np.argmax(counts)]
        minority_classes = [c for c in labels.tolist() if c != majority]
    else:
        unknown = [c for c in minority_classes if c not in set(labels.tolist())]
        if unknown:
            raise ValueError(
                f"classes {unknown} do not occur in y; y has {labels.tolist()}."
            )
    sizes = dict(zip(labels.tolist(), counts.tolist()))
    for c in minority_classes:
        if sizes[c] < k + 1:
            raise ValueError(
                f"class {c!r} has {sizes[c]} examples; typing needs at least "
                f"k + 1 = {k + 1} to find {k} neighbours. Use a smaller k or more data."
            )
    is_minority = np.isin(y_arr, list(minority_classes))
    rows = np.flatnonzero(is_minority)
    _, neighbours = _kneighbors(frame, y_arr, nominal, k, rows, n_jobs)
    same = (y_arr[neighbours] == y_arr[rows][:, None]).sum(axis=1)
    region = pd.Categorical(region_of(same, k), categories=list(REGION_NAMES))
    return pd.DataFrame(
        {"label": y_arr[rows], "same_class_neighbours": same, "region": region},
        index=frame.index[rows],
    )


def replaced_composition(
    X,
    y,
    replace,
    rows,
    *,
    label,
    k: int = 5,
    categorical_features="auto",
) -> pd.DataFrame:
    """Regions of new rows of class ``label`` put in place of some real ones.

    The rows of ``X`` selected by the boolean mask ``replace`` are removed,
    ``rows`` are added with class ``label``, and every example of ``label`` is
    typed again (:func:`minority_types`); the result is the composition of the
    added rows. This is the LReDDPM paper's check of its synthetic rows
    (Figure 5): replace the guiding region's examples by the generated ones
    and see which region the generated ones fall in.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    replace : array-like of bool of shape (n_samples,)
        The real examples the new rows take the place of.
    rows : array-like or DataFrame of shape (n_new, n_features)
        The new rows (columns as ``X``).
    label
        Their class.
    k : int, default=5
    categorical_features : "auto", None or list

    Returns
    -------
    DataFrame
        Indexed by :data:`REGION_NAMES`, with the ``count`` and ``share`` of
        the new rows in each region.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(4, 0.3, (8, 2))])
    >>> y = np.array([0] * 40 + [1] * 8)
    >>> new = rng.normal(4, 0.3, (8, 2))
    >>> replaced_composition(X, y, y == 1, new, label=1)["count"].tolist()
    [8, 0, 0, 0]
    """
    frame = as_frame(X)
    y_arr = check_target(y, n_rows=len(frame))
    mask = np.asarray(replace, dtype=bool)
    if mask.shape != (len(frame),):
        raise ValueError(f"replace needs {len(frame)} entries; got {mask.shape}.")
    new = as_frame(rows)
    if len(new) == 0:
        raise ValueError("there are no new rows to type.")
    if new.shape[1] != frame.shape[1]:
        raise ValueError(
            f"the new rows have {new.shape[1]} columns; X has {frame.shape[1]}."
        )
    new = new.set_axis(list(frame.columns), axis=1)
    kept = frame[~mask].reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            new[column] = new[column].astype(frame[column].dtype)
    joined = pd.concat([kept, new], ignore_index=True)
    labels = np.concatenate([y_arr[~mask], np.full(len(new), label, dtype=y_arr.dtype)])
    types = minority_types(
        joined,
        labels,
        k=k,
        minority_classes=[label],
        categorical_features=categorical_features,
    )
    added = types["region"].to_numpy()[-len(new) :]
    counts = pd.Series(added).value_counts().reindex(list(REGION_NAMES), fill_value=0)
    return pd.DataFrame(
        {"count": counts.astype(int), "share": counts / len(new)},
        index=pd.Index(list(REGION_NAMES), name="region"),
    )
