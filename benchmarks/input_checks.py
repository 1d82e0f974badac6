"""Cost of reading a table by the input rules, against SMOTE on the same table.

Every sampler reads its input through ``imbdiff._validation.prepare_frame``
(column kinds, missing-value tokens, identifiers, finiteness). This times that
step alone, on the table and with a numeric text column added, and a whole
``OneHotOverSampler(SMOTE)`` resample (which includes it) on synthetic mixed
tables; each figure is the best of ``--repeats`` runs.

    python benchmarks/input_checks.py
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE

from imbdiff._validation import prepare_frame
from imbdiff.samplers import OneHotOverSampler


def make_table(n: int, seed: int = 0):
    """``n`` rows: 8 numeric and 3 text columns, 10% minority."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) + y for i in range(8)})
    for j in range(3):
        X[f"c{j}"] = rng.choice(["a", "b", "c", "d"], n).astype(object)
    return X, y


def with_numeric_text(X: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``X`` plus a column of numbers written as text with 0.1% of ``?``, as
    a UCI file with missing values reads (the input rules make it numeric)."""
    rng = np.random.default_rng(seed)
    text = rng.normal(size=len(X)).round(3).astype(str).astype(object)
    text[rng.random(len(X)) < 0.001] = "?"
    return X.assign(t=text)


def best_of(repeats: int, work, *args, **kwargs) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, pandas {pd.__version__}")
    print(
        "| rows | prepare_frame s | with a numeric text column s | "
        "SMOTE resample s | prepare_frame / SMOTE |"
    )
    print("|---|---|---|---|---|")
    for n in args.rows:
        X, y = make_table(n)
        check = best_of(args.repeats, prepare_frame, X, allow_nan=False)
        # Region typing takes missing values; a sampler would refuse them.
        text = best_of(
            args.repeats, prepare_frame, with_numeric_text(X), allow_nan=True
        )
        sampler = OneHotOverSampler(sampler=SMOTE(), random_state=0)
        whole = best_of(args.repeats, sampler.fit_resample, X, y)
        print(
            f"| {n:,} | {check:.3f} | {text:.3f} | {whole:.3f} | {check / whole:.1%} |"
        )


if __name__ == "__main__":
    main()
