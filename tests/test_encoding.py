import numpy as np
import pandas as pd
import pytest

from imbdiff import load_dataset
from imbdiff.encoding import TabularEncoder

SETTINGS = [
    {"numeric": "quantile", "categorical": "onehot"},
    {"numeric": "standard", "categorical": "embedding"},
    {"numeric": "quantile-ends", "categorical": "embedding-random"},
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


@pytest.mark.parametrize("seed", range(5))
def test_a_small_class_encodes_near_standard_and_decodes_exactly(seed):
    # The per-class samplers fit the encoder on the minority alone: 16 rows.
    x = np.random.default_rng(seed).normal(loc=3.0, scale=2.0, size=16)
    X = pd.DataFrame({"x": x})
    enc = TabularEncoder(numeric="quantile").fit(X)
    z = enc.transform(X)[:, 0]
    assert 0.9 <= z.std() <= 1.1
    assert np.abs(z).max() <= 3.5
    np.testing.assert_array_equal(enc.inverse_transform(enc.transform(X))["x"], x)


def test_the_default_quantile_map_puts_the_extremes_at_the_ends():
    x = np.random.default_rng(0).normal(size=(16, 1))
    z = TabularEncoder().fit(x).transform(x)[:, 0]
    assert np.abs(z).max() > 5  # the extremes at the ends of (0, 1)


def test_ties_encode_to_the_middle_of_their_range():
    x = np.array([[1.0], [2.0], [2.0], [2.0], [3.0]])
    z = TabularEncoder(numeric="quantile").fit(x).transform(x)[:, 0]
    assert z[1] == z[2] == z[3] == pytest.approx(0.0, abs=1e-12)
    assert z[0] == pytest.approx(-z[4])


@pytest.mark.parametrize("k", [2, 5, 8, 12, 30])
def test_embedding_codes_are_unit_and_at_least_one_hot_apart(k):
    X = pd.DataFrame({"c": [f"v{i}" for i in range(k)] * 2})
    enc = TabularEncoder(categorical="embedding", random_state=3).fit(X)
    vectors = enc.params_[0]["vectors"]
    assert vectors.shape == (k, max(4, -(-k // 2)))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0)
    gaps = np.linalg.norm(vectors[:, None] - vectors[None], axis=2)
    assert gaps[np.triu_indices(k, 1)].min() >= np.sqrt(2) - 1e-9
    # Noise well within half the gap decodes to the category it was added to.
    codes = enc.transform(X)
    noisy = codes + np.random.default_rng(0).normal(scale=0.15, size=codes.shape)
    assert enc.inverse_transform(noisy)["c"].equals(X["c"])


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
