"""imbdiff: diffusion-model oversampling for imbalanced tabular data."""

from ._version import __version__
from .datasets import Dataset, list_datasets, load_dataset
from .regions import REGION_NAMES, hvdm_kneighbors, minority_types
from .samplers import (
    CTGANOverSampler,
    CWGANGPOverSampler,
    DiffusionOverSampler,
    FinDiff,
    LReDDPM,
    SEMResDDPM,
    TabDDPM,
    TVAEOverSampler,
)

__all__ = [
    "REGION_NAMES",
    "CTGANOverSampler",
    "CWGANGPOverSampler",
    "Dataset",
    "DiffusionOverSampler",
    "FinDiff",
    "LReDDPM",
    "SEMResDDPM",
    "TVAEOverSampler",
    "TabDDPM",
    "__version__",
    "hvdm_kneighbors",
    "list_datasets",
    "load_dataset",
    "minority_types",
]
