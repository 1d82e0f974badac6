"""TabDDPM's denoisers: an MLP and a residual MLP over the whole row."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._conditioning import Conditioning
from ._features import attribute_widths

__all__ = ["MLPDenoiser", "ResNetDenoiser"]


class _RowDenoiser(nn.Module):
    """The input side both denoisers share: the condition embedding of the
    step and class (``dim`` wide) and a projection of the whole encoded row to
    ``width``; a head maps back to ``project.in_features``.

    The condition is made before the projection: parameters are initialised
    from the torch generator in that order, so a seed keeps giving the same
    initial network.

    Parameters
    ----------
    n_features : int or sequence of int
        The encoded row's width, or the widths of its attributes.
    width : int
        Output width of the row projection.
    dim : int
        Width of the condition embedding.
    n_classes : int
        Classes of the condition (0: unconditional).
    """

    def __init__(
        self, n_features: int | Sequence[int], width: int, dim: int, n_classes: int
    ) -> None:
        super().__init__()
        n_encoded = sum(attribute_widths(n_features))
        self.condition = Conditioning(dim, n_classes=n_classes)
        self.project = nn.Linear(n_encoded, width)


class MLPDenoiser(_RowDenoiser):
    """``(x_t, t, y) -> eps``: the row, projected and summed with the condition,
    through Linear-ReLU-Dropout layers (Kotelnikov et al., 2023).

    The default size (two layers of 128, a 64-wide projection) scored the same
    decision-tree F1 as two layers of 256 in our training-budget study
    (BENCHMARKS.md), with a quarter of the parameters.

    Examples
    --------
    >>> import torch
    >>> net = MLPDenoiser(5, hidden=(32, 32))
    >>> net(torch.zeros(3, 5), torch.tensor([0, 1, 2]), None).shape
    torch.Size([3, 5])
    """

    def __init__(
        self,
        n_features: int | Sequence[int],
        *,
        hidden: Sequence[int] = (128, 128),
        dim: int = 64,
        n_classes: int = 0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(n_features, dim, dim, n_classes)
        layers: list[nn.Module] = []
        width = dim
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, self.project.in_features)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None):
        h = self.project(x) + self.condition(t, y)
        return self.head(self.body(h))


class _ResidualBlock(nn.Module):
    def __init__(self, width: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.branch = nn.Sequential(
            nn.LayerNorm(width),
            nn.Linear(width, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, width),
            nn.Dropout(dropout),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.branch(h)


class ResNetDenoiser(_RowDenoiser):
    """TabDDPM's residual MLP: blocks of norm-linear-ReLU-linear with skips.

    Examples
    --------
    >>> import torch
    >>> net = ResNetDenoiser(4, width=16, n_blocks=2)
    >>> net(torch.zeros(2, 4), torch.tensor([5, 6]), None).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        n_features: int | Sequence[int],
        *,
        width: int = 256,
        hidden: int = 512,
        n_blocks: int = 2,
        dim: int = 128,
        n_classes: int = 0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(n_features, width, dim, n_classes)
        self.to_width = nn.Linear(dim, width)
        self.blocks = nn.Sequential(
            *[_ResidualBlock(width, hidden, dropout) for _ in range(n_blocks)]
        )
        self.head = nn.Sequential(
            nn.LayerNorm(width), nn.ReLU(), nn.Linear(width, self.project.in_features)
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None):
        h = self.project(x) + self.to_width(self.condition(t, y))
        return self.head(self.blocks(h))
