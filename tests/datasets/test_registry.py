import json

import numpy as np
import pandas as pd
import pytest

from imbdiff import list_datasets, load_dataset
from imbdiff.datasets import PAPER_ALIASES, build_index

# The LReDDPM paper's Table 1 (#Train + #Test, #Num, #Cat, #Rimb) for the
# seven datasets we ship. spectfheart: the paper counts 213 + 52 = 265 rows, the
# KEEL file has 267 (see docs/datasets.md).
PAPER_TABLE_1 = {
    "segment0": (1846 + 462, 19, 0, "6.02"),
    "spambase": (3677 + 920, 57, 0, "1.54"),
    "spectfheart": (213 + 52, 44, 0, "3.85"),
    "yeast3": (1187 + 297, 8, 0, "8.1"),
    "page0": (4377 + 1095, 10, 0, "8.8"),
    "crg": (800 + 200, 7, 13, "2.3"),
    "abalone17": (1870 + 468, 7, 1, "39.31"),
}


def test_shipped_index_matches_the_files():
    from importlib import resources

    shipped = json.loads(
        (resources.files("imbdiff.datasets") / "data" / "registry.json").read_text()
    )["datasets"]
    assert shipped == build_index()


def test_registry_lists_enough_binary_imbalanced_datasets():
    table = list_datasets()
    assert (table["imbalance_ratio"] >= 1.5).sum() >= 95
    assert table["name"].is_unique


@pytest.mark.parametrize("name", sorted(PAPER_TABLE_1))
def test_paper_datasets_agree_with_table_1(name):
    rows, numeric, categorical, ratio = PAPER_TABLE_1[name]
    ds = load_dataset(name)
    expected_rows = 267 if name == "spectfheart" else rows
    assert ds.n_rows == expected_rows
    assert (ds.n_numeric, ds.n_categorical) == (numeric, categorical)
    # Compared at the precision the paper prints.
    decimals = len(ratio.split(".")[1])
    assert round(ds.imbalance_ratio, decimals) == float(ratio)
    assert ds.n_classes == 2


def test_loaded_dataset_types():
    crg = load_dataset("crg")
    assert crg.name == "german"
    assert crg.aliases == ("crg",)
    assert crg.minority_label == "bad"
    assert set(crg.y.unique()) == {"good", "bad"}
    for column in crg.categorical_columns:
        assert isinstance(crg.X[column].dtype, pd.CategoricalDtype)
    numeric = crg.X.drop(columns=crg.categorical_columns)
    assert all(pd.api.types.is_integer_dtype(t) for t in numeric.dtypes)
    abalone = load_dataset("abalone17")
    assert list(abalone.X["Sex"].cat.categories) == ["M", "F", "I"]
    assert abalone.minority_label == "positive"


def test_aliases_resolve():
    for alias, name in PAPER_ALIASES.items():
        assert load_dataset(alias).name == name


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError, match=r"unknown dataset 'yeast33'.*'yeast3'"):
        load_dataset("yeast33")


def test_csv_and_parquet_files(tmp_path):
    frame = pd.DataFrame(
        {
            "x": np.arange(12.0),
            "colour": ["red", "blue", "red"] * 4,
            "label": ["a"] * 9 + ["b"] * 3,
        }
    )
    csv = tmp_path / "data.csv"
    frame.to_csv(csv, index=False)
    ds = load_dataset(csv, target="label")
    assert ds.minority_label == "b"
    assert ds.n_categorical == 1
    assert ds.n_numeric == 1
    parquet = tmp_path / "data.parquet"
    frame.to_parquet(parquet)
    assert load_dataset(str(parquet), target="label").X.shape == (12, 2)


def test_file_errors(tmp_path):
    csv = tmp_path / "data.csv"
    pd.DataFrame({"x": [1, 2, 3], "y": [0, 0, 0]}).to_csv(csv, index=False)
    with pytest.raises(ValueError, match=r"has no column 'label'.*'x', 'y'"):
        load_dataset(csv, target="label")
    with pytest.raises(ValueError, match="single class"):
        load_dataset(csv, target="y")
    with pytest.raises(ValueError, match="target="):
        load_dataset(csv)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_dataset(empty, target="y")
    header_only = tmp_path / "header.csv"
    header_only.write_text("x,y\n")
    with pytest.raises(ValueError, match="no data rows"):
        load_dataset(header_only, target="y")
    with pytest.raises(ValueError, match="no such file"):
        load_dataset(tmp_path / "missing.csv", target="y")


def test_a_file_named_like_a_dataset_does_not_hide_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "yeast3").write_text("not a dataset")
    assert load_dataset("yeast3").n_rows == 1484


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        load_dataset(tmp_path, target="y")


def test_arff_datasets_are_listed():
    ds = load_dataset("kc1")
    assert ds.minority_label == "true"
    assert ds.source.startswith("PROMISE repository")
