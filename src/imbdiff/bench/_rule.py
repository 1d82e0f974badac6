"""The rule that chooses a default on the tuning group (SPEC section 10).

A candidate setting is compared with the current default, dataset by dataset:
the mean F1 of each over every classifier and fold; a dataset where the two
means are equal (a change that cannot touch it) does not count; a failed
cell or a failed guard of the candidate is a loss. The
candidate passes on quality when it wins at least two thirds of the counted
datasets (at least 4 counting) and its mean over all datasets is not lower;
a cheaper candidate passes on cost when it wins at least half (or none count)
and its mean is at most 0.005 lower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TUNING_GROUP", "RuleVerdict", "apply_rule", "check_tuning_group"]

#: The tuning group (SPEC section 10): twelve datasets from source tables that
#: no evaluation suite uses; every default is chosen on these and no others.
TUNING_GROUP = (
    "dermatology-6",
    "led7digit-0-2-4-5-6-7-8-9_vs_1",
    "pc1",
    "vowel0",
    "winequality-white-3_vs_7",
    "kr-vs-k-zero_vs_eight",
    "shuttle-c0-vs-c4",
    "poker-8-9_vs_6",
    "kddcup-guess_passwd_vs_satan",
    "cm1",
    "appendicitis",
    "ionosphere",
)

#: How far the candidate's mean over all datasets may fall on the cost clause.
COST_TOLERANCE = 0.005
#: The guard's allowance for exact copies of training rows (a share).
COPY_ALLOWANCE = 0.01


def check_tuning_group(datasets) -> None:
    """Raise ``ValueError`` unless every name in ``datasets`` is a dataset of
    :data:`TUNING_GROUP`: a default chosen by looking at a dataset that an
    evaluation suite scores would make that suite's results worthless.

    Examples
    --------
    >>> check_tuning_group(["pc1", "cm1"])
    >>> check_tuning_group(["pc1", "yeast3"])
    Traceback (most recent call last):
    ...
    ValueError: yeast3 is not in the tuning group; ...: ...dermatology-6, ...
    """
    if isinstance(datasets, str):
        datasets = [datasets]
    outside = sorted({str(name) for name in datasets} - set(TUNING_GROUP))
    if outside:
        raise ValueError(
            f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not in "
            "the tuning group; defaults are chosen on its datasets alone: "
            f"{', '.join(TUNING_GROUP)}."
        )


@dataclass(frozen=True)
class RuleVerdict:
    """The outcome of :func:`apply_rule`.

    Attributes
    ----------
    table : DataFrame
        One row per dataset: ``default`` and ``candidate`` (mean F1),
        ``diff``, ``counted``, ``outcome`` ("win", "loss", "tie" or
        "missing"), ``guard`` (whether the candidate passes it), the
        candidate's and the held-out rows' exact-copy shares and median
        distances to the closest training row, and the mean seconds per cell
        of each.
    counted, wins : int
    default_mean, candidate_mean : float
        Means over the datasets of the table where both have one (NaN while
        any dataset is missing).
    complete : bool
        Every dataset has every fold of both.
    quality, cost : bool
        Whether the candidate passes the quality clause, and the cost clause
        (which only a cheaper candidate can pass).
    """

    table: pd.DataFrame
    counted: int
    wins: int
    default_mean: float
    candidate_mean: float
    complete: bool
    quality: bool
    cost: bool


def apply_rule(
    default: pd.DataFrame,
    candidate: pd.DataFrame,
    *,
    datasets: list[str] | None = None,
    metric: str = "f1",
    seconds: str = "total_seconds",
) -> RuleVerdict:
    """Judge ``candidate`` against ``default`` by the tuning group's rule.

    Parameters
    ----------
    default, candidate : DataFrame
        The tidy results of one method each (as :func:`imbdiff.bench.results`
        returns, filtered to one label): columns ``dataset``, ``seed``,
        ``fold``, ``status``, ``classifier``, ``metric``, ``value``,
        ``total_seconds`` and ``n_synthetic``.
    datasets : list of str, optional
        The datasets to judge on (default: those of either frame). A dataset
        without a finished or failed cell of every fold of both is "missing".
        Every dataset, given or in a frame, must be of :data:`TUNING_GROUP`
        (``ValueError`` otherwise).
    metric : str, default="f1"
    seconds : {"total_seconds", "sample_seconds"}, default="total_seconds"
        The time the cost clause compares. ``"sample_seconds"`` when both
        sides sample from the same trained model (the model cache), so that
        only the sampling differs and one side's cells do not carry the
        training the others load.

    Returns
    -------
    RuleVerdict

    Examples
    --------
    >>> rows = lambda f1: pd.DataFrame(
    ...     {"dataset": ["pc1", "cm1", "vowel0", "ionosphere"], "seed": 0, "fold": 0,
    ...      "status": "done", "classifier": "tree", "metric": "f1",
    ...      "value": f1, "total_seconds": 1.0, "n_synthetic": 10})
    >>> verdict = apply_rule(rows([0.5, 0.5, 0.5, 0.5]), rows([0.6, 0.6, 0.6, 0.4]))
    >>> verdict.counted, verdict.wins, verdict.quality
    (4, 3, True)
    """
    if seconds not in ("total_seconds", "sample_seconds"):
        raise ValueError(
            f"seconds must be 'total_seconds' or 'sample_seconds'; got {seconds!r}."
        )
    datasets = None if datasets is None else list(datasets)
    present = set(default["dataset"]) | set(candidate["dataset"])
    check_tuning_group(present | set(datasets or ()))
    folds = _folds(default) | _folds(candidate)
    names = datasets or sorted(present)
    rows = []
    for name in names:
        d = _summary(default[default["dataset"] == name], metric, folds, seconds)
        c = _summary(candidate[candidate["dataset"] == name], metric, folds, seconds)
        guard = _passes_guard(c)
        rows.append(_dataset_row(name, d, c, guard, _outcome(d, c, guard)))
    return _verdict(pd.DataFrame(rows).set_index("dataset"))


def _passes_guard(c: dict) -> bool:
    """Whether a candidate's synthetic rows copy and crowd the training rows
    no more than held-out real rows do (within :data:`COPY_ALLOWANCE`)."""
    return bool(
        c["copy"] <= c["holdout_copy"] + COPY_ALLOWANCE
        and c["dcr"] >= 0.5 * c["holdout_dcr"]
    )


def _outcome(d: dict, c: dict, guard: bool) -> str:
    """The candidate's outcome on one dataset ("win", "loss", "tie" or
    "missing"), from its summary ``c`` and the default's ``d``."""
    if not (d["complete"] and c["complete"]):
        return "missing"
    if not (c["failed"] or d["failed"]) and np.isclose(
        c["mean"], d["mean"], rtol=0.0, atol=1e-12
    ):
        # Equal means: a change that cannot touch this dataset (a nominal
        # encoding on numeric data) does not count, guard or not.
        return "tie"
    if c["failed"] or (c["has_guard"] and not guard):
        return "loss"
    if d["failed"]:
        return "win"
    return "win" if c["mean"] > d["mean"] else "loss"


def _dataset_row(name: str, d: dict, c: dict, guard: bool, outcome: str) -> dict:
    """One dataset's row of :attr:`RuleVerdict.table`."""
    return {
        "dataset": name,
        "default": d["mean"],
        "candidate": c["mean"],
        "diff": c["mean"] - d["mean"],
        "counted": outcome in ("win", "loss"),
        "outcome": outcome,
        "guard": guard if c["has_guard"] else None,
        "copy_share": c["copy"],
        "holdout_copy_share": c["holdout_copy"],
        "dcr_median": c["dcr"],
        "holdout_dcr_median": c["holdout_dcr"],
        "default_seconds": d["seconds"],
        "candidate_seconds": c["seconds"],
    }


def _verdict(table: pd.DataFrame) -> RuleVerdict:
    """The verdict of the rule on the table of every dataset's outcome."""
    complete = bool((table["outcome"] != "missing").all())
    counted = int(table["counted"].sum())
    wins = int((table["outcome"] == "win").sum())
    # Both means over the same datasets: a side that failed every fold of one
    # has no mean there (and that dataset is already a win or a loss).
    both = table[["default", "candidate"]].dropna()
    default_mean = float(both["default"].mean()) if complete else float("nan")
    candidate_mean = float(both["candidate"].mean()) if complete else float("nan")
    quality = _passes_quality(complete, counted, wins, default_mean, candidate_mean)
    cheaper = table["candidate_seconds"].mean() < table["default_seconds"].mean()
    cost = _passes_cost(complete, cheaper, counted, wins, default_mean, candidate_mean)
    return RuleVerdict(
        table, counted, wins, default_mean, candidate_mean, complete, quality, cost
    )


def _passes_quality(complete, counted, wins, default_mean, candidate_mean) -> bool:
    """The quality clause: at least two thirds of at least 4 counted datasets
    won, and a mean over all datasets not lower."""
    return bool(
        complete
        and counted >= 4
        and wins >= 2 * counted / 3
        and candidate_mean >= default_mean
    )


def _passes_cost(
    complete, cheaper, counted, wins, default_mean, candidate_mean
) -> bool:
    """The cost clause: a cheaper candidate that wins at least half of the
    counted datasets (or none count) and whose mean is at most
    :data:`COST_TOLERANCE` lower."""
    return bool(
        complete
        and cheaper
        and (counted == 0 or wins >= counted / 2)
        and candidate_mean >= default_mean - COST_TOLERANCE
    )


def _folds(frame: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["seed"], frame["fold"]))


def _summary(frame: pd.DataFrame, metric: str, folds: set, seconds: str) -> dict:
    """Mean ``metric``, failures, pooled guard figures and seconds per cell of
    one method on one dataset."""
    cells = frame.drop_duplicates(["seed", "fold", "status"])
    if cells.duplicated(["seed", "fold"]).any():
        raise ValueError(
            "one cell per fold is expected; keep the finished cell of each fold "
            "(benchmarks/tuning_rule.py does)."
        )
    failed = bool((cells["status"] == "failed").any())
    done = frame[frame["status"] == "done"]
    scores = done.loc[done["metric"] == metric, "value"]

    def sampler_metric(name: str) -> pd.Series:
        rows = done[(done["classifier"] == "") & (done["metric"] == name)]
        return rows.set_index(["seed", "fold"])["value"]

    copies = sampler_metric("synthetic_exact_copy_share")
    weights = done.drop_duplicates(["seed", "fold"]).set_index(["seed", "fold"])[
        "n_synthetic"
    ]
    weights = weights.reindex(copies.index).fillna(0)
    pooled_copy = (
        float((copies * weights).sum() / weights.sum())
        if len(copies) and weights.sum() > 0
        else float("nan")
    )
    return {
        "complete": _folds(cells) >= folds and len(cells) > 0,
        "failed": failed,
        "mean": float(scores.mean()) if len(scores) else float("nan"),
        "has_guard": len(copies) > 0,
        "copy": pooled_copy,
        "holdout_copy": float(sampler_metric("holdout_exact_copy_share").mean()),
        "dcr": float(sampler_metric("synthetic_dcr_median").mean()),
        "holdout_dcr": float(sampler_metric("holdout_dcr_median").mean()),
        "seconds": float(cells[seconds].mean()),
    }
