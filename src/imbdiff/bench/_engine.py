"""Running a suite's cells, locally or on a Dask cluster, into a store."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator, Sequence

import pandas as pd
from tqdm.auto import tqdm

from ._cell import SAMPLER_METRICS, run_cell, split
from ._claims import Claims
from ._ctrl_c import CtrlC as _CtrlC
from ._dispatch import in_processes, on_dask
from ._run_record import count_cell, finish_run_record, machine, new_run_record
from ._store import Store, now_iso
from ._suite import Cell, Suite, _stable, grid_key_of
from ._suite_file import load_suite

# SAMPLER_METRICS, run_cell, split and machine are re-exported: the package
# and the report import them from here.
__all__ = ["SAMPLER_METRICS", "machine", "run", "run_cell", "split"]

#: Columns of :func:`results`, in order.
BENCH_RESULT_COLUMNS = (
    "dataset",
    "method",
    "label",
    "seed",
    "fold",
    "status",
    "classifier",
    "metric",
    "value",
    "fit_seconds",
    "sample_seconds",
    "total_seconds",
    "n_synthetic",
    "error",
)

_BACKENDS = ("joblib", "dask")


def run(
    suite: Suite | str,
    store: Store | str | os.PathLike,
    *,
    jobs: int = 1,
    backend: str = "joblib",
    scheduler=None,
    threads: int = 1,
    claim_expiry: float = 120.0,
    progress: bool = False,
    cells: Sequence[Cell] | None = None,
    command: str | None = None,
    model_cache: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Run every cell of ``suite`` that ``store`` does not hold yet.

    Each cell fits its sampler once on one training part and scores every
    classifier of the suite on the same resampled rows. Finished cells are
    written to the store one by one, as they arrive, so an interrupted run
    resumes where it stopped; a cell that raises is stored as failed with its
    error and the run goes on.

    Several runs (processes, machines sharing a file system) may work on one
    store at once and share the grid: a run claims each cell just before it
    starts it and renews its claims every quarter of ``claim_expiry`` while
    it works, however long a cell takes; other runs skip a claimed cell, and
    take it over once its claim has gone unrenewed for ``claim_expiry``
    seconds (its run was killed). A run ends when every selected cell is
    done, or failed since it started.

    Parameters
    ----------
    suite : Suite or str
        A suite (:func:`load_suite`) or a shipped suite's name or a file.
    store : Store or path
        The SQLite store; a path is opened (or created) for this suite.
    jobs : int, default=1
        Worker processes with the ``"joblib"`` backend (1 runs in this
        process).
    backend : {"joblib", "dask"}, default="joblib"
        ``"dask"`` submits the cells to a ``dask.distributed`` cluster.
    scheduler : str or distributed.Client, optional
        The Dask scheduler's address, or a client (``"dask"`` only).
    threads : int, default=1
        Torch and BLAS threads per cell, whatever ``jobs`` is. Results differ
        in their last digits between thread counts, so the count is part of
        each cell's key (as is the device type, :attr:`Method.device_type`).
    claim_expiry : float, default=120.0
        Seconds after which a claim that was not renewed lapses.
    progress : bool, default=False
        Show a progress bar of cells done, failed and remaining.
    cells : sequence of Cell, optional
        Run only these cells of the suite (:meth:`Suite.select`), for example
        one cell to check a stored result; by default every cell.
    command : str, optional
        The command line that started the run, kept in the store's record of
        runs (the CLI passes its own).
    model_cache : path, optional
        A folder where the diffusion samplers keep the networks they train
        (their ``model_cache``, unless a method sets its own), so that cells
        differing only after training (a sampler, and the same sampler
        followed by a tuned threshold) train once. It is not part of any
        cell's key: a cached network is the one training would give. With
        the ``"dask"`` backend every worker must reach the folder.

    Each call is recorded in the store (:meth:`Store.record_run`, updated
    after every cell): the command, jobs and threads, the machine (CPU,
    cores, versions of Python, torch and imbdiff), the start, the wall time,
    the cells it ran and their summed time. The report shows these records.

    Returns
    -------
    DataFrame
        The suite's cells (or the ``cells`` given) as the store holds them
        (see :func:`results`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from imbdiff.bench import parse_suite, run
    >>> suite = parse_suite('''
    ... name = "tiny"
    ... protocol = "holdout"
    ... seeds = [0]
    ... classifiers = ["decision_tree"]
    ... datasets = ["ecoli4"]
    ... [[methods]]
    ... method = "smote"
    ... ''')
    >>> store = pathlib.Path(tempfile.mkdtemp()) / "tiny.sqlite"
    >>> frame = run(suite, store)
    >>> f1 = frame.query("metric == 'f1'")
    >>> f1[["dataset", "label", "classifier"]].values.tolist()
    [['ecoli4', 'smote', 'decision_tree']]
    """
    suite, store = _open(suite, store)
    _check_options(backend, jobs, scheduler, threads, claim_expiry)
    cells = _cells_to_run(suite, cells, threads)
    if model_cache is not None:
        cells = [
            dataclasses.replace(cell, model_cache=os.fspath(model_cache))
            for cell in cells
        ]
    # A user's classifier as its key hashes it, so a report finds the cells.
    store.set_meta("definition", json.dumps(suite.definition(), default=_stable))
    started = now_iso()
    finished = store.finished()
    pending = [cell for cell in cells if cell.key not in finished]
    record = new_run_record(
        command=command,
        started=started,
        backend=backend,
        jobs=jobs,
        threads=threads,
        claim_expiry=claim_expiry,
        selected=len(cells),
        pending=len(pending),
        configuration=suite.configuration_hash(),
    )
    start = time.perf_counter()
    if pending:  # a run with nothing to do writes nothing, not even a record
        store.record_run(record)
    bar = _progress_bar(suite.name, len(cells), len(pending), progress)
    claims = Claims(store, record["id"], claim_expiry, waiting=_show_held(bar))
    with bar, claims, _CtrlC() as ctrl_c:
        for cell_batch in claims.batches(pending, since=started):
            for result in _execute(cell_batch, backend, jobs, scheduler):
                _store_result(store, record, result, start)
                _show_stored(bar, record)
                ctrl_c.check()
            # Cells other runs finished meanwhile.
            settled = store.finished(failed_since=started)
            _show_settled(bar, len(cells), pending, settled)
    if pending:
        finish_run_record(record, start)
        store.record_run(record)
    return results(suite, store, cells=cells)


def _open(suite: Suite | str, store: Store | str | os.PathLike) -> tuple[Suite, Store]:
    """The suite (loaded if named) and its store (opened if a path); a store
    of another suite is refused."""
    if isinstance(suite, str):
        suite = load_suite(suite)
    if not isinstance(store, Store):
        store = Store(store, suite=suite.name)
    elif store.suite != suite.name:
        raise ValueError(
            f"the store belongs to suite {store.suite!r}, not {suite.name!r}."
        )
    return suite, store


def _check_options(backend, jobs, scheduler, threads, claim_expiry) -> None:
    """Raise ``ValueError`` for the first option of :func:`run` out of range."""
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}; got {backend!r}.")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {jobs!r}.")
    if backend == "joblib" and scheduler is not None:
        raise ValueError("scheduler applies to the 'dask' backend only.")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}.")
    if not claim_expiry > 0:
        raise ValueError(f"claim_expiry must be > 0 seconds; got {claim_expiry!r}.")


def _cells_to_run(
    suite: Suite, cells: Sequence[Cell] | None, threads: int
) -> list[Cell]:
    """The cells a run selects, keyed for ``threads``: every cell of the
    suite, or the ``cells`` given, which must be of the suite."""
    if cells is None:
        return suite.cells(threads=threads)
    known = {cell.grid_key for cell in suite.cells()}
    strangers = [cell.key for cell in cells if cell.grid_key not in known]
    if strangers:
        raise ValueError(
            f"cells not of suite {suite.name!r}: {', '.join(strangers[:3])}."
        )
    return [dataclasses.replace(cell, threads=threads) for cell in cells]


def _store_result(store: Store, record: dict, result: dict, start: float) -> None:
    """Write a cell's result, and the run's record with the cell counted."""
    store.write(result, owner=record["id"])
    count_cell(record, result, start)
    store.record_run(record)


def _progress_bar(name: str, selected: int, pending: int, progress: bool) -> tqdm:
    """The bar of a run's cells, the finished ones already counted (hidden
    unless ``progress``)."""
    return tqdm(
        total=selected,
        initial=selected - pending,
        desc=name,
        unit="cell",
        disable=not progress,
    )


def _show_held(bar: tqdm):
    """The callback that shows how many open cells other runs hold while this
    one waits."""
    return lambda n: bar.set_postfix(held_by_other_runs=n)


def _show_stored(bar: tqdm, record: dict) -> None:
    """Count one more stored cell on the bar, with the failed and remaining."""
    bar.update(1)
    bar.set_postfix(failed=record["cells_failed"], remaining=bar.total - bar.n)


def _show_settled(
    bar: tqdm, selected: int, pending: Sequence[Cell], settled: set[str]
) -> None:
    """Set the bar to the cells settled by any run, this one or others."""
    bar.n = selected - sum(cell.key not in settled for cell in pending)
    bar.refresh()


def results(
    suite: Suite, store: Store, *, cells: Sequence[Cell] | None = None
) -> pd.DataFrame:
    """The suite's cells (or only ``cells``) in ``store`` as a tidy DataFrame.

    Without ``cells``, each place of the grid as :func:`one_per_grid_cell`
    picks it, whatever thread count or device it ran with.

    One row per (cell, classifier, metric): columns ``dataset``, ``method``
    (registry name), ``label``, ``seed``, ``fold``, ``status``, ``classifier``
    (empty for the metrics of the synthetic rows, :data:`SAMPLER_METRICS`),
    ``metric``, ``value``, the cell's ``fit_seconds``, ``sample_seconds``,
    ``total_seconds`` and ``n_synthetic``, and ``error`` (for a failed cell,
    which has one row with no metric).
    """
    if cells is None:
        # Each place of the grid, whatever thread count or device it ran with.
        grid = [cell.grid_key for cell in suite.cells()]
        keys = list(one_per_grid_cell(store.cells(), grid)["cell"])
    else:
        keys = [cell.key for cell in cells]
    stored = store.cells(keys)
    values = store.results(keys)
    merged = stored.merge(values, on="cell", how="left")
    merged["classifier"] = merged["classifier"].fillna("")
    return merged[list(BENCH_RESULT_COLUMNS)].reset_index(drop=True)


def one_per_grid_cell(cells: pd.DataFrame, grid: list[str] | None) -> pd.DataFrame:
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


def _execute(cells: Iterator[Cell], backend, jobs, scheduler) -> Iterator[dict]:
    """Run ``cells`` (claimed as they are taken from the iterator)."""
    if backend == "dask":
        yield from on_dask(run_cell, cells, scheduler)
    elif jobs == 1:
        for cell in cells:
            yield run_cell(cell)
    else:
        yield from in_processes(run_cell, cells, jobs)
