"""The three diffusion samplers: one base, each with its own defaults."""

from __future__ import annotations

from ._persistence import register_sampler
from .base import DiffusionOverSampler

__all__ = ["FinDiff", "SEMResDDPM", "TabDDPM"]


@register_sampler
class SEMResDDPM(DiffusionOverSampler):
    """SEMRes-DDPM: a DDPM whose denoiser is SEMST-ResNet (``denoiser="semst"``).

    Same parameters as :class:`~imbdiff.samplers.DiffusionOverSampler`.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff import SEMResDDPM
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = np.array([0] * 45 + [1] * 15)
    >>> sampler = SEMResDDPM(n_timesteps=20, train_steps=10, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [45, 45]
    """

    _default_denoiser = "semst"


@register_sampler
class TabDDPM(DiffusionOverSampler):
    """TabDDPM (Kotelnikov et al., 2023) as our core runs it: MLP denoiser,
    quantile-normal numeric columns, one-hot nominal columns diffused with
    Gaussian noise (the original uses multinomial diffusion for them; on
    numeric data the two are the same)."""

    _default_denoiser = "mlp"
    _default_categorical = "onehot"


@register_sampler
class FinDiff(DiffusionOverSampler):
    """FinDiff (Sattarov et al., 2023) as our core runs it: MLP denoiser and
    per-attribute embeddings of nominal columns, decoded to the nearest one."""

    _default_denoiser = "mlp"
    _default_categorical = "embedding-random"
