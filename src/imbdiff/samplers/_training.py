"""Training a diffusion sampler's networks.

The encoders, the denoiser of a class (or the model cache's copy of it) and
the one class-conditional network of ``conditional=True``, as methods that
:class:`~imbdiff.samplers.DiffusionOverSampler` inherits; and
:class:`DiffusionFit`, what the classes of one fit share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._runtime import seeded
from ..diffusion import GaussianDiffusion, Trainer
from ..diffusion.denoisers import make_denoiser
from ..encoding import TabularEncoder
from ._cache import cache_path, load_cached, save_cached
from ._state import _ClassModel
from ._tabular import ClassFit

__all__ = ["DiffusionFit", "DiffusionTraining"]


@dataclass
class DiffusionFit(ClassFit):
    """What the classes of one diffusion ``fit_resample`` share."""

    categorical: str = "onehot"
    denoiser_name: str = "mlp"
    device: torch.device | None = None
    diffusion: GaussianDiffusion | None = None
    #: Each class's label index in a class-conditional network.
    index: dict | None = None


class DiffusionTraining:
    """The training steps of a diffusion sampler.

    Mixed into :class:`~imbdiff.samplers.DiffusionOverSampler`, which gives
    the parameters read here and ``_steps_for`` (the budget of
    ``train_steps="auto"``).
    """

    def _fit_conditional(self, fit: DiffusionFit, seed: int):
        """One network for every class, the class as input; returns the model
        (``label_index`` unset) and each class's label index."""
        classes = np.unique(fit.y).tolist()
        index = {label: i for i, label in enumerate(classes)}
        encoder = self._make_encoder(fit.frame, fit.nominal, fit.categorical, seed)
        model, history = self._train_denoiser(
            fit,
            encoder.transform(fit.frame),
            encoder.widths_,
            seed,
            labels=np.array([index[label] for label in np.asarray(fit.y).tolist()]),
            n_classes=len(classes),
        )
        fitted = _ClassModel(encoder, model, history, null_label=len(classes))
        return fitted, index

    def _make_encoder(self, rows, nominal, categorical, seed) -> TabularEncoder:
        return TabularEncoder(
            numeric=self.numeric_encoding,
            categorical=categorical,
            categorical_features=nominal,
            random_state=seed,
        ).fit(rows)

    def _train_denoiser(
        self,
        fit: DiffusionFit,
        x: np.ndarray,
        widths,
        seed,
        *,
        labels: np.ndarray | None = None,
        n_classes: int = 0,
    ):
        """Train a denoiser on the encoded rows ``x`` (or load it from the
        cache); with ``labels`` (indices below ``n_classes``), a class-
        conditional one with one more label, ``n_classes``, for "no class"."""
        denoiser_name, diffusion, device = fit.denoiser_name, fit.diffusion, fit.device
        cached = cache_path(self, x, widths, denoiser_name, diffusion, seed, labels)
        options = dict(self.denoiser_options or {})
        if labels is not None:
            options["n_classes"] = n_classes + 1
        with seeded(seed, device):
            net = make_denoiser(denoiser_name, widths, **options).to(device)
        if cached is not None and cached.is_file():
            return load_cached(net, cached, device)
        steps = self._steps_for(len(x))
        trainer = Trainer(
            steps=steps,
            batch_size=self._batch_for(len(x)),
            learning_rate=self.learning_rate,
            check_every=max(1, min(100, steps)),
            label_dropout=0.0 if labels is None else float(self.label_dropout),
            verbose=bool(self.verbose),
        )
        rows = torch.as_tensor(x, dtype=torch.float32, device=device)
        if labels is None:
            model, history = trainer.fit(net, diffusion, rows, seed=seed)
        else:
            y = torch.as_tensor(labels, dtype=torch.long, device=device)
            model, history = trainer.fit(
                net, diffusion, rows, y, null_label=n_classes, seed=seed
            )
        if cached is not None:
            save_cached(model, history, cached)
        return model, history

    def _batch_for(self, n_rows: int) -> int:
        """Draws per training step for a class of ``n_rows`` rows."""
        if self.cap_batch:
            return min(int(self.batch_size), int(n_rows))
        return int(self.batch_size)
