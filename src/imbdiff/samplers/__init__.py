"""Oversamplers with the imbalanced-learn API, and methods by name."""

from ._methods import FinDiff, SEMResDDPM, TabDDPM
from ._registry import METHODS, make_sampler, method_class
from .base import DiffusionOverSampler

__all__ = [
    "METHODS",
    "DiffusionOverSampler",
    "FinDiff",
    "SEMResDDPM",
    "TabDDPM",
    "make_sampler",
    "method_class",
]
