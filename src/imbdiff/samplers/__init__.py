"""Oversamplers with the imbalanced-learn API."""

from ._methods import FinDiff, SEMResDDPM, TabDDPM
from .base import DiffusionOverSampler

__all__ = ["DiffusionOverSampler", "FinDiff", "SEMResDDPM", "TabDDPM"]
