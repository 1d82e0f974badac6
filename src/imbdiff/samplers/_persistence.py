"""Saving and loading fitted diffusion samplers: JSON + safetensors, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .._files import write_atomically
from .._validation import plain
from .._version import __version__
from ..diffusion import GaussianDiffusion, TrainingHistory, get_schedule
from ..diffusion.denoisers import make_denoiser
from ..encoding import TabularEncoder, dtype_from_json, dtype_to_json

__all__ = ["FORMAT", "load_sampler", "save_sampler"]

#: Layout of a saved model; 2: SEMST weights per attribute token (a guided
#: model adds its classifier, tau values and shift under "guide" keys).
FORMAT = 2
_CONFIG, _WEIGHTS = "model.json", "weights.safetensors"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def _json_params(params: dict) -> dict:
    out = dict(params)
    strategy = out.get("sampling_strategy")
    if isinstance(strategy, dict):
        out["sampling_strategy"] = {
            "pairs": [[plain(k), v] for k, v in strategy.items()]
        }
    elif callable(strategy):
        out["sampling_strategy"] = "auto"
    if not isinstance(out.get("random_state"), (int, type(None))):
        out["random_state"] = None
    if isinstance(out.get("tau"), np.ndarray):
        out["tau"] = [float(v) for v in out["tau"]]
    if out.get("model_cache") is not None:
        out["model_cache"] = str(out["model_cache"])
    if callable(out.get("tau")):
        # The values it gave are saved with each class; a list of them is a
        # valid tau that gives the same values.
        out["tau"] = None
    return out


def save_sampler(sampler, path) -> None:
    if not hasattr(sampler, "models_"):
        raise ValueError("this sampler is not fitted; call fit_resample first.")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"cannot save to {folder}: it is a file; name a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    classes = []
    denoiser, _ = sampler._resolved()
    for i, (label, fitted) in enumerate(sampler.models_.items()):
        meta, arrays = fitted.encoder.state()
        for key, value in arrays.items():
            tensors[f"class{i}.encoder.{key}"] = torch.as_tensor(value)
        for key, value in fitted.model.state_dict().items():
            tensors[f"class{i}.model.{key}"] = value.detach().cpu().contiguous()
        entry = {
            "label": plain(label),
            "encoder": meta,
            "losses": fitted.history.losses,
            "steps": fitted.history.steps,
            "stopped_early": fitted.history.stopped_early,
        }
        if fitted.classifier is not None:
            entry["guide"] = _save_guide(sampler, label, fitted, tensors, f"class{i}.")
        classes.append(entry)
    names = getattr(sampler, "feature_names_in_", None)
    dtypes = sampler.feature_dtypes_
    config = {
        "library": "imbdiff",
        "version": __version__,
        "format": FORMAT,
        "class": type(sampler).__name__,
        "params": _json_params(sampler.get_params()),
        "denoiser": denoiser,
        "n_features_in": int(sampler.n_features_in_),
        "feature_names_in": None if names is None else [plain(n) for n in names],
        "feature_dtypes": None
        if dtypes is None
        else [dtype_to_json(d) for d in dtypes],
        "sampling_strategy_": [
            [plain(k), int(v)] for k, v in sampler.sampling_strategy_.items()
        ],
        "classes": classes,
    }
    # Serialised before anything is written, so that a value JSON cannot hold
    # leaves no half-saved folder.
    text = json.dumps(config, indent=1)
    # Write both files beside their final names, then move them into place.
    write_atomically(folder / _WEIGHTS, lambda p: save_file(tensors, p))
    write_atomically(folder / _CONFIG, lambda p: Path(p).write_text(text, "utf-8"))


def load_sampler(cls, path, *, device: str = "auto"):
    folder = Path(path)
    if not (folder / _CONFIG).is_file() or not (folder / _WEIGHTS).is_file():
        raise ValueError(
            f"{folder} is not a saved imbdiff model: it needs {_CONFIG} and {_WEIGHTS}."
        )
    try:
        config = json.loads((folder / _CONFIG).read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{folder / _CONFIG} is corrupt: {error}") from None
    if not isinstance(config, dict) or config.get("library") != "imbdiff":
        raise ValueError(f"{folder / _CONFIG} was not written by imbdiff.")
    if _version_tuple(str(config.get("version", "0"))) > _version_tuple(__version__):
        raise ValueError(
            f"{folder} was saved by imbdiff {config['version']}, newer than this "
            f"imbdiff {__version__}; upgrade imbdiff to load it."
        )
    if config.get("format") != FORMAT:
        raise ValueError(
            f"{folder} has model format {config.get('format')!r}; expected {FORMAT}."
        )
    from . import _lreddpm, _methods, base

    known = {
        c.__name__: c
        for c in (
            base.DiffusionOverSampler,
            _lreddpm.LReDDPM,
            *(getattr(_methods, n) for n in _methods.__all__),
        )
    }
    target = known.get(config["class"])
    if target is None or not issubclass(target, cls):
        raise ValueError(f"{folder} holds a {config['class']}, not a {cls.__name__}.")
    try:
        tensors = load_file(str(folder / _WEIGHTS))
    except (SafetensorError, OSError, ValueError) as error:
        raise ValueError(f"{folder / _WEIGHTS} is corrupt: {error}") from None

    params = dict(config["params"])
    if isinstance(params.get("sampling_strategy"), dict):
        params["sampling_strategy"] = {
            k: v for k, v in params["sampling_strategy"]["pairs"]
        }
    params["device"] = device
    guides = [c["guide"] for c in config["classes"] if "guide" in c]
    if params.get("tau", "") is None and guides:
        params["tau"] = guides[0]["taus"]
    sampler = target(**params)
    torch_device = sampler._torch_device()
    sampler.diffusion_ = GaussianDiffusion(
        get_schedule(sampler.schedule, int(sampler.n_timesteps))
    )
    sampler.n_features_in_ = config["n_features_in"]
    if config["feature_names_in"] is not None:
        sampler.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    sampler.feature_dtypes_ = (
        None
        if config["feature_dtypes"] is None
        else [dtype_from_json(d) for d in config["feature_dtypes"]]
    )
    sampler.sampling_strategy_ = {k: v for k, v in config["sampling_strategy_"]}
    from .base import _ClassModel

    sampler.models_ = {}
    try:
        for i, entry in enumerate(config["classes"]):
            prefix = f"class{i}."
            arrays = {
                k[len(prefix) + len("encoder.") :]: v.numpy()
                for k, v in tensors.items()
                if k.startswith(prefix + "encoder.")
            }
            encoder = TabularEncoder.from_state(entry["encoder"], arrays)
            state = {
                k[len(prefix) + len("model.") :]: v
                for k, v in tensors.items()
                if k.startswith(prefix + "model.")
            }
            net = make_denoiser(
                config["denoiser"],
                encoder.widths_,
                **(sampler.denoiser_options or {}),
            )
            net.load_state_dict(state)
            net.to(torch_device).eval()
            history = TrainingHistory(
                entry["losses"], entry["steps"], entry["stopped_early"]
            )
            fitted = _ClassModel(encoder, net, history)
            if "guide" in entry:
                _load_guide(sampler, entry, fitted, tensors, prefix, torch_device)
            sampler.models_[entry["label"]] = fitted
    except (KeyError, RuntimeError, TypeError) as error:
        raise ValueError(f"{folder} is corrupt or incomplete: {error}") from None
    return sampler


def _save_guide(sampler, label, fitted, tensors: dict, prefix: str) -> dict:
    """Store a class's guidance (classifier weights, tau values, shift) and the
    sampler's fitted attributes of that class; return what goes in the JSON."""
    classifier = fitted.classifier
    for key, value in classifier.state_dict().items():
        tensors[f"{prefix}guide.{key}"] = value.detach().cpu().contiguous()
    shift = sampler.recentre_shift_[label]
    tensors[f"{prefix}guide_shift"] = torch.as_tensor(np.asarray(shift, dtype=float))
    typed = sampler.regions_[sampler.regions_["label"] == label]
    return {
        "n_features": classifier.n_features,
        "hidden": list(classifier.hidden),
        "time_dim": classifier.time_dim,
        "noisy": classifier.time_dim > 0,
        "taus": [float(v) for v in sampler.taus_[label]],
        "recentred": fitted.shift is not None,
        "regions": sampler.guide_regions_[label],
        "region_sizes": sampler.region_sizes_[label],
        "classifier_scores": sampler.classifier_scores_[label],
        "auto_choice": getattr(sampler, "auto_choice_", {}).get(label),
        "typed_rows": [int(i) for i in typed.index],
        "same_class_neighbours": [int(v) for v in typed["same_class_neighbours"]],
        "typed_regions": [str(v) for v in typed["region"]],
    }


def _load_guide(sampler, entry, fitted, tensors, prefix, device) -> None:
    import pandas as pd

    from ..diffusion.guidance import GuidanceClassifier, classifier_guidance
    from ..regions import REGION_NAMES

    guide = entry["guide"]
    label = entry["label"]
    classifier = GuidanceClassifier(
        guide["n_features"], hidden=guide["hidden"], time_dim=guide["time_dim"]
    )
    classifier.load_state_dict(
        {
            k[len(prefix) + len("guide.") :]: v
            for k, v in tensors.items()
            if k.startswith(prefix + "guide.")
        }
    )
    classifier.to(device).eval()
    for p in classifier.parameters():
        p.requires_grad_(False)
    taus = np.asarray(guide["taus"], dtype=np.float64)
    shift = tensors[prefix + "guide_shift"].numpy().astype(np.float64)
    fitted.classifier = classifier
    fitted.guidance = classifier_guidance(
        classifier, taus, noisy=guide["noisy"], max_norm=sampler.max_grad_norm
    )
    fitted.shift = shift if guide["recentred"] else None
    for name in (
        "guide_regions_",
        "region_sizes_",
        "classifier_scores_",
        "recentre_shift_",
        "taus_",
    ):
        if not hasattr(sampler, name):
            setattr(sampler, name, {})
    sampler.guide_regions_[label] = guide["regions"]
    sampler.region_sizes_[label] = guide["region_sizes"]
    sampler.classifier_scores_[label] = guide["classifier_scores"]
    sampler.recentre_shift_[label] = shift
    sampler.taus_[label] = taus
    if guide.get("auto_choice") is not None:
        if not hasattr(sampler, "auto_choice_"):
            sampler.auto_choice_ = {}
        sampler.auto_choice_[label] = guide["auto_choice"]
    typed = pd.DataFrame(
        {
            "label": [label] * len(guide["typed_rows"]),
            "same_class_neighbours": guide["same_class_neighbours"],
            "region": pd.Categorical(
                guide["typed_regions"], categories=list(REGION_NAMES)
            ),
        },
        index=guide["typed_rows"],
    )
    before = getattr(sampler, "regions_", None)
    sampler.regions_ = (
        typed if before is None else pd.concat([before, typed]).sort_index()
    )
