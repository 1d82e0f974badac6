"""Cost of reading a table by the input rules, against SMOTE on the same table.

Every sampler reads its input through ``imbdiff._validation.prepare_frame``
(column kinds, missing-value tokens, identifiers, finiteness). This times that
step alone and a whole ``OneHotOverSampler(SMOTE)`` resample (which includes
it) on synthetic mixed tables, each the best of ``--repeats`` runs.

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


def make_table(n: int, numeric_text: bool, seed: int = 0):
    """``n`` rows: 8 numeric and 3 text columns (one of them numbers written as
    text with a few ``?``, when ``numeric_text``), 10% minority."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) + y for i in range(8)})
    for j in range(3):
        X[f"c{j}"] = rng.choice(["a", "b", "c", "d"], n).astype(object)
    if numeric_text:
        text = rng.normal(size=n).round(3).astype(str).astype(object)
        text[rng.random(n) < 0.001] = "?"
        X["c2"] = text
    return X, y


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
    print("| rows | numeric text column | prepare_frame s | SMOTE resample s | share |")
    print("|---|---|---|---|---|")
    for n in args.rows:
        for numeric_text in (False, True):
            X, y = make_table(n, numeric_text)
            if numeric_text:
                # A sampler refuses the missing values; time what it reads.
                X = X.assign(c2=X["c2"].replace("?", "0"))
            check = best_of(args.repeats, prepare_frame, X, allow_nan=False)
            sampler = OneHotOverSampler(sampler=SMOTE(), random_state=0)
            whole = best_of(args.repeats, sampler.fit_resample, X, y)
            print(
                f"| {n:,} | {'yes' if numeric_text else 'no'} | {check:.3f} | "
                f"{whole:.3f} | {check / whole:.1%} |"
            )


if __name__ == "__main__":
    main()
