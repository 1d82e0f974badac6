"""``imbdiff compare``: which oversampler, if any, helps on one table?

:func:`compare` runs a default set of candidates (no oversampling, class
weights, a tuned threshold, SMOTE, BorderlineSMOTE, ProWSyn when installed,
and the diffusion samplers) at the library's defaults, with a few
classifiers, under repeated stratified k-fold cross-validation, through the
benchmark engine into a store in the output folder (so a stopped run
resumes), then writes a report whose first lines answer the question
(:mod:`._verdict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._validation import prepare_frame
from ..datasets import load_dataset
from ..evaluation.classifiers import ADJUSTMENTS, check_classifiers, classifier_label
from ..evaluation.comparison import corrected_resampled_ttest
from ..samplers import make_sampler
from ..samplers._auto import AUTO_CANDIDATES, installed_candidates
from ._engine import results, run
from ._report._render import render_html, render_markdown
from ._report._sections import (
    Section,
    failures_section,
    memorisation_section,
    time_section,
)
from ._store import Store
from ._suite import Cell, Method, Suite, _stable
from ._verdict import METRIC_TITLES, Verdict, judge

__all__ = [
    "COMPARE_CLASSIFIERS",
    "Comparison",
    "compare",
    "compare_candidates",
    "compare_report",
    "compare_suite",
]

#: The classifiers :func:`compare` trains by default.
COMPARE_CLASSIFIERS = ("decision_tree", "logistic_regression", "random_forest")

#: Shorter training for a first look (``budget="quick"``), by method.
_QUICK = {"train_steps": 200, "n_timesteps": 100}
_DIFFUSION = ("tabddpm", "semres", "lreddpm", "findiff")

#: The metrics of the report's per-classifier tables.
_DETAIL_METRICS = ("f1", "auc", "gmean", "balanced_accuracy")


def compare_candidates() -> list[str]:
    """The methods :func:`compare` tries by default (ProWSyn when
    smote-variants is installed).

    Examples
    --------
    >>> compare_candidates()[:4]
    ['none', 'balanced', 'threshold', 'smote']
    """
    # AutoOverSampler's candidates, with the two that change the classifier.
    methods = ("none", *ADJUSTMENTS, *(m for m in AUTO_CANDIDATES if m != "none"))
    return installed_candidates(methods)


def compare_suite(
    data: str | Path,
    *,
    target: str | None = None,
    drop: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    classifiers: Sequence[str | tuple[str, object]] | None = None,
    params: dict[str, dict] | None = None,
    folds: int = 5,
    repeats: int = 2,
    budget: str = "default",
    with_threshold: bool = False,
) -> Suite:
    """The suite :func:`compare` runs: one table, the candidates, repeated
    stratified k-fold cross-validation (``repeats`` seeds shuffle the folds).

    ``drop`` and ``categorical`` say how to read the table (columns left
    out, and read as nominal: see :func:`~imbdiff.datasets.load_dataset`).
    ``classifiers`` are names of :data:`~imbdiff.evaluation.CLASSIFIER_NAMES`
    or ``(label, estimator)`` pairs of your own scikit-learn classifiers
    (each put behind the shared feature encoding; its parameters enter the
    cells' keys). ``params`` gives a method's parameters (by method name)
    over the defaults; ``budget="quick"`` trains the diffusion samplers briefly, for
    a first look, never for a decision. ``with_threshold`` adds each
    oversampler followed by threshold tuning (label ``"NAME+threshold"``):
    every classifier trained on its rows has its decision threshold tuned
    for F1, as ``"threshold"`` tunes it on the rows as they are.

    Examples
    --------
    >>> suite = compare_suite("ecoli4", methods=["smote"], with_threshold=True)
    >>> [m.label for m in suite.methods]
    ['none', 'smote', 'smote+threshold']
    """
    if budget not in ("default", "quick"):
        raise ValueError(f"budget must be 'default' or 'quick'; got {budget!r}.")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer; got {repeats!r}.")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}.")
    if classifiers is None:
        classifiers = COMPARE_CLASSIFIERS
    dataset = str(data)
    reading = {"drop": drop, "categorical": categorical}
    # In one order, so that the same reading is the same cells.
    reading = {key: sorted(set(columns)) for key, columns in reading.items() if columns}
    table = load_dataset(dataset, target=target, **reading)
    _check_complete(table.X, Path(dataset).name)
    classes = sorted(map(str, table.y.unique()))
    if len(classes) != 2:
        # The scores (F1 of the minority, AUC, G-mean) are two-class ones.
        raise ValueError(
            f"compare takes a table of two classes; {Path(dataset).name} has "
            f"{len(classes)} ({', '.join(classes[:10])}). Compare one class "
            "against the rest: write a label column of two values first."
        )
    entries = _candidates(methods, params, budget)
    if with_threshold:
        tuned = [
            Method(m.method, f"{m.label}+threshold", m.params, adjust="threshold")
            for m in entries
            if m.method != "none" and m.method not in ADJUSTMENTS
        ]
        if not tuned:
            raise ValueError(
                "with_threshold (--with-threshold) needs an oversampler among "
                "the methods."
            )
        entries += tuned
    return Suite(
        name="compare",
        description=f"Which oversampler helps on {Path(dataset).name}?",
        protocol="cv",
        seeds=tuple(range(repeats)),
        classifiers=_keyable(check_classifiers(classifiers)),
        datasets=((dataset, target),),
        methods=tuple(entries),
        folds=folds,
        reading={dataset: reading} if reading else {},
    )


def _check_complete(X: pd.DataFrame, name: str) -> None:
    """Refuse a table with missing values before any cell runs: neither the
    samplers nor the classifiers take them, so every cell would fail."""
    missing = X.isna().sum()
    if missing.any():
        column = missing.index[missing > 0][0]
        raise ValueError(
            f"column {column!r} of {name} has {missing[column]} missing "
            "value(s); the samplers and classifiers compared cannot take "
            "missing values. Impute them, or drop those rows, in the table "
            "first (see docs/input.md)."
        )
    prepare_frame(X, allow_nan=False)


def _candidates(methods, params, budget: str) -> list[Method]:
    """The compared methods, no oversampling first, each with its
    parameters (checked by making its sampler)."""
    methods = list(compare_candidates() if methods is None else methods)
    if "none" not in methods:
        # Every method is judged against no oversampling.
        methods.insert(0, "none")
    if len(set(methods)) != len(methods):
        raise ValueError(f"a method is named twice: {methods}.")
    params = dict(params or {})
    unknown = sorted(set(params) - set(methods))
    if unknown:
        raise ValueError(f"params names {unknown[0]!r}, which is not compared.")
    entries = []
    for method in methods:
        chosen = dict(_QUICK) if budget == "quick" and method in _DIFFUSION else {}
        chosen.update(params.get(method, {}))
        make_sampler(method, chosen)
        entries.append(Method(method, method, chosen))
    return entries


def _split_by_split(suite: Suite) -> list[Cell]:
    """The suite's cells in the order :func:`compare` runs them: split by
    split, every method of a split together.

    Run method by method, the cheap methods would all finish first and the
    progress bar's estimate of the time left would be far too short until
    the diffusion samplers' cells began; split by split, its rate is that of
    whole splits from the first split on. A ``+threshold`` cell runs among
    the cells two splits on (those of the last two splits at the end), so
    that the cell of its split whose trained network it loads has
    finished unless more workers than a split's cells share the run (one
    that has not trains the network again: the same network, in more time).

    Examples
    --------
    >>> suite = compare_suite("ecoli4", methods=["smote"], folds=2, repeats=1)
    >>> [(c.method.label, c.fold) for c in _split_by_split(suite)]
    [('none', 0), ('smote', 0), ('none', 1), ('smote', 1)]
    """

    def place(cell: Cell) -> int:
        split = suite.seeds.index(cell.seed) * suite.folds + cell.fold
        return split + 2 * (cell.method.adjust is not None)

    return sorted(suite.cells(), key=place)


def _keyable(classifiers: list) -> tuple:
    """The classifiers, each of which the cells' keys can describe the same
    way on every run (checked now, before any folder is made, and named)."""
    for entry in classifiers:
        if not isinstance(entry, str):
            try:
                _stable(entry[1])
            except ValueError as error:
                raise ValueError(f"classifier {entry[0]!r}: {error}") from None
    return tuple(classifiers)


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found: the verdict, every stored value, and the
    files it wrote (``"store"``, ``"markdown"``, ``"html"``)."""

    verdict: Verdict
    results: pd.DataFrame
    files: dict[str, Path]


def compare(
    data: str | Path,
    out_dir: str | Path,
    *,
    target: str | None = None,
    drop: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    classifiers: Sequence[str | tuple[str, object]] | None = None,
    params: dict[str, dict] | None = None,
    metric: str = "f1",
    folds: int = 5,
    repeats: int = 2,
    budget: str = "default",
    with_threshold: bool = False,
    jobs: int = 1,
    backend: str = "joblib",
    scheduler=None,
    threads: int = 1,
    progress: bool = False,
) -> Comparison:
    """Which oversampler, if any, helps on the table ``data``?

    Runs :func:`compare_suite`'s cells that ``out_dir/compare.sqlite`` does
    not hold yet (see :func:`imbdiff.bench.run` for ``jobs``, ``backend``,
    ``scheduler``, ``threads`` and ``progress``), then writes
    ``report.md`` and ``report.html`` into ``out_dir``. With
    ``with_threshold`` the diffusion samplers keep their networks in
    ``out_dir/models``, so that a sampler and the same sampler followed by a
    tuned threshold train once per split.

    Examples
    --------
    >>> import tempfile
    >>> from imbdiff.bench import compare
    >>> found = compare(
    ...     "ecoli4", tempfile.mkdtemp(), methods=["smote"],
    ...     classifiers=["decision_tree"], folds=2, repeats=1,
    ... )
    >>> found.verdict.table.index.tolist()
    ['none', 'smote']
    >>> sorted(found.files)
    ['html', 'markdown', 'store']
    """
    suite = compare_suite(
        data,
        target=target,
        drop=drop,
        categorical=categorical,
        methods=methods,
        classifiers=classifiers,
        params=params,
        folds=folds,
        repeats=repeats,
        budget=budget,
        with_threshold=with_threshold,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = Store(out / "compare.sqlite", suite=suite.name)
    run(
        suite,
        store,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        threads=threads,
        progress=progress,
        cells=_split_by_split(suite),
        model_cache=out.resolve() / "models" if with_threshold else None,
    )
    return compare_report(suite, store, out, metric=metric)


def compare_report(
    suite: Suite, store: Store, out_dir: str | Path, *, metric: str = "f1"
) -> Comparison:
    """The verdict on ``suite``'s cells in ``store``, written as
    ``report.md`` and ``report.html`` into ``out_dir``."""
    frame = results(suite, store)
    if not (frame["status"] == "done").any():
        errors = frame.loc[frame["status"] == "failed", "error"]
        raise ValueError(
            "every cell failed, so nothing can be compared; the first error: "
            f"{errors.iloc[0] if len(errors) else 'none stored'} "
            f"(the store {store.path} keeps each cell's)."
        )
    order = [m.label for m in suite.methods]
    verdict = judge(
        frame, metric=metric, test_to_train=1 / (suite.folds - 1), order=order
    )
    # The table by its file name, not the folder it sits in.
    shown = frame.assign(dataset=frame["dataset"].map(lambda d: Path(d).name))
    cells = shown.drop_duplicates(["dataset", "label", "seed", "fold"])
    done = shown[shown["status"] == "done"]
    sections = [
        _answer(suite, verdict, metric),
        *_details(done, order, suite.folds),
        memorisation_section(done, order),
        time_section(cells[cells["status"] == "done"], order),
        failures_section(cells),
    ]
    out = Path(out_dir)
    (out / "report.md").write_text(render_markdown(sections))
    (out / "report.html").write_text(render_html(sections, out))
    files = {
        "store": Path(store.path),
        "markdown": out / "report.md",
        "html": out / "report.html",
    }
    return Comparison(verdict, frame, files)


def _answer(suite: Suite, verdict: Verdict, metric: str) -> Section:
    """The question, the answer, and the table it rests on."""
    repeats, folds = len(suite.seeds), suite.folds
    title = METRIC_TITLES.get(metric, metric)
    classifiers = ", ".join(map(classifier_label, suite.classifiers))
    text = (
        f"**{verdict.sentence}**\n\n"
        f"{title} (the minority class as positive), averaged over the classifiers "
        f"({classifiers}) within each of {repeats * folds} "
        f"splits ({repeats} x stratified {folds}-fold cross-validation). Each "
        "method is compared with no oversampling on the same splits by the "
        "corrected resampled t-test (Nadeau and Bengio), which allows for "
        "the overlap of the training parts; the p-values are adjusted across "
        "the methods by Holm's method. A method helped clearly when it is "
        "above no oversampling at an adjusted p of 0.05 or less. The "
        "seconds are the oversampler's fit and generation per split; "
        "training the classifiers, and tuning a threshold, come on top."
    )
    if any(m.adjust == "threshold" for m in suite.methods):
        text += (
            "\n\nA NAME+threshold row tunes each classifier's decision threshold "
            "for F1 by inner cross-validation on NAME's rows, synthetic rows "
            "included. For a diffusion sampler its seconds count loading the "
            "network its NAME row trained in the same run and sampling again, "
            "not training."
        )
    table = verdict.table
    shown = pd.DataFrame(index=table.index)
    shown[f"mean {title}"] = table["mean"].map(lambda v: f"{v:.3f}")
    shown["difference"] = [
        "" if pd.isna(d) else f"{d:+.3f} ({lo:+.3f} to {hi:+.3f})"
        for d, lo, hi in zip(table["difference"], table["low"], table["high"])
    ]
    shown["p (Holm)"] = table["p_holm"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    shown["verdict"] = [
        "helped" if h else "hurt" if w else "" if pd.isna(p) else "within noise"
        for h, w, p in zip(table["helped"], table["hurt"], table["p_holm"])
    ]
    shown["resampling seconds per split"] = table["seconds"].map(
        lambda v: "" if pd.isna(v) else f"{v:.2f}"
    )
    bold = pd.DataFrame(False, index=shown.index, columns=shown.columns)
    if verdict.best is not None:
        bold.loc[verdict.best] = True
    return Section(
        suite.description,
        text,
        tables=[("difference from no oversampling, 95% interval", shown, bold)],
    )


def _details(done: pd.DataFrame, order: list[str], folds: int) -> list[Section]:
    """Per metric, each method's mean and 95% interval per classifier."""
    sections = []
    scored = done[done["classifier"] != ""]
    for metric in _DETAIL_METRICS:
        title = METRIC_TITLES[metric]
        rows = scored[scored["metric"] == metric]
        if rows.empty:
            continue
        cells = pd.DataFrame(
            "", index=[m for m in order if m in set(rows["label"])], columns=[]
        )
        for classifier, part in rows.groupby("classifier", sort=False):
            column = []
            for label in cells.index:
                values = part.loc[part["label"] == label, "value"]
                if len(values) < 2:
                    column.append("-" if values.empty else f"{values.mean():.3f}")
                    continue
                test = corrected_resampled_ttest(values, test_to_train=1 / (folds - 1))
                # A score lies in [0, 1]; so does what its interval can say.
                low, high = max(test.low, 0.0), min(test.high, 1.0)
                column.append(f"{test.mean:.3f} ({low:.3f} to {high:.3f})")
            cells[classifier] = column
        sections.append(
            Section(
                f"{title[0].upper()}{title[1:]} per method and classifier",
                "Mean over the splits, with its 95% interval from the "
                "corrected variance (cut to [0, 1]).",
                tables=[("", cells, None)],
            )
        )
    return sections
