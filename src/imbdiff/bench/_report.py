"""The benchmark report: a store's cells as markdown, HTML and pictures.

:func:`report` reads a store and writes ``report.md``, a self-contained
``report.html`` (pictures embedded) and the pictures as PNG files:

- the budgets each method ran with;
- per metric and classifier, mean +- std over seeds and folds for every
  dataset and method, the best in bold, with average ranks, the Friedman
  test and the Nemenyi critical difference;
- distances of the synthetic rows to the real minority (JS, Wasserstein,
  MMD) with their average ranks, as the LReDDPM paper's Table 2;
- memorisation: distance of synthetic rows to the closest real training row
  and their share of exact copies, against real held-out rows;
- run times;
- the LReDDPM paper's published values beside ours where it has them;
- failed cells and their errors.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy import stats
from tqdm.auto import tqdm

from ._engine import BENCH_RESULT_COLUMNS
from ._store import Store
from ._suite import Suite, grid_key_of

__all__ = ["average_ranks", "critical_difference", "report"]

#: Metrics of the synthetic rows where lower is better.
_DISTANCES = {
    "js": "Jensen-Shannon",
    "wasserstein": "Wasserstein",
    "mmd_linear": "MMD (linear kernel)",
    "mmd_rbf": "MMD (RBF kernel)",
}
_MEMORISATION = {
    "synthetic_dcr_median": "synthetic DCR (median)",
    "holdout_dcr_median": "held-out DCR (median)",
    "synthetic_exact_copy_share": "synthetic rows: share that copy a training row",
    "holdout_exact_copy_share": "held-out rows: share equal to a training row",
}
#: Shown first; the other metrics follow the distances, times and pictures.
_MAIN_METRICS = ("f1", "gmean", "auc", "gmean_pr")
_METRIC_TITLES = {
    "f1": "F1",
    "auc": "AUC",
    "gmean": "G-mean = sqrt(TPR x TNR)",
    "gmean_pr": "the paper's G-mean = sqrt(precision x recall)",
    "recall": "recall",
    "precision": "precision",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
}
#: The LReDDPM paper's method names -> ours.
_PAPER_METHODS = {
    "Original": "none",
    "ADASYN": "adasyn",
    "BorderlineSMOTE": "borderline",
    "CTGAN": "ctgan",
    "FinDiff": "findiff",
    "TVAE": "tvae",
    "LReDDPM(ours)": "lreddpm",
}


@dataclass
class _Section:
    title: str
    text: str = ""
    tables: list = field(default_factory=list)  # (caption, cells, bold mask)
    images: list = field(default_factory=list)  # (caption, file name)
    metric: str = ""


def average_ranks(means: pd.DataFrame, *, higher_is_better: bool = True):
    """Average rank of each column over the rows (datasets), ties averaged.

    A column with no value at all (a method that does not apply, such as
    ``balanced`` with k-NN, or a distance of a method that makes no rows) is
    left out; then rows with a missing value are left out, so every rank
    compares the same methods. Returns the ranks and the number of rows used.

    Examples
    --------
    >>> import pandas as pd
    >>> means = pd.DataFrame({"a": [0.9, 0.8], "b": [0.7, 0.8], "c": None})
    >>> average_ranks(means)[0].to_dict()
    {'a': 1.25, 'b': 1.75}
    """
    complete = means.dropna(axis=1, how="all").dropna()
    ranks = complete.rank(axis=1, ascending=not higher_is_better)
    return ranks.mean(axis=0), len(complete)


def critical_difference(n_methods: int, n_datasets: int, alpha: float = 0.05):
    """Nemenyi critical difference of average ranks (Demsar, 2006).

    Examples
    --------
    >>> round(critical_difference(4, 10), 3)
    1.483
    """
    q = stats.studentized_range.ppf(1 - alpha, n_methods, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(n_methods * (n_methods + 1) / (6.0 * n_datasets)))


def report(
    store: Store | str | Path, out_dir: str | Path, *, progress: bool = False
) -> dict[str, Path]:
    """Write the report of ``store`` into the folder ``out_dir``.

    Returns the written files by kind (``"markdown"``, ``"html"``, and one
    entry per picture). Pictures need matplotlib (``imbdiff[bench]``).
    ``progress`` shows a bar of the report's steps (the region typing and
    t-SNE maps of each dataset are the long ones).
    """
    if not isinstance(store, Store):
        store = Store.open(store)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = store.meta()
    definition = json.loads(meta.get("definition", "{}"))
    # The cells of the suite as last run; older cells of edited settings stay
    # in the file but not in the report.
    grid = (
        [cell.grid_key for cell in Suite.from_definition(definition).cells()]
        if definition
        else None
    )
    cells = _one_per_grid_cell(store.cells(), grid)
    if cells.empty:
        raise ValueError(f"{store.path} holds no cell yet; run the suite first.")
    keys = list(cells["cell"])
    values = store.results(keys)
    order = [m["label"] for m in definition.get("methods", [])] or sorted(
        cells["label"].unique()
    )
    order = [label for label in order if label in set(cells["label"])]
    done = cells[cells["status"] == "done"]
    data = done.merge(values, on="cell")
    n_maps = (
        done.loc[done["seed"] == definition["seeds"][0], "dataset"].nunique()
        if definition
        else 0
    )
    bar = tqdm(total=3 + 2 * n_maps, desc="report", unit="step", disable=not progress)
    with bar:
        runs = store.runs()
        sections = [
            _summary(cells, meta, definition, grid=None if grid is None else len(grid)),
            _runs_section(runs),
            _budgets(cells, order, definition),
        ]
        metric_sections = _metric_sections(data, order)
        bar.update(1)
        sections += [m for m in metric_sections if m.metric in _MAIN_METRICS]
        sections.append(_distance_section(data, order))
        sections.append(_memorisation_section(data, order))
        sections.append(_time_section(done, order))
        paper = _paper_section(data, order, meta.get("suite", ""))
        if paper is not None:
            sections.append(paper)
        regions, region_pictures = _region_section(
            store, done, order, definition, out, bar
        )
        if regions is not None:
            sections.append(regions)
        sections.append(_failures(cells))
        files = {}
        pictures = _pictures(data, done, order, out)
        bar.update(1)
        pictures.update(_tsne_pictures(store, done, order, definition, out, bar))
        pictures.update(region_pictures)
        if pictures:
            # Right after the budgets: the pictures are the quickest read.
            sections.insert(
                3,
                _Section(
                    "Pictures",
                    "G-mean (TPR x TNR) bars per dataset and method (the LReDDPM "
                    "paper's Figure 3) with the decision tree; the training loss of "
                    "each diffusion model on the first seed and fold; per dataset a "
                    "t-SNE map of the training part's majority and minority rows "
                    "with each method's synthetic rows of the first seed and fold "
                    "(the paper's Figure 4; at most 600 rows of each real class and "
                    "300 synthetic rows per method, one map per dataset so that the "
                    "panels are comparable); and the region composition of real and "
                    "synthetic minority rows (Figure 5).",
                    images=list(pictures.items()),
                ),
            )
            files.update({name: out / name for name in pictures.values()})
        sections += [m for m in metric_sections if m.metric not in _MAIN_METRICS]
        export = cells.merge(values, on="cell", how="left")
        export = export[[*_EXPORT_COLUMNS]].sort_values(
            ["cell", "classifier", "metric"]
        )
        # No time stamp in the gzip header: the same store gives the same bytes.
        export.to_csv(
            out / "results.csv.gz",
            index=False,
            compression={"method": "gzip", "mtime": 0},
        )
        files["results"] = out / "results.csv.gz"
        markdown = _render_markdown(sections)
        (out / "report.md").write_text(markdown)
        (out / "report.html").write_text(_render_html(sections, out))
        files["markdown"] = out / "report.md"
        files["html"] = out / "report.html"
        bar.update(bar.total - bar.n)
        return files


#: Columns of ``results.csv.gz``: one row per cell, classifier and metric,
#: those of :func:`imbdiff.bench.results` with the cell's key and the
#: version of imbdiff that wrote it.
_EXPORT_COLUMNS = ("cell", *BENCH_RESULT_COLUMNS, "version")


# -- sections ----------------------------------------------------------------------
def _runs_section(runs: list[dict]) -> _Section:
    if not runs:
        return _Section(
            "Runs",
            "This store keeps no record of the runs that wrote it (it predates "
            "run records): no command, machine or wall time to show.",
        )
    rows = []
    for entry in runs:
        rows.append(
            [
                entry["started_at"].replace("+00:00", " UTC"),
                f"`{entry['command']}`" if entry.get("command") else "(library call)",
                f"{entry['jobs']} x {entry['threads']}",
                f"{entry['cells_done']} done, {entry['cells_failed']} failed"
                + ("" if entry.get("finished") else " (stopped before the end)"),
                f"{entry['wall_seconds']:.0f}",
                f"{entry['cell_seconds']:.0f}",
            ]
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "started",
            "command",
            "jobs x threads",
            "cells it ran",
            "wall s",
            "summed cell s",
        ],
        index=range(1, len(rows) + 1),
    )
    machines = []
    for entry in runs:
        m = entry.get("machine", {})
        text = (
            f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, "
            f"{m.get('system', '?')}; Python {m.get('python', '?')}, torch "
            f"{m.get('torch', '?')}, scikit-learn {m.get('scikit-learn', '?')}, "
            f"imbdiff {m.get('imbdiff', '?')}"
        )
        if text not in machines:
            machines.append(text)
    wall = sum(entry["wall_seconds"] for entry in runs)
    summed = sum(entry["cell_seconds"] for entry in runs)
    return _Section(
        "Runs",
        f"{len(runs)} run(s) wrote this store: {wall:.0f} s of wall time, "
        f"{summed:.0f} s of summed cell time (each cell from loading its data "
        "to its last classifier's scores). Jobs x threads: worker processes "
        "and torch/BLAS threads per cell. Machine: "
        + "; ".join(machines)
        + ". Run a single cell again with `imbdiff bench --suite SUITE --store "
        "NEW.sqlite --dataset D --method M --seed S [--fold F] --threads T`, T "
        "being the threads of the run that stored it (torch and BLAS sum in "
        "another order with another thread count, which can change a score); "
        "it prints the cell's scores, which results.csv.gz beside this report "
        "holds for every cell.",
        tables=[("", table, None)],
    )


def _summary(cells, meta, definition, grid: int | None) -> _Section:
    n_done = int((cells["status"] == "done").sum())
    n_failed = int((cells["status"] == "failed").sum())
    versions = ", ".join(sorted(cells["version"].unique()))
    protocol = definition.get("protocol")
    if protocol == "holdout":
        protocol_text = (
            f"one stratified split with {definition['test_size']} of the rows "
            f"for testing (split seed {definition['split_seed']}), seeds "
            f"{definition['seeds']}"
        )
    elif protocol == "cv":
        protocol_text = (
            f"stratified {definition['folds']}-fold cross-validation, seeds "
            f"{definition['seeds']}"
        )
    else:
        protocol_text = "not recorded in this store"
    missing = "" if grid is None else f" of the grid's {grid}"
    if grid is not None and grid > n_done + n_failed:
        missing += f" ({grid - n_done - n_failed} not run yet)"
    text = (
        f"Suite **{meta.get('suite')}**"
        + (f": {definition['description']}" if definition.get("description") else "")
        + f"\n\nCells: {n_done} finished, {n_failed} failed{missing}. Protocol: "
        f"{protocol_text}. imbdiff {versions}. Summed time of the cells' "
        f"samplers: {cells['total_seconds'].sum():.0f} s. Metrics take the "
        "minority class as positive."
    )
    return _Section(f"Benchmark report: {meta.get('suite')}", text)


def _budgets(cells, order, definition=None) -> _Section:
    described = {m["label"]: m for m in (definition or {}).get("methods", [])}
    rows = []
    for label in order:
        entry = described.get(label, {})
        overridden = entry.get("per_dataset", {})
        of_label = cells[(cells["label"] == label) & (cells["status"] == "done")]
        # The general parameters are those of a dataset without overrides.
        plain_cells = of_label[~of_label["dataset"].isin(list(overridden))]
        method = cells.loc[cells["label"] == label, "method"].iloc[0]
        params = plain_cells["params"].iloc[0] if len(plain_cells) else "{}"
        shown = {
            k: v
            for k, v in json.loads(params).items()
            if k not in ("random_state", "verbose", "device", "n_threads")
        }
        per_dataset = "; ".join(
            f"{dataset}: {_params_text(overrides)}"
            for dataset, overrides in entry.get("per_dataset", {}).items()
        )
        rows.append([method, _params_text(shown), per_dataset, entry.get("note", "")])
    table = pd.DataFrame(
        rows,
        columns=["registry name", "parameters", "on some datasets", "why"],
        index=order,
    )
    if not (table["on some datasets"] != "").any():
        table = table.drop(columns=["on some datasets", "why"])
    return _Section(
        "Budgets",
        "Every parameter each method ran with (random_state is the cell's seed); "
        "where a method runs otherwise on some datasets, the table says how and "
        "why.",
        tables=[("", table, None)],
    )


def _params_text(params: dict) -> str:
    if not params:
        return "(no oversampling)"
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _metric_sections(data, order) -> list[_Section]:
    sections = []
    scored = data[data["classifier"] != ""]
    for metric in [m for m in _METRIC_TITLES if m in set(scored["metric"])]:
        section = _Section(f"{_METRIC_TITLES[metric]} ({metric})", metric=metric)
        for classifier in sorted(scored["classifier"].unique()):
            rows = scored[
                (scored["metric"] == metric) & (scored["classifier"] == classifier)
            ]
            means, stds = _mean_std(rows, order)
            # A method with no score here did not apply to this classifier
            # (balanced with k-NN): shown as "-" and named under the ranks.
            means, stds = means.reindex(columns=order), stds.reindex(columns=order)
            cells, bold = _mean_std_cells(means, stds, higher_is_better=True)
            section.tables.append((f"{classifier}: mean ± std", cells, bold))
            ranks, bold, note = _rank_table(means, True)
            caption = f"{classifier}: average ranks ({note})"
            section.tables.append((caption, ranks, bold))
        sections.append(section)
    return sections


def _distance_section(data, order) -> _Section:
    section = _Section(
        "Distances of synthetic rows to the real minority",
        "Between each cell's synthetic rows and the real minority rows of its "
        "training part (lower is closer); average ranks over datasets as the "
        "LReDDPM paper's Table 2.",
    )
    rows = data[data["classifier"] == ""]
    for metric, title in _DISTANCES.items():
        of_metric = rows[rows["metric"] == metric]
        if of_metric.empty:
            continue
        means, stds = _mean_std(of_metric, order)
        cells, bold = _mean_std_cells(means, stds, higher_is_better=False)
        section.tables.append((title, cells, bold))
        ranks, bold, note = _rank_table(means, False)
        section.tables.append((f"{title}: average ranks ({note})", ranks, bold))
    return section


def _memorisation_section(data, order) -> _Section:
    rows = data[data["classifier"] == ""]
    section = _Section(
        "Memorisation",
        "Distance from each synthetic row to its closest real training row of "
        "the minority (DCR, in the classifiers' encoding), and the share of "
        "exact copies; real held-out minority rows against the same training "
        "rows are the reference. Synthetic rows far closer than held-out rows, "
        "or many exact copies, are signs of copying.",
    )
    means = {}
    for metric, title in _MEMORISATION.items():
        of_metric = rows[rows["metric"] == metric]
        if of_metric.empty:
            continue
        means[metric], _ = _mean_std(of_metric, order)
        cells = means[metric].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
        section.tables.append((f"{title} (mean over cells)", cells, None))
    flags = _copy_flags(means)
    section.text += (
        "\n\n**Flagged as copying**: " + "; ".join(flags) + "."
        if flags
        else "\n\nNo method is flagged as copying (none has 10% or more "
        "synthetic rows equal to a training row)."
    )
    return section


def _copy_flags(means: dict) -> list[str]:
    """Methods with 10% or more synthetic rows equal to a training row.

    Closeness alone is no flag: interpolating methods such as SMOTE sit
    close to the training rows by design; the distance tables show it.
    """
    copies = means.get("synthetic_exact_copy_share")
    if copies is None:
        return []
    shares = copies.mean(axis=0)
    return [
        f"{label} ({100 * share:.0f}% of synthetic rows copy a training row)"
        for label, share in shares.items()
        if share >= 0.1
    ]


def _time_section(done, order) -> _Section:
    times = done.pivot_table(
        index="dataset", columns="label", values="total_seconds", aggfunc="mean"
    ).reindex(columns=[c for c in order])
    cells = times.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    total = done.groupby("label")["total_seconds"].sum().reindex(order)
    summed = pd.DataFrame(
        [[f"{v:.0f}" if pd.notna(v) else "" for v in total.values]],
        columns=order,
        index=["summed seconds"],
    )
    return _Section(
        "Run times",
        "Seconds to fit the sampler and generate its rows (fit_resample), mean "
        "per cell; classifiers not included.",
        tables=[("mean seconds per cell", cells, None), ("", summed, None)],
    )


#: The SEMRes-DDPM summary's averages over its 20 datasets and 9 classifiers.
_SEMRES_PUBLISHED = {"f1": 0.7059, "gmean": 0.8173, "auc": 0.8979}


def _semres_section(data, order) -> _Section:
    scored, left_out = _where_every_method_applies(data[data["classifier"] != ""])
    rows = []
    for metric, published in _SEMRES_PUBLISHED.items():
        of_metric = scored[scored["metric"] == metric]
        means = of_metric.groupby("label")["value"].mean().reindex(order)
        rows.append(
            [*(f"{v:.4f}" if pd.notna(v) else "-" for v in means.values), published]
        )
    table = pd.DataFrame(
        rows,
        index=list(_SEMRES_PUBLISHED),
        columns=[*order, "SEMRes-DDPM (published)"],
    )
    return _Section(
        "Beside the SEMRes-DDPM summary",
        "Our averages over every dataset, classifier and fold, next to the "
        "averages the SEMRes-DDPM summary publishes for its own method (its "
        "20 datasets are not public, so ours are another list; it does not "
        "say which G-mean it uses)."
        + (
            f" Classifiers left out because a method does not apply to them: "
            f"{', '.join(left_out)}."
            if left_out
            else ""
        ),
        tables=[("average over datasets, classifiers and folds", table, None)],
    )


def _where_every_method_applies(scored: pd.DataFrame):
    """The scores of the classifiers that every method has scores for (a
    method such as ``balanced`` has none for classifiers without class
    weights), and the names of the classifiers left out."""
    labels = set(scored["label"])
    left_out = sorted(
        str(c)
        for c, rows in scored.groupby("classifier")
        if set(rows["label"]) != labels
    )
    return scored[~scored["classifier"].isin(left_out)], left_out


def _paper_section(data, order, suite: str) -> _Section | None:
    if suite == "semres":
        return _semres_section(data, order)
    if suite != "lreddpm-paper":
        return None
    folder = resources.files("imbdiff.bench") / "paper"
    published = pd.read_csv(folder / "lreddpm_paper_results.csv")
    ranks = pd.read_csv(folder / "lreddpm_paper_distance_ranks.csv")
    section = _Section(
        "Beside the LReDDPM paper",
        "The paper's published means (its Tables 3 to 5, in percent) next to ours "
        "(x 100) on the datasets we share. Its split, seeds and implementations "
        "differ, so absolute values differ; the comparison is of orderings.",
    )
    scored = data[data["classifier"] != ""]
    for (table, metric, classifier), rows in published.groupby(
        ["table", "metric", "classifier"]
    ):
        paper = rows.assign(method=rows["method"].map(_PAPER_METHODS)).pivot_table(
            index="dataset", columns="method", values="mean"
        )
        ours_rows = scored[
            (scored["metric"] == metric) & (scored["classifier"] == classifier)
        ]
        ours, _ = _mean_std(ours_rows, order)
        datasets = [d for d in ours.index if d in paper.index]
        labels = [m for m in order if m in paper.columns]
        if not datasets or not labels:
            continue
        cells = pd.DataFrame(index=datasets, columns=labels, dtype=object)
        for d in datasets:
            for m in labels:
                mine = ours.loc[d, m] if m in ours.columns else np.nan
                cells.loc[d, m] = (
                    f"{100 * mine:.2f}" if pd.notna(mine) else "-"
                ) + f" ({paper.loc[d, m]:.2f})"
        section.tables.append(
            (f"{table}: {metric}, {classifier}: ours (paper)", cells, None)
        )
    rows = data[data["classifier"] == ""]
    mine = {}
    for metric, column in (("js", "js_rank"), ("wasserstein", "wd_rank")):
        means, _ = _mean_std(rows[rows["metric"] == metric], order)
        if not means.empty:
            mine[column] = average_ranks(means, higher_is_better=False)[0]
    if mine:
        table = ranks.assign(method=ranks["method"].map(_PAPER_METHODS)).set_index(
            "method"
        )
        both = pd.DataFrame(index=[m for m in order if m in table.index])
        for column, values in mine.items():
            both[f"{column} ours"] = values.reindex(both.index).map(
                lambda v: "" if pd.isna(v) else f"{v:.2f}"
            )
            both[f"{column} paper"] = table.loc[both.index, column].map(
                lambda v: f"{v:.2f}"
            )
        section.tables.append(
            (
                "average distance ranks, ours (over our methods) and the paper's "
                "Table 2 (over its methods)",
                both,
                None,
            )
        )
    return section


def _failures(cells) -> _Section:
    failed = cells[cells["status"] == "failed"]
    if failed.empty:
        return _Section("Failed cells", "None: every cell of the store finished.")
    table = failed[["dataset", "label", "seed", "fold", "error"]].rename(
        columns={"label": "method"}
    )
    return _Section(
        "Failed cells",
        f"{len(failed)} cells failed; each is tried again by the next run.",
        tables=[("", table.reset_index(drop=True), None)],
    )


# -- tables ------------------------------------------------------------------------
def _mean_std(rows: pd.DataFrame, order):
    grouped = rows.groupby(["dataset", "label"])["value"]
    means = grouped.mean().unstack("label")
    stds = grouped.std().unstack("label")
    columns = [c for c in order if c in means.columns]
    return means.reindex(columns=columns), stds.reindex(columns=columns)


def _mean_std_cells(means, stds, *, higher_is_better: bool):
    cells = pd.DataFrame(index=means.index, columns=means.columns, dtype=object)
    bold = pd.DataFrame(False, index=means.index, columns=means.columns)
    for dataset in means.index:
        row = means.loc[dataset]
        best = row.max() if higher_is_better else row.min()
        for label in means.columns:
            mean, std = row[label], stds.loc[dataset, label]
            if pd.isna(mean):
                cells.loc[dataset, label] = "-"
                continue
            spread = 0.0 if pd.isna(std) else std
            cells.loc[dataset, label] = f"{mean:.4f} ± {spread:.4f}"
            bold.loc[dataset, label] = bool(np.isclose(mean, best))
    return cells, bold


def _rank_table(means, higher_is_better: bool):
    inapplicable = [str(c) for c in means.columns if means[c].isna().all()]
    means = means.dropna(axis=1, how="all")
    ranks, n = average_ranks(means, higher_is_better=higher_is_better)
    k = len(ranks)
    left_out = [str(d) for d in means.index if means.loc[d].isna().any()]
    note = f"{n} datasets with every method" + (
        f" ({', '.join(left_out)} left out)" if left_out else ""
    )
    if inapplicable:
        note += f"; {', '.join(inapplicable)} not applicable"
    if k >= 3 and n >= 2:
        complete = means.dropna()
        statistic, p_value = stats.friedmanchisquare(
            *[complete[c].to_numpy() for c in complete.columns]
        )
        note += (
            f"; Friedman chi2 = {statistic:.3f}, p = {p_value:.4f}; "
            f"Nemenyi critical difference (alpha 0.05) = "
            f"{critical_difference(k, n):.3f}"
        )
    table = pd.DataFrame(
        [[f"{v:.2f}" for v in ranks.values]],
        columns=list(ranks.index),
        index=["average rank"],
    )
    bold = pd.DataFrame(
        [[bool(np.isclose(v, ranks.min())) for v in ranks.values]],
        columns=list(ranks.index),
        index=["average rank"],
    )
    return table, bold, note


# -- pictures ----------------------------------------------------------------------
def _pictures(data, done, order, out: Path) -> dict[str, str]:
    plt = _pyplot()
    if plt is None:
        return {}
    pictures = {}
    gmean = data[(data["metric"] == "gmean") & (data["classifier"] == "decision_tree")]
    if not gmean.empty:
        means, _ = _mean_std(gmean, order)
        fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(means)), 4))
        means.plot.bar(ax=ax, width=0.8, rot=0)
        ax.set_ylabel("G-mean (decision tree)")
        ax.set_xlabel("")
        ax.legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
        fig.tight_layout()
        fig.savefig(out / "gmean_bars.png", dpi=100)
        plt.close(fig)
        pictures["G-mean per dataset and method (decision tree)"] = "gmean_bars.png"
    curves = done[done["loss_history"].notna()]
    first = curves.sort_values(["seed", "fold"]).drop_duplicates(["dataset", "label"])
    if not first.empty:
        datasets = sorted(first["dataset"].unique())
        fig, axes = _panel_grid(plt, len(datasets), 4, 3)
        for ax, dataset in zip(axes, datasets):
            for row in first[first["dataset"] == dataset].itertuples():
                history = json.loads(row.loss_history)
                losses = history["losses"]
                steps = np.linspace(
                    history["steps"] / len(losses), history["steps"], len(losses)
                )
                ax.plot(steps, losses, marker=".", label=row.label)
            ax.set_title(dataset)
            ax.set_xlabel("training step")
            ax.set_yscale("log")
            ax.legend(fontsize="small")
        axes[0].set_ylabel("training loss")
        fig.tight_layout()
        fig.savefig(out / "loss_curves.png", dpi=100)
        plt.close(fig)
        pictures["Training loss (first seed and fold)"] = "loss_curves.png"
    return pictures


def _one_per_grid_cell(cells: pd.DataFrame, grid: list[str] | None) -> pd.DataFrame:
    """The stored cells of the grid ``grid`` (all if None), one per place:
    where a place ran with several thread counts or devices, a done cell
    before a failed one, then the latest."""
    place = cells["cell"].map(grid_key_of)
    if grid is not None:
        cells = cells[place.isin(set(grid))]
        place = place[cells.index]
    order = cells.assign(_place=place, _done=cells["status"] == "done")
    order = order.sort_values(["_place", "_done", "finished_at"])
    kept = order.drop_duplicates("_place", keep="last")
    return cells.loc[sorted(kept.index)].reset_index(drop=True)


def _first_cells(store, done, order, definition, bar):
    """Per dataset, the first seed and fold's training part and each method's
    kept synthetic rows: ``(dataset, X_train, is_minority, {label: rows})``;
    ``bar`` advances by one per dataset."""
    from ..datasets import load_dataset
    from ._engine import split

    targets = dict(tuple(d) for d in definition["datasets"])
    first_seed = definition["seeds"][0]
    kept = done[(done["seed"] == first_seed) & (done["fold"] == 0)]
    for dataset in sorted(kept["dataset"].unique()):
        data = load_dataset(dataset, target=targets.get(dataset))
        X_train, _, y_train, _ = split(
            data.X,
            data.y.to_numpy(),
            protocol=definition["protocol"],
            test_size=definition["test_size"],
            split_seed=definition["split_seed"],
            folds=definition["folds"],
            seed=first_seed,
            fold=0,
        )
        synthetic = {}
        for label in [label for label in order if label in set(kept["label"])]:
            key = kept.loc[
                (kept["dataset"] == dataset) & (kept["label"] == label), "cell"
            ]
            rows = store.samples(key.iloc[0]) if len(key) else None
            if rows is not None and len(rows):
                synthetic[label] = _training_dtypes(rows, X_train)
            else:
                synthetic[label] = None
        yield dataset, X_train, y_train == data.minority_label, synthetic
        bar.update(1)


def _training_dtypes(rows: pd.DataFrame, X_train: pd.DataFrame) -> pd.DataFrame:
    """Rows read back from CSV, with the training columns' dtypes; a nominal
    value is matched by its text ("1" and 1 are one category)."""
    out = rows.copy()
    for column in out.columns:
        dtype = X_train[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) or not is_numeric_dtype(dtype):
            seen = pd.unique(X_train[column].astype(object))
            by_text = {str(v): v for v in seen}
            out[column] = out[column].astype(str).map(by_text)
        out[column] = out[column].astype(dtype)
    return out


def _region_section(store, done, order, definition, out: Path, bar):
    """Region composition of each method's synthetic rows (the paper's Figure 5):
    the training minority replaced by them, each row typed against the rest."""
    from ..regions import REGION_NAMES, replaced_composition

    if not definition:
        return None, {}
    rows = []
    for dataset, X_train, minority, synthetic in _first_cells(
        store, done, order, definition, bar
    ):
        groups = {"real minority": X_train[minority]}
        groups.update({k: v for k, v in synthetic.items() if v is not None})
        for label, part in groups.items():
            try:
                shares = replaced_composition(
                    X_train, minority.astype(int), minority, part, label=1
                )["share"]
            except ValueError:
                continue
            rows.append(
                {"dataset": dataset, "rows": label}
                | {name: float(shares[name]) for name in REGION_NAMES}
            )
    if not rows:
        return None, {}
    table = pd.DataFrame(rows)
    cells = table.set_index(["dataset", "rows"]).map(lambda v: f"{100 * v:.1f}%")
    cells.index = [f"{d}: {r}" for d, r in cells.index]
    section = _Section(
        "Region composition of the synthetic rows",
        "For the first seed and fold: the training minority is replaced by a "
        "method's synthetic rows, and each row is typed by its 5 nearest "
        "neighbours under HVDM (the LReDDPM paper's Figure 5); the real "
        "minority's own composition is the reference.",
        tables=[("share of rows per region", cells, None)],
    )
    pictures = {}
    plt = _pyplot()
    if plt is None:
        return section, pictures
    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = _panel_grid(plt, len(datasets), 3.5, 3.5)
    for ax, dataset in zip(axes, datasets):
        part = table[table["dataset"] == dataset].set_index("rows")[list(REGION_NAMES)]
        part.plot.bar(stacked=True, ax=ax, legend=False, rot=45)
        ax.set_title(dataset)
        ax.set_xlabel("")
        ax.set_ylim(0, 1)
    axes[-1].legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
    axes[0].set_ylabel("share of rows")
    fig.tight_layout()
    fig.savefig(out / "regions.png", dpi=100)
    plt.close(fig)
    pictures["Region composition of real and synthetic minority rows"] = "regions.png"
    return section, pictures


def _tsne_pictures(store, done, order, definition, out: Path, bar) -> dict[str, str]:
    """One t-SNE map per dataset: real classes and each method's synthetic rows."""
    if not definition:
        return {}
    plt = _pyplot()
    if plt is None:
        return {}
    from sklearn.manifold import TSNE

    from ..evaluation import FeatureEncoder

    pictures = {}
    for dataset, X_train, minority, synthetic in _first_cells(
        store, done, order, definition, bar
    ):
        rng = np.random.default_rng(0)
        parts = {
            "majority": _subsample(X_train[~minority], 600, rng),
            "minority": _subsample(X_train[minority], 600, rng),
        }
        labels = list(synthetic)
        for label, rows in synthetic.items():
            if rows is not None:
                parts[label] = _subsample(rows, 300, rng)
        encoder = FeatureEncoder().fit(X_train)
        stacked = np.vstack([encoder.transform(p) for p in parts.values()])
        perplexity = float(min(30, max(2, (len(stacked) - 1) // 3)))
        embedded = TSNE(
            perplexity=perplexity, init="pca", random_state=0
        ).fit_transform(stacked)
        bounds = np.cumsum([0, *[len(p) for p in parts.values()]])
        where = dict(zip(parts, itertools.pairwise(bounds)))
        fig, axes = _panel_grid(plt, len(labels), 3, 3)
        for ax, label in zip(axes, labels):
            for name, colour in (("majority", "0.75"), ("minority", "tab:blue")):
                a, b = where[name]
                ax.scatter(*embedded[a:b].T, s=3, c=colour, label=name)
            if label in where:
                a, b = where[label]
                ax.scatter(*embedded[a:b].T, s=3, c="tab:red", label="synthetic")
            ax.set_title(label)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0].legend(fontsize="x-small", markerscale=3)
        fig.suptitle(dataset)
        fig.tight_layout()
        name = f"tsne_{dataset}.png"
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        pictures[f"t-SNE of {dataset}: majority, minority and synthetic rows"] = name
    return pictures


def _pyplot():
    """matplotlib's pyplot drawing to files, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _panel_grid(plt, n: int, width: float, height: float, columns: int = 4):
    """A figure of ``n`` panels in rows of at most ``columns``; the unused
    panels are hidden. Returns the figure and the ``n`` axes in order."""
    n_cols = min(n, columns)
    n_rows = -(-n // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(width * n_cols, height * n_rows), squeeze=False
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _subsample(frame: pd.DataFrame, n: int, rng) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]


# -- rendering ---------------------------------------------------------------------
def _render_markdown(sections) -> str:
    lines = []
    for i, section in enumerate(sections):
        lines += [("# " if i == 0 else "## ") + section.title, ""]
        if section.text:
            lines += [section.text, ""]
        for caption, table, bold in section.tables:
            if caption:
                lines += [f"*{caption}*", ""]
            lines += [*_markdown_table(table, bold), ""]
        for caption, name in section.images:
            lines += [f"![{caption}]({name})", ""]
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame, bold) -> list[str]:
    header = ["", *[str(c) for c in table.columns]]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        cells = []
        for column, value in row.items():
            text = str(value).replace("|", "/")
            if bold is not None and bool(bold.loc[index, column]):
                text = f"**{text}**"
            cells.append(text)
        rows.append("| " + " | ".join([str(index), *cells]) + " |")
    return rows


def _render_html(sections, out: Path) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(sections[0].title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}"
        ".caption{font-style:italic;margin-bottom:0}"
        "img{max-width:100%;height:auto}"
        "nav ul{columns:2}</style></head><body>",
    ]
    contents = "".join(
        f"<li><a href='#s{i}'>{html.escape(section.title)}</a></li>"
        for i, section in enumerate(sections)
        if i > 0
    )
    for i, section in enumerate(sections):
        tag = "h1" if i == 0 else "h2"
        parts.append(f"<{tag} id='s{i}'>{html.escape(section.title)}</{tag}>")
        if i == 0:
            parts.append(f"<nav><b>Contents</b><ul>{contents}</ul></nav>")
        if section.text:
            for paragraph in section.text.split("\n\n"):
                parts.append(f"<p>{_inline_html(paragraph)}</p>")
        for caption, table, bold in section.tables:
            parts.append(_html_table(caption, table, bold))
        for caption, name in section.images:
            encoded = base64.b64encode((out / name).read_bytes()).decode()
            parts.append(
                f"<figure><img src='data:image/png;base64,{encoded}' "
                f"alt='{html.escape(caption)}'><figcaption>"
                f"{html.escape(caption)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(caption, table: pd.DataFrame, bold) -> str:
    rows = [f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""]
    rows.append("<table><tr><th></th>")
    rows += [f"<th>{html.escape(str(c))}</th>" for c in table.columns]
    rows.append("</tr>")
    for index, row in table.iterrows():
        rows.append(f"<tr><th>{html.escape(str(index))}</th>")
        for column, value in row.items():
            text = _inline_html(str(value))
            if bold is not None and bool(bold.loc[index, column]):
                text = f"<b>{text}</b>"
            rows.append(f"<td>{text}</td>")
        rows.append("</tr>")
    rows.append("</table>")
    return "".join(rows)


def _inline_html(text: str) -> str:
    """Escaped text with the only markdown our texts use: **bold**, `code`."""
    text = html.escape(text)
    for mark, tag in (("**", "b"), ("`", "code")):
        while text.count(mark) >= 2:
            text = text.replace(mark, f"<{tag}>", 1).replace(mark, f"</{tag}>", 1)
    return text
