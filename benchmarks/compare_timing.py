"""The cost of ``imbdiff compare`` at its defaults on a 5,000-row table.

Makes a table of 5,000 rows, 20 numeric columns and 5% minority
(scikit-learn's ``make_classification``, seed 0), writes it as CSV, and runs
``imbdiff compare`` on it with the default candidates, classifiers and
2 x 5-fold cross-validation, through a store in the output folder (so a
stopped run resumes). Prints the answer, each method's mean sampler time per
split and the whole run's wall time::

    python benchmarks/compare_timing.py --out compare-5000 --jobs 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.datasets import make_classification

from imbdiff.bench import compare


def make_table(path: Path, *, rows: int = 5000, seed: int = 0) -> Path:
    """The benchmark's table: 20 numeric columns, 5% minority, as CSV."""
    X, y = make_classification(
        n_samples=rows,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        weights=[0.95],
        flip_y=0.01,
        random_state=seed,
    )
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    table["label"] = y
    table.to_csv(path, index=False)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--rows", type=int, default=5000, help="rows of the table")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    data = make_table(args.out / "table.csv", rows=args.rows)
    start = time.perf_counter()
    found = compare(data, args.out, target="label", jobs=args.jobs, progress=True)
    wall = time.perf_counter() - start
    print(found.verdict.sentence)
    table = found.verdict.table[["mean", "seconds"]].rename(
        columns={"mean": "mean F1", "seconds": "resampling seconds per split"}
    )
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"wall time of this run: {wall / 60:.1f} min with {args.jobs} job(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
