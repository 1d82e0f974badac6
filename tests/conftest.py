"""Shared test data: small, seeded, mixed-type tables."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest


def _mixed_frame(n: int, seed: int, missing: float) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    X = pd.DataFrame(
        {
            "num_a": rng.normal(size=n) + y,
            "num_b": rng.normal(scale=3.0, size=n),
            "num_int": rng.integers(0, 50, n).astype(float),
            "nom_c": pd.Categorical(rng.choice(list("xyz"), n)),
            "nom_d": pd.Categorical(np.where(y == 1, rng.choice(list("pq"), n), "q")),
        }
    )
    if missing:
        for column in ("num_a", "num_int", "nom_c"):
            X.loc[rng.random(n) < missing, column] = np.nan
    return X, y


@pytest.fixture
def mixed_data():
    """120 rows: 3 numeric and 2 nominal columns, 10% missing in three of them."""
    return _mixed_frame(120, seed=1, missing=0.1)


@pytest.fixture
def mixed_data_complete():
    """The same kind of table without missing values."""
    return _mixed_frame(150, seed=2, missing=0.0)


TINY = """\
name = "tiny"
protocol = "holdout"
seeds = [0, 1]
classifiers = ["decision_tree", "logistic_regression"]
datasets = ["ecoli4", "glass4"]
keep_samples = true

[[methods]]
method = "none"

[[methods]]
method = "smote"
params = { k_neighbors = 3 }

[[methods]]
method = "tabddpm"
params = { train_steps = 20, n_timesteps = 20 }
"""


@pytest.fixture
def tiny_suite_text():
    """A hold-out suite of 12 cells: 2 datasets x 3 methods x 2 seeds."""
    return TINY


@pytest.fixture
def tiny_suite_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture
def bench_command():
    """``imbdiff bench`` on a suite file into a store, as a child process's
    command line (one thread per cell, and any further options)."""

    def command(suite_file, store, *options: str) -> list[str]:
        return [
            sys.executable,
            "-c",
            # Ctrl-C as on a terminal, even where the test runner was started
            # in the background (which leaves SIGINT ignored in children).
            "import signal, sys; "
            "signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from imbdiff.cli import main; sys.exit(main(sys.argv[1:]))",
            "bench",
            "--suite",
            str(suite_file),
            "--store",
            str(store),
            "--threads",
            "1",
            *options,
        ]

    return command
