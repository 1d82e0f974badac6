"""CWGAN-GP: a small conditional Wasserstein GAN with gradient penalty.

The baseline of the SEMRes-DDPM comparison. One generator and one critic
learn all training rows, conditioned on the class (one-hot); the new rows of
a class come from the generator given that class. Rows are encoded as for
TabDDPM (quantile-normal numeric columns, one-hot nominal attributes); the
generator ends each one-hot block with a softmax, and a block is decoded to
its largest entry. Training follows Gulrajani et al. (2017): ``critic_steps``
critic updates per generator update, a gradient penalty of weight
``gp_weight`` on random interpolates, Adam with betas (0.5, 0.9).
"""

from __future__ import annotations

import time
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from tqdm.auto import tqdm

from .._runtime import seeded, usable_device
from .._validation import check_positive_int
from ..encoding import TabularEncoder
from ._tabular import (
    CATEGORICAL_FEATURES,
    POSITIVE_INT,
    POSITIVE_REAL,
    TabularOverSampler,
    random_state_of,
)

__all__ = ["CWGANGPOverSampler"]


def _mlp(n_in: int, hidden, n_out: int, activation) -> nn.Sequential:
    layers, width = [], n_in
    for size in hidden:
        layers += [nn.Linear(width, size), activation()]
        width = size
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class _Generator(nn.Module):
    """``(z, class one-hot) -> encoded row``, a softmax over each one-hot block."""

    def __init__(self, latent: int, n_classes: int, hidden, widths, nominal):
        super().__init__()
        self.net = _mlp(latent + n_classes, hidden, sum(widths), nn.ReLU)
        starts = np.cumsum([0, *widths[:-1]])
        self.blocks = [
            (int(s), int(s + w))
            for s, w, is_nominal in zip(starts, widths, nominal)
            if is_nominal
        ]

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        out = self.net(torch.cat([z, c], dim=1))
        if not self.blocks:
            return out
        parts, last = [], 0
        for start, stop in self.blocks:
            parts += [out[:, last:start], torch.softmax(out[:, start:stop], dim=1)]
            last = stop
        parts.append(out[:, last:])
        return torch.cat(parts, dim=1)


class CWGANGPOverSampler(TabularOverSampler):
    """Conditional WGAN-GP oversampler (our own small torch model).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, training and sampling; the global numpy and torch
        random states are left untouched.
    train_steps : int, default=1000
        Generator updates.
    critic_steps : int, default=5
        Critic updates per generator update.
    batch_size : int, default=128
    latent_dim : int, default=32
    hidden : tuple of int, default=(128, 128)
        Hidden layers of the generator and of the critic.
    learning_rate : float, default=1e-4
    gp_weight : float, default=10.0
    categorical_features : "auto", None or list, default="auto"
    device : str, default="auto"
        "auto" uses CUDA when available, else the CPU.
    verbose : bool, default=False
        A progress bar for training.

    Attributes
    ----------
    encoder_ : TabularEncoder
    generator_ : torch.nn.Module
    losses_ : list of (float, float)
        Critic and generator loss every 50 generator updates.
    fit_seconds_, sample_seconds_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff import CWGANGPOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = np.array([0] * 45 + [1] * 15)
    >>> sampler = CWGANGPOverSampler(train_steps=5, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [45, 45]
    """

    _parameter_constraints: ClassVar[dict] = {
        **TabularOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "train_steps": POSITIVE_INT,
        "critic_steps": POSITIVE_INT,
        "batch_size": POSITIVE_INT,
        "latent_dim": POSITIVE_INT,
        "hidden": [list, tuple],
        "learning_rate": POSITIVE_REAL,
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "categorical_features": CATEGORICAL_FEATURES,
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        train_steps=1000,
        critic_steps=5,
        batch_size=128,
        latent_dim=32,
        hidden=(128, 128),
        learning_rate=1e-4,
        gp_weight=10.0,
        categorical_features="auto",
        device="auto",
        verbose=False,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.train_steps = train_steps
        self.critic_steps = critic_steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.learning_rate = learning_rate
        self.gp_weight = gp_weight
        self.categorical_features = categorical_features
        self.device = device
        self.verbose = verbose

    def _check_params(self) -> None:
        for name in ("train_steps", "critic_steps", "batch_size", "latent_dim"):
            check_positive_int(getattr(self, name), name)
        for size in self.hidden:
            check_positive_int(size, "a hidden layer size")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate!r}.")
        if not self.gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0; got {self.gp_weight!r}.")

    def _fit_resample(self, X, y):
        self._check_params()
        frame, nominal = self._frame_of(X)
        classes = np.unique(y)
        rng = random_state_of(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        device = usable_device(self.device)
        start = time.perf_counter()
        self.encoder_ = TabularEncoder(
            categorical="onehot", categorical_features=nominal, random_state=seed
        ).fit(frame)
        x = torch.as_tensor(
            self.encoder_.transform(frame), dtype=torch.float32, device=device
        )
        labels = torch.as_tensor(np.searchsorted(classes, y), device=device)
        with seeded(seed, device):
            self._train(x, labels, len(classes), device)
        self.fit_seconds_ = time.perf_counter() - start
        start = time.perf_counter()
        new_rows, new_labels = [], []
        with seeded(seed + 1, device), torch.no_grad():
            for label, n_new in self.sampling_strategy_.items():
                if n_new <= 0:
                    continue
                c = torch.zeros(int(n_new), len(classes), device=device)
                c[:, int(np.searchsorted(classes, label))] = 1.0
                z = torch.randn(int(n_new), int(self.latent_dim), device=device)
                encoded = self.generator_(z, c).cpu().numpy().astype(np.float64)
                if not np.isfinite(encoded).all():
                    raise ValueError(
                        "the generator produced non-finite values (training "
                        "diverged); try a smaller learning_rate."
                    )
                decoded = self.encoder_.inverse_transform(encoded)
                new_rows.append(pd.DataFrame(decoded))
                new_labels.append(np.full(int(n_new), label, dtype=y.dtype))
        self.sample_seconds_ = time.perf_counter() - start
        return self._append(X, y, new_rows, new_labels)

    def _train(self, x, labels, n_classes: int, device) -> None:
        widths = list(self.encoder_.widths_)
        generator = _Generator(
            int(self.latent_dim),
            n_classes,
            tuple(self.hidden),
            widths,
            list(self.encoder_.nominal_),
        ).to(device)
        critic = _mlp(x.shape[1] + n_classes, tuple(self.hidden), 1, nn.LeakyReLU)
        critic = critic.to(device)
        adam = {"lr": self.learning_rate, "betas": (0.5, 0.9)}
        g_opt = torch.optim.Adam(generator.parameters(), **adam)
        c_opt = torch.optim.Adam(critic.parameters(), **adam)
        onehot = nn.functional.one_hot(labels, n_classes).float()
        n, batch = x.shape[0], min(int(self.batch_size), x.shape[0])
        self.losses_ = []
        bar = tqdm(
            total=int(self.train_steps), desc="training", disable=not self.verbose
        )
        for step in range(int(self.train_steps)):
            for _ in range(int(self.critic_steps)):
                rows = torch.randint(0, n, (batch,), device=device)
                real, c = x[rows], onehot[rows]
                z = torch.randn(batch, int(self.latent_dim), device=device)
                fake = generator(z, c).detach()
                mix = torch.rand(batch, 1, device=device)
                between = (mix * real + (1 - mix) * fake).requires_grad_(True)
                score = critic(torch.cat([between, c], dim=1))
                (grad,) = torch.autograd.grad(score.sum(), between, create_graph=True)
                penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
                c_loss = (
                    critic(torch.cat([fake, c], dim=1)).mean()
                    - critic(torch.cat([real, c], dim=1)).mean()
                    + self.gp_weight * penalty
                )
                c_opt.zero_grad(set_to_none=True)
                c_loss.backward()
                c_opt.step()
            rows = torch.randint(0, n, (batch,), device=device)
            c = onehot[rows]
            z = torch.randn(batch, int(self.latent_dim), device=device)
            g_loss = -critic(torch.cat([generator(z, c), c], dim=1)).mean()
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
            c_value, g_value = float(c_loss.detach()), float(g_loss.detach())
            if not (np.isfinite(c_value) and np.isfinite(g_value)):
                bar.close()
                raise ValueError(
                    f"training diverged at step {step + 1} (a loss is not finite); "
                    "try a smaller learning_rate."
                )
            if step % 50 == 0:
                self.losses_.append((c_value, g_value))
            bar.update(1)
        bar.close()
        generator.eval()
        self.generator_ = generator
