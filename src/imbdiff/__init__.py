"""imbdiff: diffusion-model oversampling for imbalanced tabular data.

The public names below are imported on first use, so that ``import imbdiff``
(and the ``imbdiff`` command's help) does not load torch and scikit-learn
until something needs them.
"""

from __future__ import annotations

import importlib

from ._version import __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "REGION_NAMES": ".regions",
    "hvdm_kneighbors": ".regions",
    "minority_types": ".regions",
    "Dataset": ".datasets",
    "list_datasets": ".datasets",
    "load_dataset": ".datasets",
    "AutoOverSampler": ".samplers",
    "CTGANOverSampler": ".samplers",
    "CWGANGPOverSampler": ".samplers",
    "DiffusionOverSampler": ".samplers",
    "FinDiff": ".samplers",
    "LReDDPM": ".samplers",
    "ProWSyn": ".samplers",
    "SEMResDDPM": ".samplers",
    "TVAEOverSampler": ".samplers",
    "TabDDPM": ".samplers",
    "TabularSMOTE": ".samplers",
}

#: Subpackages and modules reachable as attributes (``imbdiff.bench``).
_SUBMODULES = (
    "bench",
    "cli",
    "datasets",
    "diffusion",
    "encoding",
    "evaluation",
    "regions",
    "samplers",
)

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'imbdiff' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})
