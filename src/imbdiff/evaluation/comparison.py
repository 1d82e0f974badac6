"""Is one method better than another on this table? Honest statistics.

Scores from repeated k-fold cross-validation are not independent: the
training parts overlap, so the plain variance of the per-fold differences
understates the uncertainty and a plain t-test finds differences that are
not there. Nadeau and Bengio's corrected resampled t-test (Machine Learning
52, 2003) inflates the variance by the ratio of test to training rows:

    var = (1 / J + n_test / n_train) * s^2

with ``J`` the number of (repeat, fold) scores and ``s^2`` their sample
variance; the statistic has a t distribution with ``J - 1`` degrees of
freedom. Comparing several methods with one baseline, :func:`holm` adjusts
the p-values so that the chance of any false "better" stays at alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["CorrectedTTest", "corrected_resampled_ttest", "holm"]


@dataclass(frozen=True)
class CorrectedTTest:
    """The corrected resampled t-test of mean differences (see the module).

    Attributes
    ----------
    mean : float
        Mean of the paired differences (method minus reference).
    std_error : float
        Its corrected standard error.
    statistic : float
        ``mean / std_error`` (0 when both are 0).
    df : int
        Degrees of freedom, the number of differences minus one.
    p_value : float
        Two-sided p-value.
    low, high : float
        The confidence interval of the mean difference.
    """

    mean: float
    std_error: float
    statistic: float
    df: int
    p_value: float
    low: float
    high: float


def corrected_resampled_ttest(
    differences, *, test_to_train: float, confidence: float = 0.95
) -> CorrectedTTest:
    """Nadeau and Bengio's corrected resampled t-test and interval.

    Parameters
    ----------
    differences : array-like of shape (J,)
        Per (repeat, fold) differences of a score, method minus reference,
        each pair scored on the same split.
    test_to_train : float
        Test rows over training rows of a split: ``1 / (k - 1)`` for k-fold
        cross-validation.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    CorrectedTTest

    Examples
    --------
    Five folds, two repeats:

    >>> d = [0.1, 0.2, 0.3, 0.0, 0.1, 0.2, 0.1, 0.3, 0.2, 0.1]
    >>> result = corrected_resampled_ttest(d, test_to_train=1 / 4)
    >>> round(result.statistic, 4), result.df, round(result.p_value, 4)
    (2.7994, 9, 0.0207)
    >>> round(result.low, 4), round(result.high, 4)
    (0.0307, 0.2893)
    """
    d = np.asarray(differences, dtype=float).ravel()
    if len(d) < 2 or not np.isfinite(d).all():
        raise ValueError(
            f"the test needs two or more finite differences; got {len(d)} "
            f"({int((~np.isfinite(d)).sum())} not finite)."
        )
    if not test_to_train > 0:
        raise ValueError(f"test_to_train must be positive; got {test_to_train!r}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
    df = len(d) - 1
    mean = float(d.mean())
    variance = (1 / len(d) + test_to_train) * float(d.var(ddof=1))
    std_error = math.sqrt(variance)
    if std_error == 0:
        # Every split agrees: no spread to weigh the mean against.
        statistic = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        p_value = 1.0 if mean == 0 else 0.0
    else:
        statistic = mean / std_error
        p_value = float(2 * stats.t.sf(abs(statistic), df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * std_error
    return CorrectedTTest(
        mean, std_error, statistic, df, p_value, mean - half, mean + half
    )


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of several p-values.

    The smallest p-value is multiplied by the number of tests, the next by
    one less, and so on, each kept at least as large as the one before and
    at most 1; a test is significant at alpha when its adjusted p-value is
    at most alpha.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted
