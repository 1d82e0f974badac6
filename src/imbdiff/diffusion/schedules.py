"""Noise schedules: pure functions from a number of steps to the betas.

Schedules live in a name -> function registry so that samplers, suites and the
command line can name them; :func:`register_schedule` adds one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._validation import check_positive_int

__all__ = [
    "SCHEDULES",
    "cosine_betas",
    "get_schedule",
    "linear_betas",
    "register_schedule",
]


def linear_betas(n_steps: int, *, start: float = 1e-4, end: float = 0.02) -> np.ndarray:
    """Betas rising linearly from ``start`` to ``end`` (Ho et al., 2020).

    Examples
    --------
    >>> b = linear_betas(1000)
    >>> float(b[0]), float(b[-1]), b.shape
    (0.0001, 0.02, (1000,))
    """
    _check_steps(n_steps)
    if not 0 < start <= end < 1:
        raise ValueError(f"need 0 < start <= end < 1; got start={start}, end={end}.")
    return np.linspace(start, end, n_steps, dtype=np.float64)


def cosine_betas(
    n_steps: int, *, s: float = 0.008, max_beta: float = 0.999
) -> np.ndarray:
    """Betas of the cosine schedule (Nichol & Dhariwal, 2021).

    ``alpha_bar(t) = cos(((t / T) + s) / (1 + s) * pi / 2) ** 2`` and
    ``beta_t = 1 - alpha_bar(t) / alpha_bar(t - 1)``, clipped at ``max_beta``.

    Examples
    --------
    >>> b = cosine_betas(100)
    >>> bool((b > 0).all() and (b <= 0.999).all())
    True
    """
    _check_steps(n_steps)

    def alpha_bar(t: float) -> float:
        return math.cos((t / n_steps + s) / (1 + s) * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar(i + 1) / alpha_bar(i), max_beta) for i in range(n_steps)]
    return np.asarray(betas, dtype=np.float64)


SCHEDULES: dict[str, Callable[[int], np.ndarray]] = {
    "linear": linear_betas,
    "cosine": cosine_betas,
}


def register_schedule(name: str, function: Callable[[int], np.ndarray]) -> None:
    """Make ``function(n_steps) -> betas`` available under ``name``."""
    if not callable(function):
        raise ValueError(f"a schedule must be callable; got {type(function).__name__}.")
    SCHEDULES[name] = function


def get_schedule(name: str, n_steps: int) -> np.ndarray:
    """The betas of the schedule called ``name`` for ``n_steps`` steps.

    Raises
    ------
    ValueError
        For an unknown name (the known ones are listed) or betas outside (0, 1).
    """
    if name not in SCHEDULES:
        known = ", ".join(sorted(SCHEDULES))
        raise ValueError(f"unknown schedule {name!r}; known schedules: {known}.")
    betas = np.asarray(SCHEDULES[name](n_steps), dtype=np.float64)
    if betas.shape != (n_steps,) or not ((betas > 0) & (betas < 1)).all():
        raise ValueError(f"schedule {name!r} must give {n_steps} betas in (0, 1).")
    return betas


def _check_steps(n_steps: int) -> None:
    check_positive_int(n_steps, "the number of steps")
