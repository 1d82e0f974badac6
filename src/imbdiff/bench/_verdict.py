"""Which method helps on this table, if any: the comparison's statistics and
its answer in words.

Each method's primary metric is averaged over the classifiers within each
split (repeat and fold), one number per method and split. Each method is
compared with the reference (no oversampling) on the same splits by the
corrected resampled t-test (:mod:`imbdiff.evaluation.comparison`), the
p-values adjusted by Holm's method across the methods. A method "helped
clearly" when it is above the reference and its adjusted p-value is at most
alpha; the answer names the best of those, its gain with the 95% interval,
and the methods within noise of it with their cost, or says that no method
helped clearly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..evaluation.comparison import corrected_resampled_ttest, holm

__all__ = ["METRIC_TITLES", "Verdict", "judge", "split_scores"]

#: How the answer names a metric.
METRIC_TITLES = {
    "f1": "F1",
    "auc": "AUC",
    "gmean": "G-mean",
    "gmean_pr": "G-mean (of precision and recall)",
    "balanced_accuracy": "balanced accuracy",
}
_REFERENCE_NAMES = {"none": "no oversampling"}


@dataclass(frozen=True)
class Verdict:
    """The answer of a comparison.

    Attributes
    ----------
    sentence : str
        The recommendation in plain words.
    table : DataFrame
        One row per method (the reference first): ``mean`` of the primary
        metric over splits, ``difference`` from the reference with its
        interval ``low``, ``high``, ``p_value`` and ``p_holm``, ``helped``
        (clearly better), ``hurt`` (clearly worse), ``seconds`` (mean
        sampler time per split) and ``splits`` (splits with a score).
    best : str or None
        The method the sentence recommends, None when no method helped.
    """

    sentence: str
    table: pd.DataFrame
    best: str | None


def split_scores(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The primary ``metric`` averaged over the classifiers within each
    split: rows (seed, fold), one column per method label.

    Only classifiers that every method has a score for count, so that each
    method is averaged over the same classifiers.
    """
    scored = frame[(frame["metric"] == metric) & (frame["classifier"] != "")]
    scored = scored[scored["status"] == "done"]
    if scored.empty:
        raise ValueError(f"no finished cell has a {metric!r} score.")
    labels = set(scored["label"])
    shared = [
        c for c, rows in scored.groupby("classifier") if set(rows["label"]) == labels
    ]
    scored = scored[scored["classifier"].isin(shared)]
    return scored.pivot_table(
        index=["seed", "fold"], columns="label", values="value", aggfunc="mean"
    )


def judge(
    frame: pd.DataFrame,
    *,
    metric: str = "f1",
    reference: str = "none",
    test_to_train: float,
    alpha: float = 0.05,
    order=None,
) -> Verdict:
    """The verdict of a comparison's results (:func:`imbdiff.bench.results`).

    Parameters
    ----------
    frame : DataFrame
        The comparison's results, one row per cell, classifier and metric.
    metric : str, default="f1"
        The primary metric.
    reference : str, default="none"
        The label every method is compared with.
    test_to_train : float
        Test over training rows of a split (``1 / (k - 1)`` for k folds).
    alpha : float, default=0.05
        Level of the Holm-adjusted tests.
    order : sequence of str, optional
        The methods' order in the table (the reference first regardless).
    """
    scores = split_scores(frame, metric)
    if reference not in scores.columns:
        raise ValueError(
            f"the reference {reference!r} has no finished {metric!r} score."
        )
    labels = [m for m in (order or scores.columns) if m in scores.columns]
    others = [m for m in labels if m != reference]
    rows = {reference: _row(scores[reference], None, test_to_train)}
    for label in others:
        rows[label] = _row(scores[label], scores[reference], test_to_train)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["p_holm"] = np.nan
    tested = table.index[table["p_value"].notna()]
    if len(tested):
        table.loc[tested, "p_holm"] = holm(table.loc[tested, "p_value"])
    significant = table["p_holm"] <= alpha
    table["helped"] = significant & (table["difference"] > 0)
    table["hurt"] = significant & (table["difference"] < 0)
    seconds = (
        frame[frame["status"] == "done"]
        .drop_duplicates(["label", "seed", "fold"])
        .groupby("label")["total_seconds"]
        .mean()
    )
    table["seconds"] = seconds.reindex(table.index)
    sentence, best = _sentence(table, scores, metric, reference, test_to_train, alpha)
    return Verdict(sentence, table, best)


def _row(scores: pd.Series, reference: pd.Series | None, test_to_train: float):
    """A method's mean, and its difference from the reference on the splits
    both have, with the corrected test."""
    row = {
        "mean": scores.mean(),
        "difference": np.nan,
        "low": np.nan,
        "high": np.nan,
        "p_value": np.nan,
        "splits": int(scores.notna().sum()),
    }
    if reference is None:
        return row
    differences = (scores - reference).dropna()
    if len(differences) >= 2:
        test = corrected_resampled_ttest(differences, test_to_train=test_to_train)
        row.update(
            difference=test.mean, low=test.low, high=test.high, p_value=test.p_value
        )
    return row


def _sentence(table, scores, metric, reference, test_to_train, alpha):
    """The recommendation in words, and the method it recommends."""
    base = table.loc[reference, "mean"]
    name = METRIC_TITLES.get(metric, metric)
    of = _REFERENCE_NAMES.get(reference, reference)
    helped = table[table["helped"]]
    hurt = list(table.index[table["hurt"]])
    worse = f" {_names(hurt)} lowered it clearly." if hurt else ""
    if helped.empty:
        candidates = table.drop(index=reference).dropna(subset=["difference"])
        if candidates.empty:
            return f"No method could be compared with {reference}.", None
        top = candidates["mean"].idxmax()
        if candidates.loc[top, "difference"] <= 0:
            return (
                f"No method helped on this table: none raised {name} above "
                f"{base:.3f}, that of {of}.{worse}",
                None,
            )
        return (
            f"No method helped clearly on this table: the best, {top}, changed "
            f"{name} from {base:.3f} to {candidates.loc[top, 'mean']:.3f} "
            f"({_interval(candidates.loc[top])}, Holm-adjusted p = "
            f"{candidates.loc[top, 'p_holm']:.3f}), within noise of {of}."
            f"{worse}",
            None,
        )
    best = helped["mean"].idxmax()
    text = (
        f"On this table {best} raised {name} from {base:.3f} to "
        f"{helped.loc[best, 'mean']:.3f} ({_interval(helped.loc[best])}, "
        f"Holm-adjusted p = {helped.loc[best, 'p_holm']:.3f})."
    )
    near = _within_noise(table, scores, best, reference, test_to_train, alpha)
    if near:
        of = table.loc[best, "seconds"]
        costs = ", ".join(
            f"{label} ({_times(table.loc[label, 'seconds'], of)})" for label in near
        )
        text += f" Within noise of it: {costs}."
    return text + worse, best


def _within_noise(table, scores, best, reference, test_to_train, alpha) -> list:
    """The methods (not the reference) that the corrected test does not set
    apart from ``best`` at level ``alpha``."""
    near = []
    for label in table.index:
        if label in (best, reference):
            continue
        differences = (scores[label] - scores[best]).dropna()
        if len(differences) < 2:
            continue
        test = corrected_resampled_ttest(differences, test_to_train=test_to_train)
        if test.p_value > alpha:
            near.append(label)
    return near


def _interval(row) -> str:
    return (
        f"{row['difference']:+.3f}, 95% interval {row['low']:+.3f} to "
        f"{row['high']:+.3f}"
    )


def _times(seconds: float, of: float) -> str:
    """``seconds`` against the best method's ``of``, in words."""
    if not (seconds > 0 and of > 0):
        return "time not measured"
    ratio = seconds / of
    if ratio >= 1:
        return f"{_number(ratio)} times its time"
    return f"{_number(1 / ratio)} times faster"


def _number(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}"


def _names(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]
