import numpy as np
import pandas as pd
import pytest

from imbdiff import load_dataset
from imbdiff.encoding import TabularEncoder

SETTINGS = [
    {"numeric": "quantile", "categorical": "onehot"},
    {"numeric": "standard", "categorical": "embedding"},
]


@pytest.mark.parametrize("options", SETTINGS)
def test_round_trip_keeps_columns_dtypes_and_values(options):
    crg = load_dataset("crg").X
    enc = TabularEncoder(**options).fit(crg)
    back = enc.inverse_transform(enc.transform(crg))
    assert list(back.columns) == list(crg.columns)
    assert (back.dtypes == crg.dtypes).all()
    for column in (
        crg.categorical_columns if hasattr(crg, "categorical_columns") else []
    ):
        assert back[column].cat.categories.equals(crg[column].cat.categories)
    pd.testing.assert_frame_equal(back, crg)


@pytest.mark.parametrize("options", SETTINGS)
def test_decoding_any_matrix_gives_training_categories_and_ranges(options):
    X = pd.DataFrame(
        {
            "count": np.arange(40) % 7,
            "size": np.linspace(-3.0, 8.0, 40),
            "colour": pd.Categorical(["red", "blue", "green", "red"] * 10),
            "flag": [True, False] * 20,
            "constant": 4.5,
        }
    )
    enc = TabularEncoder(**options).fit(X)
    noise = np.random.default_rng(0).normal(scale=3.0, size=(500, enc.n_encoded_))
    out = enc.inverse_transform(noise)
    assert set(out["colour"]) <= {"red", "blue", "green"}
    assert list(out["colour"].cat.categories) == list(X["colour"].cat.categories)
    assert set(out["flag"]) <= {True, False}
    assert out["count"].dtype == X["count"].dtype
    assert out["count"].between(0, 6).all()
    assert out["size"].between(-3.0, 8.0).all()
    assert (out["constant"] == 4.5).all()


def test_quantile_encoding_is_standard_normal_ish():
    x = np.random.default_rng(1).exponential(size=(5000, 1))
    z = TabularEncoder().fit(x).transform(x)[:, 0]
    assert abs(z.mean()) < 0.05
    assert abs(z.std() - 1.0) < 0.1


def test_numpy_in_numpy_out():
    x = np.random.default_rng(2).normal(size=(50, 3))
    enc = TabularEncoder(numeric="standard").fit(x)
    back = enc.inverse_transform(enc.transform(x))
    assert isinstance(back, np.ndarray)
    np.testing.assert_allclose(back, x)


def test_errors():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": ["x", "y", "x"]})
    enc = TabularEncoder().fit(X)
    with pytest.raises(ValueError, match=r"unseen in training: \['z'\]"):
        enc.transform(pd.DataFrame({"a": [1.0], "c": ["z"]}))
    with pytest.raises(ValueError, match="columns"):
        enc.transform(X[["c", "a"]])
    with pytest.raises(ValueError, match="missing"):
        TabularEncoder().fit(pd.DataFrame({"a": [1.0, np.nan]}))
    with pytest.raises(ValueError, match="numeric must be"):
        TabularEncoder(numeric="minmax").fit(X)
    with pytest.raises(ValueError, match="not fitted"):
        TabularEncoder().transform(X)
    with pytest.raises(ValueError, match="NaN or infinite"):
        enc.inverse_transform(np.full((1, enc.n_encoded_), np.nan))
