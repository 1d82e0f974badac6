import math

import numpy as np
import pandas as pd
import pytest

from imbdiff import REGION_NAMES, hvdm_kneighbors, minority_types
from imbdiff import _hvdm as hvdm_module
from imbdiff.regions import region_of


def reference_hvdm(X: pd.DataFrame, y, nominal: set) -> np.ndarray:
    """HVDM straight from Wilson & Martinez (1997), one pair and attribute at a time.

    d_a = 1 if either value is missing; |x - z| / (4 sigma_a) for a numeric
    attribute; sqrt(sum_c (N_{a,x,c}/N_{a,x} - N_{a,z,c}/N_{a,z})^2) for a
    nominal one (normalized_vdm2). sigma_a is the standard deviation of the
    attribute's known values.
    """
    y = list(y)
    rows = X.to_dict("records")
    classes = sorted(set(y))
    stats = {}
    for column in X.columns:
        values = [r[column] for r in rows]
        known = [v for v in values if not _missing(v)]
        if column in nominal:
            table = {}
            for v, label in zip(values, y):
                if _missing(v):
                    continue
                table.setdefault(v, dict.fromkeys(classes, 0))[label] += 1
            stats[column] = table
        else:
            mean = sum(known) / len(known)
            stats[column] = math.sqrt(sum((v - mean) ** 2 for v in known) / len(known))
    n = len(rows)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            total = 0.0
            for column in X.columns:
                u, v = rows[i][column], rows[j][column]
                if _missing(u) or _missing(v):
                    d = 1.0
                elif column in nominal:
                    cu, cv = stats[column][u], stats[column][v]
                    nu, nv = sum(cu.values()), sum(cv.values())
                    d = math.sqrt(sum((cu[c] / nu - cv[c] / nv) ** 2 for c in classes))
                else:
                    sigma = stats[column]
                    d = abs(u - v) / (4 * sigma) if sigma > 0 else 0.0
                total += d * d
            out[i, j] = math.sqrt(total)
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def reference_neighbours(distances: np.ndarray, k: int):
    d = distances.copy()
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, order, axis=1), order


@pytest.fixture(params=[16, 17])
def small_blocks(monkeypatch, request):
    """Force the chunked search to use many query chunks and reference blocks.

    Blocks of 16 columns take the 8-bytes-at-a-time scan, 17 the plain one.
    """
    monkeypatch.setattr(hvdm_module, "_REFERENCE_BLOCK", request.param)
    monkeypatch.setattr(hvdm_module, "_QUERY_CHUNK", 23)


@pytest.mark.parametrize("data", ["mixed_data", "mixed_data_complete"])
@pytest.mark.parametrize("block", [None, 16, 17])
def test_fast_hvdm_matches_brute_force_reference(data, block, request, monkeypatch):
    # Small blocks force many query chunks and reference blocks; 16 columns take
    # the 8-bytes-at-a-time scan, 17 the plain one.
    if block is not None:
        monkeypatch.setattr(hvdm_module, "_REFERENCE_BLOCK", block)
        monkeypatch.setattr(hvdm_module, "_QUERY_CHUNK", 23)
    X, y = request.getfixturevalue(data)
    ref = reference_hvdm(X, y, nominal={"nom_c", "nom_d"})
    ref_d, ref_i = reference_neighbours(ref, 5)
    d, i = hvdm_kneighbors(X, y, n_neighbors=5)
    np.testing.assert_array_equal(i, ref_i)
    np.testing.assert_allclose(d, ref_d, rtol=1e-12, atol=1e-12)


def test_reference_and_fast_path_agree_with_three_classes_and_query(small_blocks):
    rng = np.random.default_rng(5)
    n = 90
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": pd.Categorical(rng.choice(["u", "v", "w", "t"], n)),
        }
    )
    X.loc[rng.random(n) < 0.15, "a"] = np.nan
    y = rng.choice(["r", "s", "t"], n, p=[0.6, 0.3, 0.1])
    ref_d, ref_i = reference_neighbours(reference_hvdm(X, y, nominal={"b"}), 4)
    query = np.flatnonzero(y != "r")
    d, i = hvdm_kneighbors(X, y, n_neighbors=4, query=query)
    np.testing.assert_array_equal(i, ref_i[query])
    np.testing.assert_allclose(d, ref_d[query], rtol=1e-12, atol=1e-12)


def test_numpy_input_with_explicit_categorical_positions(mixed_data_complete):
    X, y = mixed_data_complete
    codes = X.copy()
    codes["nom_c"] = codes["nom_c"].cat.codes
    codes["nom_d"] = codes["nom_d"].cat.codes
    d_frame, i_frame = hvdm_kneighbors(X, y)
    d_array, i_array = hvdm_kneighbors(
        codes.to_numpy(dtype=float), y, categorical_features=[3, 4]
    )
    np.testing.assert_array_equal(i_frame, i_array)
    np.testing.assert_allclose(d_frame, d_array, rtol=1e-12)


def test_true_positions_matches_nonzero():
    rng = np.random.default_rng(3)
    for width in (8, 24, 4096):
        mask = rng.random((37, width)) < 0.01
        mask[5, -1] = mask[0, 0] = True
        expected = np.nonzero(mask)
        got = hvdm_module._true_positions(mask)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def test_region_of_follows_equation_5():
    assert region_of([5, 4, 3, 2, 1, 0]).tolist() == [
        "safe",
        "safe",
        "border",
        "border",
        "rare",
        "outlier",
    ]


def test_minority_types_on_a_hand_made_layout():
    # Majority on a line at 0..19; minority: a tight group of 7 far away (safe),
    # and one minority point sitting inside the majority (outlier).
    X = np.concatenate([np.arange(20.0), 100 + np.arange(7) * 0.1, [10.5]])[:, None]
    y = np.array([0] * 20 + [1] * 8)
    types = minority_types(X, y)
    assert types.index.tolist() == list(range(20, 28))
    assert types["region"].tolist()[:7] == ["safe"] * 7
    assert types["region"].iloc[7] == "outlier"
    assert types["same_class_neighbours"].iloc[7] == 0
    assert list(types["region"].cat.categories) == list(REGION_NAMES)


def test_minority_types_keeps_frame_index_and_accepts_missing(mixed_data):
    X, y = mixed_data
    X = X.set_index(pd.Index([f"r{i}" for i in range(len(X))]))
    types = minority_types(X, y)
    assert set(types.index) == {f"r{i}" for i in np.flatnonzero(y == 1)}
    assert types["region"].notna().all()


def test_minority_types_types_each_minority_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.array(["a"] * 40 + ["b"] * 12 + ["c"] * 8)
    types = minority_types(X, y)
    assert sorted(set(types["label"])) == ["b", "c"]
    assert len(types) == 20


def test_errors_name_the_problem():
    X = np.zeros((10, 2))
    X[:, 0] = np.arange(10)
    with pytest.raises(ValueError, match="single class"):
        minority_types(X, np.zeros(10))
    y = np.array([0] * 7 + [1] * 3)
    with pytest.raises(ValueError, match=r"class 1 has 3 examples.*k \+ 1 = 6"):
        minority_types(X, y)
    bad = X.copy()
    bad[0, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        minority_types(bad, np.array([0] * 4 + [1] * 6))
    with pytest.raises(ValueError, match="rows but y has"):
        minority_types(X, np.array([0, 1]))


def test_an_extreme_value_does_not_widen_every_margin(monkeypatch):
    # One value a million standard deviations out must not turn the search into
    # brute force: each query should still re-rank a handful of candidates.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 6))
    X[3, 0] = 1e6
    y = (rng.random(20000) < 0.1).astype(int)
    reranked = []
    original = hvdm_module._Embedding.exact_sq

    def counting(self, rows, cols):
        reranked.append(len(rows))
        return original(self, rows, cols)

    monkeypatch.setattr(hvdm_module._Embedding, "exact_sq", counting)
    query = np.flatnonzero(y == 1)
    hvdm_kneighbors(X, y, query=query)
    assert sum(reranked) < 100 * len(query)  # brute force: 20,000 per query


def test_exact_with_extreme_value_and_missing(monkeypatch):
    monkeypatch.setattr(hvdm_module, "_REFERENCE_BLOCK", 16)
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    X.loc[0, "a"] = 1e4
    X.loc[rng.random(80) < 0.2, "b"] = np.nan
    y = (rng.random(80) < 0.4).astype(int)
    ref_d, ref_i = reference_neighbours(reference_hvdm(X, y, nominal=set()), 5)
    d, i = hvdm_kneighbors(X, y)
    np.testing.assert_array_equal(i, ref_i)
    np.testing.assert_allclose(d, ref_d, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": True}, "k must be a positive integer"),
        ({"k": 0}, "k must be a positive integer"),
        ({"n_jobs": 0}, "n_jobs must be"),
        ({"n_jobs": "2"}, "n_jobs must be"),
        ({"minority_classes": [7]}, r"classes \[7\] do not occur"),
    ],
)
def test_argument_errors(kwargs, message):
    X = np.arange(40.0).reshape(20, 2)
    y = np.array([0] * 12 + [1] * 8)
    with pytest.raises(ValueError, match=message):
        minority_types(X, y, **kwargs)


def test_a_single_minority_class_may_be_given_as_a_scalar():
    X = np.arange(60.0).reshape(30, 2)
    y = np.array(["a"] * 16 + ["b"] * 8 + ["c"] * 6)
    assert set(minority_types(X, y, minority_classes="c")["label"]) == {"c"}


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (
            np.zeros((10, 2)),
            np.array([0] * 6 + ["a"] * 4, dtype=object),
            "mixes labels",
        ),
        (
            pd.DataFrame(np.zeros((10, 2)), columns=["a", "a"]),
            [0] * 6 + [1] * 4,
            "repeated",
        ),
        (pd.DataFrame(index=range(10)), [0] * 6 + [1] * 4, "no feature columns"),
    ],
)
def test_input_errors(X, y, message):
    with pytest.raises(ValueError, match=message):
        minority_types(X, y, k=3)


def test_object_array_of_numbers_is_numeric():
    X = np.arange(60.0).reshape(30, 2)
    y = np.array([0] * 20 + [1] * 10)
    expected = minority_types(X, y)
    got = minority_types(X.astype(object), y)
    pd.testing.assert_frame_equal(got, expected)
