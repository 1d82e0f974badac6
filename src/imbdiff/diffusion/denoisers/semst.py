"""SEMST-ResNet, the denoiser of SEMRes-DDPM, as we read its summary.

Every attribute becomes a token (a numeric column, or the block of encoded
columns of one nominal attribute); blocks of self-attention across the
tokens and a feed-forward branch whose output is soft-thresholded (Deep
Residual Shrinkage Networks) before its residual add; a per-token head
returns the noise of the token's columns. ``attention=``, ``shrinkage=`` and
``residual=`` switch each part off for ablations.

Speed: attention over a handful of tokens is many tiny problems, so the cost
is per head and per token rather than per flop. One token per attribute
(not per one-hot column) and a narrow default width keep it affordable on a
CPU; ``benchmarks/bench_fit.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..._validation import check_positive_int
from ._conditioning import Conditioning
from ._features import attribute_widths

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
        theta = (magnitude * torch.sigmoid(self.scale(magnitude))).unsqueeze(-1)
        if torch.is_grad_enabled():
            return _Shrink.apply(h, theta)
        # Without a backward, the formula itself: no Python function's call.
        return h - torch.clamp(h, -theta, theta)


class _Shrink(torch.autograd.Function):
    """``sign(h) * max(|h| - theta, 0)``, forward and backward in two passes.

    Written as ``h - clamp(h, -theta, theta)``, autograd's backward of the
    clamp builds a mask per bound and selects three times; the derivatives
    are simply ``1[|h| > theta]`` for ``h`` and ``-sign(out)`` for ``theta``.
    """

    @staticmethod
    def forward(ctx, h, theta):
        out = h - torch.clamp(h, -theta, theta)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        kept = grad * (out != 0)
        return kept, -(kept * out.sign()).sum(dim=-1, keepdim=True)


#: From this many tokens on, attention uses ``torch.softmax`` and products in
#: the layout of :func:`_bmm`, with their own backward; below it, plain
#: operators and the softmax written out, where each call's overhead counts
#: more than its arithmetic (``torch.softmax`` vectorises along rows of 16
#: values or more; profile_semst.py times both softmaxes).
MANY_TOKENS = 16


def _written_out_softmax(scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension, several times faster than
    ``torch.softmax`` on a CPU over rows of fewer than 16 values."""
    weights = (scores - scores.amax(dim=-1, keepdim=True)).exp()
    return weights / weights.sum(dim=-1, keepdim=True)


def _bmm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` for batches of matrices, in the faster layout.

    Batched matmul on a CPU is faster with the longer of the output's two
    sides as its columns: ``python benchmarks/profile_semst.py --features 64
    --rows 2048`` timed ``(tokens x tokens) @ (tokens x 8)`` over 64 tokens
    at 7.5 ms per 1,024 rows on one thread, and the same product computed as
    ``((8 x tokens) @ (tokens x tokens))^T`` at 5.1 ms.
    """
    if b.shape[-1] < a.shape[-2]:
        return torch.bmm(b.mT, a.mT).mT
    return torch.bmm(a, b)


class _Product(torch.autograd.Function):
    """``a @ b`` whose backward products also take :func:`_bmm`'s layout.

    Autograd's own backward of ``bmm`` multiplies attention's gradients the
    slow way round; this one also returns the attention weights' gradient
    contiguous, which the softmax's backward would otherwise copy.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _bmm(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _bmm(grad, b.mT), _bmm(a.mT, grad)


class _SelfAttention(nn.Module):
    """Multi-head self-attention across tokens, with one fused input projection."""

    def __init__(self, width: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.dropout = dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        width = h.shape[-1]
        head = width // self.n_heads
        # Views of the projection, one per head and role, that batched matmul
        # reads in place: no copy into a (batch, head, token) layout. split,
        # not slicing: its backward is one concatenation, where each slice's
        # backward would fill a zero tensor of the projection's full size.
        parts = self.qkv(h).split(head, dim=-1)
        few = h.shape[1] < MANY_TOKENS
        heads = []
        for i in range(self.n_heads):
            q, k, v = parts[i], parts[self.n_heads + i], parts[2 * self.n_heads + i]
            if few:
                # The scale inside the product: one pass over the scores.
                scores = torch.baddbmm(
                    h.new_zeros(()), q, k.mT, beta=0.0, alpha=head**-0.5
                )
                weights = F.dropout(
                    _written_out_softmax(scores), self.dropout, self.training
                )
                heads.append(torch.bmm(weights, v))
            else:
                # The scale on the queries: a pass over tokens x head values,
                # not over the tokens x tokens scores.
                scores = _Product.apply(q * head**-0.5, k.mT)
                weights = torch.softmax(scores, dim=-1)
                weights = F.dropout(weights, self.dropout, self.training)
                heads.append(_Product.apply(weights, v))
        return self.out(torch.cat(heads, dim=-1))


def _modulate(h: torch.Tensor, scale, shift) -> torch.Tensor:
    """Adaptive layer norm: ``h * (1 + scale) + shift`` (``h`` without FiLM)."""
    return h if scale is None else h * (1 + scale) + shift


class _Block(nn.Module):
    def __init__(
        self,
        n_tokens: int,
        width: int,
        n_heads: int,
        dropout: float,
        *,
        ff_multiplier: int,
        attention: bool,
        shrinkage: bool,
        residual: bool,
        film: bool,
    ) -> None:
        super().__init__()
        self.residual = residual
        # Scale and shift of each normalised input, from the time (and class)
        # embedding; zero at first, so a block starts as it would without.
        self.film = nn.Linear(width, 4 * width) if film else None
        if self.film is not None:
            nn.init.zeros_(self.film.weight)
            nn.init.zeros_(self.film.bias)
        self.attention = _SelfAttention(width, n_heads, dropout) if attention else None
        self.norm_attention = nn.LayerNorm(width) if attention else None
        self.norm_ff = nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(
            nn.Linear(width, ff_multiplier * width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(ff_multiplier * width, width),
        )
        self.shrink = SoftThreshold(n_tokens) if shrinkage else None

    def forward(self, h: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        if self.film is None:
            scales = (None,) * 4
        else:
            scales = self.film(condition).unsqueeze(1).chunk(4, dim=-1)
        if self.attention is not None:
            z = self.attention(_modulate(self.norm_attention(h), *scales[:2]))
            h = h + z if self.residual else z
        z = self.feed_forward(_modulate(self.norm_ff(h), *scales[2:]))
        if self.shrink is not None:
            z = self.shrink(z)
        return h + z if self.residual else z


def _check_sizes(
    width: int,
    n_blocks: int,
    n_heads: int,
    ff_multiplier: int,
    max_tokens: int | None,
    grouped_tokens: int | None,
) -> None:
    """Check :class:`SEMSTDenoiser`'s sizes; raise on the first bad one."""
    for name, value in (
        ("width", width),
        ("n_blocks", n_blocks),
        ("n_heads", n_heads),
        ("ff_multiplier", ff_multiplier),
    ):
        check_positive_int(value, name)
    check_positive_int(max_tokens, "max_tokens", allow_none=True)
    check_positive_int(grouped_tokens, "grouped_tokens", allow_none=True)
    if width % n_heads:
        raise ValueError(f"n_heads ({n_heads}) must divide width ({width}).")


def _token_of_columns(
    widths: tuple[int, ...], max_tokens: int | None, grouped_tokens: int | None
) -> tuple[int, torch.Tensor]:
    """The number of tokens, and the token of each encoded column."""
    n_attributes = len(widths)
    n_tokens = n_attributes
    if max_tokens is not None and n_attributes > max_tokens:
        n_tokens = min(grouped_tokens or max_tokens, max_tokens)
    # Token of each attribute: itself, or its group of neighbours (group
    # sizes differ by at most one).
    group = torch.arange(n_attributes) * n_tokens // n_attributes
    return n_tokens, torch.repeat_interleave(group, torch.tensor(widths))


class SEMSTDenoiser(nn.Module):
    """``(x_t, t, y) -> eps`` over attribute tokens.

    Parameters
    ----------
    n_features : int or sequence of int
        The encoded columns: a number of one-column attributes, or each
        attribute's width (see :func:`attribute_widths`). Each attribute is
        one token, the sum of its columns' values times their own vectors.
    width : int, default=16
        Token width.
    n_blocks : int, default=2
        Attention + shrinkage blocks.
    n_heads : int, default=2
        Attention heads (must divide ``width``).
    ff_multiplier : int, default=2
        Hidden width of the feed-forward branch, in multiples of ``width``.
    n_classes : int, default=0
        Classes to condition on (0: unconditional).
    attention, shrinkage, residual : bool, default=True
        Switch each part of the block off, for ablations.
    condition_every_block : bool, default=False
        Also inject the time (and class) embedding into every block, as a
        scale and shift of each block's normalised inputs (adaptive layer norm,
        FiLM), not only added to the tokens at the input. Each block's
        modulation starts at zero (the identity).
    dropout : float, default=0.0
    max_tokens : int or None, default=64
        At most this many tokens (None: one per attribute, however many).
        With at most ``max_tokens`` attributes (every tuning and suite dataset
        at the default), one token per attribute. A table with more puts
        neighbouring attributes together into ``grouped_tokens`` tokens, the
        group sizes differing by at most one, so that attention (quadratic in
        the tokens) and the shrinkage thresholds stay bounded and the cost
        grows about linearly with the columns; every column keeps its own
        input and output weights.
    grouped_tokens : int or None, default=32
        The tokens of a table with more than ``max_tokens`` attributes (at
        most ``max_tokens``; None: ``max_tokens``). Half the bound by default,
        for cost: on a 756 x 753 table, SEMRes-DDPM's ``fit_resample`` took
        3.39 times TabDDPM's time at the same steps with 64 tokens and 2.39
        times with 32 (BENCHMARKS.md, "Wide tables"). No tuning dataset is
        that wide, so no quality measurement chose it.

    Examples
    --------
    >>> import torch
    >>> net = SEMSTDenoiser([1, 3, 2])
    >>> len(net.blocks[0].shrink.scale[0].weight[0])  # one token per attribute
    3
    >>> SEMSTDenoiser(64).n_tokens  # one token per attribute
    64
    >>> SEMSTDenoiser(1000).n_tokens  # a wide table, grouped
    32
    >>> net(torch.zeros(4, 6), torch.tensor([0, 1, 2, 3]), None).shape
    torch.Size([4, 6])
    """

    #: Sampling runs whole chunks of rows per CPU thread (see
    #: :mod:`imbdiff.diffusion.gaussian`): faster for its many small operators.
    chunk_parallel = True

    def __init__(
        self,
        n_features: int | Sequence[int],
        *,
        width: int = 16,
        n_blocks: int = 2,
        n_heads: int = 2,
        ff_multiplier: int = 2,
        n_classes: int = 0,
        attention: bool = True,
        shrinkage: bool = True,
        residual: bool = True,
        condition_every_block: bool = False,
        dropout: float = 0.0,
        max_tokens: int | None = 64,
        grouped_tokens: int | None = 32,
    ) -> None:
        super().__init__()
        _check_sizes(
            width, n_blocks, n_heads, ff_multiplier, max_tokens, grouped_tokens
        )
        widths = attribute_widths(n_features)
        n_columns = sum(widths)
        n_tokens, token_of = _token_of_columns(widths, max_tokens, grouped_tokens)
        # None when every column is its own token.
        self.register_buffer(
            "token_of", None if n_columns == n_tokens else token_of, persistent=False
        )
        self.n_tokens = n_tokens
        self._plan_tokens(token_of.tolist(), n_tokens)
        self.column_weight = nn.Parameter(torch.randn(n_columns, width) / width**0.5)
        self.token_bias = nn.Parameter(torch.zeros(n_tokens, width))
        self.condition = Conditioning(width, n_classes=n_classes)
        self.blocks = nn.ModuleList(
            [
                _Block(
                    n_tokens,
                    width,
                    n_heads,
                    dropout,
                    ff_multiplier=ff_multiplier,
                    attention=attention,
                    shrinkage=shrinkage,
                    residual=residual,
                    film=bool(condition_every_block),
                )
                for _ in range(n_blocks)
            ]
        )
        self.norm = nn.LayerNorm(width)
        self.head_weight = nn.Parameter(torch.randn(n_columns, width) / width**0.5)
        self.head_bias = nn.Parameter(torch.zeros(n_columns))

    def _plan_tokens(self, token_of: list[int], n_tokens: int) -> None:
        """How columns meet tokens, for :meth:`_embed` and :meth:`_head`.

        A token of one column (a numeric attribute) is that column times its
        vector, for all such tokens at once. Tokens of several columns (a
        one-hot block, a group of a wide table) go in batches of similar
        width, widths in ``(2**(k-1), 2**k]`` together: each batch one
        batched matrix product over its tokens' columns, padded with a zero
        column to the batch's widest token (less than twice the work, and a
        handful of products however many tokens). Writing every column's
        vector out and summing them instead moves a (rows, columns, width)
        tensor, most of the time of a table with a nominal column of 1,000
        categories; a product per token costs a table of 64 grouped tokens
        more in calls than in arithmetic.
        """
        n_columns = len(token_of)
        spans = {}
        for column, token in enumerate(token_of):
            spans.setdefault(token, [column, column])[1] = column + 1
        single = [t for t in range(n_tokens) if spans[t][1] - spans[t][0] == 1]
        batches: dict[int, list[int]] = {}
        for t in range(n_tokens):
            size = spans[t][1] - spans[t][0]
            if size > 1:
                batches.setdefault((size - 1).bit_length(), []).append(t)
        # Token order of the embedding's parts, and column order of the
        # head's: singles first, then each batch, padded positions included.
        token_parts = list(single)
        column_parts = [spans[t][0] for t in single]
        self._selections: dict[str, slice | None] = {}
        self._batches = []
        for number, tokens in enumerate(batches.values()):
            pad = max(spans[t][1] - spans[t][0] for t in tokens)
            # Column of each (token, position); n_columns: the zero column.
            index = [
                c if c < spans[t][1] else n_columns
                for t in tokens
                for c in range(spans[t][0], spans[t][0] + pad)
            ]
            token_parts += tokens
            column_parts += index
            names = (f"_batch_tokens{number}", f"_batch_columns{number}")
            self._select_later(names[0], tokens)
            self._select_later(names[1], index)
            self._batches.append((*names, len(tokens), pad))
        order = [0] * n_tokens
        for i, t in enumerate(token_parts):
            order[t] = i
        self._select_later("_token_order", order)
        order = [0] * n_columns
        for i, column in enumerate(column_parts):
            if column < n_columns:
                order[column] = i
        self._select_later("_column_order", order)
        self._select_later("_single_tokens", single)
        self._select_later("_single_columns", column_parts[: len(single)])
        self._padded = n_columns in column_parts

    def _select_later(self, name: str, values: list[int]) -> None:
        """Keep ``values`` for :meth:`_selection`: a slice when they are a
        run of consecutive numbers (a view, where an index would copy)."""
        start = values[0] if values else 0
        if values == list(range(start, start + len(values))):
            self._selections[name] = slice(start, start + len(values))
        else:
            self._selections[name] = None
            self.register_buffer(
                name, torch.tensor(values, dtype=torch.long), persistent=False
            )

    def _selection(self, name: str) -> slice | torch.Tensor:
        selection = self._selections[name]
        return getattr(self, name) if selection is None else selection

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """(rows, columns) -> (rows, tokens, width): each token the sum of its
        columns' values times their vectors."""
        if self.token_of is None:
            return x.unsqueeze(-1) * self.column_weight
        columns = self._selection("_single_columns")
        parts = [x[:, columns].unsqueeze(-1) * self.column_weight[columns]]
        weight = self.column_weight
        if self._padded:
            x, weight = F.pad(x, (0, 1)), F.pad(weight, (0, 0, 0, 1))
        for _, name, n_tokens, pad in self._batches:
            columns = self._selection(name)
            # (tokens, rows, pad) @ (tokens, pad, width) -> (rows, tokens, width)
            values = x[:, columns].unflatten(1, (n_tokens, pad)).transpose(0, 1)
            vectors = weight[columns].unflatten(0, (n_tokens, pad))
            parts.append(torch.bmm(values, vectors).transpose(0, 1))
        h = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        return h[:, self._selection("_token_order")]

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        """(rows, tokens, width) -> (rows, columns): each column its token's
        output times the column's own vector."""
        if self.token_of is None:
            return (h * self.head_weight).sum(dim=-1)
        columns = self._selection("_single_columns")
        tokens = self._selection("_single_tokens")
        parts = [(h[:, tokens] * self.head_weight[columns]).sum(dim=-1)]
        weight = self.head_weight
        if self._padded:
            weight = F.pad(weight, (0, 0, 0, 1))
        for tokens, columns, n_tokens, pad in self._batches:
            vectors = weight[self._selection(columns)].unflatten(0, (n_tokens, pad))
            # (tokens, rows, width) @ (tokens, width, pad) -> (rows, tokens * pad)
            values = h[:, self._selection(tokens)].transpose(0, 1)
            parts.append(torch.bmm(values, vectors.mT).transpose(0, 1).flatten(1))
        out = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        # A slice when the columns come out in order: a view, which also
        # drops padded positions after the last column.
        return out[:, self._selection("_column_order")]

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None):
        condition = self.condition(t, y)
        h = self._embed(x) + self.token_bias + condition.unsqueeze(1)
        for block in self.blocks:
            h = block(h, condition)
        return self._head(self.norm(h)) + self.head_bias
