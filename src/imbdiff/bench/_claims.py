"""A run's claims on the cells of a shared store, renewed while it works."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence

from ._store import Store
from ._suite import Cell

__all__ = ["Claims"]


class Claims:
    """The claims of one run on a store, renewed by a background thread."""

    def __init__(self, store: Store, owner: str, expiry: float, waiting) -> None:
        self.store, self.owner, self.expiry = store, owner, float(expiry)
        #: Called with the number of cells other runs hold while this one waits.
        self.waiting = waiting
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, daemon=True)

    def __enter__(self) -> Claims:
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
