"""``DiffusionOverSampler``: a tabular DDPM per minority class, behind imblearn.

The sampler composes the layers of :mod:`imbdiff.diffusion`: for every class
to oversample it fits a :class:`~imbdiff.encoding.TabularEncoder` on that
class's rows, trains a denoiser with the :class:`~imbdiff.diffusion.Trainer`
and draws new rows by ancestral (or DDIM) sampling, then decodes them.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .._validation import check_positive_int
from ..diffusion import GaussianDiffusion, Trainer, TrainingHistory, get_schedule
from ..diffusion.denoisers import make_denoiser
from ..encoding import TabularEncoder
from ._tabular import TabularOverSampler, random_state_of

__all__ = ["DiffusionOverSampler"]


@dataclass
class _ClassModel:
    """What was fitted for one oversampled class."""

    encoder: TabularEncoder
    model: torch.nn.Module
    history: TrainingHistory


class DiffusionOverSampler(TabularOverSampler):
    """Oversample with a Gaussian DDPM trained on each minority class.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, training and sampling; the same value gives the same
        rows on the same machine. The global numpy and torch states are left
        untouched.
    denoiser : {"auto", "mlp", "resnet", "semst"}, default="auto"
        The network; "auto" is the method's own (see each subclass).
    denoiser_options : dict or None, default=None
        Keyword arguments of the denoiser (widths, blocks, switches).
    n_timesteps : int, default=1000
        Diffusion steps T.
    schedule : str, default="linear"
        A name of :data:`imbdiff.diffusion.SCHEDULES` (linear: 1e-4 to 0.02).
    train_steps : int, default=1000
        Optimiser step budget per class (training may stop earlier on a
        plateau of the loss). Decision-tree F1 on yeast3 and page0 gained
        nothing beyond 1,000 steps (docs/samplers.md).
    batch_size : int, default=256
    learning_rate : float, default=1e-3
    numeric_encoding : {"quantile", "standard"}, default="quantile"
    categorical_encoding : {"auto", "onehot", "embedding"}, default="auto"
    categorical_features : "auto", None or list, default="auto"
        Nominal columns: "auto" takes text, category and bool columns.
    sampling_method : {"ancestral", "ddim"}, default="ancestral"
        Full T-step ancestral sampling, or DDIM with ``ddim_steps`` steps.
    ddim_steps : int, default=50
    device : str, default="auto"
        "auto" uses CUDA when available, else the CPU.
    n_threads : int or None, default=None
        Torch threads while fitting and sampling (None: torch's setting).
    verbose : bool, default=False
        Progress bars for training and sampling.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows to add per class.
    models_ : dict
        Per oversampled class: its encoder, trained (EMA) denoiser and
        training history.
    fit_seconds_, sample_seconds_ : float
        Seconds spent training the models and generating the new rows in
        ``fit_resample`` (all classes).
    """

    _default_denoiser = "mlp"
    _default_categorical = "onehot"

    _parameter_constraints: ClassVar[dict] = {
        **TabularOverSampler._parameter_constraints,
        **{
            # Checked, with messages that name the problem, in _check_params.
            name: "no_validation"
            for name in (
                "denoiser",
                "denoiser_options",
                "n_timesteps",
                "schedule",
                "train_steps",
                "batch_size",
                "learning_rate",
                "numeric_encoding",
                "categorical_encoding",
                "categorical_features",
                "sampling_method",
                "ddim_steps",
                "device",
                "n_threads",
                "verbose",
            )
        },
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        denoiser="auto",
        denoiser_options=None,
        n_timesteps=1000,
        schedule="linear",
        train_steps=1000,
        batch_size=256,
        learning_rate=1e-3,
        numeric_encoding="quantile",
        categorical_encoding="auto",
        categorical_features="auto",
        sampling_method="ancestral",
        ddim_steps=50,
        device="auto",
        n_threads=None,
        verbose=False,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.denoiser = denoiser
        self.denoiser_options = denoiser_options
        self.n_timesteps = n_timesteps
        self.schedule = schedule
        self.train_steps = train_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.numeric_encoding = numeric_encoding
        self.categorical_encoding = categorical_encoding
        self.categorical_features = categorical_features
        self.sampling_method = sampling_method
        self.ddim_steps = ddim_steps
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    # -- checks ----------------------------------------------------------------------
    def _resolved(self) -> tuple[str, str]:
        denoiser = self._default_denoiser if self.denoiser == "auto" else self.denoiser
        categorical = (
            self._default_categorical
            if self.categorical_encoding == "auto"
            else self.categorical_encoding
        )
        return denoiser, categorical

    def _check_params(self) -> None:
        for name in ("n_timesteps", "train_steps", "batch_size", "ddim_steps"):
            check_positive_int(getattr(self, name), name)
        if self.sampling_method not in ("ancestral", "ddim"):
            raise ValueError(
                "sampling_method must be 'ancestral' or 'ddim'; "
                f"got {self.sampling_method!r}."
            )
        check_positive_int(self.n_threads, "n_threads", allow_none=True)

    def _torch_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            return torch.device(self.device)
        except RuntimeError:
            raise ValueError(f"unknown device {self.device!r}.") from None

    @contextlib.contextmanager
    def _threads(self):
        before = torch.get_num_threads()
        if self.n_threads is not None:
            torch.set_num_threads(int(self.n_threads))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    # -- fitting -----------------------------------------------------------------------
    def _fit_resample(self, X, y):
        self._check_params()
        denoiser_name, categorical = self._resolved()
        frame, nominal = self._frame_of(X)

        rng = random_state_of(self.random_state)
        device = self._torch_device()
        diffusion = GaussianDiffusion(
            get_schedule(self.schedule, int(self.n_timesteps))
        )
        self.models_: dict = {}
        self.fit_seconds_ = self.sample_seconds_ = 0.0
        new_rows, new_labels = [], []
        with self._threads():
            for label, n_new in self.sampling_strategy_.items():
                seed = int(rng.randint(np.iinfo(np.int32).max))
                rows = frame[y == label]
                if len(rows) < 2:
                    raise ValueError(
                        f"class {label!r} has {len(rows)} row; a diffusion model needs "
                        "at least 2 rows of a class to learn from."
                    )
                start = time.perf_counter()
                fitted = self._fit_class(
                    rows, nominal, categorical, denoiser_name, diffusion, device, seed
                )
                self.models_[label] = fitted
                self.fit_seconds_ += time.perf_counter() - start
                if n_new > 0:
                    start = time.perf_counter()
                    new_rows.append(
                        self._generate(fitted, diffusion, int(n_new), device, seed + 1)
                    )
                    new_labels.append(np.full(int(n_new), label, dtype=y.dtype))
                    self.sample_seconds_ += time.perf_counter() - start
        self.diffusion_ = diffusion
        return self._append(X, y, new_rows, new_labels)

    def _fit_class(
        self, rows, nominal, categorical, denoiser_name, diffusion, device, seed
    ):
        encoder = TabularEncoder(
            numeric=self.numeric_encoding,
            categorical=categorical,
            categorical_features=nominal,
            random_state=seed,
        ).fit(rows)
        x = torch.as_tensor(encoder.transform(rows), dtype=torch.float32, device=device)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            net = make_denoiser(
                denoiser_name, encoder.widths_, **(self.denoiser_options or {})
            ).to(device)
        trainer = Trainer(
            steps=int(self.train_steps),
            batch_size=int(self.batch_size),
            learning_rate=self.learning_rate,
            check_every=max(1, min(100, int(self.train_steps))),
            verbose=bool(self.verbose),
        )
        model, history = trainer.fit(net, diffusion, x, seed=seed)
        return _ClassModel(encoder, model, history)

    def _generate(self, fitted, diffusion, n, device, seed) -> pd.DataFrame:
        generator = torch.Generator(device=device).manual_seed(seed)
        width = fitted.encoder.n_encoded_
        if self.sampling_method == "ddim":
            z = diffusion.ddim_sample(
                fitted.model,
                n,
                width,
                steps=min(int(self.ddim_steps), diffusion.n_steps),
                generator=generator,
                device=device,
            )
        else:
            z = diffusion.sample(
                fitted.model, n, width, generator=generator, device=device
            )
        z = z.cpu().numpy().astype(np.float64)
        if not np.isfinite(z).all():
            raise ValueError(
                "sampling produced non-finite values; the model is not usable "
                "(train longer or with a smaller learning_rate)."
            )
        decoded = fitted.encoder.inverse_transform(z)
        return decoded if isinstance(decoded, pd.DataFrame) else pd.DataFrame(decoded)

    # -- after fitting ---------------------------------------------------------------
    def sample(self, n: int, *, label=None, random_state=None):
        """Draw ``n`` new rows of one oversampled class without refitting.

        Parameters
        ----------
        n : int
            Rows to draw.
        label : optional
            The class; may be left out when a single class was oversampled.
        random_state : int or None
            Seed of this draw (None: a fresh one).

        Returns
        -------
        DataFrame or ndarray
            A DataFrame with the training columns and dtypes if the sampler was
            fitted on one, else an array.
        """
        if not hasattr(self, "models_"):
            raise ValueError("this sampler is not fitted; call fit_resample first.")
        check_positive_int(n, "n")
        if label is None:
            if len(self.models_) != 1:
                raise ValueError(
                    f"name the class to sample with label=; fitted classes: "
                    f"{list(self.models_)}."
                )
            label = next(iter(self.models_))
        if label not in self.models_:
            raise ValueError(
                f"no model for class {label!r}; fitted: {list(self.models_)}."
            )
        seed = random_state_of(random_state).randint(np.iinfo(np.int32).max)
        device = self._torch_device()
        with self._threads():
            rows = self._generate(
                self.models_[label], self.diffusion_, int(n), device, int(seed)
            )
        return self._as_output(rows)

    def _as_output(self, rows: pd.DataFrame):
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return rows.to_numpy()
        rows = rows.set_axis(list(names), axis=1)
        if self.feature_dtypes_ is not None:
            rows = rows.astype(dict(zip(rows.columns, self.feature_dtypes_)))
        return rows

    def save(self, path) -> None:
        """Save the fitted sampler to the folder ``path`` (created if needed).

        The folder holds ``model.json`` (parameters, encoders, library version)
        and ``weights.safetensors``; loading never unpickles anything.
        """
        from ._persistence import save_sampler

        save_sampler(self, path)

    @classmethod
    def load(cls, path, *, device: str = "auto") -> DiffusionOverSampler:
        """Load a sampler saved by :meth:`save` (a GPU model loads on a CPU)."""
        from ._persistence import load_sampler

        return load_sampler(cls, path, device=device)
