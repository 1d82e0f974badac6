"""Oversamplers with the imbalanced-learn API, and methods by name."""

from ._ctgan import CTGANOverSampler, TVAEOverSampler
from ._cwgan import CWGANGPOverSampler
from ._methods import FinDiff, SEMResDDPM, TabDDPM
from ._registry import METHODS, make_sampler, method_class
from .base import DiffusionOverSampler

__all__ = [
    "METHODS",
    "CTGANOverSampler",
    "CWGANGPOverSampler",
    "DiffusionOverSampler",
    "FinDiff",
    "SEMResDDPM",
    "TVAEOverSampler",
    "TabDDPM",
    "make_sampler",
    "method_class",
]
