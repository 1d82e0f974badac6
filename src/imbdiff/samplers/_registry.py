"""Oversampling methods by name, for the command line and the benchmark.

A method name gives a sampler class and its keyword parameters; ``"none"``
means no oversampling (the papers' "Original" row) and gives ``None``, which
the evaluation protocols and the benchmark take as "train on the data as it
is". ``"balanced"`` and ``"threshold"`` (:data:`CLASSIFIER_METHODS`) also
leave the rows as they are and change the classifier instead: the benchmark
weights the classes, or tunes the decision threshold.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..evaluation.classifiers import ADJUSTMENTS

__all__ = [
    "CLASSIFIER_METHODS",
    "METHODS",
    "NUMERIC_ONLY",
    "make_sampler",
    "method_class",
    "method_params",
]

#: Method name -> "module:class" of its sampler (``None`` for no oversampling).
METHODS: dict[str, str | None] = {
    "none": None,
    "balanced": None,
    "threshold": None,
    "random": "imblearn.over_sampling:RandomOverSampler",
    "smote": "imbdiff.samplers:TabularSMOTE",
    "prowsyn": "imbdiff.samplers:ProWSyn",
    "adasyn": "imblearn.over_sampling:ADASYN",
    "borderline": "imblearn.over_sampling:BorderlineSMOTE",
    "semres": "imbdiff.samplers:SEMResDDPM",
    "tabddpm": "imbdiff.samplers:TabDDPM",
    "findiff": "imbdiff.samplers:FinDiff",
    "lreddpm": "imbdiff.samplers:LReDDPM",
    "ctgan": "imbdiff.samplers:CTGANOverSampler",
    "tvae": "imbdiff.samplers:TVAEOverSampler",
    "cwgan_gp": "imbdiff.samplers:CWGANGPOverSampler",
    "auto": "imbdiff.samplers:AutoOverSampler",
}


def method_class(name: str):
    """The sampler class of method ``name`` (``None`` for ``"none"``).

    Examples
    --------
    >>> method_class("smote").__name__
    'TabularSMOTE'
    >>> method_class("none") is None
    True
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)}.")
    target = METHODS[name]
    if target is None:
        return None
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


#: Methods that change the classifier instead of the rows (cost-sensitive
#: learning, the user's alternative to oversampling): ``balanced`` weights the
#: classes (``class_weight="balanced"``), ``threshold`` tunes the decision
#: threshold for F1 (``TunedThresholdClassifierCV``); see
#: :func:`imbdiff.evaluation.adjust_classifier`.
CLASSIFIER_METHODS = ADJUSTMENTS

#: Methods that interpolate numbers: on nominal columns they run through
#: :class:`~imbdiff.samplers.OneHotOverSampler`. (``smote`` chooses SMOTENC or
#: SMOTEN itself.)
NUMERIC_ONLY = ("adasyn", "borderline", "prowsyn")
_ADAPTER_PARAMS = ("sampling_strategy", "random_state", "categorical_features")


def method_params(name: str) -> dict:
    """The parameters method ``name`` takes, with their defaults: its
    sampler's, and for :data:`NUMERIC_ONLY` methods those of the one-hot
    adapter they run in (``{}`` for ``"none"``).

    Examples
    --------
    >>> method_params("smote")["categorical_features"]
    'auto'
    >>> method_params("none")
    {}
    """
    cls = method_class(name)
    if cls is None:
        return {}
    params = cls().get_params(deep=False)
    if name in NUMERIC_ONLY:
        from ._onehot import OneHotOverSampler

        adapter = OneHotOverSampler().get_params(deep=False)
        params.update({key: adapter[key] for key in _ADAPTER_PARAMS})
    return params


def make_sampler(name: str, params: Mapping | None = None):
    """A sampler of method ``name`` with ``params``, or ``None`` for ``"none"``.

    Parameters are checked against the sampler's own (``get_params``), so a
    misspelt one is an error that lists the valid names, not a silent default.
    ADASYN, BorderlineSMOTE and ProWSyn come inside a
    :class:`~imbdiff.samplers.OneHotOverSampler`, so that they also take data
    with nominal columns (numeric data reaches them unchanged).
    :data:`CLASSIFIER_METHODS` give ``None``, as ``"none"`` does.

    Examples
    --------
    >>> make_sampler("tabddpm", {"train_steps": 10})
    TabDDPM(train_steps=10)
    >>> make_sampler("borderline", {"k_neighbors": 3, "random_state": 0})
    OneHotOverSampler(random_state=0, sampler=BorderlineSMOTE(k_neighbors=3))
    >>> make_sampler("smote", {"k": 3})
    Traceback (most recent call last):
    ...
    ValueError: method 'smote' has no parameter 'k'; its parameters: ...
    """
    cls = method_class(name)
    params = dict(params or {})
    if cls is None:
        if params:
            raise ValueError(
                f"method {name!r} takes no parameters; got {sorted(params)}."
            )
        return None
    valid = set(method_params(name))
    for key in params:
        if key not in valid:
            raise ValueError(
                f"method {name!r} has no parameter {key!r}; its parameters: "
                f"{', '.join(sorted(valid))}."
            )
    if name not in NUMERIC_ONLY:
        return cls(**params)
    from ._onehot import OneHotOverSampler

    outer = {k: params.pop(k) for k in _ADAPTER_PARAMS if k in params}
    return OneHotOverSampler(sampler=cls(**params), **outer)
