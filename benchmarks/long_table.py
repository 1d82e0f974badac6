"""A million-row table: time and peak memory of every diffusion sampler.

Makes a 1,000,000-row x 30-column table (25 numeric columns, 5 nominal ones
with 3, 5, 10, 50 and 1,000 categories; 1% of the rows in the minority
class), then, each in a fresh process so that its peak memory is its own:
LReDDPM's region typing (``imbdiff.regions.minority_types``) alone, and for
TabDDPM, FinDiff, SEMRes-DDPM and LReDDPM, training (``fit_resample_chunks``
up to its return: LReDDPM's includes the region typing and the guidance
classifier) and then the generation of the ~980,000 new rows, chunk by
chunk, each chunk written to a CSV file as ``imbdiff resample`` writes it.
Generation uses a few-step solver whatever the default is (at T = 1,000
steps per row this table would take hours on 2 cores): ``--solver`` with
``--steps`` (default: stochastic DDIM, 50 steps, the closest few-step
solver to the ancestral sampler in BENCHMARKS.md, "Sampling steps against
quality").

    python benchmarks/long_table.py [--rows 1000000] [--methods tabddpm ...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np
import pandas as pd

from _child import peak_gb, run_in_child
from _tables import markdown_table

METHODS = ("regions", "tabddpm", "findiff", "semres", "lreddpm")
NOMINAL_SIZES = (3, 5, 10, 50, 1000)


def long_table(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """25 numeric and 5 nominal columns; 1% minority, shifted in 5 columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.01).astype(int)
    numeric = rng.normal(size=(rows, 25)).astype(np.float64)
    numeric[y == 1, :5] += 1.0
    frame = pd.DataFrame(numeric, columns=[f"x{i}" for i in range(25)])
    for i, size in enumerate(NOMINAL_SIZES):
        codes = rng.zipf(1.5, rows) % size  # a few frequent values, a long tail
        frame[f"c{i}"] = pd.Categorical.from_codes(
            codes, categories=[f"v{j}" for j in range(size)]
        )
    return frame, y


def one_run(spec: dict) -> dict:
    """One method, here; what ``--child`` prints."""
    import torch

    from imbdiff import FinDiff, LReDDPM, SEMResDDPM, TabDDPM
    from imbdiff.regions import minority_types

    torch.set_num_threads(spec["threads"])
    start = time.perf_counter()
    X, y = long_table(spec["rows"])
    made = time.perf_counter() - start
    out = {**spec, "make_s": made}
    if spec["method"] == "regions":
        start = time.perf_counter()
        types = minority_types(X, y, n_jobs=spec["threads"])
        out["regions_s"] = time.perf_counter() - start
        out["minority_rows"] = len(types)
    else:
        cls = {
            "tabddpm": TabDDPM,
            "findiff": FinDiff,
            "semres": SEMResDDPM,
            "lreddpm": LReDDPM,
        }[spec["method"]]
        sampler = cls(
            random_state=0,
            sampling_method=spec["solver"],
            sampling_steps=spec["steps"],
            ddim_eta=spec["eta"],
            n_threads=spec["threads"],
        )
        start = time.perf_counter()
        chunks = sampler.fit_resample_chunks(X, y)
        out["fit_s"] = time.perf_counter() - start
        start = time.perf_counter()
        written = 0
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "rows.csv")
            with open(path, "w", newline="") as handle:
                for rows, labels in chunks:
                    rows.assign(target=labels).to_csv(
                        handle, index=False, header=written == 0
                    )
                    written += len(rows)
        out["generate_s"] = time.perf_counter() - start
        out["new_rows"] = written
    out["peak_gb"] = peak_gb()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--solver", default="ddim", choices=["ddim", "dpm-solver++"])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--eta", type=float, default=1.0, help="DDIM's noise")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(json.loads(args.child))))
        return
    results = []
    for method in args.methods:
        spec = {
            "method": method,
            "rows": args.rows,
            "solver": args.solver,
            "steps": args.steps,
            "eta": args.eta,
            "threads": args.threads,
        }
        start = time.perf_counter()
        result = run_in_child(__file__, spec)
        result["wall_s"] = time.perf_counter() - start
        results.append(result)
        print(f"# {json.dumps(result)}", flush=True)
    frame = pd.DataFrame(results).set_index("method")
    columns = [
        c
        for c in ("regions_s", "fit_s", "generate_s", "new_rows", "peak_gb", "wall_s")
        if c in frame
    ]
    shown = frame[columns].copy()
    for column in columns:
        if column == "new_rows":
            shown[column] = shown[column].map(
                lambda v: "" if pd.isna(v) else f"{int(v):,}"
            )
        else:
            shown[column] = shown[column].map(
                lambda v: "" if pd.isna(v) else f"{v:.2f}"
            )
    print(
        f"{args.rows:,} rows x 30 columns; {args.solver} {args.steps} steps "
        f"(eta {args.eta}); {args.threads} threads"
    )
    print(markdown_table(shown))


if __name__ == "__main__":
    main()
