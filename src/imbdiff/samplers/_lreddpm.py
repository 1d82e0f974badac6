"""LReDDPM: a DDPM whose reverse process a classifier of one region guides.

The minority examples are typed safe / border / rare / outlier
(:func:`~imbdiff.regions.minority_types`); a classifier learns the guiding
region's examples against the other classes, and the gradient of its log
probability shifts the mean of every reverse step (the LReDDPM paper's
Algorithm 1, :mod:`imbdiff.diffusion.guidance`).

This module holds the parameters, their checks and the fitting steps; the
guiding regions are in :mod:`._lreddpm_regions`, ``region="auto"`` in
:mod:`._lreddpm_auto` and the saved guidance in :mod:`._guide_state`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ..diffusion.guidance import (
    GUIDANCE_KINDS,
    classifier_guidance,
    tau_values,
    train_guidance_classifier,
)
from ..regions import minority_types
from ._guide_state import guide_state, restore_guide
from ._lreddpm_auto import choose_guide
from ._lreddpm_regions import REGION_FALLBACK, GuideRegions, RegionFallbackWarning
from ._persistence import register_sampler
from ._state import _ClassModel
from ._tabular import POSITIVE_INT
from .base import DiffusionFit, DiffusionOverSampler

__all__ = ["GUIDANCE_NEGATIVES", "REGION_FALLBACK", "LReDDPM", "RegionFallbackWarning"]

#: The guidance classifier learns a class's region against at most this many
#: rows of the other classes, drawn at random where there are more (a table
#: of a million rows); no tuning or suite dataset has as many.
GUIDANCE_NEGATIVES = 100_000


def _at_most(mask: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``mask`` with at most ``n`` of its True entries kept, drawn at random."""
    chosen = np.flatnonzero(mask)
    if len(chosen) <= n:
        return mask
    keep = np.zeros_like(mask)
    keep[np.random.default_rng(seed).choice(chosen, size=n, replace=False)] = True
    return keep


_FINAL_STEPS = ("recentre", "none")
_TRAIN_ON = ("minority", "region")
_CLASSIFIER_OPTIONS = {
    "steps",
    "batch_size",
    "learning_rate",
    "weight_decay",
    "hidden",
    "time_dim",
    "held_out",
}


@dataclass
class _GuidedFit(DiffusionFit):
    """What LReDDPM's classes share in one fit: also the regions' names
    (None: chosen per class by inner cross-validation) and those choices'
    scores."""

    names: list[str] | None = None
    scores: list = field(default_factory=list)


@register_sampler
class LReDDPM(GuideRegions, DiffusionOverSampler):
    """LReDDPM: region-guided diffusion oversampling (the LReDDPM paper).

    For every class to oversample: its training examples are typed by their 5
    nearest neighbours under HVDM; a DDPM learns the class (or only the
    guiding region); a small torch classifier learns the guiding region's
    examples against the other classes; and every reverse step adds
    ``tau(t) * beta_t * grad log p(region | x_t)`` to its mean.

    Everything is encoded once, by an encoder fitted on all training rows, so
    that the classifier sees the other classes as they are. Each row's
    gradient is clipped to an L2 norm of at most ``max_grad_norm`` before
    tau scales it (see :mod:`imbdiff.diffusion.guidance`).

    Parameters
    ----------
    region : None, str, list of str or "auto", default=None
        The guiding region. None (the default) is the safe region, falling
        back to safe + border, then the whole class, where a class has fewer
        than 2 training examples in it (:data:`REGION_FALLBACK`), with a
        :class:`RegionFallbackWarning` naming the region used. Or one region
        by name (``"safe"``, ``"border"``, ``"rare"``, ``"outlier"``), a list
        of them (their union guides), or ``"auto"``: stratified inner
        cross-validation on the training set picks the single region and tau
        schedule with the best ``auto_metric``. A named region with fewer
        than 2 examples is an error that lists every region's size.
    guidance : {"region", "region_noisy", "noisy", "region_x0"}, default="region"
        The classifier: ``"region"`` is q(y | s), trained on clean rows, its
        gradient taken at x_t (the paper's default); ``"region_noisy"`` is
        q(y | s, x_t), trained on noised rows with the step as input;
        ``"noisy"`` is q(y | x_t), the whole class against the others on
        noised rows (no region); ``"region_x0"`` (not the paper's) is the
        clean-row q(y | s) of "region" applied to the denoiser's predicted
        clean row x0_hat(x_t), its gradient taken through the denoiser (it
        lost to "region" on the tuning group).
    tau : str, number, callable or sequence, default="1/sqrt(beta)"
        The gradient scale: ``"1"``, ``"60"``, ``"1/sqrt(beta)"``,
        ``"60/sqrt(beta)"`` (the paper's), ``"C/sqrt(beta)"``, a number
        ``>= 0``, a callable of the step ``t = 1 .. T`` or T numbers
        (:func:`~imbdiff.diffusion.guidance.tau_values`). 0 is unguided.
        The default is not the paper's: the paper's three other schedules
        lost to it on the tuning group (BENCHMARKS.md, "Defaults, decision
        6").
    final_step : {"recentre", "none"}, default="none"
        Our reading of the paper's last step ("add the mean of the regional
        samples"): ``"recentre"`` adds to every generated row one fixed shift,
        computed at fit time in encoded space as the guiding region's mean
        minus the mean of ``n_reference`` guided rows (the paper's, as we
        read it); ``"none"`` adds nothing (the default: recentring lost to
        it on the tuning group).
    train_on : {"minority", "region"}, default="minority"
        What the DDPM learns: the whole class, or only the guiding region's
        examples (the paper's Table 11).
    n_samples : None or "region", default=None
        How many rows to add: as ``sampling_strategy`` says (None), or as many
        as the guiding region has examples (the paper's protocol).
    classifier_options : dict or None, default=None
        Options of the guidance classifier: ``steps`` (500), ``batch_size``
        (256), ``learning_rate`` (1e-3), ``weight_decay`` (1e-4), ``hidden``
        ((64, 64)), ``time_dim`` (16, noised classifiers only) and
        ``held_out`` (0.25, the share kept aside to score it).
    max_grad_norm : float or None, default=0.1
        Each row's gradient of the log probability is clipped to this L2
        norm (None or inf: the raw gradient, as in the paper). Not in the
        paper: with tau = 60 / sqrt(beta_t) a step's shift is up to
        60 sqrt(beta_t) per unit of gradient, and the reverse process
        amplifies early shifts. 0.01, 1 and no clip lost to 0.1 on the
        tuning group (BENCHMARKS.md, "Defaults, decision 6").
    n_reference : int, default=512
        Guided rows drawn at fit time to compute the recentring shift.
    auto_metric : str, default="f1"
        What ``region="auto"`` maximises: a metric of
        :func:`~imbdiff.evaluation.classification_metrics` of a decision tree
        trained on the inner training part plus the synthetic rows.
    auto_folds : int, default=3
        Inner folds of ``region="auto"``.
    **kwargs
        The parameters of :class:`~imbdiff.samplers.DiffusionOverSampler`
        (the default denoiser is the MLP and nominal columns are embedded, as
        in FinDiff, which the paper builds on; T = 1000 and linear betas).

    Attributes
    ----------
    regions_ : DataFrame
        The typing of the training examples of every oversampled class
        (:func:`~imbdiff.regions.minority_types`), indexed by row position.
    guide_regions_ : dict
        Per class, the region names that guided it.
    region_sizes_ : dict
        Per class, the number of training examples in each region.
    classifier_scores_ : dict
        Per class, the guidance classifier's held-out ``balanced_accuracy``
        and ``auc``, and its numbers of positive and negative rows.
    recentre_shift_ : dict
        Per class, the shift added to every generated row (zeros for
        ``final_step="none"``), in encoded space.
    taus_ : dict
        Per class, tau at every step index ``0 .. T-1``.
    auto_choice_ : dict
        With ``region="auto"``: per class, the chosen ``region`` and ``tau``.
    auto_scores_ : DataFrame
        With ``region="auto"``: the mean inner score of every candidate.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff import LReDDPM
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (80, 2)), rng.normal(2, 1, (20, 2))])
    >>> y = np.array([0] * 80 + [1] * 20)
    >>> sampler = LReDDPM(region=["safe", "border"], n_timesteps=50,
    ...                   train_steps=20, classifier_options={"steps": 20},
    ...                   random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [80, 80]
    >>> sorted(sampler.classifier_scores_[1])
    ['auc', 'balanced_accuracy', 'n_negative', 'n_positive']
    """

    _default_denoiser = "mlp"
    _default_categorical = "embedding-random"

    _parameter_constraints: ClassVar[dict] = {
        **DiffusionOverSampler._parameter_constraints,
        # A name, a list of names, "auto" or None; the names are checked in fit.
        "region": [str, list, tuple, None],
        "guidance": [StrOptions(set(GUIDANCE_KINDS))],
        # A schedule name, a number, a callable or T numbers (tau_values).
        "tau": [str, Real, callable, "array-like"],
        "final_step": [StrOptions(set(_FINAL_STEPS))],
        "train_on": [StrOptions(set(_TRAIN_ON))],
        "n_samples": [StrOptions({"region"}), None],
        "classifier_options": [dict, None],
        # inf (a suite file's way to say "no clip", TOML having no null) is
        # the raw gradient, as None is.
        "max_grad_norm": [
            Interval(Real, 0, None, closed="neither"),
            Options(Real, {math.inf}),
            None,
        ],
        "n_reference": POSITIVE_INT,
        "auto_metric": [str],
        "auto_folds": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        region=None,
        guidance="region",
        tau="1/sqrt(beta)",
        final_step="none",
        train_on="minority",
        n_samples=None,
        classifier_options=None,
        max_grad_norm=0.1,
        n_reference=512,
        auto_metric="f1",
        auto_folds=3,
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
        neighbour_filter=False,
        device="auto",
        n_threads=None,
        model_cache=None,
        verbose=False,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            denoiser=denoiser,
            denoiser_options=denoiser_options,
            n_timesteps=n_timesteps,
            schedule=schedule,
            train_steps=train_steps,
            batch_size=batch_size,
            cap_batch=cap_batch,
            learning_rate=learning_rate,
            numeric_encoding=numeric_encoding,
            categorical_encoding=categorical_encoding,
            categorical_features=categorical_features,
            sampling_method=sampling_method,
            sampling_steps=sampling_steps,
            ddim_eta=ddim_eta,
            neighbour_filter=neighbour_filter,
            device=device,
            n_threads=n_threads,
            model_cache=model_cache,
            verbose=verbose,
        )
        self.region = region
        self.guidance = guidance
        self.tau = tau
        self.final_step = final_step
        self.train_on = train_on
        self.n_samples = n_samples
        self.classifier_options = classifier_options
        self.max_grad_norm = max_grad_norm
        self.n_reference = n_reference
        self.auto_metric = auto_metric
        self.auto_folds = auto_folds

    # -- checks ------------------------------------------------------------------
    def _check_params(self) -> None:
        super()._check_params()
        self._region_names()
        if self.guidance not in GUIDANCE_KINDS:
            raise ValueError(
                f"guidance must be one of {', '.join(GUIDANCE_KINDS)}; "
                f"got {self.guidance!r}."
            )
        tau_values(self.tau, np.full(int(self.n_timesteps), 0.01))
        if self.final_step not in _FINAL_STEPS:
            raise ValueError(
                f"final_step must be 'recentre' or 'none'; got {self.final_step!r}."
            )
        if self.train_on not in _TRAIN_ON:
            raise ValueError(
                f"train_on must be 'minority' or 'region'; got {self.train_on!r}."
            )
        if self.n_samples not in (None, "region"):
            raise ValueError(
                f"n_samples must be None (sampling_strategy decides) or 'region'; "
                f"got {self.n_samples!r}."
            )
        options = self.classifier_options or {}
        if not isinstance(options, dict):
            raise ValueError("classifier_options must be a dict or None.")
        unknown = sorted(set(options) - _CLASSIFIER_OPTIONS)
        if unknown:
            raise ValueError(
                f"unknown classifier option {unknown[0]!r}; known: "
                f"{', '.join(sorted(_CLASSIFIER_OPTIONS))}."
            )
        norm = self.max_grad_norm
        if norm is not None and (
            isinstance(norm, bool) or not isinstance(norm, (int, float)) or not norm > 0
        ):
            raise ValueError(
                f"max_grad_norm must be a number > 0 or None; got {norm!r}."
            )
        for name in ("n_reference", "auto_folds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        if self.auto_folds < 2:
            raise ValueError(f"auto_folds must be at least 2; got {self.auto_folds}.")
        from ..evaluation import METRIC_NAMES

        if self.auto_metric not in METRIC_NAMES:
            raise ValueError(
                f"unknown auto_metric {self.auto_metric!r}; known: "
                f"{', '.join(METRIC_NAMES)}."
            )

    # -- fitting -------------------------------------------------------------------
    # The steps of PerClassOverSampler's template (see DiffusionOverSampler).
    def _start_fit(self, X, y) -> _GuidedFit:
        fit = _GuidedFit(**vars(super()._start_fit(X, y)))
        self.regions_ = minority_types(
            fit.frame,
            y,
            minority_classes=list(self.sampling_strategy_),
            categorical_features=fit.nominal,
        )
        self.guide_regions_: dict = {}
        self.region_sizes_: dict = {}
        self.classifier_scores_: dict = {}
        self.recentre_shift_: dict = {}
        self.taus_: dict = {}
        fit.names = self._region_names()
        if fit.names is None:
            self.auto_choice_: dict = {}
        return fit

    def _fit_class(self, fit: _GuidedFit, label, seed: int) -> _ClassModel:
        tau = self.tau
        if fit.names is None:
            choice, table = choose_guide(
                self, fit.frame, fit.y, label, seed, fit.nominal
            )
            self.auto_choice_[label] = choice
            fit.scores.append(table.assign(label=label))
            guide, tau = [choice["region"]], choice["tau"]
        elif self.region is None:
            guide = self._fallback_guide(label, len(fit.y))
        else:
            guide = fit.names
        fitted, region_mask = self._fit_guided(fit, label, guide, tau, seed)
        self.models_[label] = fitted
        self.sampling_strategy_[label] = (
            int(region_mask.sum())
            if self.n_samples == "region"
            else int(self.sampling_strategy_[label])
        )
        return fitted

    def _finish_fit(self, fit: _GuidedFit) -> None:
        if fit.names is None:
            self.auto_scores_ = pd.concat(fit.scores, ignore_index=True)
        super()._finish_fit(fit)

    def _fit_guided(
        self, fit: _GuidedFit, label, guide: list[str], tau, seed: int
    ) -> tuple[_ClassModel, np.ndarray]:
        """The denoiser and the guidance of class ``label``, guided by the
        regions ``guide`` with ``tau``; and the mask of the region's rows."""
        frame, y, device, diffusion = fit.frame, fit.y, fit.device, fit.diffusion
        region_mask = self._region_mask(label, y, guide)
        self.guide_regions_[label] = list(guide)
        in_class = y == label
        encoder = self._make_encoder(frame, fit.nominal, fit.categorical, seed)
        z = encoder.transform(frame)
        train_rows = z[in_class if self.train_on == "minority" else region_mask]
        model, history = self._train_denoiser(fit, train_rows, encoder.widths_, seed)
        noisy = self.guidance in ("region_noisy", "noisy")
        positive = in_class if self.guidance == "noisy" else region_mask
        keep = positive | _at_most(~in_class, GUIDANCE_NEGATIVES, seed + 3)
        x = torch.as_tensor(z[keep], dtype=torch.float32, device=device)
        targets = torch.as_tensor(positive[keep], dtype=torch.float32, device=device)
        classifier, scores = train_guidance_classifier(
            x,
            targets,
            diffusion=diffusion,
            noisy=noisy,
            seed=seed + 2,
            **(self.classifier_options or {}),
        )
        self.classifier_scores_[label] = {
            "balanced_accuracy": scores.balanced_accuracy,
            "auc": scores.auc,
            "n_positive": scores.n_positive,
            "n_negative": scores.n_negative,
        }
        self.taus_[label] = tau_values(tau, diffusion.betas)
        through_x0 = self.guidance == "region_x0"
        hook = classifier_guidance(
            classifier,
            self.taus_[label],
            noisy=noisy,
            max_norm=self.max_grad_norm,
            denoiser=model if through_x0 else None,
            diffusion=diffusion if through_x0 else None,
        )
        fitted = _ClassModel(
            encoder, model, history, guidance=hook, classifier=classifier
        )
        shift = np.zeros(encoder.n_encoded_)
        if self.final_step == "recentre":
            reference = self._draw(
                fitted, diffusion, int(self.n_reference), device, seed + 3
            )
            shift = z[region_mask].mean(axis=0) - reference.mean(axis=0)
            fitted.shift = shift
        self.recentre_shift_[label] = shift
        return fitted, region_mask

    # -- saved state: each class's guidance ---------------------------------------
    def _class_state(self, label, fitted, tensors: dict, prefix: str) -> dict:
        if fitted.classifier is None:
            return {}
        return {"guide": guide_state(self, label, fitted, tensors, prefix)}

    def _restore_class(self, entry: dict, fitted, tensors: dict, prefix: str, device):
        if "guide" in entry:
            restore_guide(self, entry, fitted, tensors, prefix, device)

    @classmethod
    def _from_state(cls, config: dict, tensors: dict, device, torch_device):
        params = config["params"]
        guides = [c["guide"] for c in config.get("classes") or () if "guide" in c]
        if isinstance(params, dict) and params.get("tau", "") is None and guides:
            # A callable tau was saved as None; the values it gave are a valid
            # tau that gives the same values.
            config = {**config, "params": {**params, "tau": guides[0]["taus"]}}
        return super()._from_state(config, tensors, device, torch_device)
