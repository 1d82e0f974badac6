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
    # optional for a file: columns to leave out, and to read as nominal
    # datasets = [{ path = "my.csv", target = "label", drop = ["id"] }]
    keep_samples = false          # true: keep the first seed and fold's
                                  # synthetic rows (the report's maps)
    group = "tuning"              # optional: a study that chooses defaults;
                                  # refuses any dataset outside the tuning
                                  # group (as the suite named "tuning" does)
    published = "lreddpm-paper"   # optional: a paper's numbers for the
                                  # report, a shipped suite's or a
                                  # [published] table of files (see
                                  # imbdiff.bench._published)

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

    [[methods]]
    method = "smote"
    label = "smote+threshold"
    adjust = "threshold"          # optional: each classifier's decision
                                  # threshold tuned after the sampler
                                  # (or "balanced": class weights)
"""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path
from typing import NoReturn

from ..datasets import load_dataset
from ..evaluation import CLASSIFIER_NAMES
from ..samplers import make_sampler
from ._published import read_published
from ._rule import TUNING_GROUP, check_tuning_group
from ._suite import Method, Suite, _chooses_defaults

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["list_suites", "load_suite", "parse_suite", "shipped_published"]

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
    "published",
}
_DATASET_KEYS = {"path", "target", "drop", "categorical"}
_METHOD_KEYS = {"method", "label", "params", "per_dataset", "note", "adjust"}


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
        return parse_suite(
            _shipped_text(text_name),
            where=f"suite {text_name!r}",
            folder=_shipped_folder(),
        )
    else:
        path = Path(text_name)
        if not path.is_file():
            raise ValueError(
                f"no suite {text_name!r}: not a shipped suite "
                f"({', '.join(list_suites())}) nor a file."
            )
        return parse_suite(path.read_text(), where=str(path), folder=path.parent)


def shipped_published(name: str) -> dict | None:
    """The published values of the shipped suite ``name`` (its
    ``[published]`` table as data), or None if it has none.

    Examples
    --------
    >>> shipped_published("semres")["title"]
    'Beside the SEMRes-DDPM summary'
    >>> shipped_published("quick") is None
    True
    """
    if name not in list_suites():
        return None
    source = _SuiteText(_shipped_text(name), f"suite {name!r}")
    return _published(source, _shipped_folder())


def _shipped_text(name: str) -> str:
    return (resources.files("imbdiff.bench") / "suites" / f"{name}.toml").read_text()


def _shipped_folder() -> Path:
    return Path(str(resources.files("imbdiff.bench") / "suites"))


def parse_suite(
    text: str, *, where: str = "<suite>", folder: str | Path | None = None
) -> Suite:
    """Check the TOML ``text`` of a suite and build it (see :func:`load_suite`).

    ``folder`` is where the file names of a ``[published]`` table start (the
    suite file's folder; the current directory if None).
    """
    source = _SuiteText(text, where)
    data = source.data
    for key in data:
        if key not in _KEYS:
            source.fail(f"unknown key {key!r}; known: {', '.join(sorted(_KEYS))}.", key)
    for key in ("name", "protocol", "seeds", "classifiers", "datasets", "methods"):
        if key not in data:
            source.fail(f"the suite has no {key!r}.")
    settings = _settings(source)
    classifiers = _classifiers(source)
    datasets, reading = _datasets(source)
    group = data.get("group")
    if group not in (None, "tuning"):
        source.fail(f"group must be 'tuning' if given; got {group!r}.", "group")
    # Suite() checks this too; here the error can name the line.
    if _chooses_defaults(settings["name"], group):
        try:
            check_tuning_group(d for d, _ in datasets)
        except ValueError as error:
            outside = [d for d, _ in datasets if d not in TUNING_GROUP]
            source.fail(str(error), f'"{outside[0]}"', "datasets")
    listed = {d for d, _ in datasets}
    tables = _method_tables(source)
    methods = [
        _method(source, entry, after, before, listed)
        for entry, (after, before) in zip(tables, source.method_spans(len(tables)))
    ]
    labels = [m.label for m in methods]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        source.fail(f"method labels must be unique; repeated: {duplicated}.", "label")
    return Suite(
        description=str(data.get("description", "")),
        classifiers=classifiers,
        datasets=tuple(datasets),
        methods=tuple(methods),
        group=group,
        published=_published(source, Path.cwd() if folder is None else Path(folder)),
        reading=reading,
        **settings,
    )


class _SuiteText:
    """A suite file's text and its TOML, for errors that name the line."""

    def __init__(self, text: str, where: str) -> None:
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{where}: not valid TOML: {error}") from None
        self.lines = text.splitlines()
        self.where = where

    def fail(
        self, message: str, *needles: str, after: int = 0, before: int | None = None
    ) -> NoReturn:
        """Raise ``message`` at the first line (from ``after`` to ``before``)
        that sets one of the keys or holds one of the texts ``needles``."""
        line = _line_of(self.lines, needles, after, before)
        at = f"{self.where}, line {line}" if line else self.where
        raise ValueError(f"{at}: {message}")

    def method_spans(self, count: int) -> list[tuple[int, int | None]]:
        """(first line, end) of each of ``count`` ``[[methods]]`` tables; the
        whole text for a table written another way."""
        starts = [
            i + 1 for i, line in enumerate(self.lines) if line.strip() == "[[methods]]"
        ]
        ends = [*starts[1:], None]
        spans = list(zip(starts, ends))
        return spans[:count] + [(0, None)] * (count - len(spans))


def _published(source: _SuiteText, folder: Path) -> dict | None:
    """The suite's ``published`` setting as data (see :mod:`._published`)."""
    value = source.data.get("published")
    if value is None:
        return None
    if isinstance(value, str):
        shipped = shipped_published(value)
        if shipped is None:
            source.fail(
                f"published names {value!r}, which is no shipped suite with "
                "published values.",
                "published",
            )
        return shipped
    if not isinstance(value, dict):
        source.fail("published must be a table or a shipped suite's name.", "published")
    header = re.compile(r"\s*\[\s*published\s*\]\s*(#.*)?")
    start = next(
        (i for i, line in enumerate(source.lines) if header.fullmatch(line)), 0
    )
    end = next(
        (
            i
            for i in range(start + 1, len(source.lines))
            if source.lines[i].lstrip().startswith("[")
        ),
        None,
    )

    def fail(message: str, *needles: str) -> NoReturn:
        source.fail(f"published: {message}", *needles, after=start, before=end)

    labels = [
        str(m.get("label", m.get("method")))
        for m in source.data.get("methods", [])
        if isinstance(m, dict)
    ]
    return read_published(value, folder, labels, fail)


def _settings(source: _SuiteText) -> dict:
    """The suite's name, protocol, seeds and split settings, checked."""
    data, fail = source.data, source.fail
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
    return {
        "name": name,
        "protocol": protocol,
        "seeds": tuple(seeds),
        "test_size": float(test_size),
        "split_seed": split_seed,
        "folds": folds,
        "keep_samples": keep_samples,
    }


def _classifiers(source: _SuiteText) -> tuple[str, ...]:
    classifiers = source.data["classifiers"]
    if not isinstance(classifiers, list) or not classifiers:
        source.fail("classifiers must be a non-empty list of names.", "classifiers")
    for clf in classifiers:
        if clf not in CLASSIFIER_NAMES:
            source.fail(
                f"unknown classifier {clf!r}; known: {', '.join(CLASSIFIER_NAMES)}.",
                f'"{clf}"',
                "classifiers",
            )
    return tuple(classifiers)


def _datasets(source: _SuiteText) -> tuple[list[tuple], dict]:
    """(name or path, target) of each dataset, each loaded once to check it,
    and how to read each file that has ``drop`` or ``categorical``."""
    entries, fail = source.data["datasets"], source.fail
    if not isinstance(entries, list) or not entries:
        fail("datasets must be a non-empty list.", "datasets")
    datasets, reading = [], {}
    for entry in entries:
        options = {}
        if isinstance(entry, str):
            dataset, target = entry, None
        elif isinstance(entry, dict) and set(entry) <= _DATASET_KEYS:
            dataset, target = entry.get("path"), entry.get("target")
            options = {k: entry[k] for k in ("drop", "categorical") if k in entry}
        else:
            fail(
                "a dataset is a name or { path, target, drop, categorical }; "
                f"got {entry!r}.",
                "datasets",
            )
        for key, columns in options.items():
            if not isinstance(columns, list) or not all(
                isinstance(c, str) for c in columns
            ):
                fail(f"{key} must be a list of column names.", f'"{dataset}"')
        # In one order, so that the same reading is the same cells.
        options = {key: sorted(set(columns)) for key, columns in options.items()}
        try:
            load_dataset(dataset, target=target, **options)
        except (ValueError, OSError) as error:
            fail(str(error), f'"{dataset}"', "datasets")
        datasets.append((dataset, target))
        if any(options.values()):
            reading[dataset] = options
    if len(set(datasets)) != len(datasets):
        fail("a dataset is listed twice.", "datasets")
    return datasets, reading


def _method_tables(source: _SuiteText) -> list[dict]:
    tables = source.data["methods"]
    if not isinstance(tables, list) or not tables:
        source.fail("methods must be one or more [[methods]] tables.", "methods")
    return tables


def _method(
    source: _SuiteText, entry: dict, after: int, before: int | None, listed: set
) -> Method:
    """One ``[[methods]]`` table (its lines from ``after`` to ``before``),
    checked by making its sampler and each dataset's variant of it."""

    def fail(message: str, *needles: str) -> NoReturn:
        source.fail(message, *needles, after=after, before=before)

    for key in entry:
        if key not in _METHOD_KEYS:
            fail(
                f"unknown key {key!r} in a method; known: "
                f"{', '.join(sorted(_METHOD_KEYS))}.",
                key,
            )
    method = entry.get("method")
    params = entry.get("params", {})
    if not isinstance(params, dict):
        fail("params must be a table.", "params")
    try:
        make_sampler(method, params)
    except (ValueError, TypeError) as error:
        bad = [key for key in params if f"parameter {key!r}" in str(error)]
        fail(str(error), *bad, "method")
    label = entry.get("label", method)
    if not isinstance(label, str) or not label or "|" in label:
        message = "label must be a non-empty string without '|'."
        source.fail(message, "label", after=after)
    per_dataset = entry.get("per_dataset", {})
    if not isinstance(per_dataset, dict) or not all(
        isinstance(v, dict) for v in per_dataset.values()
    ):
        fail("per_dataset must be a table of dataset = { parameters }.", "per_dataset")
    for dataset, overrides in per_dataset.items():
        if dataset not in listed:
            fail(
                f"per_dataset names {dataset!r}, which is not among the suite's "
                "datasets.",
                "per_dataset",
            )
        try:
            make_sampler(method, {**params, **overrides})
        except (ValueError, TypeError) as error:
            fail(f"{dataset}: {error}", "per_dataset")
    note = entry.get("note", "")
    if not isinstance(note, str):
        fail("note must be a string.", "note")
    try:
        return Method(
            method=method,
            label=label,
            params=params,
            per_dataset=per_dataset,
            note=note,
            adjust=entry.get("adjust"),
        )
    except ValueError as error:
        fail(str(error), "adjust")


def _line_of(lines, needles, after: int = 0, before: int | None = None) -> int | None:
    """1-based number of the first line in ``lines[after:before]`` that sets
    one of ``needles`` as a key (a plain name: ``name = ...``, also inside an
    inline table) or else holds it as text, needles tried in order; or None."""
    stop = len(lines) if before is None else before
    for needle in needles:
        number = None
        if re.fullmatch(r"\w+", needle):
            setting = re.compile(rf'(^|[{{,])\s*"?{needle}"?\s*=')
            found = (n for n in range(after, stop) if setting.search(lines[n]))
            number = next(found, None)
        if number is None:
            # A table header, a dotted key or a value: the text anywhere.
            found = (n for n in range(after, stop) if needle in lines[n])
            number = next(found, None)
        if number is not None:
            return number + 1
    return None
