"""SEMST-ResNet, the denoiser of SEMRes-DDPM, as we read its summary.

Every encoded feature becomes a token; blocks of self-attention across the
feature tokens and a feed-forward branch whose output is soft-thresholded
(Deep Residual Shrinkage Networks) before its residual add; a per-token head
returns one noise value per feature. ``attention=``, ``shrinkage=`` and
``residual=`` switch each part off for ablations.
"""

from __future__ import annotations

import torch
from torch import nn

from ._conditioning import Conditioning

__all__ = ["SEMSTDenoiser", "SoftThreshold"]


class SoftThreshold(nn.Module):
    """Soft thresholding with a learned threshold per sample and token.

    For a branch output ``h`` of shape (batch, tokens, width):
    ``a = mean over width of |h|`` (one value per sample and token),
    ``theta = a * sigmoid(MLP(a))`` with the MLP mixing the tokens' values
    (as DRSN's channel-wise thresholds), and
    ``out = sign(h) * max(|h| - theta, 0)``. Because ``theta`` is below the
    mean magnitude of its token, every token with unequal magnitudes loses its
    smallest entries to exact zeros: this is shrinkage, not a gate.

    Examples
    --------
    >>> import torch
    >>> shrink = SoftThreshold(n_tokens=3)
    >>> out = shrink(torch.randn(2, 3, 8, generator=torch.Generator().manual_seed(0)))
    >>> bool((out == 0).any())
    True
    """

    def __init__(self, n_tokens: int, *, hidden: int | None = None) -> None:
        super().__init__()
        hidden = hidden or max(4, n_tokens // 2)
        self.scale = nn.Sequential(
            nn.Linear(n_tokens, hidden), nn.ReLU(), nn.Linear(hidden, n_tokens)
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        magnitude = h.abs().mean(dim=-1)
        theta = magnitude * torch.sigmoid(self.scale(magnitude))
        return torch.sign(h) * torch.relu(h.abs() - theta.unsqueeze(-1))


class _Block(nn.Module):
    def __init__(
        self,
        n_tokens: int,
        width: int,
        n_heads: int,
        dropout: float,
        *,
        attention: bool,
        shrinkage: bool,
        residual: bool,
    ) -> None:
        super().__init__()
        self.residual = residual
        self.attention = (
            nn.MultiheadAttention(width, n_heads, dropout=dropout, batch_first=True)
            if attention
            else None
        )
        self.norm_attention = nn.LayerNorm(width) if attention else None
        self.norm_ff = nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(
            nn.Linear(width, 2 * width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(2 * width, width),
        )
        self.shrink = SoftThreshold(n_tokens) if shrinkage else None

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.attention is not None:
            z = self.norm_attention(h)
            z, _ = self.attention(z, z, z, need_weights=False)
            h = h + z if self.residual else z
        z = self.feed_forward(self.norm_ff(h))
        if self.shrink is not None:
            z = self.shrink(z)
        return h + z if self.residual else z


class SEMSTDenoiser(nn.Module):
    """``(x_t, t, y) -> eps`` over feature tokens.

    Parameters
    ----------
    n_features : int
        Encoded features (one token each).
    width : int, default=32
        Token width.
    n_blocks : int, default=2
        Attention + shrinkage blocks.
    n_heads : int, default=4
        Attention heads (must divide ``width``).
    n_classes : int, default=0
        Classes to condition on (0: unconditional).
    attention, shrinkage, residual : bool, default=True
        Switch each part of the block off, for ablations.
    dropout : float, default=0.0

    Examples
    --------
    >>> import torch
    >>> net = SEMSTDenoiser(6, width=16, n_heads=2)
    >>> net(torch.zeros(3, 6), torch.tensor([0, 1, 2]), None).shape
    torch.Size([3, 6])
    """

    def __init__(
        self,
        n_features: int,
        *,
        width: int = 32,
        n_blocks: int = 2,
        n_heads: int = 4,
        n_classes: int = 0,
        attention: bool = True,
        shrinkage: bool = True,
        residual: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if width % n_heads:
            raise ValueError(f"n_heads ({n_heads}) must divide width ({width}).")
        self.token_weight = nn.Parameter(torch.randn(n_features, width) / width**0.5)
        self.token_bias = nn.Parameter(torch.zeros(n_features, width))
        self.condition = Conditioning(width, n_classes=n_classes)
        self.blocks = nn.ModuleList(
            [
                _Block(
                    n_features,
                    width,
                    n_heads,
                    dropout,
                    attention=attention,
                    shrinkage=shrinkage,
                    residual=residual,
                )
                for _ in range(n_blocks)
            ]
        )
        self.norm = nn.LayerNorm(width)
        self.head_weight = nn.Parameter(torch.randn(n_features, width) / width**0.5)
        self.head_bias = nn.Parameter(torch.zeros(n_features))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None):
        tokens = x.unsqueeze(-1) * self.token_weight + self.token_bias
        h = tokens + self.condition(t, y).unsqueeze(1)
        for block in self.blocks:
            h = block(h)
        return (
            torch.einsum("bfw,fw->bf", self.norm(h), self.head_weight) + self.head_bias
        )
