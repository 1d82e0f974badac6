import math

import numpy as np
import pytest

from imbdiff.evaluation.comparison import corrected_resampled_ttest, holm

# Five folds x two repeats. By hand: mean 0.16; squared deviations sum to
# 0.084, so s^2 = 0.084 / 9; the corrected variance is (1/10 + 1/4) s^2 =
# 0.0032667, its root 0.0571548; t = 0.16 / 0.0571548 = 2.79941 with 9
# degrees of freedom; t(0.975, 9) = 2.262157 (a t table), so the interval is
# 0.16 +- 0.129293; a two-sided p of 2.8 on 9 degrees of freedom is 0.0207.
DIFFERENCES = [0.1, 0.2, 0.3, 0.0, 0.1, 0.2, 0.1, 0.3, 0.2, 0.1]


def test_corrected_resampled_ttest_against_hand_computed_values():
    result = corrected_resampled_ttest(DIFFERENCES, test_to_train=1 / 4)
    assert result.mean == pytest.approx(0.16)
    assert result.std_error == pytest.approx(math.sqrt(0.35 * 0.084 / 9))
    assert result.std_error == pytest.approx(0.0571548, abs=1e-7)
    assert result.statistic == pytest.approx(2.79941, abs=1e-5)
    assert result.df == 9
    assert result.low == pytest.approx(0.16 - 0.129293, abs=1e-6)
    assert result.high == pytest.approx(0.16 + 0.129293, abs=1e-6)
    assert result.p_value == pytest.approx(0.0207, abs=1e-4)


def test_the_correction_widens_the_plain_interval():
    plain_se = np.std(DIFFERENCES, ddof=1) / math.sqrt(len(DIFFERENCES))
    result = corrected_resampled_ttest(DIFFERENCES, test_to_train=1 / 4)
    # (1/J + 1/4) / (1/J) = 3.5: the variance is 3.5 times the naive one.
    assert result.std_error == pytest.approx(plain_se * math.sqrt(3.5))
    wider = corrected_resampled_ttest(DIFFERENCES, test_to_train=1)
    assert wider.p_value > result.p_value


def test_no_spread_and_bad_input():
    same = corrected_resampled_ttest([0.1] * 4, test_to_train=0.25)
    assert (same.p_value, same.statistic) == (0.0, math.inf)
    none = corrected_resampled_ttest([0.0] * 4, test_to_train=0.25)
    assert (none.p_value, none.low, none.high) == (1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="two or more finite differences"):
        corrected_resampled_ttest([0.1], test_to_train=0.25)
    with pytest.raises(ValueError, match="1 not finite"):
        corrected_resampled_ttest([0.1, np.nan], test_to_train=0.25)
    with pytest.raises(ValueError, match="test_to_train must be positive"):
        corrected_resampled_ttest(DIFFERENCES, test_to_train=0)


def test_holm_against_hand_computed_values():
    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1: 0.03, 0.06, 0.04 -> kept
    # increasing: 0.03, 0.06, 0.06; a p-value times its count caps at 1.
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.6]).tolist() == pytest.approx([1.0, 1.0])
    assert holm([0.001]).tolist() == [0.001]
