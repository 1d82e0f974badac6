"""The tuning group shares no data with the suites that evaluate."""

import re
from importlib import resources

import numpy as np

from imbdiff.bench import load_suite
from imbdiff.datasets import load_dataset


def _suite_datasets(name: str) -> list[str]:
    """Every dataset a shipped suite lists, those commented out included (the
    semres file lists its other eight that way)."""
    text = resources.files("imbdiff.bench").joinpath(f"suites/{name}.toml").read_text()
    block = text[
        text.index("datasets = [") : text.index("]", text.index("datasets = ["))
    ]
    return re.findall(r'"([^"]+)"', block)


def _rows(name: str) -> tuple[int, set[tuple]]:
    """The dataset's width and its feature rows (numbers to 6 decimals)."""
    X = load_dataset(name).X
    rows = set()
    for row in X.itertuples(index=False):
        rows.add(
            tuple(
                round(float(v), 6)
                if isinstance(v, int | float | np.number) and not isinstance(v, bool)
                else str(v)
                for v in row
            )
        )
    return X.shape[1], rows


def test_the_tuning_suite_is_the_spec_group():
    suite = load_suite("tuning")
    assert len(suite.datasets) == 12
    assert suite.protocol == "cv"
    assert suite.folds == 5
    assert suite.seeds == (0,)
    assert set(suite.classifiers) == {
        "decision_tree",
        "logistic_regression",
        "knn",
        "random_forest",
    }


def test_no_feature_row_of_a_tuning_dataset_is_in_a_suite_dataset():
    tuning = [name for name, _ in load_suite("tuning").datasets]
    evaluated = sorted(
        set(_suite_datasets("semres")) | set(_suite_datasets("lreddpm-paper"))
    )
    assert len(evaluated) >= 20
    assert not set(tuning) & set(evaluated)
    theirs = [_rows(name) for name in evaluated]
    compared = 0
    for name in tuning:
        width, rows = _rows(name)
        for other, (other_width, other_rows) in zip(evaluated, theirs):
            # Rows of tables of other widths cannot be equal.
            if width == other_width:
                compared += 1
                shared = rows & other_rows
                assert not shared, f"{name} shares {len(shared)} rows with {other}"
    assert compared >= 5  # e.g. led7digit and appendicitis against ecoli
