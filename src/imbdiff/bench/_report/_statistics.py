"""The report's statistics: means over seeds and folds, ranks, the tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "average_ranks",
    "critical_difference",
    "friedman",
    "over_classifiers",
    "rank_tests",
]


def average_ranks(means: pd.DataFrame, *, higher_is_better: bool = True):
    """Average rank of each column over the rows (datasets), ties averaged.

    A column with no value at all (a method that does not apply, such as
    ``balanced`` with k-NN, or a distance of a method that makes no rows) is
    left out; then rows with a missing value are left out, so every rank
    compares the same methods. Returns the ranks and the number of rows used.

    Examples
    --------
    >>> import pandas as pd
    >>> means = pd.DataFrame({"a": [0.9, 0.8], "b": [0.7, 0.8], "c": None})
    >>> average_ranks(means)[0].to_dict()
    {'a': 1.25, 'b': 1.75}
    """
    complete = means.dropna(axis=1, how="all").dropna()
    ranks = complete.rank(axis=1, ascending=not higher_is_better)
    return ranks.mean(axis=0), len(complete)


def critical_difference(n_methods: int, n_datasets: int, alpha: float = 0.05):
    """Nemenyi critical difference of average ranks (Demsar, 2006).

    Examples
    --------
    >>> round(critical_difference(4, 10), 3)
    1.483
    """
    q = stats.studentized_range.ppf(1 - alpha, n_methods, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(n_methods * (n_methods + 1) / (6.0 * n_datasets)))


def friedman(means: pd.DataFrame) -> tuple[float, float]:
    """Friedman's chi-square and its p-value of the columns (methods) over
    the rows (datasets) where every column has a value.

    Examples
    --------
    >>> import pandas as pd
    >>> means = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.5, 0.4, 0.3],
    ...                       "c": [0.1, 0.2, None]})
    >>> [round(v, 4) for v in friedman(means)]
    [4.0, 0.1353]
    """
    complete = means.dropna()
    statistic, p_value = stats.friedmanchisquare(
        *[complete[c].to_numpy() for c in complete.columns]
    )
    return float(statistic), float(p_value)


def rank_tests(means: pd.DataFrame, *, higher_is_better: bool = True):
    """Average ranks (:func:`average_ranks`), the number of datasets they
    use, and, where there are at least 3 methods and 2 datasets, the
    Friedman test and the Nemenyi critical difference (alpha 0.05) of the
    ranked methods as ``(chi2, p_value, cd)``; else None.

    Examples
    --------
    >>> import pandas as pd
    >>> means = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.5, 0.4, 0.3],
    ...                       "c": [0.1, 0.2, 0.0]})
    >>> ranks, n, (chi2, p_value, cd) = rank_tests(means)
    >>> ranks.to_dict(), n, round(p_value, 4), round(cd, 3)
    ({'a': 1.0, 'b': 2.0, 'c': 3.0}, 3, 0.0498, 1.914)
    """
    ranks, n = average_ranks(means, higher_is_better=higher_is_better)
    if len(ranks) < 3 or n < 2:
        return ranks, n, None
    statistic, p_value = friedman(means[ranks.index])
    return ranks, n, (statistic, p_value, critical_difference(len(ranks), n))


def mean_std(rows: pd.DataFrame, order):
    """Mean and standard deviation of ``rows``' values per dataset (rows) and
    method label (columns, in ``order``), over seeds and folds."""
    grouped = rows.groupby(["dataset", "label"])["value"]
    means = grouped.mean().unstack("label")
    stds = grouped.std().unstack("label")
    columns = [c for c in order if c in means.columns]
    return means.reindex(columns=columns), stds.reindex(columns=columns)


def mean_std_cells(means, stds, *, higher_is_better: bool):
    """``mean ± std`` texts and where each row's best is (for bold)."""
    cells = pd.DataFrame(index=means.index, columns=means.columns, dtype=object)
    bold = pd.DataFrame(False, index=means.index, columns=means.columns)
    for dataset in means.index:
        row = means.loc[dataset]
        best = row.max() if higher_is_better else row.min()
        for label in means.columns:
            mean, std = row[label], stds.loc[dataset, label]
            if pd.isna(mean):
                cells.loc[dataset, label] = "-"
                continue
            spread = 0.0 if pd.isna(std) else std
            cells.loc[dataset, label] = f"{mean:.4f} ± {spread:.4f}"
            bold.loc[dataset, label] = bool(np.isclose(mean, best))
    return cells, bold


def rank_table(means, higher_is_better: bool):
    """The average ranks as a one-row table, the best in bold, and a note
    with the datasets used, the Friedman test and the critical difference."""
    inapplicable = [str(c) for c in means.columns if means[c].isna().all()]
    means = means.dropna(axis=1, how="all")
    ranks, n, tests = rank_tests(means, higher_is_better=higher_is_better)
    left_out = [str(d) for d in means.index if means.loc[d].isna().any()]
    note = f"{n} datasets with every method" + (
        f" ({', '.join(left_out)} left out)" if left_out else ""
    )
    if inapplicable:
        note += f"; {', '.join(inapplicable)} not applicable"
    if tests:
        statistic, p_value, cd = tests
        note += (
            f"; Friedman chi2 = {statistic:.3f}, p = {p_value:.4f}; "
            f"Nemenyi critical difference (alpha 0.05) = {cd:.3f}"
        )
    table = pd.DataFrame(
        [[f"{v:.2f}" for v in ranks.values]],
        columns=list(ranks.index),
        index=["average rank"],
    )
    bold = pd.DataFrame(
        [[bool(np.isclose(v, ranks.min())) for v in ranks.values]],
        columns=list(ranks.index),
        index=["average rank"],
    )
    return table, bold, note


def over_classifiers(rows: pd.DataFrame, order):
    """Each dataset's mean over the classifiers (each classifier's mean over
    seeds and folds, the classifiers weighted equally), per method label in
    ``order``, for the methods scored with every classifier; and the labels
    of ``order`` left out because some classifier has no score of theirs
    (``balanced`` with a classifier without class weights, or a method whose
    every cell failed).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "dataset": ["d"] * 5, "label": ["a", "a", "a", "b", "b"],
    ...     "classifier": ["x", "x", "y", "x", "y"], "value": [0.2, 0.4, 0.9, 0.5, 0.7],
    ... })
    >>> means, left_out = over_classifiers(rows, ["a", "b"])
    >>> means.round(2).to_dict("index"), left_out
    ({'d': {'a': 0.6, 'b': 0.6}}, [])
    """
    per = rows.groupby(["dataset", "label", "classifier"])["value"].mean()
    per = per.unstack("classifier")
    complete = per.notna().groupby(level="label").all().all(axis=1)
    kept = [label for label in order if complete.get(label, False)]
    # Never scored at all (every cell failed) counts as left out too.
    left_out = [label for label in order if label not in kept]
    means = per.mean(axis=1).unstack("label")
    return means.reindex(columns=kept), left_out


def copy_flags(means: dict) -> list[str]:
    """Methods with 10% or more synthetic rows equal to a training row on
    some dataset (the mean over that dataset's cells), with each such
    dataset: a method that copies on one table is not cleared by others.

    Closeness alone is no flag: interpolating methods such as SMOTE sit
    close to the training rows by design; the distance tables show it.

    Examples
    --------
    >>> import pandas as pd
    >>> shares = pd.DataFrame({"a": [0.3, 0.0, 0.0, 0.0], "b": [0.05, 0.0, 0.0, 0.0]},
    ...                       index=["d1", "d2", "d3", "d4"])
    >>> copy_flags({"synthetic_exact_copy_share": shares})
    ['a: 30% of its synthetic rows copy a training row on d1']
    """
    copies = means.get("synthetic_exact_copy_share")
    if copies is None:
        return []
    flags = []
    for label in copies.columns:
        high = copies[label][copies[label] >= 0.1].sort_values(ascending=False)
        if high.empty:
            continue
        where = [
            f"{100 * share:.0f}% of its synthetic rows copy a training row on {dataset}"
            if i == 0
            else f"{100 * share:.0f}% on {dataset}"
            for i, (dataset, share) in enumerate(high.items())
        ]
        flags.append(f"{label}: " + ", ".join(where))
    return flags
