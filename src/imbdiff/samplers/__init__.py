"""Oversamplers with the imbalanced-learn API, and methods by name."""

from ._auto import AUTO_CANDIDATES, AutoOverSampler
from ._classic import PROWSYN_INSTALL, ProWSyn, TabularSMOTE
from ._ctgan import CTGANOverSampler, TVAEOverSampler
from ._cwgan import CWGANGPOverSampler
from ._filter import FILTER_ROUNDS, NeighbourFilterWarning
from ._lreddpm import (
    GUIDANCE_NEGATIVES,
    REGION_FALLBACK,
    LReDDPM,
    RegionFallbackWarning,
)
from ._methods import FinDiff, SEMResDDPM, TabDDPM
from ._onehot import OneHotOverSampler
from ._persistence import UncheckedModelWarning, check_model_folder
from ._registry import (
    CLASSIFIER_METHODS,
    METHODS,
    NUMERIC_ONLY,
    make_sampler,
    method_class,
    method_params,
)
from .base import (
    AUTO_STEPS_BOUNDS,
    AUTO_STEPS_PER_ROW,
    GENERATION_CHUNK,
    DiffusionOverSampler,
    auto_train_steps,
)

__all__ = [
    "AUTO_CANDIDATES",
    "AUTO_STEPS_BOUNDS",
    "AUTO_STEPS_PER_ROW",
    "CLASSIFIER_METHODS",
    "FILTER_ROUNDS",
    "GENERATION_CHUNK",
    "GUIDANCE_NEGATIVES",
    "METHODS",
    "NUMERIC_ONLY",
    "PROWSYN_INSTALL",
    "REGION_FALLBACK",
    "AutoOverSampler",
    "CTGANOverSampler",
    "CWGANGPOverSampler",
    "DiffusionOverSampler",
    "FinDiff",
    "LReDDPM",
    "NeighbourFilterWarning",
    "OneHotOverSampler",
    "ProWSyn",
    "RegionFallbackWarning",
    "SEMResDDPM",
    "TVAEOverSampler",
    "TabDDPM",
    "TabularSMOTE",
    "UncheckedModelWarning",
    "auto_train_steps",
    "check_model_folder",
    "make_sampler",
    "method_class",
    "method_params",
]
