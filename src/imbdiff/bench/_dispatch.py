"""Where a run's cells execute: on a Dask cluster or in worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ._suite import Cell

__all__ = ["in_processes", "on_dask"]


def on_dask(
    work: Callable[[Cell], dict], cells: Iterable[Cell], scheduler
) -> Iterator[dict]:
    """``work(cell)`` of every cell on a ``dask.distributed`` cluster, in the
    order they finish; ``scheduler`` is its address or a client (a client
    made here is closed when the cells are done)."""
    from distributed import Client, as_completed

    cells = list(cells)
    if not cells:
        return
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(work, cells, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        if own:
            client.close()


def in_processes(
    work: Callable[[Cell], dict], cells: Iterable[Cell], jobs: int
) -> Iterator[dict]:
    """``work(cell)`` of every cell in ``jobs`` worker processes (joblib), in
    the order they finish."""
    from joblib import Parallel, delayed

    # Dispatch one cell per free worker, no further ahead: a cell is claimed
    # when it is taken from the iterator, and other runs may want the rest.
    yield from Parallel(
        n_jobs=jobs,
        return_as="generator_unordered",
        pre_dispatch="n_jobs",
        batch_size=1,
    )(delayed(work)(cell) for cell in cells)
