"""Benchmark suites: a grid of datasets, methods, seeds and folds, from TOML.

A suite file names its grid and protocol; every name in it is checked before
any cell runs, and an error names the line of the file it comes from::

    name = "quick"
    protocol = "holdout"          # or "cv" (stratified k-fold)
    seeds = [0, 1]
    test_size = 0.2               # holdout: share of rows in the test part
    split_seed = 0                # holdout: the one split, for every seed
    folds = 5                     # cv: number of folds
    classifiers = ["decision_tree", "logistic_regression"]
    datasets = ["yeast3", { path = "my.csv", target = "label" }]
    keep_samples = false          # true: keep the first seed and fold's
                                  # synthetic rows (the report's maps)
    group = "tuning"              # optional: a study that chooses defaults;
                                  # refuses any dataset outside the tuning
                                  # group (as the suite named "tuning" does)

    [[methods]]
    method = "none"

    [[methods]]
    method = "semres"
    label = "semres-short"        # optional; the method's name by default
    params = { train_steps = 200 }

    [[methods]]
    method = "lreddpm"
    params = { region = "safe" }
    # optional: parameters that differ on some datasets, and why (the
    # report shows both)
    per_dataset = { crg = { region = "border" } }
    note = "crg is guided by its border examples, as in the paper."
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NoReturn

from ..datasets import load_dataset
from ..evaluation import CLASSIFIER_NAMES
from ..samplers import make_sampler
from ._rule import TUNING_GROUP, check_tuning_group

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Cell", "Method", "Suite", "list_suites", "load_suite"]

_KEYS = {
    "name",
    "description",
    "protocol",
    "seeds",
    "test_size",
    "split_seed",
    "folds",
    "classifiers",
    "datasets",
    "methods",
    "keep_samples",
    "group",
}
_METHOD_KEYS = {"method", "label", "params", "per_dataset", "note"}


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

    def on(self, dataset: str) -> Method:
        """The method as it runs on ``dataset`` (its overrides applied)."""
        if dataset not in self.per_dataset:
            return self
        return Method(
            self.method,
            self.label,
            {**self.params, **self.per_dataset[dataset]},
            note=self.note,
        )

    @functools.cached_property
    def fingerprint(self) -> str:
        """Short hash of every parameter the sampler runs with, defaults
        included: cells of other parameters differ, and so do cells whose
        defaults changed between two versions of imbdiff."""
        sampler = make_sampler(self.method, self.params)
        resolved = {} if sampler is None else sampler.get_params(deep=True)
        resolved.pop("random_state", None)  # set by the cell's seed
        text = json.dumps(
            [self.method, self.params, resolved], sort_keys=True, default=_stable
        )
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
        settings = json.dumps(
            [
                self.target,
                self.protocol,
                self.test_size if self.protocol == "holdout" else None,
                self.split_seed if self.protocol == "holdout" else None,
                self.folds if self.protocol == "cv" else None,
                list(self.classifiers),
            ]
        )
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
                )
                for m in definition["methods"]
            ),
            test_size=definition["test_size"],
            split_seed=definition["split_seed"],
            folds=definition["folds"],
            keep_samples=definition.get("keep_samples", False),
            group=definition.get("group"),
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
            "methods": [
                {
                    "method": m.method,
                    "label": m.label,
                    "params": m.params,
                    "per_dataset": m.per_dataset,
                    "note": m.note,
                }
                for m in self.methods
            ],
            "test_size": self.test_size,
            "split_seed": self.split_seed,
            "folds": self.folds,
            "keep_samples": self.keep_samples,
            "group": self.group,
        }

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


def _stable(value) -> str:
    """Text of a parameter JSON cannot hold: an estimator's class and its own
    parameters (its repr would hide defaults), else its repr."""
    if hasattr(value, "get_params"):
        params = json.dumps(
            value.get_params(deep=False), sort_keys=True, default=_stable
        )
        return f"{type(value).__name__}{params}"
    return repr(value)


def list_suites() -> list[str]:
    """Names of the suites shipped with imbdiff.

    Examples
    --------
    >>> "quick" in list_suites()
    True
    """
    folder = resources.files("imbdiff.bench") / "suites"
    return sorted(
        p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_suite(name_or_path: str | Path) -> Suite:
    """Load and check a shipped suite by name, or a suite file by path.

    Every dataset is loaded once and every method built once with its
    parameters, so that a misspelt name fails here, naming its line, and not
    hours into a run.

    Examples
    --------
    >>> suite = load_suite("quick")
    >>> suite.protocol, len(suite.cells()) > 0
    ('holdout', True)
    """
    text_name = str(name_or_path)
    if text_name in list_suites() and not Path(text_name).is_file():
        source = resources.files("imbdiff.bench") / "suites" / f"{text_name}.toml"
        where = f"suite {text_name!r}"
        text = source.read_text()
    else:
        path = Path(text_name)
        if not path.is_file():
            raise ValueError(
                f"no suite {text_name!r}: not a shipped suite "
                f"({', '.join(list_suites())}) nor a file."
            )
        where = str(path)
        text = path.read_text()
    return parse_suite(text, where=where)


def parse_suite(text: str, *, where: str = "<suite>") -> Suite:
    """Check the TOML ``text`` of a suite and build it (see :func:`load_suite`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{where}: not valid TOML: {error}") from None
    lines = text.splitlines()

    def fail(
        message: str, *needles: str, after: int = 0, before: int | None = None
    ) -> NoReturn:
        line = _line_of(lines, needles, after, before)
        at = f"{where}, line {line}" if line else where
        raise ValueError(f"{at}: {message}")

    for key in data:
        if key not in _KEYS:
            fail(f"unknown key {key!r}; known: {', '.join(sorted(_KEYS))}.", key)
    for key in ("name", "protocol", "seeds", "classifiers", "datasets", "methods"):
        if key not in data:
            fail(f"the suite has no {key!r}.")
    name = data["name"]
    if not isinstance(name, str) or not name:
        fail("name must be a non-empty string.", "name")
    protocol = data["protocol"]
    if protocol not in ("holdout", "cv"):
        fail(f"protocol must be 'holdout' or 'cv'; got {protocol!r}.", "protocol")
    seeds = data["seeds"]
    if (
        not isinstance(seeds, list)
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
        or len(set(seeds)) != len(seeds)
    ):
        fail("seeds must be a non-empty list of distinct integers.", "seeds")
    test_size = data.get("test_size", 0.2)
    if not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        fail(f"test_size must be in (0, 1); got {test_size!r}.", "test_size")
    split_seed = data.get("split_seed", 0)
    if not isinstance(split_seed, int) or isinstance(split_seed, bool):
        fail(f"split_seed must be an integer; got {split_seed!r}.", "split_seed")
    folds = data.get("folds", 5)
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        fail(f"folds must be an integer >= 2; got {folds!r}.", "folds")
    keep_samples = data.get("keep_samples", False)
    if not isinstance(keep_samples, bool):
        fail("keep_samples must be true or false.", "keep_samples")

    classifiers = data["classifiers"]
    if not isinstance(classifiers, list) or not classifiers:
        fail("classifiers must be a non-empty list of names.", "classifiers")
    for clf in classifiers:
        if clf not in CLASSIFIER_NAMES:
            fail(
                f"unknown classifier {clf!r}; known: {', '.join(CLASSIFIER_NAMES)}.",
                f'"{clf}"',
                "classifiers",
            )

    datasets = []
    if not isinstance(data["datasets"], list) or not data["datasets"]:
        fail("datasets must be a non-empty list.", "datasets")
    for entry in data["datasets"]:
        if isinstance(entry, str):
            dataset, target, needle = entry, None, f'"{entry}"'
        elif isinstance(entry, dict) and set(entry) <= {"path", "target"}:
            dataset, target = entry.get("path"), entry.get("target")
            needle = f'"{dataset}"'
        else:
            fail(
                f"a dataset is a name or {{ path, target }}; got {entry!r}.", "datasets"
            )
        try:
            load_dataset(dataset, target=target)
        except (ValueError, OSError) as error:
            fail(str(error), needle, "datasets")
        datasets.append((dataset, target))
    if len(set(datasets)) != len(datasets):
        fail("a dataset is listed twice.", "datasets")
    group = data.get("group")
    if group not in (None, "tuning"):
        fail(f"group must be 'tuning' if given; got {group!r}.", "group")
    # Suite() checks this too; here the error can name the line.
    if _chooses_defaults(name, group):
        try:
            check_tuning_group(d for d, _ in datasets)
        except ValueError as error:
            outside = [d for d, _ in datasets if d not in TUNING_GROUP]
            fail(str(error), f'"{outside[0]}"', "datasets")

    methods = []
    starts = [i + 1 for i, line in enumerate(lines) if line.strip() == "[[methods]]"]
    if not isinstance(data["methods"], list) or not data["methods"]:
        fail("methods must be one or more [[methods]] tables.", "methods")
    for i, entry in enumerate(data["methods"]):
        after = starts[i] if i < len(starts) else 0
        before = starts[i + 1] if i + 1 < len(starts) else None
        for key in entry:
            if key not in _METHOD_KEYS:
                fail(
                    f"unknown key {key!r} in a method; known: "
                    f"{', '.join(sorted(_METHOD_KEYS))}.",
                    key,
                    after=after,
                    before=before,
                )
        method = entry.get("method")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            fail("params must be a table.", "params", after=after, before=before)
        try:
            make_sampler(method, params)
        except (ValueError, TypeError) as error:
            bad = [key for key in params if f"parameter {key!r}" in str(error)]
            fail(str(error), *bad, "method", after=after, before=before)
        label = entry.get("label", method)
        if not isinstance(label, str) or not label or "|" in label:
            fail("label must be a non-empty string without '|'.", "label", after=after)
        per_dataset = entry.get("per_dataset", {})
        if not isinstance(per_dataset, dict) or not all(
            isinstance(v, dict) for v in per_dataset.values()
        ):
            fail(
                "per_dataset must be a table of dataset = { parameters }.",
                "per_dataset",
                after=after,
                before=before,
            )
        listed = {d for d, _ in datasets}
        for dataset, overrides in per_dataset.items():
            if dataset not in listed:
                fail(
                    f"per_dataset names {dataset!r}, which is not among the "
                    f"suite's datasets.",
                    "per_dataset",
                    after=after,
                    before=before,
                )
            try:
                make_sampler(method, {**params, **overrides})
            except (ValueError, TypeError) as error:
                fail(f"{dataset}: {error}", "per_dataset", after=after, before=before)
        note = entry.get("note", "")
        if not isinstance(note, str):
            fail("note must be a string.", "note", after=after, before=before)
        methods.append(
            Method(
                method=method,
                label=label,
                params=params,
                per_dataset=per_dataset,
                note=note,
            )
        )
    labels = [m.label for m in methods]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        fail(f"method labels must be unique; repeated: {duplicated}.", "label")

    return Suite(
        name=name,
        description=str(data.get("description", "")),
        protocol=protocol,
        seeds=tuple(seeds),
        classifiers=tuple(classifiers),
        datasets=tuple(datasets),
        methods=tuple(methods),
        test_size=float(test_size),
        split_seed=split_seed,
        folds=folds,
        keep_samples=keep_samples,
        group=group,
    )


def _line_of(lines, needles, after: int = 0, before: int | None = None) -> int | None:
    """1-based number of the first line in ``lines[after:before]`` holding one of
    ``needles`` (tried in order), or None."""
    stop = len(lines) if before is None else before
    for needle in needles:
        for number in range(after, stop):
            if needle in lines[number]:
                return number + 1
    return None
