"""Does the default ``LReDDPM()`` run on every dataset we ship a suite for?

One fit per dataset, not a comparison: no classifier is scored, so nothing
here can choose a setting. For every dataset of the tuning group, of the
``lreddpm-paper`` suite and of the ``semres`` suite (its 20, the eight it
lists commented out included), the default ``LReDDPM(random_state=0)``
resamples the training part of one stratified 80/20 split (seed 0); the
script prints the guiding region the default's fallback chose, each region's
training examples, the rows added, any warning and the seconds taken::

    python benchmarks/lreddpm_every_dataset.py [--datasets pc1 yeast3]

A dataset whose fit raises is printed with the error, and the script exits 1.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from importlib import resources

import numpy as np
import pandas as pd

from _tables import markdown_table
from imbdiff import LReDDPM
from imbdiff.bench import TUNING_GROUP
from imbdiff.datasets import load_dataset
from imbdiff.evaluation import holdout_split


def listed_datasets(suite: str) -> list[str]:
    """Every dataset a shipped suite's file lists, commented out or not."""
    text = resources.files("imbdiff.bench").joinpath(f"suites/{suite}.toml").read_text()
    start = text.index("datasets = [")
    return re.findall(r'"([^"]+)"', text[start : text.index("]", start)])


def every_dataset() -> list[str]:
    names = [*TUNING_GROUP]
    for suite in ("lreddpm-paper", "semres"):
        names += [n for n in listed_datasets(suite) if n not in names]
    return names


def one_fit(name: str) -> dict:
    sampler = LReDDPM(random_state=0, n_threads=1)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = load_dataset(name)
            X_train, _, y_train, _ = holdout_split(data.X, data.y, test_size=0.2)
            _, y_res = sampler.fit_resample(X_train, y_train)
            (label,) = sampler.guide_regions_
        except Exception as error:  # reported in the table; the script exits 1
            return {"dataset": name, "error": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - started
    sizes = sampler.region_sizes_[label]
    return {
        "dataset": name,
        "rows x columns": f"{len(X_train)} x {X_train.shape[1]}",
        "class": str(label),
        "safe/border/rare/outlier": "/".join(
            str(sizes.get(r, 0)) for r in ("safe", "border", "rare", "outlier")
        ),
        "guiding region": "+".join(sampler.guide_regions_[label]),
        "rows added": int(len(y_res) - len(y_train)),
        "balanced": bool(
            np.ptp(np.unique(np.asarray(y_res), return_counts=True)[1]) == 0
        ),
        "warnings": "; ".join(
            sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        )
        or "-",
        "seconds": f"{seconds:.1f}",
        "error": "-",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    args = parser.parse_args(argv)
    rows = []
    for name in args.datasets or every_dataset():
        rows.append(one_fit(name))
        print(f"{name}: {rows[-1].get('seconds', 'failed')}", file=sys.stderr)
    table = pd.DataFrame(rows).set_index("dataset").fillna("-")
    print(markdown_table(table))
    failed = (table["error"] != "-").sum()
    print(f"\n{len(table) - failed} of {len(table)} datasets ran; {failed} failed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
