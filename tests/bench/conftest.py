"""Tiny suites for the benchmark tests (seconds, not minutes)."""

from __future__ import annotations

import pytest

TINY = """\
name = "tiny"
protocol = "holdout"
seeds = [0, 1]
classifiers = ["decision_tree", "logistic_regression"]
datasets = ["ecoli4", "glass4"]

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
