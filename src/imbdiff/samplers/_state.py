"""A fitted diffusion sampler's state as JSON and named tensors, and back.

What :mod:`._persistence` writes into a model file for
:class:`~imbdiff.samplers.DiffusionOverSampler` and its subclasses: the
parameters (upgraded when an older imbdiff saved them), the columns, and per
oversampled class its encoder, network and training history. A subclass adds
its own per class (LReDDPM its guidance) through ``_class_state`` and
``_restore_class``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .._validation import plain
from ..diffusion import GaussianDiffusion, TrainingHistory, get_schedule
from ..diffusion.denoisers import make_denoiser
from ..diffusion.gaussian import Guidance
from ..encoding import TabularEncoder, dtype_from_json, dtype_to_json
from ._persistence import _version_tuple

__all__ = ["diffusion_state", "refuse_own_state", "restore_diffusion", "saved_params"]


@dataclass
class _ClassModel:
    """What was fitted for one oversampled class."""

    encoder: TabularEncoder
    model: torch.nn.Module
    history: TrainingHistory
    #: Added to the mean of every reverse step (classifier guidance).
    guidance: Guidance | None = None
    #: Added to every generated row in encoded space before decoding.
    shift: np.ndarray | None = None
    #: The network behind ``guidance``, if any.
    classifier: torch.nn.Module | None = None
    #: For a class-conditional model (shared by every class): the class's
    #: label index and the "no class" index of classifier-free guidance.
    label_index: int | None = None
    null_label: int | None = None


def refuse_own_state(sampler, entry: dict) -> None:
    """Refuse a class entry that carries what another sampler class saves of
    its own (LReDDPM's guidance), which ``sampler`` would silently drop."""
    if "guide" in entry:
        raise ValueError(
            f"class {entry['label']!r} carries guidance, which a "
            f"{type(sampler).__name__} has not."
        )


def diffusion_state(sampler) -> tuple[dict, dict[str, torch.Tensor]]:
    """The fitted ``sampler``'s state: a JSON-able dict and named tensors."""
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
        entry.update(sampler._class_state(label, fitted, tensors, f"class{i}."))
        classes.append(entry)
    names = getattr(sampler, "feature_names_in_", None)
    dtypes = sampler.feature_dtypes_
    state = {
        "params": saved_params(sampler.get_params()),
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
    return state, tensors


def saved_params(params: dict) -> dict:
    """A sampler's parameters as a model file holds them (JSON)."""
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


def restore_diffusion(target, config: dict, tensors: dict, device, torch_device):
    """A fitted ``target`` (a diffusion sampler class) from
    :func:`diffusion_state`'s JSON and tensors; each class's entry also goes
    to the sampler's ``_restore_class`` (what a subclass saved of its own).
    """
    params = _check_params(target, config)
    if isinstance(params.get("sampling_strategy"), dict):
        params["sampling_strategy"] = {
            k: v for k, v in params["sampling_strategy"]["pairs"]
        }
    params["device"] = device
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
        fitted = _restore_class_model(
            sampler, config, entry, tensors, prefix, torch_device
        )
        sampler._restore_class(entry, fitted, tensors, prefix, torch_device)
        sampler.models_[entry["label"]] = fitted
    return sampler


def _restore_class_model(
    sampler, config: dict, entry: dict, tensors: dict, prefix: str, torch_device
) -> _ClassModel:
    """One class's encoder and network (on ``torch_device``) from its entry
    and the tensors under ``prefix``, checked against ``sampler``."""
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
    return fitted
