"""Benchmark suites: a grid of datasets, methods, seeds and folds.

:class:`Suite` is the grid and its protocol, :class:`Method` a method with
its parameters, :class:`Cell` one (dataset, method, seed, fold) of the grid
with the key the store keeps its result under. Suites are read from TOML
files by :mod:`._suite_file`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..evaluation.classifiers import ADJUSTMENTS
from ..samplers import make_sampler
from ._rule import check_tuning_group

__all__ = ["Cell", "Method", "Suite"]


def _chooses_defaults(name: str, group: str | None) -> bool:
    """Whether a suite chooses defaults, so reads the tuning group alone."""
    return group == "tuning" or name == "tuning"


@dataclass(frozen=True)
class Method:
    """One method of a suite: a registry name, a label and its parameters."""

    method: str
    label: str
    params: dict = field(default_factory=dict)
    #: Dataset -> parameters that replace some of ``params`` on that dataset.
    per_dataset: dict = field(default_factory=dict)
    #: Why the method runs as it does (shown in the report).
    note: str = ""
    #: How each classifier is changed after the sampler has run, as
    #: ``"balanced"`` and ``"threshold"`` change it without one
    #: (:func:`~imbdiff.evaluation.adjust_classifier`), or None.
    adjust: str | None = None

    def __post_init__(self) -> None:
        if self.adjust is None:
            return
        if self.adjust not in ADJUSTMENTS:
            raise ValueError(
                f"adjust must be one of {ADJUSTMENTS} or None; got {self.adjust!r}."
            )
        if self.method == "none" or self.method in ADJUSTMENTS:
            raise ValueError(
                f"method {self.method!r} resamples nothing; adjust follows a "
                "sampler (for the classifier changed alone, use the method "
                f"{self.adjust!r})."
            )

    @property
    def adjustment(self) -> str | None:
        """How the cell changes its classifiers: ``adjust``, or the method
        itself when it is ``"balanced"`` or ``"threshold"``."""
        if self.method in ADJUSTMENTS:
            return self.method
        return self.adjust

    def on(self, dataset: str) -> Method:
        """The method as it runs on ``dataset`` (its overrides applied)."""
        if dataset not in self.per_dataset:
            return self
        return Method(
            self.method,
            self.label,
            {**self.params, **self.per_dataset[dataset]},
            note=self.note,
            adjust=self.adjust,
        )

    @functools.cached_property
    def fingerprint(self) -> str:
        """Short hash of every parameter the sampler runs with, defaults
        included: cells of other parameters differ, and so do cells whose
        defaults changed between two versions of imbdiff."""
        sampler = make_sampler(self.method, self.params)
        resolved = {} if sampler is None else sampler.get_params(deep=True)
        resolved.pop("random_state", None)  # set by the cell's seed
        parts = [self.method, self.params, resolved]
        if self.adjust is not None:  # (so methods without one keep their keys)
            parts.append({"adjust": self.adjust})
        text = json.dumps(parts, sort_keys=True, default=_stable)
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    @functools.cached_property
    def device_type(self) -> str:
        """The kind of device the sampler runs on here: see
        :func:`device_type`."""
        return device_type(make_sampler(self.method, self.params))


def grid_key_of(key: str) -> str:
    """The grid part of a stored cell key (:attr:`Cell.grid_key`); keys
    stored before the thread count and device joined them are all grid."""
    head, threads, device = [*key.rsplit("|", 2), "", ""][:3]
    if threads[:1] == "t" and threads[1:].isdigit() and device.isalpha():
        return head
    return key


def grid_hash(grid_keys: Iterable[str]) -> str:
    """:meth:`Suite.configuration_hash` of a grid given by its cells'
    :attr:`Cell.grid_key` (in any order)."""
    text = "\n".join(sorted(grid_keys))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def device_type(sampler) -> str:
    """The torch device type (``"cpu"``, ``"cuda"``, ...) of the sampler's
    ``device`` parameter resolved on this machine, or ``"cpu"`` for a
    sampler without one (or none)."""
    from .._runtime import resolve_device

    params = {} if sampler is None else sampler.get_params(deep=True)
    if "device" not in params:
        return "cpu"
    return resolve_device(params["device"]).type


@dataclass(frozen=True)
class Cell:
    """One unit of work: a method fitted once on one training part."""

    suite: str
    dataset: str
    target: str | None
    method: Method
    seed: int
    fold: int
    protocol: str
    test_size: float
    split_seed: int
    folds: int
    classifiers: tuple[str, ...]
    keep_samples: bool
    #: Torch and BLAS threads the cell runs with.
    threads: int = 1
    #: The kind of device its sampler runs on (:attr:`Method.device_type`).
    device: str = "cpu"
    #: Columns of the dataset's file left out, and read as nominal
    #: (:func:`~imbdiff.datasets.load_dataset`'s ``drop`` and ``categorical``).
    drop: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    #: A folder where a diffusion sampler keeps the networks it trains (its
    #: ``model_cache``), shared by cells that differ only after training;
    #: not part of the key, since a cached network is the one training
    #: would give.
    model_cache: str | None = None

    def sampler(self):
        """The cell's sampler, unfitted (None for no oversampling), with
        :attr:`model_cache` where it takes one and sets none itself."""
        sampler = make_sampler(self.method.method, self.method.params)
        if (
            self.model_cache is not None
            and sampler is not None
            and "model_cache" in sampler.get_params(deep=False)
            and sampler.model_cache is None
        ):
            sampler.set_params(model_cache=self.model_cache)
        return sampler

    @property
    def key(self) -> str:
        """The cell's identity in a store: everything its result depends on.

        Its place in the grid (:attr:`grid_key`), then the thread count and
        the device type: results differ in their last digits between 1 and 2
        threads, or between a CPU and a GPU, so each is a cell of its own.
        """
        return f"{self.grid_key}|t{self.threads}|{self.device}"

    @property
    def grid_key(self) -> str:
        """The cell's place in the grid, whatever it runs on.

        The method's parameters, the target column, the protocol's settings
        and the classifiers enter through a short hash, so a cell of an edited
        suite is a new cell, never an old result taken for it.
        """
        parts = [
            self.target,
            self.protocol,
            self.test_size if self.protocol == "holdout" else None,
            self.split_seed if self.protocol == "holdout" else None,
            self.folds if self.protocol == "cv" else None,
            # A user's own classifier by its class and parameters.
            list(self.classifiers),
        ]
        if self.drop or self.categorical:  # (so other cells keep their keys)
            parts.append({"drop": self.drop, "categorical": self.categorical})
        settings = json.dumps(parts, default=_stable)
        digest = hashlib.sha256(settings.encode()).hexdigest()[:8]
        return (
            f"{self.dataset}|{self.method.label}|{self.method.fingerprint}"
            f"|{digest}|{self.seed}|{self.fold}"
        )


@dataclass(frozen=True)
class Suite:
    """A validated benchmark grid (see the module's documentation)."""

    name: str
    description: str
    protocol: str
    seeds: tuple[int, ...]
    classifiers: tuple[str, ...]
    datasets: tuple[tuple[str, str | None], ...]
    methods: tuple[Method, ...]
    test_size: float = 0.2
    split_seed: int = 0
    folds: int = 5
    keep_samples: bool = False
    #: "tuning" for a study that chooses defaults (or None).
    group: str | None = None
    #: A paper's published values for the report (see
    #: :mod:`imbdiff.bench._published`), or None.
    published: dict | None = None
    #: How to read some datasets' files: dataset -> ``{"drop": [...],
    #: "categorical": [...]}`` (see :func:`~imbdiff.datasets.load_dataset`).
    reading: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Wherever a suite comes from (a file, a store, a replace()), one
        # that chooses defaults reads the tuning group and nothing else.
        if _chooses_defaults(self.name, self.group):
            check_tuning_group(d for d, _ in self.datasets)

    @classmethod
    def from_definition(cls, definition: dict) -> Suite:
        """The suite that :meth:`definition` describes (as a store keeps it)."""
        return cls(
            name=definition["name"],
            description=definition.get("description", ""),
            protocol=definition["protocol"],
            seeds=tuple(definition["seeds"]),
            classifiers=tuple(definition["classifiers"]),
            datasets=tuple(tuple(d) for d in definition["datasets"]),
            methods=tuple(
                Method(
                    m["method"],
                    m["label"],
                    dict(m["params"]),
                    per_dataset=dict(m.get("per_dataset", {})),
                    note=m.get("note", ""),
                    adjust=m.get("adjust"),
                )
                for m in definition["methods"]
            ),
            test_size=definition["test_size"],
            split_seed=definition["split_seed"],
            folds=definition["folds"],
            keep_samples=definition.get("keep_samples", False),
            group=definition.get("group"),
            published=definition.get("published"),
            reading=dict(definition.get("reading", {})),
        )

    def definition(self) -> dict:
        """The suite as plain data (what a report needs to redo its splits)."""
        return {
            "name": self.name,
            "description": self.description,
            "protocol": self.protocol,
            "seeds": list(self.seeds),
            "classifiers": list(self.classifiers),
            "datasets": [list(d) for d in self.datasets],
            "methods": [_method_definition(m) for m in self.methods],
            "test_size": self.test_size,
            "split_seed": self.split_seed,
            "folds": self.folds,
            "keep_samples": self.keep_samples,
            "group": self.group,
            "published": self.published,
            # Only where a dataset has some, so other definitions read as before.
            **({"reading": self.reading} if self.reading else {}),
        }

    def configuration_hash(self) -> str:
        """A short hash of the grid as it runs with this version's defaults.

        It covers every cell's place in the grid (:attr:`Cell.grid_key`):
        each dataset, seed and fold, each method's label and every parameter
        its sampler runs with (defaults included, per-dataset overrides
        applied), the protocol's settings and the classifiers (the named
        ones by name, a user's own with its parameters). A default of a
        sampler that changes between versions changes it; the settings of
        the named classifiers and the datasets' files are the version's
        (the run record names it and its commit). The thread count and the
        device are not part of it (a run records its own).

        Examples
        --------
        >>> from imbdiff.bench import load_suite
        >>> suite = load_suite("quick")
        >>> len(suite.configuration_hash())
        12
        >>> suite.configuration_hash() == load_suite("quick").configuration_hash()
        True
        """
        return grid_hash(cell.grid_key for cell in self.cells())

    def cells(self, *, threads: int = 1) -> list[Cell]:
        """Every cell of the grid, dataset by dataset, run with ``threads``
        threads on the device each method resolves to on this machine.

        Under ``"holdout"`` a cell is (dataset, method, seed) with fold 0;
        under ``"cv"`` it is (dataset, method, seed, fold), the seed shuffling
        the folds. Samples are kept for the first seed and fold only.
        """
        n_folds = self.folds if self.protocol == "cv" else 1
        return [
            Cell(
                suite=self.name,
                dataset=dataset,
                target=target,
                method=method.on(dataset),
                seed=seed,
                fold=fold,
                protocol=self.protocol,
                test_size=self.test_size,
                split_seed=self.split_seed,
                folds=self.folds,
                classifiers=self.classifiers,
                keep_samples=self.keep_samples and seed == self.seeds[0] and fold == 0,
                threads=threads,
                device=method.on(dataset).device_type,
                drop=tuple(self.reading.get(dataset, {}).get("drop", ())),
                categorical=tuple(self.reading.get(dataset, {}).get("categorical", ())),
            )
            for dataset, target in self.datasets
            for method in self.methods
            for seed in self.seeds
            for fold in range(n_folds)
        ]

    def select(
        self,
        *,
        datasets: Iterable[str] | None = None,
        methods: Iterable[str] | None = None,
        seeds: Iterable[int] | None = None,
        folds: Iterable[int] | None = None,
        threads: int = 1,
    ) -> list[Cell]:
        """The cells of the grid on some datasets, methods (by label), seeds
        or folds; None keeps every value of that axis. ``threads`` as in
        :meth:`cells`.

        A selected cell is the very cell of the full grid (same key, same
        result), so a run of a selection fills the suite's store.

        Examples
        --------
        >>> from imbdiff.bench import load_suite
        >>> suite = load_suite("lreddpm-paper")
        >>> cells = suite.select(datasets=["yeast3"], methods=["lreddpm"], seeds=[3])
        >>> [(c.dataset, c.method.label, c.seed, c.fold) for c in cells]
        [('yeast3', 'lreddpm', 3, 0)]
        """
        n_folds = self.folds if self.protocol == "cv" else 1
        axes = {
            "dataset": (datasets, [name for name, _ in self.datasets]),
            "method": (methods, [m.label for m in self.methods]),
            "seed": (seeds, list(self.seeds)),
            "fold": (folds, list(range(n_folds))),
        }
        chosen = {}
        for axis, (wanted, known) in axes.items():
            if wanted is None:
                chosen[axis] = set(known)
                continue
            wanted = list(wanted)
            unknown = [value for value in wanted if value not in known]
            if unknown:
                raise ValueError(
                    f"suite {self.name!r} has no {axis} "
                    f"{', '.join(map(repr, unknown))}; its {axis}s: "
                    f"{', '.join(map(str, known))}."
                )
            chosen[axis] = set(wanted)
        return [
            cell
            for cell in self.cells(threads=threads)
            if cell.dataset in chosen["dataset"]
            and cell.method.label in chosen["method"]
            and cell.seed in chosen["seed"]
            and cell.fold in chosen["fold"]
        ]


def read_options(reading: dict, dataset: str) -> dict:
    """``drop`` and ``categorical`` for :func:`load_dataset` on ``dataset``
    from a suite's ``reading`` (each a list, or None)."""
    options = reading.get(dataset, {})
    return {
        key: list(options[key]) if options.get(key) else None
        for key in ("drop", "categorical")
    }


def _method_definition(method: Method) -> dict:
    """A method as plain data (``adjust`` only where it is set, so the
    definitions of suites without one read as before)."""
    out = {
        "method": method.method,
        "label": method.label,
        "params": method.params,
        "per_dataset": method.per_dataset,
        "note": method.note,
    }
    if method.adjust is not None:
        out["adjust"] = method.adjust
    return out


def _stable(value) -> str:
    """Text of a parameter JSON cannot hold: an estimator's class and its own
    parameters (its repr would hide defaults), else its repr.

    Raises ``ValueError`` for a value known only by its memory address (a
    function, a ``RandomState``): a key built from it would differ on every
    run, so no stored result would ever be found.
    """
    if hasattr(value, "get_params"):
        params = json.dumps(
            value.get_params(deep=False), sort_keys=True, default=_stable
        )
        return f"{type(value).__name__}{params}"
    text = repr(value)
    if re.search(r" at 0x[0-9a-fA-F]+", text):
        raise ValueError(
            f"a parameter is known only by its memory address ({text}), so "
            "the cells' keys would differ on every run and no stored result "
            "would be found; give plain values (a seed as an integer, say)."
        )
    return text
