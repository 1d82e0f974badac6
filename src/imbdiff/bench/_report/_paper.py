"""A paper's published values beside ours: the section a suite's
``[published]`` table asks for (see :mod:`imbdiff.bench._published`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._sections import DISTANCES, Section
from ._statistics import average_ranks, mean_std, over_classifiers

__all__ = ["published_section"]


def published_section(data, order, published: dict | None) -> Section | None:
    """Our numbers beside the published ones, or None without any."""
    if not published:
        return None
    section = Section(published["title"], published.get("text", ""))
    scale = published.get("scale", 1)
    # Ours are shown at the published scale with as many significant
    # decimals as a score in [0, 1] shown with four.
    decimals = max(0, 4 - round(math.log10(scale)))
    if "averages" in published:
        paper = pd.DataFrame(published["averages"])
        _averages(section, data, order, paper, scale, decimals)
    if "results" in published:
        paper = pd.DataFrame(published["results"])
        paper["method"] = paper["method"].map(published.get("methods", {}))
        _results(section, data, order, paper, scale, decimals)
    if "distance_ranks" in published:
        ranks = pd.DataFrame(published["distance_ranks"])
        ranks["method"] = ranks["method"].map(published.get("methods", {}))
        _distance_ranks(section, data, order, ranks)
    return section


def _averages(section, data, order, paper, scale, decimals: int) -> None:
    """Our average of each metric over every dataset, classifier and fold,
    beside a paper's averages of its own methods. A method not scored with
    every classifier (``balanced`` with one without class weights) shows
    "-": an average over fewer classifiers would not compare with the
    paper's."""
    scored = data[data["classifier"] != ""]
    metrics = list(dict.fromkeys(paper["metric"]))
    theirs = list(dict.fromkeys(paper["method"]))
    published = paper.set_index(["metric", "method"])["value"]
    rows, left_out = [], {}
    for metric in metrics:
        means, missing = over_classifiers(scored[scored["metric"] == metric], order)
        left_out.update(dict.fromkeys(missing))
        rows.append(
            [
                *(_number(scale * v, decimals) for v in means.mean().reindex(order)),
                *(_number(published.get((metric, m)), decimals) for m in theirs),
            ]
        )
    table = pd.DataFrame(
        rows, index=metrics, columns=[*order, *(f"{m} (published)" for m in theirs)]
    )
    section.tables.append(("average over datasets, classifiers and folds", table, None))
    if left_out:
        section.text += (
            " Left out (not scored with every classifier, so no average over "
            f"all of them): {', '.join(left_out)}."
        )


def _number(value, decimals: int) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.{decimals}f}"


def _results(section, data, order, paper, scale, decimals: int) -> None:
    """Per dataset and method, "ours (paper)", one table per published table,
    metric and classifier, on the datasets and methods both have."""
    scored = data[data["classifier"] != ""]
    for (table, metric, classifier), rows in paper.groupby(
        ["table", "metric", "classifier"]
    ):
        published = rows.pivot_table(index="dataset", columns="method", values="mean")
        ours_rows = scored[
            (scored["metric"] == metric) & (scored["classifier"] == classifier)
        ]
        ours, _ = mean_std(ours_rows, order)
        datasets = [d for d in ours.index if d in published.index]
        labels = [m for m in order if m in published.columns]
        if not datasets or not labels:
            continue
        cells = pd.DataFrame(index=datasets, columns=labels, dtype=object)
        for d in datasets:
            for m in labels:
                mine = ours.loc[d, m] if m in ours.columns else np.nan
                cells.loc[d, m] = (
                    f"{scale * mine:.{decimals}f}" if pd.notna(mine) else "-"
                ) + f" ({published.loc[d, m]:.{decimals}f})"
        section.tables.append(
            (f"{table}: {metric}, {classifier}: ours (paper)", cells, None)
        )


def _distance_ranks(section, data, order, ranks: pd.DataFrame) -> None:
    """Our average distance ranks over our methods beside the paper's over
    its methods, for each distance both have."""
    rows = data[data["classifier"] == ""]
    mine = {}
    for metric in DISTANCES:
        if metric not in ranks.columns:
            continue
        means, _ = mean_std(rows[rows["metric"] == metric], order)
        if not means.empty:
            mine[metric] = average_ranks(means, higher_is_better=False)[0]
    if not mine:
        return
    table = ranks.dropna(subset=["method"]).set_index("method")
    both = pd.DataFrame(index=[m for m in order if m in table.index])
    for metric, values in mine.items():
        both[f"{metric} ours"] = values.reindex(both.index).map(
            lambda v: "" if pd.isna(v) else f"{v:.2f}"
        )
        both[f"{metric} paper"] = table.loc[both.index, metric].map(
            lambda v: f"{v:.2f}"
        )
    section.tables.append(
        (
            "average distance ranks, ours (over our methods) and the "
            "published ones (over the paper's methods)",
            both,
            None,
        )
    )
