"""Time HVDM region typing on synthetic mixed data.

Each case runs in a fresh process so that its peak memory is its own::

    python benchmarks/bench_regions.py                     # all three cases
    python benchmarks/bench_regions.py --cases 100000x20 --peer

Cases are ``ROWSxFEATURES``: up to 5 columns are nominal (one for more than 100
columns) with 3 to 8 levels whose frequencies depend on the class, the rest
numeric (Gaussian, class-shifted); 10% of rows are minority. ``756x753`` is the
shape of the parkin data set. A trailing ``m`` (``100000x20m``) blanks 10% of
the values of every feature, which takes the exact masked HVDM path.

``--peer`` also times scikit-learn's exact brute-force ``NearestNeighbors`` on
the same HVDM embedding (valid because the data have no missing values; its
embedding time is not counted) and reports the share of minority rows whose
neighbour lists are identical to ours.
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

DEFAULT_CASES = ("100000x20", "100000x20m", "1000000x20", "756x753")
K = 5


def make_mixed(n_rows: int, n_features: int, *, missing: float = 0.0, seed: int = 0):
    """Synthetic mixed data: 10% minority, numeric and nominal columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_rows) < 0.1).astype(np.int64)
    n_nominal = 1 if n_features > 100 else min(5, n_features // 4)
    n_numeric = n_features - n_nominal
    # The class shift shrinks with the number of columns so that the classes
    # overlap about as much in 753 columns as in 20.
    shift = rng.normal(0, 0.5 * np.sqrt(15 / n_numeric), n_numeric)
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
    if missing:
        for column in frame.columns:
            frame.loc[rng.random(n_rows) < missing, column] = np.nan
    return frame, y


def _parse(case: str) -> tuple[int, int, float]:
    missing = 0.1 if case.endswith("m") else 0.0
    n_rows, n_features = (int(v) for v in case.rstrip("m").split("x"))
    return n_rows, n_features, missing


def _imbdiff_neighbours(X, y, n_jobs):
    from imbdiff.regions import hvdm_kneighbors

    return hvdm_kneighbors(
        X, y, n_neighbors=K, query=np.flatnonzero(y == 1), n_jobs=n_jobs
    )[1]


def _sklearn_neighbours(X, y, n_jobs):
    from sklearn.neighbors import NearestNeighbors

    from imbdiff._hvdm import _embed

    embedding = _embed(X, y, [c for c in X.columns if c.startswith("cat")])
    rows = np.flatnonzero(y == 1)
    start = time.perf_counter()
    search = NearestNeighbors(n_neighbors=K + 1, algorithm="brute", n_jobs=n_jobs)
    _, idx = search.fit(embedding.vectors).kneighbors(embedding.vectors[rows])
    seconds = time.perf_counter() - start
    # Drop each row itself from its own list (it is at distance 0).
    own = idx == rows[:, None]
    idx = np.array([r[~o][:K] for r, o in zip(idx, own)])
    return idx, seconds


def _run_case(case: str, method: str, n_jobs, queue) -> None:
    n_rows, n_features, missing = _parse(case)
    X, y = make_mixed(n_rows, n_features, missing=missing)
    if method == "imbdiff":
        from imbdiff import minority_types

        start = time.perf_counter()
        types = minority_types(X, y, k=K, n_jobs=n_jobs)
        seconds = time.perf_counter() - start
        counts = (
            types["region"]
            .value_counts()
            .reindex(["safe", "border", "rare", "outlier"])
        )
        extra = (len(types), counts.tolist(), _imbdiff_neighbours(X, y, n_jobs))
    else:
        idx, seconds = _sklearn_neighbours(X, y, n_jobs)
        extra = (None, None, idx)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, *extra))


def _in_fresh_process(case: str, method: str, n_jobs):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_case, args=(case, method, n_jobs, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES))
    parser.add_argument("--jobs", type=int, default=None, help="threads (default: all)")
    parser.add_argument(
        "--peer", action="store_true", help="also time scikit-learn brute-force k-NN"
    )
    args = parser.parse_args(argv)
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    print(f"# {_cpu_name()}, {cores} cores, numpy {np.__version__}, k = {K}")
    columns = ["case", "minority rows", "seconds", "peak memory (MB)"]
    if args.peer:
        columns += ["scikit-learn brute seconds", "identical neighbours"]
    columns.append("safe/border/rare/outlier")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for case in args.cases:
        seconds, peak, n_min, counts, ours = _in_fresh_process(
            case, "imbdiff", args.jobs
        )
        cells = [case, str(n_min), f"{seconds:.2f}", f"{peak:.0f}"]
        if args.peer and case.endswith("m"):
            # Euclidean k-NN on the embedding is not HVDM with missing values.
            cells += ["n/a", "n/a"]
        elif args.peer:
            peer_seconds, _, _, _, theirs = _in_fresh_process(
                case, "sklearn", args.jobs
            )
            same = np.mean([set(a) == set(b) for a, b in zip(ours, theirs)])
            cells += [f"{peer_seconds:.2f}", f"{100 * same:.1f}%"]
        cells.append("/".join(str(c) for c in counts))
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
