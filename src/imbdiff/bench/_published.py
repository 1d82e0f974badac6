"""A paper's published values, read from the data files a suite names.

A suite that reproduces a paper can name the paper's numbers, so that its
report shows them beside the suite's own; no code knows any paper::

    [published]
    title = "Beside the LReDDPM paper"
    text = "The paper's published means (in percent) next to ours (x 100)."
    scale = 100                # the files' numbers are scores x scale
    methods = { Original = "none", "LReDDPM(ours)" = "lreddpm" }
    results = "paper/results.csv"
    distance_ranks = "paper/distance_ranks.csv"

Each file is a CSV, its path relative to the suite file's folder:

- ``results``: one published mean per row, columns ``table, metric,
  classifier, method, dataset, mean``; shown as "ours (paper)" per dataset
  and method, one table per (table, metric, classifier).
- ``averages``: columns ``metric, method, value``: a method's average over
  all its datasets and classifiers, shown beside our averages.
- ``distance_ranks``: column ``method`` and one column per distance metric
  of the synthetic rows (``js``, ``wasserstein``, ...): the paper's average
  ranks, shown beside ours.

``methods`` maps the paper's method names to the suite's method labels
(a paper's method missing from it is left out). ``published = "NAME"``
takes the published values of the shipped suite ``NAME`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd

__all__ = ["read_published"]

#: The files a [published] table can name, and the columns each needs.
PUBLISHED_FILES = {
    "results": ("table", "metric", "classifier", "method", "dataset", "mean"),
    "averages": ("metric", "method", "value"),
    "distance_ranks": ("method",),
}
_KEYS = {"title", "text", "scale", "methods", *PUBLISHED_FILES}


def read_published(value, folder: Path, fail: Callable[..., NoReturn]) -> dict:
    """The ``[published]`` table of a suite as plain data (the store keeps
    it with the suite, so its report needs no file): the table's texts, and
    each named file's rows as a list of records.

    ``folder`` is where relative file names start; ``fail(message, *keys)``
    raises an error that names the line setting one of ``keys``.
    """
    if not isinstance(value, dict):
        fail("published must be a table or the name of a shipped suite.", "published")
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        fail(
            f"unknown key {unknown[0]!r}; known: "
            f"{', '.join(sorted(_KEYS))}.",
            unknown[0],
        )
    title = value.get("title")
    if not isinstance(title, str) or not title:
        fail("it needs a title (a non-empty string).", "title", "published")
    if not isinstance(value.get("text", ""), str):
        fail("text must be a string.", "text")
    scale = value.get("scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        fail(f"scale must be a positive number; got {scale!r}.", "scale")
    methods = value.get("methods", {})
    if not isinstance(methods, dict) or not all(
        isinstance(v, str) for v in methods.values()
    ):
        fail("methods must be a table of paper name = label.", "methods")
    out = {
        "title": title,
        "text": value.get("text", ""),
        "scale": scale,
        "methods": methods,
    }
    for key, columns in PUBLISHED_FILES.items():
        if key in value:
            out[key] = _records(value[key], folder, key, columns, fail)
    return out


def _records(name, folder: Path, key: str, columns, fail) -> list[dict]:
    if not isinstance(name, str) or not name:
        fail(f"{key} must be the path of a CSV file.", key)
    path = folder / name
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        fail(f"{key}: cannot read {name!r}: {error}", key)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        fail(
            f"{key}: {name!r} has no column {missing[0]!r}; it needs "
            f"{', '.join(columns)}.",
            key,
        )
    return table.to_dict("records")
