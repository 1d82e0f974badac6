"""Saving and loading fitted diffusion samplers: JSON + safetensors, no pickle.

A model folder holds ``model.json`` and ``weights.safetensors``. Since format
3 the JSON carries the SHA-256 of the weights file and of its own canonical
form, so that a damaged or edited file is refused at load instead of giving
other rows; files of format 2 (imbdiff 0.1.0) load with a warning.

This module knows the files, not the samplers: a sampler class gives its
state as JSON and named arrays (``_state``) and rebuilds itself from them
(``_from_state``), and joins :func:`register_sampler` so that a file names
its class and a fresh process finds it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load, save
from sklearn.exceptions import NotFittedError

from .._files import check_writable_folder, write_atomically
from .._version import __version__

__all__ = [
    "FORMAT",
    "check_model_folder",
    "load_sampler",
    "register_sampler",
    "save_sampler",
]

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


#: Sampler classes by the name a model file gives (see :func:`register_sampler`).
_CLASSES: dict[str, type] = {}


def register_sampler(cls: type) -> type:
    """Let saved models of ``cls`` load (a class decorator).

    The class must have ``_state()``, returning its fitted state as a
    JSON-able dict and a dict of named tensors, and the classmethod
    ``_from_state(config, tensors, device, torch_device)`` rebuilding a
    fitted sampler from them. Its name is the key in the model file.

    Raises
    ------
    ValueError
        If another class has registered under the same name.
    """
    known = _CLASSES.setdefault(cls.__name__, cls)
    if (known.__module__, known.__qualname__) == (cls.__module__, cls.__qualname__):
        # The same class again (its module reloaded): the newer one.
        _CLASSES[cls.__name__] = cls
    else:
        raise ValueError(
            f"a sampler class named {cls.__name__!r} is registered already "
            f"({known.__module__})."
        )
    return cls


def save_sampler(sampler, path, *, overwrite: bool = False) -> None:
    if not hasattr(sampler, "models_"):
        raise NotFittedError(
            f"this {type(sampler).__name__} is not fitted; call fit_resample first."
        )
    folder = check_model_folder(path, overwrite=overwrite)
    state, tensors = sampler._state()
    config = {
        "library": "imbdiff",
        "version": __version__,
        "format": FORMAT,
        "class": type(sampler).__name__,
        **state,
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
    target = _CLASSES.get(config.get("class"))
    if target is None or not issubclass(target, cls):
        if target is None:
            raise _corrupt(folder, f"unknown sampler class {config.get('class')!r}.")
        raise ValueError(f"{folder} holds a {config['class']}, not a {cls.__name__}.")
    torch_device = target(device=device)._torch_device()
    try:
        return target._from_state(config, load(weights), device, torch_device)
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
