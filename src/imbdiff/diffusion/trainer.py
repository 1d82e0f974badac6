"""Training of a denoiser: Adam, mini-batches and an EMA of the weights.

The trainer knows nothing of tables or samplers: it takes an encoded matrix,
optional class labels, a denoiser and a :class:`~.gaussian.GaussianDiffusion`.

The step budget is fixed: there is no early stopping. A stop on a plateau of
window means could not fire within the samplers' default budget (ten windows of
100 steps), and on the noisy means of a larger budget it stopped while the
loss still fell.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch.optim.swa_utils import get_ema_multi_avg_fn
from tqdm.auto import tqdm

from .._runtime import seeded
from .._validation import check_positive_int

__all__ = ["Trainer", "TrainingHistory"]


@dataclass
class TrainingHistory:
    """What happened during training.

    Attributes
    ----------
    losses : list of float
        Mean training loss over each window of ``check_every`` steps.
    steps : int
        Optimiser steps taken (the budget).
    """

    losses: list[float] = field(default_factory=list)
    steps: int = 0


class Trainer:
    """Fit a denoiser to the diffusion loss.

    Parameters
    ----------
    steps : int, default=5000
        Optimiser steps (always all of them).
    batch_size : int, default=256
        Rows drawn (with replacement) per step, however few rows there are.
    learning_rate : float, default=1e-3
    weight_decay : float, default=0.0
    ema_decay : float, default=0.999
        Decay of the exponential moving average of the weights; the average is
        the model that is returned (0 returns the last weights).
    check_every : int, default=100
        Steps per loss window (the unit of the history and of the callback).
    label_dropout : float, default=0.0
        Share of each batch's labels replaced by the "no class" label
        ``null_label`` (classifier-free guidance learns the unconditional
        model from them); needs ``y`` and ``null_label`` in :meth:`fit`.
    verbose : bool, default=False
        Show a progress bar.

    Examples
    --------
    >>> import torch
    >>> from imbdiff.diffusion import GaussianDiffusion, get_schedule
    >>> from imbdiff.diffusion.denoisers import MLPDenoiser
    >>> net = MLPDenoiser(2, hidden=(16,), dim=8)
    >>> diffusion = GaussianDiffusion(get_schedule("linear", 50))
    >>> x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> trainer = Trainer(steps=20, check_every=10)
    >>> model, history = trainer.fit(net, diffusion, x, seed=0)
    >>> history.steps, len(history.losses)
    (20, 2)
    """

    def __init__(
        self,
        *,
        steps: int = 5000,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        ema_decay: float = 0.999,
        check_every: int = 100,
        label_dropout: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.check_every = check_every
        self.label_dropout = label_dropout
        self.verbose = verbose

    def _check(self) -> None:
        for name in ("steps", "batch_size", "check_every"):
            check_positive_int(getattr(self, name), name)
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate!r}.")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1); got {self.ema_decay!r}.")
        if not 0 <= self.label_dropout < 1:
            raise ValueError(
                f"label_dropout must be in [0, 1); got {self.label_dropout!r}."
            )

    def fit(
        self,
        model: torch.nn.Module,
        diffusion,
        x: torch.Tensor,
        y: torch.Tensor | None = None,
        *,
        seed: int = 0,
        null_label: int | None = None,
        callback: Callable[[int, torch.nn.Module], None] | None = None,
    ) -> tuple[torch.nn.Module, TrainingHistory]:
        """Train ``model`` on rows ``x`` (and labels ``y``); return the EMA model.

        With ``label_dropout``, a share of each batch's labels becomes
        ``null_label``.

        All randomness (batches, steps, noise, dropout) comes from ``seed``
        inside a forked random state, so the caller's global torch state is
        left as it was. ``callback(step, ema_model)`` runs after every window.

        Raises
        ------
        ValueError
            If the loss becomes NaN or infinite (training diverged).
        """
        self._check()
        dropout = float(self.label_dropout)
        if dropout > 0 and (y is None or null_label is None):
            raise ValueError("label_dropout needs labels y and a null_label.")
        history = TrainingHistory()
        ema, optimiser = self._prepare(model)
        ema_params, params = list(ema.parameters()), list(model.parameters())
        batch = int(self.batch_size)
        window: list[float] = []
        bar = tqdm(total=self.steps, desc="training", disable=not self.verbose)
        with seeded(seed, x.device):
            generator = torch.Generator(device=x.device).manual_seed(seed)
            model.train()
            for step in range(1, self.steps + 1):
                rows, labels = _draw_batch(x, y, batch, dropout, null_label, generator)
                loss = diffusion.training_loss(
                    model, x[rows], labels, generator=generator
                )
                value = _finite_loss(loss, step, bar)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                self._update_ema(ema_params, params, step)
                window.append(value)
                history.steps = step
                bar.update(1)
                if step % self.check_every == 0:
                    _end_window(history, window, bar)
                    window = []
                    if callback is not None:
                        callback(step, ema)
        bar.close()
        if window:
            history.losses.append(sum(window) / len(window))
        model.eval()
        ema.eval()
        return ema, history

    def _prepare(
        self, model: torch.nn.Module
    ) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        """A frozen copy of ``model`` to average into, and the optimiser."""
        ema = copy.deepcopy(model)
        for p in ema.parameters():
            p.requires_grad_(False)
        # The fused kernel updates all parameters at once: with small networks
        # the per-parameter loop would cost as much as the step itself.
        optimiser = torch.optim.Adam(
            model.parameters(),
            lr=self.learning_rate,
            weight_decay=self.weight_decay,
            fused=True,
        )
        return ema, optimiser

    def _update_ema(
        self,
        ema_params: list[torch.nn.Parameter],
        params: list[torch.nn.Parameter],
        step: int,
    ) -> None:
        """Move the averaged weights towards the current ones after ``step``."""
        # Warm-up: with a fixed decay the average would keep a share
        # decay**steps of the untrained weights (37% after 1,000
        # steps at 0.999). torch's EMA update takes every parameter
        # in one call (a loop over them would cost a small network
        # more than its arithmetic).
        decay = min(self.ema_decay, (1.0 + step) / (10.0 + step))
        get_ema_multi_avg_fn(decay)(ema_params, params, None)


def _draw_batch(
    x: torch.Tensor,
    y: torch.Tensor | None,
    batch: int,
    dropout: float,
    null_label: int | None,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Rows of one step, drawn with replacement, and their (dropped) labels."""
    rows = torch.randint(0, x.shape[0], (batch,), device=x.device, generator=generator)
    labels = None if y is None else y[rows]
    if dropout > 0:
        dropped = torch.rand(batch, device=x.device, generator=generator) < dropout
        labels = torch.where(dropped, null_label, labels)
    return rows, labels


def _finite_loss(loss: torch.Tensor, step: int, bar) -> float:
    """The loss as a float; closes ``bar`` and raises if it is not finite."""
    value = float(loss.detach())
    if not math.isfinite(value):
        bar.close()
        raise ValueError(
            f"training diverged at step {step} (the loss is {value}); "
            "try a smaller learning_rate."
        )
    return value


def _end_window(history: TrainingHistory, window: list[float], bar) -> None:
    """Record the mean loss of a finished window and show it on ``bar``."""
    mean = sum(window) / len(window)
    history.losses.append(mean)
    bar.set_postfix(loss=f"{mean:.4f}")
