"""One seed of the lreddpm-paper suite with --jobs 1 against --jobs 2.

Run the two halves with the command line (each into its own store), then
compare them::

    imbdiff bench --suite lreddpm-paper --seed 0 --jobs 1 --threads 2 \\
        --store benchmarks/results/lreddpm-paper/timing-jobs1.sqlite
    imbdiff bench --suite lreddpm-paper --seed 0 --jobs 2 \\
        --store benchmarks/results/lreddpm-paper/lreddpm-paper.sqlite
    python benchmarks/jobs_timing.py \\
        benchmarks/results/lreddpm-paper/timing-jobs1.sqlite \\
        benchmarks/results/lreddpm-paper/lreddpm-paper.sqlite

The first gives its one process both cores' threads; the second gives each
of two processes one thread (the default), so the cores are busy either way.
Their cells are keyed apart (the thread count is part of a cell's key); the
script pairs them by their place in the grid.
The script takes each store's first run (the seed-0 run; the suite's store
goes on with the other seeds afterwards) and prints, as markdown: wall time,
summed cell time and speed-up; each method's summed sampler seconds; and how
many stored values differ between the two, since torch and BLAS reduce in
another order with another number of threads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import Store, grid_key_of


def first_run(store: Store) -> dict:
    runs = store.runs()
    if not runs:
        raise SystemExit(f"{store.path} has no run record; run it with imbdiff bench.")
    return runs[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("one", type=Path, help="store of the --jobs 1 run")
    parser.add_argument("two", type=Path, help="store of the --jobs 2 run")
    args = parser.parse_args(argv)
    stores = [Store.open(args.one), Store.open(args.two)]
    runs = [first_run(s) for s in stores]
    cells = [s.cells() for s in stores]
    for frame in cells:
        frame["place"] = frame["cell"].map(grid_key_of)
    places = set(cells[0]["place"]) & set(cells[1]["place"])
    cells = [frame[frame["place"].isin(places)] for frame in cells]
    runs_table = pd.DataFrame(
        [
            [
                f"`{run['command']}`",
                f"{run['jobs']} x {run['threads']}",
                run["cells_done"],
                f"{run['wall_seconds']:.1f}",
                f"{run['cell_seconds']:.1f}",
            ]
            for run in runs
        ],
        columns=["command", "jobs x threads", "cells", "wall s", "summed cell s"],
        index=["--jobs 1", "--jobs 2"],
    )
    print(markdown_table(runs_table))
    speed_up = runs[0]["wall_seconds"] / runs[1]["wall_seconds"]
    print(f"\nspeed-up of wall time: {speed_up:.2f}")
    seconds = pd.DataFrame(
        {
            f"jobs {run['jobs']} x {run['threads']}": c.groupby("label")[
                "total_seconds"
            ].sum()
            for run, c in zip(runs, cells)
        }
    )
    print("\nSummed sampler seconds (fit_resample) per method:\n")
    print(markdown_table(seconds.round(1)))
    values = [
        s.results(frame["cell"]).merge(frame[["cell", "place", "label"]], on="cell")
        for s, frame in zip(stores, cells)
    ]
    merged = values[0].merge(
        values[1].drop(columns=["cell", "label"]),
        on=["place", "classifier", "metric"],
        suffixes=("_1", "_2"),
    )
    differ = merged[~merged["value_1"].eq(merged["value_2"])]
    print(
        f"\n{len(differ)} of {len(merged)} stored values differ between the two "
        f"runs, in {differ['cell'].nunique()} of {len(places)} cells; per method:\n"
    )
    counts = differ.groupby("label")["cell"].nunique().rename("cells that differ")
    print(markdown_table(counts.to_frame()))
    f1 = merged[(merged["metric"] == "f1") & (merged["classifier"] == "decision_tree")]
    gap = (f1["value_1"] - f1["value_2"]).abs()
    print(
        f"\nlargest decision-tree F1 difference: {gap.max():.4f} "
        f"(mean over all cells {gap.mean():.4f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
