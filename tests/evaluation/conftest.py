"""Tiny data sets shared by the evaluation tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification


@pytest.fixture
def tiny_binary() -> tuple[np.ndarray, np.ndarray]:
    """80 rows, 4 numeric features, 60 majority (label 0) and 20 minority (1)."""
    X, y = make_classification(
        n_samples=80,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        weights=[0.75],
        flip_y=0.0,
        class_sep=1.0,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X, y


@pytest.fixture
def tiny_mixed_frame(tiny_binary) -> tuple[pd.DataFrame, np.ndarray]:
    """The tiny data as a DataFrame with a nominal column and a shuffled index."""
    X, y = tiny_binary
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["colour"] = pd.Categorical(
        np.where(X[:, 0] > 0, "red", np.where(X[:, 1] > 0, "green", "blue"))
    )
    frame.index = np.random.default_rng(0).permutation(1000)[: len(frame)]
    return frame, y
