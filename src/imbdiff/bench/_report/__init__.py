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
- a paper's published values beside ours, where the suite names them
  (its ``[published]`` table);
- failed cells and their errors.

The package's parts: ``_statistics`` (means, ranks, tests), ``_sections``
(each section's text and tables), ``_paper`` (published values),
``_figures`` and ``_regions`` (pictures, region composition) and
``_render`` (the templates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .._engine import BENCH_RESULT_COLUMNS, one_per_grid_cell
from .._store import Store
from .._suite import Suite, grid_hash
from .._suite_file import shipped_published
from ._figures import first_cells, mapped_datasets, pictures, pyplot, tsne_picture
from ._paper import published_section
from ._regions import region_rows, region_section
from ._render import render_html, render_markdown
from ._sections import (
    MAIN_METRICS,
    Section,
    budgets_section,
    distance_section,
    failures_section,
    memorisation_section,
    metric_sections,
    runs_section,
    summary_section,
    time_section,
)
from ._statistics import (
    average_ranks,
    critical_difference,
    friedman,
    over_classifiers,
    rank_tests,
)

__all__ = [
    "average_ranks",
    "critical_difference",
    "friedman",
    "over_classifiers",
    "rank_tests",
    "report",
]

#: Columns of ``results.csv.gz``: one row per cell, classifier and metric,
#: those of :func:`imbdiff.bench.results` with the cell's key and the
#: version of imbdiff that wrote it.
_EXPORT_COLUMNS = ("cell", *BENCH_RESULT_COLUMNS, "version")

_PICTURES_TEXT = (
    "G-mean (TPR x TNR) bars per dataset and method (the LReDDPM "
    "paper's Figure 3) with the decision tree; the training loss of "
    "each diffusion model on the first seed and fold; per dataset a "
    "t-SNE map of the training part's majority and minority rows "
    "with each method's synthetic rows of the first seed and fold "
    "(the paper's Figure 4; at most 600 rows of each real class and "
    "300 synthetic rows per method, one map per dataset so that the "
    "panels are comparable); and the region composition of real and "
    "synthetic minority rows (Figure 5)."
)


def report(
    store: Store | str | Path, out_dir: str | Path, *, progress: bool = False
) -> dict[str, Path]:
    """Write the report of ``store`` into the folder ``out_dir``.

    Returns the written files by kind (``"markdown"``, ``"html"``,
    ``"results"``, and one entry per picture). Pictures need matplotlib
    (``imbdiff[bench]``). ``progress`` shows a bar of the report's steps (the
    region typing and t-SNE maps of each dataset are the long ones).
    """
    if not isinstance(store, Store):
        store = Store.open(store)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stored = _Stored.read(store)
    n_maps = mapped_datasets(stored.done, stored.definition)
    bar = tqdm(total=3 + 2 * n_maps, desc="report", unit="step", disable=not progress)
    with bar:
        sections, metrics = _sections(store, stored, bar)
        regions, region_pictures, maps = _maps(store, stored, out, bar)
        if regions is not None:
            sections.append(regions)
        sections.append(failures_section(stored.cells))
        drawn = pictures(stored.data, stored.done, stored.order, out)
        bar.update(1)
        drawn.update(maps)
        drawn.update(region_pictures)
        files = {}
        if drawn:
            # Right after the budgets: the pictures are the quickest read.
            images = list(drawn.items())
            sections.insert(3, Section("Pictures", _PICTURES_TEXT, images=images))
            files.update({name: out / name for name in drawn.values()})
        sections += [m for m in metrics if m.metric not in MAIN_METRICS]
        files["results"] = _export(stored, out / "results.csv.gz")
        (out / "report.md").write_text(render_markdown(sections))
        (out / "report.html").write_text(render_html(sections, out))
        files["markdown"] = out / "report.md"
        files["html"] = out / "report.html"
        bar.update(bar.total - bar.n)
        return files


@dataclass
class _Stored:
    """What a store holds for its report: its notes, the suite as last run,
    one cell per place of its grid, and their values."""

    meta: dict
    definition: dict
    grid: list[str] | None
    cells: pd.DataFrame
    values: pd.DataFrame
    order: list[str]
    #: The suite's configuration hash with this version's defaults.
    configuration: str | None = None

    @classmethod
    def read(cls, store: Store) -> _Stored:
        meta = store.meta()
        definition = json.loads(meta.get("definition", "{}"))
        # The cells of the suite as last run; older cells of edited settings
        # stay in the file but not in the report.
        suite = Suite.from_definition(definition) if definition else None
        grid = None if suite is None else [cell.grid_key for cell in suite.cells()]
        cells = one_per_grid_cell(store.cells(), grid)
        if cells.empty:
            raise ValueError(f"{store.path} holds no cell yet; run the suite first.")
        values = store.results(list(cells["cell"]))
        order = [m["label"] for m in definition.get("methods", [])] or sorted(
            cells["label"].unique()
        )
        order = [label for label in order if label in set(cells["label"])]
        configuration = None if grid is None else grid_hash(grid)
        return cls(meta, definition, grid, cells, values, order, configuration)

    @cached_property
    def done(self) -> pd.DataFrame:
        return self.cells[self.cells["status"] == "done"]

    @cached_property
    def data(self) -> pd.DataFrame:
        """The finished cells with their values, one row per value."""
        return self.done.merge(self.values, on="cell")

    @property
    def published(self) -> dict | None:
        """The suite's published values; a store written before suites
        carried them takes those of the shipped suite of its name."""
        if "published" in self.definition:
            return self.definition["published"]
        return shipped_published(self.meta.get("suite", ""))


def _sections(store: Store, stored: _Stored, bar) -> tuple[list, list]:
    """The sections up to the region composition, and every metric's section."""
    cells, order, data = stored.cells, stored.order, stored.data
    grid = None if stored.grid is None else len(stored.grid)
    sections = [
        summary_section(cells, stored.meta, stored.definition, grid=grid),
        runs_section(store.runs(), stored.configuration),
        budgets_section(cells, order, stored.definition),
    ]
    metrics = metric_sections(data, order)
    bar.update(1)
    sections += [m for m in metrics if m.metric in MAIN_METRICS]
    sections.append(distance_section(data, order))
    sections.append(memorisation_section(data, order))
    sections.append(time_section(stored.done, order))
    paper = published_section(data, order, stored.published)
    if paper is not None:
        sections.append(paper)
    return sections, metrics


def _maps(store: Store, stored: _Stored, out: Path, bar):
    """The region composition's section and picture, and the t-SNE maps:
    both from the first seed and fold, one dataset at a time (each loaded
    and split once); ``bar`` advances by two per dataset."""
    if not stored.definition:
        return None, {}, {}
    plt = pyplot()
    rows, maps = [], {}
    for mapped in first_cells(store, stored.done, stored.order, stored.definition):
        rows += region_rows(mapped)
        bar.update(1)
        if plt is not None:
            maps.update(tsne_picture(plt, mapped, out))
        bar.update(1)
    return *region_section(rows, out), maps


def _export(stored: _Stored, path: Path) -> Path:
    """Every cell's values as a gzipped CSV (see :data:`_EXPORT_COLUMNS`)."""
    export = stored.cells.merge(stored.values, on="cell", how="left")
    export = export[[*_EXPORT_COLUMNS]].sort_values(["cell", "classifier", "metric"])
    # No time stamp in the gzip header: the same store gives the same bytes.
    export.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
    return path
