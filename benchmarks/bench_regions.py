"""Time HVDM region typing on synthetic mixed data.

Each case runs in a fresh process so that its peak memory is its own::

    python benchmarks/bench_regions.py              # all three cases
    python benchmarks/bench_regions.py --cases 100000x20

Cases are ``ROWSxFEATURES``: a third of the features (at most 5) are nominal
with 3 to 8 levels whose frequencies depend on the class, the rest numeric
(Gaussian, class-shifted); 10% of rows are minority. ``756x753`` is the shape of
the parkin data set (one nominal column).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import time

import numpy as np
import pandas as pd

DEFAULT_CASES = ("100000x20", "1000000x20", "756x753")


def make_mixed(n_rows: int, n_features: int, *, seed: int = 0):
    """Synthetic mixed data: 10% minority, numeric and nominal columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_rows) < 0.1).astype(np.int64)
    n_nominal = 1 if n_features > 100 else min(5, n_features // 4)
    n_numeric = n_features - n_nominal
    shift = rng.normal(0, 0.5, n_numeric)
    numeric = rng.normal(size=(n_rows, n_numeric)) + np.outer(y, shift)
    frame = pd.DataFrame(numeric, columns=[f"num{i}" for i in range(n_numeric)])
    for j in range(n_nominal):
        levels = 3 + j % 6
        codes = (
            rng.integers(0, levels, n_rows) + y * rng.integers(0, 2, n_rows)
        ) % levels
        frame[f"cat{j}"] = pd.Categorical.from_codes(
            codes, [f"v{v}" for v in range(levels)]
        )
    return frame, y


def _run_case(case: str, n_jobs: int, queue) -> None:
    from imbdiff import minority_types

    n_rows, n_features = (int(v) for v in case.split("x"))
    X, y = make_mixed(n_rows, n_features)
    start = time.perf_counter()
    types = minority_types(X, y, n_jobs=n_jobs)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = (
        types["region"].value_counts().reindex(["safe", "border", "rare", "outlier"])
    )
    queue.put((case, seconds, peak_mb, len(types), counts.tolist()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES))
    parser.add_argument("--jobs", type=int, default=None, help="threads (default: all)")
    args = parser.parse_args(argv)
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    print(
        f"# {platform.processor() or platform.machine()}, {cores} cores, "
        f"numpy {np.__version__}"
    )
    header = (
        "case | minority rows  | seconds | peak memory (MB) | safe/border/rare/outlier"
    )
    print(f"| {header} |")
    print("|---|---|---|---|---|")
    ctx = mp.get_context("spawn")
    for case in args.cases:
        queue = ctx.Queue()
        proc = ctx.Process(target=_run_case, args=(case, args.jobs, queue))
        proc.start()
        result = queue.get()
        proc.join()
        name, seconds, peak, n_min, counts = result
        print(
            f"| {name} | {n_min} | {seconds:.2f} | {peak:.0f} | "
            f"{'/'.join(str(c) for c in counts)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
