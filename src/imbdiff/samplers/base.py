"""``DiffusionOverSampler``: a tabular DDPM per minority class, behind imblearn.

The sampler composes the layers of :mod:`imbdiff.diffusion`: for every class
to oversample it fits a :class:`~imbdiff.encoding.TabularEncoder` on that
class's rows, trains a denoiser with the :class:`~imbdiff.diffusion.Trainer`
and draws new rows by ancestral (or DDIM) sampling, then decodes them.

This module holds the parameters, their checks, the steps of the per-class
template, the chunking of generated rows and saving; training is in
:mod:`._training`, the reverse process and the draws of a fitted sampler in
:mod:`._generation`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._runtime import limit_threads, usable_device
from .._validation import check_positive_int, plain
from ..diffusion import SOLVERS, GaussianDiffusion, get_schedule
from ..diffusion.denoisers import DENOISERS
from ..encoding import CATEGORICAL_ENCODINGS, NUMERIC_ENCODINGS
from ._generation import DiffusionGeneration
from ._persistence import load_sampler, register_sampler, save_sampler
from ._state import _ClassModel, diffusion_state, refuse_own_state, restore_diffusion
from ._tabular import (
    CATEGORICAL_FEATURES,
    POSITIVE_INT,
    POSITIVE_REAL,
    PerClassOverSampler,
)
from ._training import DiffusionFit, DiffusionTraining

__all__ = [
    "AUTO_STEPS_BOUNDS",
    "AUTO_STEPS_PER_ROW",
    "GENERATION_CHUNK",
    "DiffusionOverSampler",
    "auto_train_steps",
]

#: Rows generated at a time. Each chunk runs the whole reverse process and is
#: decoded before the next begins, so memory grows with the decoded rows, not
#: with the rows asked for times the encoded width (a nominal column of 1,000
#: categories is 1,000 encoded columns one-hot).
GENERATION_CHUNK = 65536


#: ``train_steps="auto"``: optimiser steps per row trained on (the class's
#: rows; every row of the table with ``conditional``; the guiding region's with
#: LReDDPM's ``train_on="region"``), within these bounds. A class of up to
#: ``batch_size`` rows draws as many rows per capped step as it has (one pass
#: in expectation), so this is also its number of passes: small classes train
#: less (they are memorised sooner), large ones longer, up to the cap.
AUTO_STEPS_PER_ROW = 10
AUTO_STEPS_BOUNDS = (500, 3000)


def auto_train_steps(n_rows: int) -> int:
    """The ``train_steps="auto"`` budget for a class of ``n_rows`` rows.

    Examples
    --------
    >>> auto_train_steps(16), auto_train_steps(72), auto_train_steps(10_000)
    (500, 720, 3000)
    """
    low, high = AUTO_STEPS_BOUNDS
    return int(min(high, max(low, AUTO_STEPS_PER_ROW * int(n_rows))))


@register_sampler
class DiffusionOverSampler(DiffusionGeneration, DiffusionTraining, PerClassOverSampler):
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
    train_steps : int or "auto", default=1000
        Optimiser steps per class, or "auto" to scale them with the rows
        trained on (with ``conditional``: of the one shared network, on every
        row of the table), always all of them (there is no early stopping).
        "auto" is :data:`AUTO_STEPS_PER_ROW` steps per row, within
        :data:`AUTO_STEPS_BOUNDS` (see :func:`auto_train_steps`).
        On the tuning group, 3,000 steps and "auto" both lost to 1,000
        (BENCHMARKS.md, "Defaults, decision 1").
    batch_size : int, default=256
        Rows drawn (with replacement) for each step.
    cap_batch : bool, default=True
        Draw at most as many rows per step as the class has (a 16-row class
        trains on 16 draws per step). ``False`` draws ``batch_size`` rows
        however small the class; it lost to the cap on the tuning group
        (BENCHMARKS.md, "Defect fixes"), so it is an option.
    learning_rate : float, default=1e-3
    numeric_encoding : {"quantile-ends", "quantile", "standard"}
        How numeric columns are encoded (default "quantile-ends"; see
        :class:`~imbdiff.encoding.TabularEncoder`): normal scores of the
        quantiles spread over (0, 1) up to the very ends (|z| = 5.2 for the
        extremes, whatever the class's size); the same at Hazen's positions
        (a 16-row class encodes with a standard deviation near 1; it lost to
        the ends map on the tuning group, so it is an option); or
        standardised.
    categorical_encoding : {"auto", "onehot", "embedding", "embedding-random"}
        How nominal columns are encoded (default "auto": the method's own):
        one-hot; per-attribute unit vectors at least sqrt 2 apart (an option:
        it could not pass the tuning rule, whose group has two datasets with
        nominal columns); or independent random unit vectors (FinDiff's and
        LReDDPM's own).
    categorical_features : "auto", None or list, default="auto"
        Nominal columns: "auto" takes text, category and bool columns.
    sampling_method : {"ancestral", "ddim", "dpm-solver++"}, default="ancestral"
        The reverse process: full T-step ancestral sampling, or a solver that
        takes ``sampling_steps`` evenly spaced steps, DDIM (Song et al., 2021)
        or DPM-Solver++(2M) (Lu et al., 2022). Guidance (LReDDPM's classifier,
        ``cfg_weight``) works with each.
    sampling_steps : int, default=50
        Steps of the few-step solvers (at most ``n_timesteps``); one network
        call each (two with a ``cfg_weight`` other than 1).
    ddim_eta : float, default=0.0
        DDIM's noise: 0 is deterministic, 1 adds the noise of an ancestral
        step of the same stride.
    conditional : bool, default=False
        Train one network on the rows of every class, with the class as an
        input (one encoder, fitted on all rows), instead of one network per
        class; each class's rows are then drawn with its label, guided by
        ``cfg_weight``. Its encoded range is every class's, so generated
        values may leave the class's own range.
    cfg_weight : float, default=1.0
        Classifier-free guidance weight w of the conditional model:
        ``eps = eps(none) + w (eps(class) - eps(none))``; 1 is the conditional
        model alone, larger values push further towards the class.
    label_dropout : float, default=0.1
        With ``conditional``: the share of training labels replaced by "no
        class", from which the unconditional model is learned.
    neighbour_filter : bool, default=False
        Drop each generated row whose 5 nearest real training rows (HVDM)
        all belong to other classes, and draw replacements, for at most
        :data:`FILTER_ROUNDS` rounds; then keep the rows that passed (fewer
        than asked, with a :class:`NeighbourFilterWarning` giving the counts).
    device : str, default="auto"
        "auto" uses CUDA when available, else the CPU.
    n_threads : int or None, default=None
        Torch threads while fitting and sampling (None: torch's setting).
    model_cache : str, path or None, default=None
        A folder where trained denoisers are kept (safetensors), keyed by a
        hash of the encoded training rows and of every setting that shapes
        training. A later fit with the same data, settings and seed loads the
        weights instead of training again, with the same result; a study that
        varies only the sampling (as LReDDPM's guidance) trains once.
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
    filtered_ : dict
        Per oversampled class, the generated rows the neighbour filter
        dropped (0 for every class without ``neighbour_filter``).
    """

    _default_denoiser = "mlp"
    _default_categorical = "onehot"

    _parameter_constraints: ClassVar[dict] = {
        **PerClassOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "denoiser": [StrOptions({"auto", *DENOISERS})],
        "denoiser_options": [dict, None],
        "n_timesteps": POSITIVE_INT,
        # A name of the schedule registry, checked when the schedule is made
        # (the registry may grow after this class is defined).
        "schedule": [str],
        "train_steps": [*POSITIVE_INT, StrOptions({"auto"})],
        "batch_size": POSITIVE_INT,
        "learning_rate": POSITIVE_REAL,
        "cap_batch": ["boolean"],
        "numeric_encoding": [StrOptions(set(NUMERIC_ENCODINGS))],
        "categorical_encoding": [StrOptions({"auto", *CATEGORICAL_ENCODINGS})],
        "categorical_features": CATEGORICAL_FEATURES,
        "sampling_method": [StrOptions(set(SOLVERS))],
        "sampling_steps": POSITIVE_INT,
        "ddim_eta": [Interval(Real, 0, None, closed="left")],
        "conditional": ["boolean"],
        "cfg_weight": [Interval(Real, 0, None, closed="left")],
        "label_dropout": [Interval(Real, 0, 1, closed="left")],
        "neighbour_filter": ["boolean"],
        "device": [str, torch.device],
        "n_threads": [*POSITIVE_INT, None],
        "model_cache": [str, os.PathLike, None],
        "verbose": ["verbose"],
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
        cap_batch=True,
        learning_rate=1e-3,
        numeric_encoding="quantile-ends",
        categorical_encoding="auto",
        categorical_features="auto",
        sampling_method="ancestral",
        sampling_steps=50,
        ddim_eta=0.0,
        conditional=False,
        cfg_weight=1.0,
        label_dropout=0.1,
        neighbour_filter=False,
        device="auto",
        n_threads=None,
        model_cache=None,
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
        self.cap_batch = cap_batch
        self.learning_rate = learning_rate
        self.numeric_encoding = numeric_encoding
        self.categorical_encoding = categorical_encoding
        self.categorical_features = categorical_features
        self.sampling_method = sampling_method
        self.sampling_steps = sampling_steps
        self.ddim_eta = ddim_eta
        self.conditional = conditional
        self.cfg_weight = cfg_weight
        self.label_dropout = label_dropout
        self.neighbour_filter = neighbour_filter
        self.device = device
        self.n_threads = n_threads
        self.model_cache = model_cache
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
        for name in ("n_timesteps", "batch_size", "sampling_steps"):
            check_positive_int(getattr(self, name), name)
        if self.train_steps != "auto":
            check_positive_int(self.train_steps, "train_steps")
        if self.sampling_method not in SOLVERS:
            raise ValueError(
                f"sampling_method must be one of {', '.join(SOLVERS)}; "
                f"got {self.sampling_method!r}."
            )
        check_positive_int(self.n_threads, "n_threads", allow_none=True)
        if self.conditional and self.cfg_weight != 1 and self.label_dropout == 0:
            raise ValueError(
                "cfg_weight other than 1 needs the unconditional model, "
                "which label_dropout > 0 trains; got label_dropout=0."
            )

    def _torch_device(self) -> torch.device:
        return usable_device(self.device)

    def _threads(self):
        return limit_threads(self.n_threads)

    # -- fitting -----------------------------------------------------------------------
    # The steps of PerClassOverSampler's template.
    def _start_fit(self, X, y) -> DiffusionFit:
        self._check_params()
        denoiser_name, categorical = self._resolved()
        frame, nominal = self._frame_of(X)
        fit = DiffusionFit(
            frame,
            y,
            nominal,
            categorical=categorical,
            denoiser_name=denoiser_name,
            device=self._torch_device(),
            diffusion=GaussianDiffusion(
                get_schedule(self.schedule, int(self.n_timesteps))
            ),
        )
        self.models_: dict = {}
        self.filtered_: dict = {}
        return fit

    def _fit_shared(self, fit: DiffusionFit, rng) -> None:
        if self.conditional:
            seed = int(rng.randint(np.iinfo(np.int32).max))
            fit.shared, fit.index = self._fit_conditional(fit, seed)

    def _fit_class(self, fit: DiffusionFit, label, seed: int) -> _ClassModel:
        if fit.shared is not None:
            fitted = replace(fit.shared, label_index=fit.index[label])
        else:
            rows = fit.frame[fit.y == label]
            if len(rows) < 2:
                raise ValueError(
                    f"class {plain(label)!r} has {len(rows)} row; a diffusion "
                    "model needs at least 2 rows of a class to learn from."
                )
            encoder = self._make_encoder(rows, fit.nominal, fit.categorical, seed)
            model, history = self._train_denoiser(
                fit, encoder.transform(rows), encoder.widths_, seed
            )
            fitted = _ClassModel(encoder, model, history)
        self.models_[label] = fitted
        return fitted

    def _generate_class(self, fit: DiffusionFit, label, fitted, seed: int, new):
        self._add_generated(
            new,
            fitted,
            fit.diffusion,
            int(self.sampling_strategy_[label]),
            fit.device,
            seed + 1,
            label=label,
            reference=(fit.frame, fit.y, fit.nominal),
        )

    def _finish_fit(self, fit: DiffusionFit) -> None:
        self.diffusion_ = fit.diffusion

    def _steps_for(self, n_rows: int) -> int:
        """Optimiser steps for a class (or conditional table) of ``n_rows``."""
        if self.train_steps == "auto":
            return auto_train_steps(n_rows)
        return int(self.train_steps)

    # -- generation in chunks (the reverse process is DiffusionGeneration's) --------
    def _generate(self, fitted, diffusion, n, device, seed) -> pd.DataFrame:
        chunks = list(self._generate_chunks(fitted, diffusion, n, device, seed))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    def _generate_chunks(
        self, fitted, diffusion, n, device, seed, chunk_rows: int | None = None
    ):
        """``n`` decoded rows in chunks of at most ``chunk_rows``
        (:data:`GENERATION_CHUNK`). The first chunk is drawn with ``seed``, so
        up to a chunk's size the rows are those of one draw; each later chunk
        with its own seed derived from ``seed`` and its index."""
        size = GENERATION_CHUNK if chunk_rows is None else int(chunk_rows)
        for index, start in enumerate(range(0, n, size)):
            chunk_seed = seed
            if index:
                state = np.random.SeedSequence([seed, index]).generate_state(1)
                chunk_seed = int(state[0] & 0x7FFFFFFF)
            z = self._draw(fitted, diffusion, min(size, n - start), device, chunk_seed)
            if fitted.shift is not None:
                z = z + fitted.shift[None, :]
            decoded = fitted.encoder.inverse_transform(z)
            yield (
                decoded if isinstance(decoded, pd.DataFrame) else pd.DataFrame(decoded)
            )

    # -- after fitting ---------------------------------------------------------------
    def save(self, path, *, overwrite: bool = False) -> None:
        """Save the fitted sampler to the folder ``path`` (created if needed).

        The folder holds ``model.json`` (parameters, encoders, library version
        and the SHA-256 checksums of both files) and ``weights.safetensors``;
        loading never unpickles anything and refuses files that do not match
        their checksums.

        Parameters
        ----------
        path : str or Path
            A new or empty folder, or with ``overwrite`` a saved model to
            replace. A file, or a folder holding anything else, is refused.
        overwrite : bool, default=False
            Replace a model already saved in ``path``.
        """
        save_sampler(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path, *, device: str = "auto") -> DiffusionOverSampler:
        """Load a sampler saved by :meth:`save` (a GPU model loads on a CPU).

        Raises
        ------
        ValueError
            For a folder that is not a saved model, a damaged or foreign file
            (its checksums, parameters and column types are checked), a model
            of another class or one saved by a newer imbdiff.

        Warns
        -----
        UserWarning
            For a model saved by imbdiff 0.1.0, whose files carry no checksum.
        """
        return load_sampler(cls, path, device=device)

    # -- saved state (see _persistence and _state) ---------------------------------
    def _state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        """The fitted state as JSON and named tensors, for :meth:`save`."""
        return diffusion_state(self)

    @classmethod
    def _from_state(cls, config: dict, tensors: dict, device, torch_device):
        """A fitted sampler from :meth:`_state`'s output, for :meth:`load`."""
        return restore_diffusion(cls, config, tensors, device, torch_device)

    def _class_state(self, label, fitted, tensors: dict, prefix: str) -> dict:
        """A subclass's own state of a class: JSON, tensors into ``tensors``."""
        return {}

    def _restore_class(self, entry: dict, fitted, tensors: dict, prefix: str, device):
        """Put back what :meth:`_class_state` saved of one class (here: none)."""
        refuse_own_state(self, entry)
