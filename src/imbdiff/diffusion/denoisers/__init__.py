"""Denoising networks ``(x_t, t, y) -> eps``, by name."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ._conditioning import Conditioning, timestep_embedding
from ._features import attribute_widths
from .mlp import MLPDenoiser, ResNetDenoiser
from .semst import SEMSTDenoiser, SoftThreshold

__all__ = [
    "DENOISERS",
    "Conditioning",
    "MLPDenoiser",
    "ResNetDenoiser",
    "SEMSTDenoiser",
    "SoftThreshold",
    "attribute_widths",
    "make_denoiser",
    "timestep_embedding",
]

DENOISERS: dict[str, type[nn.Module]] = {
    "mlp": MLPDenoiser,
    "resnet": ResNetDenoiser,
    "semst": SEMSTDenoiser,
}


def make_denoiser(name: str, n_features: int | Sequence[int], **options) -> nn.Module:
    """Build the denoiser called ``name`` for the encoded columns.

    ``n_features`` is a number of one-column attributes, or the encoded width
    of each attribute (:attr:`TabularEncoder.widths_`), which the ``semst``
    denoiser turns into one token each.

    Examples
    --------
    >>> make_denoiser("semst", 4, width=16).__class__.__name__
    'SEMSTDenoiser'
    """
    if name not in DENOISERS:
        raise ValueError(
            f"unknown denoiser {name!r}; known: {', '.join(sorted(DENOISERS))}."
        )
    try:
        return DENOISERS[name](n_features, **options)
    except TypeError as error:
        raise ValueError(f"bad options for the {name!r} denoiser: {error}") from None
