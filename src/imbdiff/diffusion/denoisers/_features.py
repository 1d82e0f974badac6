"""How a denoiser sees the encoded columns: as attributes of given widths."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

__all__ = ["attribute_widths"]


def attribute_widths(features: int | Sequence[int]) -> tuple[int, ...]:
    """Per-attribute encoded widths from ``features``.

    An integer ``n`` means ``n`` one-column attributes (numeric data); a
    sequence gives each attribute's width (a one-hot block or an embedding
    takes several encoded columns, in order).

    Examples
    --------
    >>> attribute_widths(3)
    (1, 1, 1)
    >>> attribute_widths([1, 4, 1])
    (1, 4, 1)
    """
    if isinstance(features, Integral) and not isinstance(features, bool):
        widths = (1,) * int(features)
    else:
        try:
            widths = tuple(int(w) for w in features)
        except TypeError:
            raise ValueError(
                "features must be a number of columns or a sequence of "
                f"attribute widths; got {features!r}."
            ) from None
    if not widths or min(widths) < 1:
        raise ValueError(
            f"a denoiser needs at least one column of width >= 1; got {features!r}."
        )
    return widths
