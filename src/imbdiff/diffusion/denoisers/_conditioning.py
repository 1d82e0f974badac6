"""Time (and class) conditioning shared by every denoiser."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["Conditioning", "timestep_embedding"]


def timestep_embedding(t: torch.Tensor, dim: int, *, max_period: float = 10000.0):
    """Sinusoidal embedding of step indices (Vaswani et al.; Ho et al.).

    Examples
    --------
    >>> import torch
    >>> timestep_embedding(torch.tensor([0, 10]), 8).shape
    torch.Size([2, 8])
    """
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period)
        * torch.arange(half, device=t.device, dtype=torch.float32)
        / half
    )
    angles = t.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)
    return emb


class Conditioning(nn.Module):
    """``(t, y) -> vector``: a sinusoidal time embedding through a small MLP, plus
    a learned class embedding when the model is conditioned on the class."""

    def __init__(self, dim: int, *, n_classes: int = 0) -> None:
        super().__init__()
        self.dim = dim
        self.time = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.label = nn.Embedding(n_classes, dim) if n_classes > 0 else None

    def forward(self, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        # A reverse step gives every row the same t: embed each distinct step once.
        steps, where = torch.unique(t, return_inverse=True)
        out = self.time(timestep_embedding(steps, self.dim))[where]
        if self.label is not None:
            if y is None:
                raise ValueError("this denoiser is class-conditioned: pass y.")
            out = out + self.label(y)
        return out
