"""Distribution distances against scipy, hand computations and direct loops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from scipy.spatial.distance import jensenshannon

from imbdiff.evaluation import (
    js_distance,
    js_distance_per_column,
    mmd,
    wasserstein_distance,
)

# --- Jensen-Shannon -----------------------------------------------------------

# A numeric column with 3 distinct real values gives min(10, 3) = 3 bins on
# [0, 2]: edges 0, 2/3, 4/3, 2.
#   real      0, 0, 1, 2, 2, 2        -> counts 2, 1, 3
#   synthetic -5, 0.5, 1, 1, 3        -> -5 clipped to 0 and 3 clipped to 2:
#                                        counts 2, 2, 1
# With +1 on every bin: p = (3, 2, 4) / 9 and q = (3, 3, 2) / 8.
REAL_NUM = [0.0, 0.0, 1.0, 2.0, 2.0, 2.0]
SYN_NUM = [-5.0, 0.5, 1.0, 1.0, 3.0]
P_NUM = np.array([3, 2, 4]) / 9
Q_NUM = np.array([3, 3, 2]) / 8

# A nominal column: the bins are the real categories a, b, c.
#   real      a, a, b, c              -> counts 2, 1, 1 -> +1 -> (3, 2, 2) / 7
#   synthetic b, b, c, b, c           -> counts 0, 3, 2 -> +1 -> (1, 4, 3) / 8
REAL_CAT = ["a", "a", "b", "c"]
SYN_CAT = ["b", "b", "c", "b", "c"]
P_CAT = np.array([3, 2, 2]) / 7
Q_CAT = np.array([1, 4, 3]) / 8


def test_js_numeric_column_matches_scipy_on_hand_made_histograms():
    real = np.array(REAL_NUM)[:, None]
    synthetic = np.array(SYN_NUM)[:, None]
    expected = jensenshannon(P_NUM, Q_NUM)
    assert js_distance(real, synthetic) == pytest.approx(expected)


def test_js_nominal_column_matches_scipy_on_hand_made_histograms():
    real = pd.DataFrame({"colour": REAL_CAT})
    synthetic = pd.DataFrame({"colour": SYN_CAT})
    assert js_distance(real, synthetic) == pytest.approx(jensenshannon(P_CAT, Q_CAT))


def test_js_averages_the_columns():
    real = pd.DataFrame({"x": REAL_NUM[:4], "colour": REAL_CAT})
    synthetic = pd.DataFrame({"x": [*SYN_NUM[:4], 1.0], "colour": SYN_CAT})
    # Real x has values 0, 0, 1, 2 -> 3 bins, counts 2, 1, 1 -> (3, 2, 2) / 7.
    # Synthetic -5, 0.5, 1, 1, 1 -> counts 2, 3, 0 -> (3, 4, 1) / 8.
    x_expected = jensenshannon(np.array([3, 2, 2]) / 7, np.array([3, 4, 1]) / 8)
    cat_expected = jensenshannon(P_CAT, Q_CAT)
    per_column = js_distance_per_column(real, synthetic)
    assert list(per_column.index) == ["x", "colour"]
    np.testing.assert_allclose(per_column.to_numpy(), [x_expected, cat_expected])
    assert js_distance(real, synthetic) == pytest.approx(
        (x_expected + cat_expected) / 2
    )


def test_js_uses_at_most_ten_bins():
    # 100 distinct real values -> 10 bins of width 9.9 on [0, 99]; the
    # synthetic values all fall in the first bin.
    real = np.arange(100.0)[:, None]
    synthetic = np.zeros((20, 1))
    p = np.full(10, 10 + 1.0)
    q = np.array([20 + 1.0] + [1.0] * 9)
    expected = jensenshannon(p / p.sum(), q / q.sum())
    assert js_distance(real, synthetic) == pytest.approx(expected)


def test_js_clips_values_outside_the_real_range_into_the_end_bins():
    real = np.arange(10.0)[:, None]
    far = np.array([[-100.0], [100.0]])
    edges = np.array([[0.0], [9.0]])
    assert js_distance(real, far) == pytest.approx(js_distance(real, edges))


def test_js_identical_data_is_zero_and_base_two_is_at_most_one(tiny_mixed_frame):
    frame, _ = tiny_mixed_frame
    assert js_distance(frame, frame) == pytest.approx(0.0, abs=1e-12)
    far = frame.assign(a=frame["a"] + 100.0, b=frame["b"] - 100.0)
    assert 0.0 < js_distance(frame, far, base=2) <= 1.0
    assert js_distance(frame, far) <= math.sqrt(math.log(2))


def test_js_constant_real_column_is_zero():
    real = np.ones((5, 1))
    assert js_distance(real, np.array([[3.0], [-7.0]])) == 0.0


# --- Wasserstein --------------------------------------------------------------


def test_wasserstein_one_column_matches_scipy():
    rng = np.random.default_rng(0)
    real = rng.normal(size=60)
    synthetic = rng.normal(loc=0.7, scale=1.5, size=45)
    # Ours scales by the real range first.
    low, span = real.min(), real.max() - real.min()
    expected = scipy.stats.wasserstein_distance(
        (real - low) / span, (synthetic - low) / span
    )
    got = wasserstein_distance(real[:, None], synthetic[:, None])
    assert got == pytest.approx(expected, rel=1e-9)


def test_wasserstein_sinkhorn_is_close_to_exact():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(80, 3))
    synthetic = rng.normal(loc=0.3, size=(70, 3))
    exact = wasserstein_distance(real, synthetic)
    approx = wasserstein_distance(real, synthetic, exact_max_rows=50)
    # The entropic plan costs a little more than the optimal one.
    assert exact * (1 - 1e-6) <= approx <= exact * 1.05


def test_wasserstein_sinkhorn_survives_far_away_rows():
    real = np.random.default_rng(2).random((60, 2))
    synthetic = real + 1000.0
    exact = wasserstein_distance(real, synthetic)
    approx = wasserstein_distance(real, synthetic, exact_max_rows=10)
    assert np.isfinite(approx)
    assert approx == pytest.approx(exact, rel=1e-3)


def test_wasserstein_one_hot_hand_computed():
    # Real: half "a", half "b"; synthetic: all "a". One-hot points (1, 0) and
    # (0, 1) are sqrt(2) apart, and half the mass must move: sqrt(2) / 2.
    real = pd.DataFrame({"c": ["a", "b", "a", "b"]})
    synthetic = pd.DataFrame({"c": ["a", "a", "a"]})
    assert wasserstein_distance(real, synthetic) == pytest.approx(math.sqrt(2) / 2)


def test_wasserstein_identical_data_is_zero(tiny_mixed_frame):
    frame, _ = tiny_mixed_frame
    assert wasserstein_distance(frame, frame) == pytest.approx(0.0, abs=1e-12)


def test_wasserstein_is_scale_free_through_min_max_scaling():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(30, 2))
    synthetic = rng.normal(size=(25, 2))
    base = wasserstein_distance(real, synthetic)
    assert wasserstein_distance(real * 1000.0, synthetic * 1000.0) == pytest.approx(
        base
    )


def test_wasserstein_rejects_bad_parameters():
    x = np.zeros((3, 1))
    with pytest.raises(ValueError, match="exact_max_rows"):
        wasserstein_distance(x, x, exact_max_rows=0)
    with pytest.raises(ValueError, match="reg"):
        wasserstein_distance(x, x, reg=0.0)


# --- MMD ----------------------------------------------------------------------


def test_linear_mmd_hand_computed_and_unscaled():
    real = np.array([[0.0, 0.0], [2.0, 2.0], [1.0, 4.0]])  # mean (1, 2)
    synthetic = np.array([[4.0, 6.0], [2.0, 6.0]])  # mean (3, 6)
    # (3 - 1)^2 + (6 - 2)^2 = 4 + 16
    assert mmd(real, synthetic, kernel="linear") == pytest.approx(20.0)
    # No scaling: the value grows with the square of the units.
    assert mmd(real * 100, synthetic * 100) == pytest.approx(200_000.0)


def test_linear_mmd_one_hot():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"]})  # one-hot mean (0.5, 0.5)
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"]})  # (0.75, 0.25)
    assert mmd(real, synthetic) == pytest.approx(2 * 0.25**2)


def _rbf_mmd_reference(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Biased MMD^2, written with plain loops: the definition, slowly."""
    low = real.min(axis=0)
    span = real.max(axis=0) - low
    span[span == 0] = 1.0
    r = (real - low) / span
    s = (synthetic - low) / span
    pooled = np.vstack([r, s])
    dists = []
    for i in range(len(pooled)):
        for j in range(i + 1, len(pooled)):
            dists.append(math.dist(pooled[i], pooled[j]))
    sigma = float(np.median(dists))

    def k(x, y):
        return math.exp(-(math.dist(x, y) ** 2) / (2 * sigma**2))

    def mean_k(xs, ys):
        return sum(k(x, y) for x in xs for y in ys) / (len(xs) * len(ys))

    return mean_k(r, r) + mean_k(s, s) - 2 * mean_k(r, s)


def test_rbf_mmd_matches_double_loop_reference():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(25, 3)) * [1.0, 10.0, 100.0]
    synthetic = rng.normal(loc=0.5, size=(20, 3)) * [1.0, 10.0, 100.0]
    expected = _rbf_mmd_reference(real, synthetic)
    assert expected > 0.01  # the data differ enough for the test to mean something
    assert mmd(real, synthetic, kernel="rbf") == pytest.approx(expected, rel=1e-9)


def test_rbf_mmd_identical_is_zero_and_far_is_bounded(tiny_mixed_frame):
    frame, _ = tiny_mixed_frame
    assert mmd(frame, frame, kernel="rbf") == pytest.approx(0.0, abs=1e-12)
    far = frame.assign(a=frame["a"] + 50.0)
    value = mmd(frame, far, kernel="rbf")
    assert 0.0 < value <= 2.0


def test_rbf_mmd_large_pooled_sample_is_deterministic():
    # More than 2000 pooled rows: the bandwidth comes from a fixed subsample.
    rng = np.random.default_rng(6)
    real = rng.normal(size=(1200, 2))
    synthetic = rng.normal(loc=0.2, size=(1100, 2))
    first = mmd(real, synthetic, kernel="rbf")
    assert first > 0.0
    assert mmd(real, synthetic, kernel="rbf") == first


def test_rbf_mmd_of_a_single_repeated_point_is_zero():
    x = np.ones((4, 2))
    assert mmd(x, x, kernel="rbf") == 0.0


def test_mmd_rejects_unknown_kernel():
    x = np.zeros((3, 1))
    with pytest.raises(ValueError, match="kernel must be"):
        mmd(x, x, kernel="poly")


# --- input checks shared by the three -----------------------------------------

DISTANCES = [js_distance, wasserstein_distance, mmd]


@pytest.mark.parametrize("distance", DISTANCES)
def test_columns_are_matched_by_name(distance, tiny_mixed_frame):
    frame, _ = tiny_mixed_frame
    synthetic = frame.sample(frac=0.5, random_state=0)
    shuffled = synthetic[list(reversed(frame.columns))]
    assert distance(frame, shuffled) == pytest.approx(distance(frame, synthetic))


@pytest.mark.parametrize("distance", DISTANCES)
def test_mismatched_columns_are_an_error(distance):
    real = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"lacks \['y'\] and has extra \['z'\]"):
        distance(real, real.rename(columns={"y": "z"}))
    with pytest.raises(ValueError, match="real has 2 columns but synthetic has 3"):
        distance(real.to_numpy(), np.zeros((2, 3)))


@pytest.mark.parametrize("distance", DISTANCES)
def test_empty_input_is_an_error(distance):
    with pytest.raises(ValueError, match="synthetic has no rows"):
        distance(np.zeros((3, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="real has no rows"):
        distance(np.zeros((0, 2)), np.zeros((3, 2)))


@pytest.mark.parametrize("distance", DISTANCES)
def test_nan_is_an_error(distance):
    good = np.zeros((3, 2))
    bad = good.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="synthetic: column 1 has 1 missing"):
        distance(good, bad)
    with pytest.raises(ValueError, match="real: column 1 has 1 missing"):
        distance(bad, good)
    cat = pd.DataFrame({"c": ["a", "b", None]})
    with pytest.raises(ValueError, match="column 'c' has 1 missing"):
        distance(cat.iloc[:2], cat)


@pytest.mark.parametrize("distance", DISTANCES)
def test_unseen_category_is_an_error(distance):
    real = pd.DataFrame({"c": ["a", "b"]})
    with pytest.raises(ValueError, match=r"never shows: \['z'\]"):
        distance(real, pd.DataFrame({"c": ["a", "z"]}))


@pytest.mark.parametrize("distance", DISTANCES)
def test_explicit_categorical_features_on_numpy(distance):
    # Column 0 holds codes that are categories, not quantities: as categories,
    # 1 is as far from 0 as 10 is. Each real code appears once, so moving all
    # synthetic rows to code 1 or to code 10 is the same change; as numbers,
    # it is not.
    real = np.array([[0.0, 0.5], [1.0, 0.5], [10.0, 0.5]])
    synthetic_near = np.array([[1.0, 0.5]] * 3)
    synthetic_far = np.array([[10.0, 0.5]] * 3)
    near = distance(real, synthetic_near, categorical_features=[0])
    far = distance(real, synthetic_far, categorical_features=[0])
    assert near == pytest.approx(far)
    assert distance(real, synthetic_near) != pytest.approx(
        distance(real, synthetic_far)
    )


def test_text_column_treated_as_numeric_is_an_error():
    real = pd.DataFrame({"c": ["a", "b"]})
    with pytest.raises(ValueError, match="treated as numeric"):
        js_distance(real, real, categorical_features=None)


@pytest.mark.parametrize(
    "distance",
    [
        lambda r, s, **k: js_distance(r, s, **k),
        lambda r, s, **k: wasserstein_distance(r, s, **k),
        lambda r, s, **k: mmd(r, s, kernel="rbf", **k),
    ],
)
def test_a_category_the_column_may_take_is_placed(distance):
    real = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "z", "b", "b"]})
    with pytest.raises(ValueError, match="never shows"):
        distance(real, synthetic)
    moved = distance(real, synthetic, categories={"c": ["a", "b", "z"]})
    assert moved > distance(real, real, categories={"c": ["a", "b", "z"]})
    # Only values outside the column's categories are refused.
    with pytest.raises(ValueError, match=r"never shows: \['z'\]"):
        distance(real, synthetic, categories={"c": ["a", "b", "y"]})
    # Categories the synthetic rows do not show change nothing.
    assert distance(real, real, categories={"c": ["a", "b", "y"]}) == distance(
        real, real
    )
