"""The report's sections: what each says, as text and tables of text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from ._statistics import (
    copy_flags,
    mean_std,
    mean_std_cells,
    over_classifiers,
    rank_table,
)

__all__ = [
    "DISTANCES",
    "MAIN_METRICS",
    "Section",
    "budgets_section",
    "distance_section",
    "failures_section",
    "memorisation_section",
    "metric_sections",
    "runs_section",
    "summary_section",
    "time_section",
]

#: Metrics of the synthetic rows where lower is better.
DISTANCES = {
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
MAIN_METRICS = ("f1", "gmean", "auc", "gmean_pr")
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


@dataclass
class Section:
    """A titled part of the report: paragraphs, tables and pictures."""

    title: str
    text: str = ""
    #: (caption, cells, bold mask or None): cells a DataFrame of text.
    tables: list = field(default_factory=list)
    #: (caption, file name) of pictures beside the report.
    images: list = field(default_factory=list)
    #: The metric a metric's section is about ("" for the others).
    metric: str = ""


def _configuration_cell(entry: dict) -> str:
    """A run's configuration hash and the commit imbdiff ran from, as far as
    its record knows them."""
    configuration = entry.get("configuration")
    text = f"`{configuration}`" if configuration else "-"
    commit = entry.get("machine", {}).get("commit")
    if commit:
        short, changes = commit[:12], "+changes" if commit.endswith("+changes") else ""
        text += f" (`{short}`{changes})"
    return text


def _configuration_text(runs: list[dict], configuration: str | None) -> str:
    """Whether every run ran the suite's configuration (its hash: every
    cell's place in the grid, so every method's parameters with their
    defaults, the protocol, the seeds and folds, the classifiers' names);
    a sentence ending in a space, or nothing."""
    if configuration is None:
        return ""
    text = (
        "Configuration: the hash of every cell's place in the grid (each "
        "method's parameters with their defaults, the protocol, seeds, "
        "folds and classifiers); commit: the git commit imbdiff ran from "
        "(+changes: its files differed). This suite's configuration with "
        f"this version's defaults: `{configuration}`"
    )
    others = [
        str(number)
        for number, entry in enumerate(runs, start=1)
        if entry.get("configuration") != configuration
    ]
    if not others:
        return text + "; every run ran it. "
    return (
        text + f"; run(s) {', '.join(others)} ran another configuration (the "
        "grid then had other cells, or defaults differed) or predate "
        "configuration hashes. The tables show only this configuration's "
        "cells. "
    )


def _machines_text(runs: list[dict]) -> str:
    """The machines and software versions of the runs, each once."""
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
    return "; ".join(machines)


def runs_section(runs: list[dict], configuration: str | None = None) -> Section:
    """Who wrote the store: each run's command, size, cells, times and
    configuration hash, against ``configuration``, the suite's hash with the
    reporting version's defaults."""
    if not runs:
        return Section(
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
                _configuration_cell(entry),
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
            "configuration (commit)",
        ],
        index=range(1, len(rows) + 1),
    )
    wall = sum(entry["wall_seconds"] for entry in runs)
    summed = sum(entry["cell_seconds"] for entry in runs)
    return Section(
        "Runs",
        f"{len(runs)} run(s) wrote this store: {wall:.0f} s of wall time, "
        f"{summed:.0f} s of summed cell time (each cell from loading its data "
        "to its last classifier's scores). Jobs x threads: worker processes "
        "and torch/BLAS threads per cell. Machine: "
        + _machines_text(runs)
        + ". "
        + _configuration_text(runs, configuration)
        + "Run a single cell again with `imbdiff bench --suite SUITE --store "
        "NEW.sqlite --dataset D --method M --seed S [--fold F] --threads T`, T "
        "being the threads of the run that stored it (torch and BLAS sum in "
        "another order with another thread count, which can change a score); "
        "it prints the cell's scores, which results.csv.gz beside this report "
        "holds for every cell.",
        tables=[("", table, None)],
    )


def summary_section(cells, meta, definition, grid: int | None) -> Section:
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
    return Section(f"Benchmark report: {meta.get('suite')}", text)


def budgets_section(cells, order, definition=None) -> Section:
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
        if entry.get("adjust"):
            shown["then"] = f"{entry['adjust']} classifiers"
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
    return Section(
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


def metric_sections(data, order) -> list[Section]:
    sections = []
    scored = data[data["classifier"] != ""]
    for metric in [m for m in _METRIC_TITLES if m in set(scored["metric"])]:
        section = Section(f"{_METRIC_TITLES[metric]} ({metric})", metric=metric)
        for classifier in sorted(scored["classifier"].unique()):
            rows = scored[
                (scored["metric"] == metric) & (scored["classifier"] == classifier)
            ]
            means, stds = mean_std(rows, order)
            # A method with no score here did not apply to this classifier
            # (balanced with k-NN): shown as "-" and named under the ranks.
            means, stds = means.reindex(columns=order), stds.reindex(columns=order)
            cells, bold = mean_std_cells(means, stds, higher_is_better=True)
            section.tables.append((f"{classifier}: mean ± std", cells, bold))
            ranks, bold, note = rank_table(means, True)
            caption = f"{classifier}: average ranks ({note})"
            section.tables.append((caption, ranks, bold))
        if scored["classifier"].nunique() > 1:
            section.tables.append(
                _over_classifiers_ranks(scored[scored["metric"] == metric], order)
            )
        sections.append(section)
    return sections


def _over_classifiers_ranks(rows, order) -> tuple:
    """The average ranks of each dataset's mean over every classifier, as a
    captioned table (the methods without a score for some classifier left
    out, and named)."""
    means, left_out = over_classifiers(rows, order)
    ranks, bold, note = rank_table(means, True)
    if left_out:
        names = ", ".join(left_out)
        note += f"; left out, as not scored with every classifier: {names}"
    caption = (
        f"every classifier: average ranks of each dataset's mean over the "
        f"{rows['classifier'].nunique()} classifiers ({note})"
    )
    return caption, ranks, bold


def distance_section(data, order) -> Section:
    section = Section(
        "Distances of synthetic rows to the real minority",
        "Between each cell's synthetic rows and the real minority rows of its "
        "training part (lower is closer); average ranks over datasets as the "
        "LReDDPM paper's Table 2.",
    )
    rows = data[data["classifier"] == ""]
    for metric, title in DISTANCES.items():
        of_metric = rows[rows["metric"] == metric]
        if of_metric.empty:
            continue
        means, stds = mean_std(of_metric, order)
        cells, bold = mean_std_cells(means, stds, higher_is_better=False)
        section.tables.append((title, cells, bold))
        ranks, bold, note = rank_table(means, False)
        section.tables.append((f"{title}: average ranks ({note})", ranks, bold))
    return section


def memorisation_section(data, order) -> Section:
    rows = data[data["classifier"] == ""]
    section = Section(
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
        means[metric], _ = mean_std(of_metric, order)
        cells = means[metric].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
        section.tables.append((f"{title} (mean over cells)", cells, None))
    flags = copy_flags(means)
    section.text += (
        "\n\n**Flagged as copying**: " + "; ".join(flags) + "."
        if flags
        else "\n\nNo method is flagged as copying (none has 10% or more "
        "synthetic rows equal to a training row on any dataset)."
    )
    return section


def time_section(done, order) -> Section:
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
    return Section(
        "Run times",
        "Seconds to fit the sampler and generate its rows (fit_resample), mean "
        "per cell; classifiers not included.",
        tables=[("mean seconds per cell", cells, None), ("", summed, None)],
    )


def failures_section(cells) -> Section:
    failed = cells[cells["status"] == "failed"]
    if failed.empty:
        return Section("Failed cells", "None: every cell of the store finished.")
    table = failed[["dataset", "label", "seed", "fold", "error"]].rename(
        columns={"label": "method"}
    )
    return Section(
        "Failed cells",
        f"{len(failed)} cells failed; each is tried again by the next run.",
        tables=[("", table.reset_index(drop=True), None)],
    )
