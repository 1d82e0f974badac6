"""The neighbour filter (``neighbour_filter=True``): generated rows of a
class are kept when one of their nearest real rows is of that class.

A row drawn into the other classes' part of the space would teach the
classifier the wrong side; the filter drops it and draws again, for a bounded
number of rounds.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._validation import plain
from ..regions import hvdm_neighbours_of

__all__ = ["FILTER_NEIGHBOURS", "FILTER_ROUNDS", "NeighbourFilterWarning"]

#: Rounds of the neighbour filter (``neighbour_filter=True``), the first draw
#: included: rows it dropped are drawn again at most this many times less one.
FILTER_ROUNDS = 5
#: Real neighbours a generated row is judged by.
FILTER_NEIGHBOURS = 5


class NeighbourFilterWarning(UserWarning):
    """The neighbour filter kept fewer rows than asked for (the message gives
    the counts)."""


def _neighbours_agree(rows: pd.DataFrame, label, frame, y, nominal) -> np.ndarray:
    """Whether each generated row of class ``label`` has, among its
    :data:`FILTER_NEIGHBOURS` nearest real rows under HVDM, one of its class."""
    k = min(FILTER_NEIGHBOURS, len(frame))
    _, indices = hvdm_neighbours_of(
        frame,
        y,
        rows.set_axis(frame.columns, axis=1),
        n_neighbors=k,
        categorical_features=nominal,
    )
    return (np.asarray(y)[indices] == label).any(axis=1)


def keep_agreeing(
    rows: pd.DataFrame,
    draw: Callable[[int, int], pd.DataFrame],
    *,
    label,
    reference,
) -> tuple[pd.DataFrame, int]:
    """The rows of class ``label`` that pass the filter against the real rows
    ``reference`` (frame, labels, nominal columns), and how many it dropped.

    ``draw(n, round)`` makes ``n`` rows again for those dropped, for at most
    :data:`FILTER_ROUNDS` rounds in all; then the rows that passed are kept,
    with a :class:`NeighbourFilterWarning` if they are fewer than ``rows``.
    """
    n = short = len(rows)
    kept, dropped = [], 0
    for round_ in range(FILTER_ROUNDS):
        passed = _neighbours_agree(rows, label, *reference)
        kept.append(rows[passed])
        dropped += int((~passed).sum())
        short -= int(passed.sum())
        if short == 0 or round_ == FILTER_ROUNDS - 1:
            break
        rows = draw(short, round_)
    if short:
        warnings.warn(
            f"class {plain(label)!r}: the neighbour filter dropped {dropped} "
            f"generated rows in {FILTER_ROUNDS} rounds; {n - short} of the {n} "
            "rows asked for are kept.",
            NeighbourFilterWarning,
            stacklevel=5,
        )
    return pd.concat(kept, ignore_index=True), dropped
