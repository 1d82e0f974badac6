"""Running a suite's cells, locally or on a Dask cluster, into a store."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import signal
import sqlite3
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from tqdm.auto import tqdm

from .._runtime import available_cores, limit_threads
from .._version import __version__
from ..datasets import load_dataset
from ..evaluation import (
    ADJUSTMENTS,
    FeatureEncoder,
    holdout_split,
    js_distance,
    memorisation_summary,
    mmd,
    resample_and_score,
    wasserstein_distance,
)
from ..samplers import make_sampler
from ._store import Store, now_iso
from ._suite import Cell, Suite, device_type
from ._suite_file import load_suite

__all__ = ["SAMPLER_METRICS", "machine", "run", "run_cell"]

#: Metrics of a cell's synthetic rows themselves (stored with an empty
#: classifier): distances to the real training minority rows, and
#: memorisation against them with real held-out minority rows as reference.
SAMPLER_METRICS = (
    "js",
    "wasserstein",
    "mmd_linear",
    "mmd_rbf",
    "synthetic_dcr_median",
    "synthetic_exact_copy_share",
    "holdout_dcr_median",
    "holdout_exact_copy_share",
)

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
    if isinstance(suite, str):
        suite = load_suite(suite)
    if not isinstance(store, Store):
        store = Store(store, suite=suite.name)
    elif store.suite != suite.name:
        raise ValueError(
            f"the store belongs to suite {store.suite!r}, not {suite.name!r}."
        )
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
    if cells is None:
        cells = suite.cells(threads=threads)
    else:
        known = {cell.grid_key for cell in suite.cells()}
        strangers = [cell.key for cell in cells if cell.grid_key not in known]
        if strangers:
            raise ValueError(
                f"cells not of suite {suite.name!r}: {', '.join(strangers[:3])}."
            )
        cells = [dataclasses.replace(cell, threads=threads) for cell in cells]
    store.set_meta("definition", json.dumps(suite.definition(), default=str))
    started = now_iso()
    finished = store.finished()
    pending = [cell for cell in cells if cell.key not in finished]
    record = {
        "id": uuid.uuid4().hex,
        "command": command,
        "started_at": started,
        "backend": backend,
        "jobs": jobs,
        "threads": threads,
        "claim_expiry": claim_expiry,
        # Which process this is, so that runs sharing a store can be told apart.
        "host": platform.node(),
        "pid": os.getpid(),
        "machine": machine(),
        "cells_selected": len(cells),
        "cells_pending": len(pending),
        "cells_done": 0,
        "cells_failed": 0,
        "cell_seconds": 0.0,
        "wall_seconds": 0.0,
        "finished": False,
    }
    start = time.perf_counter()
    if pending:  # a run with nothing to do writes nothing, not even a record
        store.record_run(record)
    bar = tqdm(
        total=len(cells),
        initial=len(cells) - len(pending),
        desc=suite.name,
        unit="cell",
        disable=not progress,
    )
    claims = _Claims(
        store,
        record["id"],
        claim_expiry,
        waiting=lambda n: bar.set_postfix(held_by_other_runs=n),
    )
    with bar, claims, _CtrlC() as ctrl_c:
        for cell_batch in claims.batches(pending, since=started):
            for result in _execute(cell_batch, backend, jobs, scheduler):
                store.write(result, owner=record["id"])
                record["cells_" + result["status"]] += 1
                record["cell_seconds"] += result["cell_seconds"]
                record["wall_seconds"] = time.perf_counter() - start
                store.record_run(record)
                bar.update(1)
                bar.set_postfix(
                    failed=record["cells_failed"], remaining=bar.total - bar.n
                )
                ctrl_c.check()
            # Cells other runs finished meanwhile.
            settled = store.finished(failed_since=started)
            bar.n = len(cells) - sum(cell.key not in settled for cell in pending)
            bar.refresh()
    if pending:
        record["wall_seconds"] = time.perf_counter() - start
        record["finished"] = True
        store.record_run(record)
    return results(suite, store, cells=cells)


class _CtrlC:
    """Ctrl-C that is never lost.

    Python drops an exception raised inside a ctypes callback, and
    threadpoolctl walks the loaded libraries through one each time it limits
    threads: a Ctrl-C that lands there would vanish and the run go on. While
    the run lasts (in the main thread, where Ctrl-C would raise anyway), the
    press is also recorded, and :meth:`check`, called after every stored cell,
    raises it again.
    """

    def __enter__(self) -> _CtrlC:
        self.pressed = False
        self.previous = None
        in_main = threading.current_thread() is threading.main_thread()
        if in_main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed."""
        if self.pressed:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class _Claims:
    """The claims of one run on a store, renewed by a background thread."""

    def __init__(self, store: Store, owner: str, expiry: float, waiting) -> None:
        self.store, self.owner, self.expiry = store, owner, float(expiry)
        #: Called with the number of cells other runs hold while this one waits.
        self.waiting = waiting
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, daemon=True)

    def __enter__(self) -> _Claims:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(sqlite3.Error):
            self.store.release(self.owner)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.expiry / 4):
            # A store busy beyond its timeout misses one beat, not the run.
            with contextlib.suppress(sqlite3.Error):
                self.store.renew(self.owner, self.expiry)

    def batches(
        self, pending: Sequence[Cell], *, since: str
    ) -> Iterator[Iterator[Cell]]:
        """Rounds of cells to run. Each round yields the cells nobody has
        settled or holds, claiming each just before it is handed out; between
        rounds the run waits while other runs hold the cells still open, and
        takes over those whose claims lapse."""
        tried: set[str] = set()
        while True:
            settled = self.store.finished(failed_since=since) | tried
            open_cells = [cell for cell in pending if cell.key not in settled]
            if not open_cells:
                return
            held = self.store.claimed(excluding=self.owner)
            free = [cell for cell in open_cells if cell.key not in held]
            if free:
                yield self._claimed(free, tried, since)
            else:
                self.waiting(len(open_cells))
                time.sleep(min(5.0, self.expiry / 4))

    def _claimed(
        self, cells: Sequence[Cell], tried: set[str], since: str
    ) -> Iterator[Cell]:
        for cell in cells:
            if self.store.claim(cell.key, self.owner, self.expiry, failed_since=since):
                tried.add(cell.key)
                yield cell


def machine() -> dict[str, str | int]:
    """Where cells run: the CPU's model, its cores and the software versions."""
    import sklearn
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": available_cores(),
        "system": platform.system(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "imbdiff": __version__,
    }


def results(
    suite: Suite, store: Store, *, cells: Sequence[Cell] | None = None
) -> pd.DataFrame:
    """The suite's cells (or only ``cells``) in ``store`` as a tidy DataFrame.

    One row per (cell, classifier, metric): columns ``dataset``, ``method``
    (registry name), ``label``, ``seed``, ``fold``, ``status``, ``classifier``
    (empty for the metrics of the synthetic rows, :data:`SAMPLER_METRICS`),
    ``metric``, ``value``, the cell's ``fit_seconds``, ``sample_seconds``,
    ``total_seconds`` and ``n_synthetic``, and ``error`` (for a failed cell,
    which has one row with no metric).
    """
    keys = [cell.key for cell in (suite.cells() if cells is None else cells)]
    stored = store.cells(keys)
    values = store.results(keys)
    merged = stored.merge(values, on="cell", how="left")
    merged["classifier"] = merged["classifier"].fillna("")
    return merged[list(BENCH_RESULT_COLUMNS)].reset_index(drop=True)


def _execute(cells: Iterator[Cell], backend, jobs, scheduler) -> Iterator[dict]:
    """Run ``cells`` (claimed as they are taken from the iterator)."""
    if backend == "dask":
        from distributed import Client, as_completed

        cells = list(cells)
        if not cells:
            return
        own = not isinstance(scheduler, Client)
        client = Client(scheduler) if own else scheduler
        try:
            futures = client.map(run_cell, cells, pure=False)
            for future in as_completed(futures):
                yield future.result()
        finally:
            if own:
                client.close()
        return
    if jobs == 1:
        for cell in cells:
            yield run_cell(cell)
        return
    from joblib import Parallel, delayed

    # Dispatch one cell per free worker, no further ahead: a cell is claimed
    # when it is taken from the iterator, and other runs may want the rest.
    yield from Parallel(
        n_jobs=jobs,
        return_as="generator_unordered",
        pre_dispatch="n_jobs",
        batch_size=1,
    )(delayed(run_cell)(cell) for cell in cells)


def run_cell(cell: Cell) -> dict:
    """Fit the cell's sampler once, score every classifier; never raises.

    The cell runs with its own thread count (``cell.threads``). Returns the
    record :meth:`Store.write` takes, with ``status`` ``"failed"`` and the
    error's type, message and place when anything went wrong (a machine
    whose device type is not the cell's included).
    """
    start = time.perf_counter()
    record = {
        "cell": cell.key,
        "dataset": cell.dataset,
        "method": cell.method.method,
        "label": cell.method.label,
        "seed": cell.seed,
        "fold": cell.fold,
        "params": dict(cell.method.params),
    }
    try:
        # Computed here, not read from the cell: a Dask worker may differ.
        here = device_type(make_sampler(cell.method.method, cell.method.params))
        if here != cell.device:
            raise RuntimeError(
                f"the cell is keyed for device type {cell.device!r}, but its "
                f"sampler runs on {here!r} here; run it where the run started."
            )
        with limit_threads(cell.threads, cell.threads):
            record.update(_fit_and_score(cell))
        record["status"], record["error"] = "done", None
    except Exception as error:  # a failed cell is data, not the end of the run
        place = traceback.extract_tb(error.__traceback__)[-1]
        record["status"] = "failed"
        record["error"] = (
            f"{type(error).__name__}: {error} "
            f"({os.path.basename(place.filename)}:{place.lineno})"
        )
    # The whole cell: loading, splitting, resampling and every classifier.
    record["cell_seconds"] = time.perf_counter() - start
    return record


def split(X, y, *, protocol, test_size, split_seed, folds, seed, fold):
    """The training and test parts of one cell: ``X_train, X_test, y_train,
    y_test`` (the same cut whenever the same suite asks for it)."""
    if protocol == "holdout":
        return holdout_split(X, y, test_size=test_size, random_state=split_seed)
    cuts = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    train, test = list(cuts.split(np.zeros((len(y), 1)), y))[fold]
    return X.iloc[train], X.iloc[test], y[train], y[test]


def _fit_and_score(cell: Cell) -> dict:
    dataset = load_dataset(cell.dataset, target=cell.target)
    y = dataset.y.to_numpy()
    X_train, X_test, y_train, y_test = split(
        dataset.X,
        y,
        protocol=cell.protocol,
        test_size=cell.test_size,
        split_seed=cell.split_seed,
        folds=cell.folds,
        seed=cell.seed,
        fold=cell.fold,
    )
    minority = dataset.minority_label
    sampler, X_res, y_res, scores, total = resample_and_score(
        make_sampler(cell.method.method, cell.method.params),
        X_train,
        y_train,
        X_test,
        y_test,
        names=cell.classifiers,
        seed=cell.seed,
        pos_label=minority,
        # balanced and threshold change the classifiers instead of the rows.
        adjust=cell.method.method if cell.method.method in ADJUSTMENTS else None,
    )
    params = {} if sampler is None else _json_params(sampler.get_params(deep=False))
    n_synthetic = int(len(y_res) - len(y_train))
    metrics = [
        (name, metric, value)
        for name, values in scores.items()
        for metric, value in values.items()
    ]
    synthetic = None
    if n_synthetic > 0:
        synthetic = pd.DataFrame(X_res).iloc[len(y_train) :].reset_index(drop=True)
        real = X_train[y_train == minority].reset_index(drop=True)
        held_out = X_test[y_test == minority].reset_index(drop=True)
        # A synthetic minority row may take a category only the majority
        # shows: every value of the training part is a value of the column.
        categories = {
            column: X_train[column].astype(object).unique()
            for column in X_train.columns
            if not pd.api.types.is_numeric_dtype(X_train[column].dtype)
        }
        metrics += [
            ("", name, value)
            for name, value in _sampler_metrics(
                real, synthetic, held_out, categories
            ).items()
        ]
    history = getattr(getattr(sampler, "models_", {}).get(minority), "history", None)
    return {
        "params": params,
        "fit_seconds": getattr(sampler, "fit_seconds_", total),
        "sample_seconds": getattr(sampler, "sample_seconds_", None),
        "total_seconds": total,
        "n_synthetic": n_synthetic,
        "loss_history": None
        if history is None
        else {"steps": int(history.steps), "losses": list(history.losses)},
        "metrics": metrics,
        "samples": synthetic if cell.keep_samples else None,
    }


def _sampler_metrics(real, synthetic, held_out, categories) -> dict[str, float]:
    """Distances of the synthetic rows to the real minority, and memorisation."""
    out = {
        "js": js_distance(real, synthetic, categories=categories),
        "wasserstein": wasserstein_distance(real, synthetic, categories=categories),
        "mmd_linear": mmd(real, synthetic, kernel="linear", categories=categories),
        "mmd_rbf": mmd(real, synthetic, kernel="rbf", categories=categories),
    }
    # Memorisation in the classifiers' encoding, fitted on the real minority.
    encoder = FeatureEncoder().fit(real)
    summary = memorisation_summary(
        encoder.transform(synthetic),
        encoder.transform(real),
        encoder.transform(held_out),
    )
    out.update({k: v for k, v in summary.items() if k in SAMPLER_METRICS})
    return out


def _json_params(params: dict) -> dict:
    """Parameters as JSON can hold them (objects by their text)."""
    return json.loads(json.dumps(params, default=str))
