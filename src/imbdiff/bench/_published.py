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

``title`` is required, every other key optional. Each file is a CSV of at
least one row, its path relative to the suite file's folder; a name not
found there is looked up among the shipped papers' files
(``imbdiff/bench/paper/``), so a copy of a shipped suite finds them too:

- ``results``: one published mean per row, columns ``table, metric,
  classifier, method, dataset, mean``; shown as "ours (paper)" per dataset
  and method, one table per (table, metric, classifier).
- ``averages``: columns ``metric, method, value``: a method's average over
  all its datasets and classifiers, shown beside our averages under the
  paper's own method name.
- ``distance_ranks``: column ``method`` and one column per distance of the
  synthetic rows (``js``, ``wasserstein``, ``mmd_linear``, ``mmd_rbf``):
  the paper's average ranks, shown beside ours.

``methods`` maps the paper's method names to the suite's method labels for
``results`` and ``distance_ranks`` (a paper's method missing from it is
left out). ``published = "NAME"`` takes the published values of the
shipped suite ``NAME`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from importlib import resources
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from ._cell import DISTANCE_METRICS

__all__ = ["read_published"]

#: The files a [published] table can name: (key columns, one row per key;
#: number columns). A distance-ranks file's number columns are its other
#: columns, each a distance (:data:`DISTANCE_METRICS`).
PUBLISHED_FILES = {
    "results": (("table", "metric", "classifier", "method", "dataset"), ("mean",)),
    "averages": (("metric", "method"), ("value",)),
    "distance_ranks": (("method",), ()),
}
_KEYS = {"title", "text", "scale", "methods", *PUBLISHED_FILES}


def read_published(
    value, folder: Path, labels: Collection[str], fail: Callable[..., NoReturn]
) -> dict:
    """The ``[published]`` table of a suite as plain data (the store keeps
    it with the suite, so its report needs no file): the table's texts, and
    each named file's rows as a list of records.

    ``folder`` is where relative file names start; ``labels`` are the
    suite's method labels (``methods`` may map to no other);
    ``fail(message, *keys)`` raises an error that names the line setting
    one of ``keys``.
    """
    if not isinstance(value, dict):
        fail("published must be a table or the name of a shipped suite.", "published")
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        fail(
            f"unknown key {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}.",
            unknown[0],
        )
    title = value.get("title")
    if not isinstance(title, str) or not title:
        fail("it needs a title (a non-empty string).", "title", "published")
    if not isinstance(value.get("text", ""), str):
        fail("text must be a string.", "text")
    scale = value.get("scale", 1)
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not math.isfinite(scale)
        or scale <= 0
    ):
        fail(f"scale must be a positive number; got {scale!r}.", "scale")
    methods = value.get("methods", {})
    if not isinstance(methods, dict) or not all(
        isinstance(v, str) for v in methods.values()
    ):
        fail("methods must be a table of paper name = label.", "methods")
    unknown = sorted(set(methods.values()) - set(labels))
    if unknown:
        fail(
            f"methods maps to {unknown[0]!r}, which is no method label of the "
            f"suite; its labels: {', '.join(labels)}.",
            "methods",
        )
    out = {
        "title": title,
        "text": value.get("text", ""),
        "scale": scale,
        "methods": methods,
    }
    for key in PUBLISHED_FILES:
        if key in value:
            out[key] = _records(value[key], folder, key, fail)
    return out


def _records(name, folder: Path, key: str, fail) -> list[dict]:
    """The rows of the file ``name`` that the setting ``key`` names, checked:
    its columns, at least one row, numbers where numbers go, no key twice."""
    if not isinstance(name, str) or not name:
        fail(f"{key} must be the path of a CSV file.", key)
    try:
        with _find(name, folder).open() as file:
            table = pd.read_csv(file)
    except (OSError, ValueError) as error:
        fail(f"{key}: cannot read {name!r}: {error}", key)
    keys, numbers = PUBLISHED_FILES[key]
    missing = [c for c in (*keys, *numbers) if c not in table.columns]
    if missing:
        fail(
            f"{key}: {name!r} has no column {missing[0]!r}; it needs "
            f"{', '.join((*keys, *numbers))}.",
            key,
        )
    if key == "distance_ranks":
        numbers = [c for c in table.columns if c not in keys]
        other = [c for c in numbers if c not in DISTANCE_METRICS]
        if other or not numbers:
            fail(
                f"{key}: {name!r} has a column {(other or ['(none)'])[0]!r}; "
                f"beside 'method' its columns are distances, of "
                f"{', '.join(DISTANCE_METRICS)}.",
                key,
            )
    if table.empty:
        fail(f"{key}: {name!r} has no row.", key)
    for column in numbers:
        values = pd.to_numeric(table[column], errors="coerce").astype(float)
        finite = np.isfinite(values.to_numpy())
        if not finite.all():
            row = int(np.argmin(finite)) + 2
            fail(f"{key}: {name!r}, line {row}: {column} is not a number.", key)
        table[column] = values
    twice = table.duplicated(list(keys))
    if twice.any():
        row = int(twice.idxmax()) + 2
        fail(
            f"{key}: {name!r}, line {row}: a second row of the same {', '.join(keys)}.",
            key,
        )
    return table.to_dict("records")


def _find(name: str, folder: Path):
    """The file ``name`` beside the suite, else among the shipped papers'
    files."""
    path = folder / name
    if path.is_file() or Path(name).is_absolute():
        return path
    shipped = resources.files("imbdiff.bench") / "paper" / name
    return shipped if shipped.is_file() else path
