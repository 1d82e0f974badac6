"""The tuning group shares no data with the suites that evaluate."""

import dataclasses
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imbdiff.bench import TUNING_GROUP, Suite, apply_rule, load_suite, parse_suite
from imbdiff.datasets import load_dataset

ROOT = Path(__file__).resolve().parents[2]
STUDIES = sorted((ROOT / "benchmarks" / "studies").glob("*.toml"))


def _suite_datasets(name: str) -> list[str]:
    """Every dataset a shipped suite lists."""
    return [dataset for dataset, _ in load_suite(name).datasets]


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
    assert [name for name, _ in suite.datasets] == list(TUNING_GROUP)
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


def _tuning_text(**changes: str) -> str:
    text = resources.files("imbdiff.bench").joinpath("suites/tuning.toml").read_text()
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    "changes",
    [
        # The tuning suite itself, with a suite dataset added.
        {'"ionosphere",': '"ionosphere", "yeast3",'},
        # The suite named "tuning", even without its group line.
        {'group = "tuning"\n': "", '"pc1",': '"page0",'},
        # A study (group = "tuning") under another name, on a suite dataset.
        {'name = "tuning"': 'name = "study"', '"pc1",': '"page0",'},
    ],
)
def test_a_tuning_suite_or_study_refuses_a_dataset_outside_the_group(changes):
    with pytest.raises(ValueError, match=r"line \d+: .* not in the tuning group"):
        parse_suite(_tuning_text(**changes))


def test_a_suite_outside_the_group_may_name_any_dataset():
    text = _tuning_text(
        **{
            'name = "tuning"': 'name = "other"',
            'group = "tuning"\n': "",
            '"pc1",': '"page0",',
        }
    )
    assert ("page0", None) in parse_suite(text).datasets


def test_every_study_is_a_tuning_study():
    assert STUDIES
    for path in STUDIES:
        assert load_suite(path).group == "tuning", path


def test_a_tuning_suite_built_in_code_or_from_a_store_is_checked_too():
    suite = load_suite("tuning")
    with pytest.raises(ValueError, match="yeast3 is not in the tuning group"):
        dataclasses.replace(suite, datasets=(*suite.datasets, ("yeast3", None)))
    definition = {**suite.definition(), "name": "study"}
    assert Suite.from_definition(definition).group == "tuning"
    definition["datasets"] = [["page0", None]]
    with pytest.raises(ValueError, match="page0 is not in the tuning group"):
        Suite.from_definition(definition)


def _scores(dataset: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": [dataset],
            "seed": 0,
            "fold": 0,
            "status": "done",
            "classifier": "tree",
            "metric": "f1",
            "value": 0.5,
            "total_seconds": 1.0,
            "n_synthetic": 10,
        }
    )


def test_the_rule_refuses_to_judge_on_a_suite_dataset():
    with pytest.raises(ValueError, match="yeast3 is not in the tuning group"):
        apply_rule(_scores("yeast3"), _scores("yeast3"))
    with pytest.raises(ValueError, match="page0 is not in the tuning group"):
        apply_rule(_scores("pc1"), _scores("pc1"), datasets=["pc1", "page0"])


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("tuning_rule.py", ["--default", "a.sqlite:x", "--candidate", "b.sqlite:x"]),
        ("train_budget.py", ["--max-steps", "2", "--every", "1", "--datasets"]),
    ],
)
def test_the_study_scripts_refuse_a_suite_dataset(tmp_path, script, arguments):
    if script == "tuning_rule.py":
        arguments = [*arguments, "--dataset"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments, "yeast3"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "yeast3 is not in the tuning group" in done.stderr
