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
    "CTGANOverSampler": ".samplers",
    "CWGANGPOverSampler": ".samplers",
    "DiffusionOverSampler": ".samplers",
    "FinDiff": ".samplers",
    "LReDDPM": ".samplers",
    "SEMResDDPM": ".samplers",
    "TVAEOverSampler": ".samplers",
    "TabDDPM": ".samplers",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'imbdiff' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
