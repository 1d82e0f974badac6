"""Fit and sample times of the diffusion samplers against CTGAN and TVAE.

All methods train on the same minority rows of each dataset and generate the
same number of rows (majority minus minority), in one process::

    pip install -e ".[bench]"
    python benchmarks/bench_fit.py [--datasets yeast3 page0 crg] [--repeats 3]

Diffusion samplers run with their defaults (T = 1000, full ancestral
sampling); their fit time is the training alone (``sampling_strategy`` asks for
no new row; for LReDDPM, the region typing and the guidance classifier too),
their sample time is ``sample(n)``. DDIM with 50 steps is timed on
the same fitted model; ``mmd_*`` columns give the squared RBF MMD
(:func:`imbdiff.evaluation.mmd`) between the generated and the training
minority rows, so that DDIM's speed can be weighed against its quality.
CTGAN and TVAE are the ``ctgan`` package's, with their defaults.

With ``--repeats``, every method runs that many times in turn (same seeds):
times are medians, ``x_ctgan`` is the median of each run's ratio to CTGAN's
time in the same repeat, and ``x_ctgan_range`` its smallest and largest.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch

from imbdiff import FinDiff, LReDDPM, SEMResDDPM, TabDDPM, load_dataset
from imbdiff.evaluation import mmd


def _time(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bench_dataset(name: str, seed: int = 0) -> list[dict]:
    ds = load_dataset(name)
    minority = ds.minority_label
    rows = ds.X[ds.y == minority].reset_index(drop=True)
    n_new = int((ds.y != minority).sum() - len(rows))
    results = []
    for cls in (SEMResDDPM, TabDDPM, FinDiff, LReDDPM):
        sampler = cls(random_state=seed, sampling_strategy={minority: len(rows)})
        fit_s, _ = _time(lambda s=sampler: s.fit_resample(ds.X, ds.y))
        sample_s, full = _time(
            lambda s=sampler: s.sample(n_new, label=minority, random_state=1)
        )
        sampler.set_params(sampling_method="ddim")
        ddim_s, fast = _time(
            lambda s=sampler: s.sample(n_new, label=minority, random_state=1)
        )
        history = sampler.models_[minority].history
        results.append(
            {
                "dataset": name,
                "method": cls.__name__,
                "fit_s": fit_s,
                "sample_s": sample_s,
                "ddim50_sample_s": ddim_s,
                "train_steps": history.steps,
                "mmd_ancestral": mmd(rows, full, kernel="rbf"),
                "mmd_ddim50": mmd(rows, fast, kernel="rbf"),
            }
        )
        print(f"# {name} {cls.__name__}: {results[-1]}", flush=True)
    from ctgan import CTGAN, TVAE

    discrete = list(ds.categorical_columns)
    for cls in (CTGAN, TVAE):
        model = cls()
        fit_s, _ = _time(lambda m=model: m.fit(rows, discrete_columns=discrete))
        sample_s, full = _time(lambda m=model: m.sample(n_new))
        results.append(
            {
                "dataset": name,
                "method": cls.__name__,
                "fit_s": fit_s,
                "sample_s": sample_s,
                "ddim50_sample_s": float("nan"),
                "train_steps": float("nan"),
                "mmd_ancestral": mmd(rows, full, kernel="rbf"),
                "mmd_ddim50": float("nan"),
            }
        )
        print(f"# {name} {cls.__name__}: {results[-1]}", flush=True)
    for r in results:
        r["rows_trained"] = len(rows)
        r["rows_generated"] = n_new
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["yeast3", "page0", "crg"])
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="run everything this many times, in turn, and report medians",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    print(
        f"# {cores} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    runs = pd.DataFrame(
        [
            dict(r, repeat=repeat)
            for repeat in range(args.repeats)
            for name in args.datasets
            for r in bench_dataset(name)
        ]
    )
    runs["total_s"] = runs["fit_s"] + runs["sample_s"]
    # Each run is divided by CTGAN's time in the same repeat, so that a slow
    # spell of a shared machine weighs on both sides of the ratio.
    ctgan = runs[runs["method"] == "CTGAN"].set_index(["dataset", "repeat"])
    runs["x_ctgan"] = (
        runs["total_s"].to_numpy()
        / ctgan.loc[list(zip(runs["dataset"], runs["repeat"])), "total_s"].to_numpy()
    )
    keys = ["dataset", "method"]
    table = runs.groupby(keys, sort=False).median(numeric_only=True).reset_index()
    table[["rows_trained", "rows_generated"]] = table[
        ["rows_trained", "rows_generated"]
    ].astype(int)
    spread = runs.groupby(keys, sort=False)["x_ctgan"].agg(["min", "max"])
    table["x_ctgan_range"] = [
        f"{low:.2f}-{high:.2f}"
        for low, high in spread.loc[list(zip(table["dataset"], table["method"]))].values
    ]
    columns = [
        "dataset",
        "method",
        "rows_trained",
        "rows_generated",
        "train_steps",
        "fit_s",
        "sample_s",
        "total_s",
        "x_ctgan",
        "x_ctgan_range",
        "ddim50_sample_s",
        "mmd_ancestral",
        "mmd_ddim50",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for _, row in table[columns].iterrows():
        cells = [
            f"{v:.4f}"
            if name.startswith("mmd")
            else f"{v:.2f}"
            if isinstance(v, float)
            else str(v)
            for name, v in row.items()
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
