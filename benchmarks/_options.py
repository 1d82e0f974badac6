"""Command-line denoiser options shared by the benchmark scripts."""

from __future__ import annotations


def int_option(item: str) -> tuple[str, int | tuple[int, ...]]:
    """``"KEY=INT"`` -> ``(KEY, INT)``; ``"KEY=INT,INT"`` -> ``(KEY, (INT, INT))``.

    Examples
    --------
    >>> int_option("width=32")
    ('width', 32)
    >>> int_option("hidden=128,128")
    ('hidden', (128, 128))
    """
    key, sep, value = item.partition("=")
    try:
        numbers = tuple(int(v) for v in value.split(","))
    except ValueError:
        numbers = ()
    if not key or not sep or not numbers:
        raise ValueError(f"expected KEY=INT or KEY=INT,INT,...; got {item!r}.")
    return key, numbers if "," in value else numbers[0]
