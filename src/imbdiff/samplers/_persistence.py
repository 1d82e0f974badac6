"""Saving and loading fitted diffusion samplers: JSON + safetensors, no pickle.

A model folder holds ``model.json`` and ``weights.safetensors``. Since format
3 the JSON carries the SHA-256 of the weights file and of its own canonical
form, so that a damaged or edited file is refused at load instead of giving
other rows; files of format 2 (imbdiff 0.1.0) load with a warning.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load, save
from sklearn.exceptions import NotFittedError

from .._files import check_writable_folder, write_atomically
from .._validation import plain
from .._version import __version__
from ..diffusion import GaussianDiffusion, TrainingHistory, get_schedule
from ..diffusion.denoisers import make_denoiser
from ..encoding import TabularEncoder, dtype_from_json, dtype_to_json

__all__ = ["FORMAT", "check_model_folder", "load_sampler", "save_sampler"]

#: Layout of a saved model; 2: SEMST weights per attribute token (a guided
#: model adds its classifier, tau values and shift under "guide" keys);
#: 3: as 2, with the SHA-256 checksums.
FORMAT = 3
#: Formats that still load; those before 3 carry no checksum.
_READABLE_FORMATS = (2, 3)
_CONFIG, _WEIGHTS = "model.json", "weights.safetensors"
_WEIGHTS_SUM, _CONFIG_SUM = "weights_sha256", "config_sha256"


class UncheckedModelWarning(UserWarning):
    """A model file without checksums (saved by imbdiff 0.1.0) was loaded."""


def _canonical(config: dict) -> bytes:
    """The bytes the config checksum covers: the JSON without that checksum,
    keys sorted, no spaces (so that indentation does not matter)."""
    body = {k: v for k, v in config.items() if k != _CONFIG_SUM}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _corrupt(folder, detail) -> ValueError:
    return ValueError(
        f"{folder} is not a usable imbdiff model (a corrupt or foreign file): {detail}"
    )


def is_model_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a model saved by imbdiff (or the weights of
    one whose saving was interrupted) and nothing else, hidden files aside,
    so that replacing it loses nothing of the user's."""
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    if not names or not names <= {_CONFIG, _WEIGHTS}:
        return False
    if _CONFIG not in names:
        return True
    try:
        config = json.loads((folder / _CONFIG).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(config, dict) and config.get("library") == "imbdiff"


def check_model_folder(path, *, overwrite: bool = False) -> Path:
    """Check that a model can be saved to the folder ``path``; return it.

    Called by :meth:`~imbdiff.samplers.DiffusionOverSampler.save` and, before
    any training, by ``imbdiff resample --save-model``. The folder may be new
    (its parents are created), empty, or, with ``overwrite``, a saved model;
    a file, or a folder that holds anything else, is never written into.

    Raises
    ------
    ValueError
        For a file, a folder that is not a saved model, or a saved model
        without ``overwrite``.
    OSError
        If the folder (or its nearest existing parent) cannot be written.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"cannot save a model to {path}: it is a file; name a folder.")
    if folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir()):
        if not is_model_folder(folder):
            raise ValueError(
                f"cannot save a model to {path}: the folder holds other files and "
                "is not a saved imbdiff model; name a new or empty folder."
            )
        if not overwrite:
            raise ValueError(
                f"{path} already holds a saved model (or part of one); replace it with "
                "overwrite=True (--force on the command line) or name another "
                "folder."
            )
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"cannot save a model to {path}: {existing} is a file.")
    check_writable_folder(existing, shown=path)
    return folder


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def _json_params(params: dict) -> dict:
    out = {key: _jsonable(value) for key, value in params.items()}
    strategy = params.get("sampling_strategy")
    if isinstance(strategy, dict):
        out["sampling_strategy"] = {
            "pairs": [[plain(k), _jsonable(v)] for k, v in strategy.items()]
        }
    elif callable(strategy):
        out["sampling_strategy"] = "auto"
    if not isinstance(out.get("random_state"), (int, type(None))):
        # A RandomState instance: its state is not a setting to save.
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


def _jsonable(value):
    """A parameter value as JSON holds it: numpy scalars as numbers, a torch
    device or a path as text, tuples and arrays as lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (torch.device, Path)):
        return str(value)
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def save_sampler(sampler, path, *, overwrite: bool = False) -> None:
    if not hasattr(sampler, "models_"):
        raise NotFittedError(
            f"this {type(sampler).__name__} is not fitted; call fit_resample first."
        )
    folder = check_model_folder(path, overwrite=overwrite)
    tensors: dict[str, torch.Tensor] = {}
    classes = []
    denoiser, _ = sampler._resolved()
    for i, (label, fitted) in enumerate(sampler.models_.items()):
        meta, arrays = fitted.encoder.state()
        # Copies: the classes of a class-conditional sampler share one encoder
        # and one network, and safetensors refuses tensors that share memory.
        for key, value in arrays.items():
            tensors[f"class{i}.encoder.{key}"] = torch.tensor(value)
        for key, value in fitted.model.state_dict().items():
            tensors[f"class{i}.model.{key}"] = value.detach().cpu().clone()
        entry = {
            "label": plain(label),
            "encoder": meta,
            "losses": fitted.history.losses,
            "steps": fitted.history.steps,
        }
        if fitted.label_index is not None:
            # A class-conditional model: every class holds the one network
            # (saved once per class), drawn with its own label.
            entry["condition"] = {
                "label_index": int(fitted.label_index),
                "null_label": int(fitted.null_label),
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
    weights = save(tensors)
    config[_WEIGHTS_SUM] = hashlib.sha256(weights).hexdigest()
    try:
        config[_CONFIG_SUM] = hashlib.sha256(_canonical(config)).hexdigest()
        # Serialised before anything is written, so that a value JSON cannot
        # hold leaves no half-saved folder.
        text = json.dumps(config, indent=1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cannot save this sampler's settings: {error}") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot write {path}: {error.strerror or error}") from None
    # Each file is written beside its final name, then moved into place. The
    # old config goes first and the new one last, so a save interrupted
    # half-way leaves a folder without a config, which load refuses and a
    # later save may replace, never new weights beside an old config.
    (folder / _CONFIG).unlink(missing_ok=True)
    write_atomically(folder / _WEIGHTS, lambda p: Path(p).write_bytes(weights))
    write_atomically(folder / _CONFIG, lambda p: Path(p).write_text(text, "utf-8"))


def load_sampler(cls, path, *, device: str = "auto"):
    folder = Path(path)
    if not (folder / _CONFIG).is_file() or not (folder / _WEIGHTS).is_file():
        raise ValueError(
            f"{folder} is not a saved imbdiff model: it needs {_CONFIG} and {_WEIGHTS}."
        )
    try:
        raw, weights = (folder / _CONFIG).read_bytes(), (folder / _WEIGHTS).read_bytes()
    except OSError as error:
        raise OSError(f"cannot read {folder}: {error.strerror or error}") from None
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _corrupt(folder, f"{_CONFIG} is not valid JSON ({error}).") from None
    if not isinstance(config, dict) or config.get("library") != "imbdiff":
        raise _corrupt(folder, f"{_CONFIG} was not written by imbdiff.")
    version = str(config.get("version", "0"))
    if _version_tuple(version) > _version_tuple(__version__):
        raise ValueError(
            f"{folder} was saved by imbdiff {version}, newer than this "
            f"imbdiff {__version__}; upgrade imbdiff to load it."
        )
    form = config.get("format")
    if form not in _READABLE_FORMATS:
        raise _corrupt(
            folder,
            f"model format {form!r}; this imbdiff reads formats "
            f"{', '.join(map(str, _READABLE_FORMATS))}.",
        )
    if form >= 3:
        _verify_checksums(folder, config, weights)
    else:
        warnings.warn(
            f"{folder} was saved by imbdiff {version} and carries no checksum, so "
            "damage to its files cannot be detected; save it again to add one.",
            UncheckedModelWarning,
            stacklevel=3,
        )
    target = _sampler_class(config.get("class"))
    if target is None or not issubclass(target, cls):
        if target is None:
            raise _corrupt(folder, f"unknown sampler class {config.get('class')!r}.")
        raise ValueError(f"{folder} holds a {config['class']}, not a {cls.__name__}.")
    torch_device = target(device=device)._torch_device()
    try:
        return _rebuild(target, config, load(weights), device, torch_device)
    except KeyError as error:
        raise _corrupt(folder, f"{_CONFIG} lacks the entry {error}.") from None
    except (
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        RuntimeError,
        SafetensorError,
    ) as error:
        raise _corrupt(folder, error) from None


def _verify_checksums(folder: Path, config: dict, weights: bytes) -> None:
    if config.get(_CONFIG_SUM) != hashlib.sha256(_canonical(config)).hexdigest():
        raise _corrupt(
            folder,
            f"{_CONFIG} does not match its checksum; it was changed after saving.",
        )
    if config.get(_WEIGHTS_SUM) != hashlib.sha256(weights).hexdigest():
        raise _corrupt(
            folder,
            f"{_WEIGHTS} does not match the checksum in {_CONFIG}; it was changed "
            "or damaged after saving.",
        )


def _sampler_class(name):
    from . import _lreddpm, _methods, base

    known = {
        c.__name__: c
        for c in (
            base.DiffusionOverSampler,
            _lreddpm.LReDDPM,
            *(getattr(_methods, n) for n in _methods.__all__),
        )
    }
    return known.get(name)


#: Parameters renamed since a file format could hold them: old -> new.
_RENAMED_PARAMS = {"ddim_steps": "sampling_steps"}


def _upgraded_params(params: dict, version: str, denoiser: str | None) -> dict:
    """Saved parameters as this imbdiff names them, meaning what they meant
    to the imbdiff that saved them."""
    params = {_RENAMED_PARAMS.get(key, key): value for key, value in params.items()}
    if _version_tuple(version) < (0, 2):
        # "quantile" named the map that is now "quantile-ends"; "quantile"
        # now places the quantiles at Hazen's positions.
        if params.get("numeric_encoding") == "quantile":
            params["numeric_encoding"] = "quantile-ends"
        # SEMST had one token per attribute however many; it now groups the
        # attributes of a wide table.
        if denoiser == "semst":
            options = params.get("denoiser_options") or {}
            params["denoiser_options"] = {"max_tokens": None, **options}
    if _version_tuple(version) < (0, 3) and denoiser == "semst":
        # A table over SEMST's bound had as many tokens as the bound; it now
        # has grouped_tokens.
        options = params.get("denoiser_options") or {}
        params["denoiser_options"] = {"grouped_tokens": None, **options}
    return params


def _check_params(target, config: dict) -> dict:
    """The saved parameters, upgraded from the version that saved them and
    checked as the class checks them at fit time."""
    params = config["params"]
    if not isinstance(params, dict):
        raise TypeError("its parameters are not a mapping.")
    params = _upgraded_params(
        params, str(config.get("version", "0")), config.get("denoiser")
    )
    valid = set(target().get_params(deep=False))
    unknown = sorted(set(params) - valid)
    if unknown:
        raise ValueError(f"{target.__name__} has no parameter {unknown[0]!r}.")
    return dict(params)


def _check_dtype(spec):
    """A saved column dtype, if it is one the samplers take."""
    dtype = dtype_from_json(spec)
    if isinstance(dtype, pd.CategoricalDtype) or (
        not pd.api.types.is_complex_dtype(dtype)
        and (
            pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
        )
    ):
        return dtype
    raise ValueError(f"column dtype {spec!r} is not one a sampler takes.")


def _rebuild(target, config, tensors, device, torch_device):
    from .base import _ClassModel

    params = _check_params(target, config)
    if isinstance(params.get("sampling_strategy"), dict):
        params["sampling_strategy"] = {
            k: v for k, v in params["sampling_strategy"]["pairs"]
        }
    params["device"] = device
    guides = [c["guide"] for c in config["classes"] if "guide" in c]
    if params.get("tau", "") is None and guides:
        params["tau"] = guides[0]["taus"]
    sampler = target(**params)
    sampler._validate_params()
    sampler._check_params()
    sampler.diffusion_ = GaussianDiffusion(
        get_schedule(sampler.schedule, int(sampler.n_timesteps))
    )
    sampler.n_features_in_ = int(config["n_features_in"])
    if config["feature_names_in"] is not None:
        sampler.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    sampler.feature_dtypes_ = (
        None
        if config["feature_dtypes"] is None
        else [_check_dtype(d) for d in config["feature_dtypes"]]
    )
    for what in (sampler.feature_dtypes_, config["feature_names_in"]):
        if what is not None and len(what) != sampler.n_features_in_:
            raise ValueError(
                f"it describes {len(what)} columns but has {sampler.n_features_in_} "
                "features."
            )
    sampler.sampling_strategy_ = {k: v for k, v in config["sampling_strategy_"]}
    sampler.models_ = {}
    for i, entry in enumerate(config["classes"]):
        prefix = f"class{i}."
        arrays = {
            k[len(prefix) + len("encoder.") :]: v.numpy()
            for k, v in tensors.items()
            if k.startswith(prefix + "encoder.")
        }
        encoder = TabularEncoder.from_state(entry["encoder"], arrays)
        if len(encoder.columns_) != sampler.n_features_in_:
            raise ValueError(
                f"class {entry['label']!r} encodes {len(encoder.columns_)} columns "
                f"of {sampler.n_features_in_}."
            )
        for spec in entry["encoder"]["columns"]:
            _check_dtype(spec["dtype"])
        state = {
            k[len(prefix) + len("model.") :]: v
            for k, v in tensors.items()
            if k.startswith(prefix + "model.")
        }
        options = dict(sampler.denoiser_options or {})
        condition = entry.get("condition")
        if condition is not None:
            options["n_classes"] = int(condition["null_label"]) + 1
        net = make_denoiser(config["denoiser"], encoder.widths_, **options)
        net.load_state_dict(state)
        net.to(torch_device).eval()
        history = TrainingHistory(entry["losses"], entry["steps"])
        fitted = _ClassModel(encoder, net, history)
        if condition is not None:
            fitted.label_index = int(condition["label_index"])
            fitted.null_label = int(condition["null_label"])
        if "guide" in entry:
            _load_guide(sampler, entry, fitted, tensors, prefix, torch_device)
        sampler.models_[entry["label"]] = fitted
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
    through_x0 = sampler.guidance == "region_x0"
    fitted.guidance = classifier_guidance(
        classifier,
        taus,
        noisy=guide["noisy"],
        max_norm=sampler.max_grad_norm,
        denoiser=fitted.model if through_x0 else None,
        diffusion=sampler.diffusion_ if through_x0 else None,
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
