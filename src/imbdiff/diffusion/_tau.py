"""LReDDPM's tau schedules: the guidance strength at each step.

Pure functions of the betas in a name -> function registry
(:data:`TAU_SCHEDULES`); :func:`tau_values` reads a name, a number, a
``"k/sqrt(beta)"`` text, a callable or T numbers. Re-exported by
:mod:`imbdiff.diffusion.guidance`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["TAU_SCHEDULES", "constant_tau", "inverse_sqrt_beta_tau", "tau_values"]


def constant_tau(betas: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The same tau at every step.

    Examples
    --------
    >>> constant_tau(np.array([0.1, 0.2]), 60.0).tolist()
    [60.0, 60.0]
    """
    return np.full(np.shape(betas), float(scale))


def inverse_sqrt_beta_tau(betas: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``scale / sqrt(beta_t)``: weak guidance while the rows are noise, strong
    near the data (the LReDDPM paper's default with ``scale = 60``).

    Examples
    --------
    >>> inverse_sqrt_beta_tau(np.array([0.01, 0.04]), 60.0).tolist()
    [600.0, 300.0]
    """
    return float(scale) / np.sqrt(np.asarray(betas, dtype=np.float64))


#: Named tau schedules: ``name -> function(betas) -> tau per step``.
TAU_SCHEDULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "1": lambda betas: constant_tau(betas, 1.0),
    "60": lambda betas: constant_tau(betas, 60.0),
    "1/sqrt(beta)": lambda betas: inverse_sqrt_beta_tau(betas, 1.0),
    "60/sqrt(beta)": lambda betas: inverse_sqrt_beta_tau(betas, 60.0),
}

_NUMBER = r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
_SCALED = re.compile(rf"^({_NUMBER})(?:\*?1?/sqrt\(beta\)|/sqrt\(beta\))$")


def _check_tau_number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{what} must be a number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite; got {value!r}.")
    if value < 0:
        raise ValueError(
            f"{what} must be >= 0 (guidance pulls towards the region); got {value!r}."
        )
    return value


def tau_values(tau, betas: Sequence[float]) -> np.ndarray:
    """The guidance scale of every step, for the step indices ``0 .. T-1``.

    Parameters
    ----------
    tau : str, number, callable or sequence
        A name of :data:`TAU_SCHEDULES` (``"beta_t"`` may stand for
        ``"beta"``), ``"C"`` or ``"C/sqrt(beta)"`` for a number ``C >= 0``, a
        number ``>= 0``, a callable ``tau(t)`` of the paper's step number
        ``t = 1 .. T`` returning a number ``>= 0``, or ``T`` numbers
        ``>= 0`` (the value of each step ``t = 1 .. T``; how a saved model
        keeps a callable's values).
    betas : array-like of shape (T,)
        The noise schedule.

    Returns
    -------
    ndarray of shape (T,)

    Raises
    ------
    ValueError
        For a name that is not a schedule, a negative or non-finite value, or
        something that is not a number.

    Examples
    --------
    >>> betas = np.array([0.01, 0.04])
    >>> tau_values("60/sqrt(beta_t)", betas).tolist()
    [600.0, 300.0]
    >>> tau_values(0, betas).tolist()
    [0.0, 0.0]
    >>> tau_values(lambda t: 2 * t, betas).tolist()
    [2.0, 4.0]
    >>> tau_values("-1", betas)
    Traceback (most recent call last):
    ...
    ValueError: tau must be >= 0 (guidance pulls towards the region); got -1.0.
    """
    betas = np.asarray(betas, dtype=np.float64)
    if isinstance(tau, str):
        text = tau.replace(" ", "").replace("beta_t", "beta")
        if text in TAU_SCHEDULES:
            return np.asarray(TAU_SCHEDULES[text](betas), dtype=np.float64)
        try:
            return constant_tau(betas, _check_tau_number(float(text), "tau"))
        except ValueError as error:
            if "must be >= 0" in str(error) or "finite" in str(error):
                raise
        match = _SCALED.match(text)
        if match is None:
            known = ", ".join(repr(k) for k in TAU_SCHEDULES)
            raise ValueError(
                f"unknown tau {tau!r}; use a number >= 0, 'C/sqrt(beta)' or one of "
                f"{known}."
            )
        return inverse_sqrt_beta_tau(betas, float(match.group(1)))
    if isinstance(tau, (list, tuple, np.ndarray)):
        if len(tau) != betas.size:
            raise ValueError(
                f"tau as a sequence needs one value per step ({betas.size}); "
                f"got {len(tau)}."
            )
        values = [_check_tau_number(v, f"tau[{i}]") for i, v in enumerate(tau)]
        return np.asarray(values, dtype=np.float64)
    if callable(tau):
        values = [
            _check_tau_number(tau(step), f"tau({step})")
            for step in range(1, betas.size + 1)
        ]
        return np.asarray(values, dtype=np.float64)
    return constant_tau(betas, _check_tau_number(tau, "tau"))
