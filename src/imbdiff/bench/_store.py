"""The benchmark store: one SQLite file that finished cells are written to.

Each cell is written in one transaction as soon as it finishes, with full
synchronisation, so a run killed at any moment leaves every cell it reported
finished, no half-written cell and no corrupt file; the next run with the same
store skips them. A cell that failed is kept with its error and is tried again
by the next run.

Several runs may share a store: a run claims a cell before it starts it and
renews its claims while it works (:meth:`Store.claim`, :meth:`Store.renew`);
another run skips a cell under a live claim and takes over one whose claim
expired (its run was killed).

The store uses SQLite's rollback journal, not its write-ahead log, so that
the one ``.sqlite`` file holds every finished cell whenever no run is writing:
a store can be committed to git between two working sessions and resumed from
a fresh clone (docs/benchmark.md).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .._version import __version__

__all__ = ["SCHEMA_VERSION", "Store"]

#: Layout of the store's tables; a store of another layout is refused.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    cell TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    method TEXT NOT NULL,
    label TEXT NOT NULL,
    seed INTEGER NOT NULL,
    fold INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT,
    params TEXT NOT NULL,
    fit_seconds REAL,
    sample_seconds REAL,
    total_seconds REAL,
    n_synthetic INTEGER,
    loss_history TEXT,
    version TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    cell TEXT NOT NULL REFERENCES cells (cell),
    classifier TEXT,
    metric TEXT NOT NULL,
    value REAL
);
CREATE INDEX IF NOT EXISTS results_by_cell ON results (cell);
CREATE TABLE IF NOT EXISTS samples (
    cell TEXT PRIMARY KEY REFERENCES cells (cell),
    csv_gz BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    cell TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

#: Columns of :meth:`Store.cells`, in order.
CELL_COLUMNS = (
    "cell",
    "dataset",
    "method",
    "label",
    "seed",
    "fold",
    "status",
    "error",
    "params",
    "fit_seconds",
    "sample_seconds",
    "total_seconds",
    "n_synthetic",
    "loss_history",
    "version",
    "finished_at",
)


class Store:
    """An SQLite file holding the finished cells of one suite.

    Parameters
    ----------
    path : str or Path
        The store file; created (with its folder's existence checked) if
        missing.
    suite : str
        Name of the suite the store belongs to. A store written by another
        suite, or with another table layout, is refused, never overwritten.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> store = Store(pathlib.Path(folder) / "quick.sqlite", suite="quick")
    >>> store.finished()
    set()
    >>> Store(pathlib.Path(folder) / "quick.sqlite", suite="other")
    Traceback (most recent call last):
    ...
    ValueError: ... was written by suite 'quick', not 'other'; ...
    """

    def __init__(self, path: str | Path, *, suite: str) -> None:
        self.path = Path(path)
        self.suite = suite
        if self.path.is_dir():
            raise ValueError(f"store {self.path} is a folder; name a file.")
        if not self.path.parent.is_dir():
            raise ValueError(
                f"cannot create store {self.path}: folder {self.path.parent} "
                "does not exist."
            )
        try:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=DELETE")
                # One writer at a time: a second process opening a new store
                # waits here and then finds it complete, never half made.
                db.execute("BEGIN IMMEDIATE")
                try:
                    self._check_or_init(db)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()
        except sqlite3.DatabaseError as error:
            raise ValueError(
                f"{self.path} is not a benchmark store (SQLite says: {error})."
            ) from None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, rolls back on error, closes."""
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            with db:
                yield db
        finally:
            db.close()

    def _check_or_init(self, db: sqlite3.Connection) -> None:
        tables = {
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not tables:
            # Statement by statement: executescript would commit on its own.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("suite", self.suite),
                    ("created_by", __version__),
                ],
            )
            return
        if "meta" not in tables:
            raise ValueError(
                f"{self.path} is an SQLite file but not a benchmark store; "
                "name another file."
            )
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise ValueError(
                f"{self.path} has store layout {meta.get('schema_version')!r} "
                f"(written by imbdiff {meta.get('created_by')}); this imbdiff "
                f"reads layout {SCHEMA_VERSION}. Use a new store file."
            )
        if meta.get("suite") != self.suite:
            raise ValueError(
                f"{self.path} was written by suite {meta.get('suite')!r}, not "
                f"{self.suite!r}; give this suite its own store file."
            )
        # Stores made before runs could share them have no claims yet.
        db.execute(
            "CREATE TABLE IF NOT EXISTS claims (cell TEXT PRIMARY KEY, "
            "owner TEXT NOT NULL, expires REAL NOT NULL)"
        )

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """An existing store, whatever its suite (for reading, as a report does)."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no store at {path}.")
        try:
            with contextlib.closing(sqlite3.connect(path)) as db:
                query = "SELECT value FROM meta WHERE key = 'suite'"
                row = db.execute(query).fetchone()
        except sqlite3.DatabaseError as error:
            raise ValueError(
                f"{path} is not a benchmark store (SQLite says: {error})."
            ) from None
        if row is None:
            raise ValueError(f"{path} is not a benchmark store (it names no suite).")
        return cls(path, suite=row[0])

    def meta(self) -> dict[str, str]:
        """The store's key-value notes (layout, suite, its definition)."""
        with self._connect() as db:
            return dict(db.execute("SELECT key, value FROM meta"))

    def set_meta(self, key: str, value: str) -> None:
        """Record a note, replacing the one of the same key."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )

    def runs(self) -> list[dict]:
        """The runs that wrote this store, oldest first (see :meth:`record_run`)."""
        return json.loads(self.meta().get("runs", "[]"))

    def record_run(self, run: dict) -> None:
        """Add the run ``run`` (a dict with an ``"id"``) to the store's list of
        runs, or replace the entry of the same id.

        Read and write happen in one transaction, so two processes running
        into the same store never lose each other's entries.
        """
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM meta WHERE key = 'runs'").fetchone()
            runs = json.loads(row[0] if row else "[]")
            runs = [r for r in runs if r["id"] != run["id"]]
            runs.append(run)
            runs.sort(key=lambda r: r.get("started_at", ""))
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('runs', ?)",
                (json.dumps(runs),),
            )

    # -- claims --------------------------------------------------------------------
    def claim(
        self, key: str, owner: str, expiry: float, *, failed_since: str | None = None
    ) -> bool:
        """Claim cell ``key`` for the run ``owner`` for ``expiry`` seconds.

        True if the claim is ``owner``'s now; False if the cell is done (or
        failed at or after ``failed_since``, see :meth:`finished`) or another
        run holds a live claim on it. Check and claim happen in one
        transaction, so two runs never both win one cell.

        Claims expire by the clock of each machine: runs on several machines
        need clocks that agree to well within the expiry.
        """
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            settled = db.execute(
                f"SELECT 1 FROM cells WHERE cell = ? AND {_SETTLED}",
                (key, failed_since or "~"),
            ).fetchone()
            if settled is not None:
                return False
            now = time.time()
            held = db.execute(
                "SELECT owner, expires FROM claims WHERE cell = ?", (key,)
            ).fetchone()
            if held is not None and held[0] != owner and held[1] > now:
                return False
            db.execute(
                "INSERT OR REPLACE INTO claims (cell, owner, expires) VALUES (?, ?, ?)",
                (key, owner, now + expiry),
            )
            return True

    def renew(self, owner: str, expiry: float) -> int:
        """Extend every claim of ``owner`` to ``expiry`` seconds from now;
        return how many it holds."""
        with self._connect() as db:
            return db.execute(
                "UPDATE claims SET expires = ? WHERE owner = ?",
                (time.time() + expiry, owner),
            ).rowcount

    def release(self, owner: str) -> None:
        """Drop every claim of ``owner`` (its run is over)."""
        with self._connect() as db:
            db.execute("DELETE FROM claims WHERE owner = ?", (owner,))

    def claimed(self, *, excluding: str | None = None) -> set[str]:
        """Keys of the cells under a live claim (not ``excluding``'s)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT cell FROM claims WHERE expires > ? AND owner IS NOT ?",
                (time.time(), excluding),
            )
            return {row[0] for row in rows}

    # -- reading -------------------------------------------------------------------
    def finished(self, *, failed_since: str | None = None) -> set[str]:
        """Keys of the cells stored as done, and of those stored as failed at
        or after the time ``failed_since`` (ISO 8601, UTC), if given."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT cell FROM cells WHERE {_SETTLED}", (failed_since or "~",)
            )
            return {row[0] for row in rows}

    def cells(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per stored cell (or per cell of ``keys``), columns
        :data:`CELL_COLUMNS`."""
        with self._connect() as db:
            frame = pd.read_sql_query(
                f"SELECT {', '.join(CELL_COLUMNS)} FROM cells ORDER BY cell", db
            )
        if keys is not None:
            frame = frame[frame["cell"].isin(set(keys))]
        return frame.reset_index(drop=True)

    def results(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Metric values of the stored cells (or of ``keys``): columns ``cell``,
        ``classifier`` (empty for metrics of the sampler itself), ``metric``,
        ``value``."""
        with self._connect() as db:
            frame = pd.read_sql_query(
                "SELECT cell, classifier, metric, value FROM results "
                "ORDER BY cell, rowid",
                db,
            )
        frame["classifier"] = frame["classifier"].fillna("")
        if keys is not None:
            frame = frame[frame["cell"].isin(set(keys))]
        return frame.reset_index(drop=True)

    def samples(self, key: str) -> pd.DataFrame | None:
        """The synthetic rows kept for cell ``key`` (as CSV values), if any."""
        with self._connect() as db:
            row = db.execute(
                "SELECT csv_gz FROM samples WHERE cell = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return pd.read_csv(io.BytesIO(gzip.decompress(row[0])))

    # -- writing -------------------------------------------------------------------
    def write(self, result: dict, *, owner: str | None = None) -> None:
        """Store one finished (or failed) cell, all of it or nothing, and drop
        ``owner``'s claim on it.

        A failure never replaces a cell stored as done (a run whose claim had
        lapsed may report late).

        ``result`` holds the cell's identity (``cell``, ``dataset``,
        ``method``, ``label``, ``seed``, ``fold``), ``status``, ``error``,
        ``params`` (a dict), the timings, ``n_synthetic``, ``loss_history``
        (``{"steps": n, "losses": [...]}``, the mean loss of equal windows of
        the n training steps, or None), ``metrics`` (a list of ``(classifier, metric,
        value)``) and ``samples`` (a DataFrame or None).
        """
        key = result["cell"]
        row = {
            **{name: result.get(name) for name in CELL_COLUMNS},
            "params": json.dumps(result.get("params", {}), sort_keys=True),
            "loss_history": None
            if result.get("loss_history") is None
            else json.dumps(result["loss_history"]),
            "version": __version__,
            "finished_at": now_iso(),
        }
        with self._connect() as db:
            # One transaction: a kill between these statements leaves nothing.
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM claims WHERE cell = ? AND owner = ?", (key, owner))
            if (
                result["status"] != "done"
                and db.execute(
                    "SELECT 1 FROM cells WHERE cell = ? AND status = 'done'", (key,)
                ).fetchone()
            ):
                return
            db.execute("DELETE FROM results WHERE cell = ?", (key,))
            db.execute("DELETE FROM samples WHERE cell = ?", (key,))
            db.execute("DELETE FROM cells WHERE cell = ?", (key,))
            db.execute(
                f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CELL_COLUMNS))})",
                [row[name] for name in CELL_COLUMNS],
            )
            db.executemany(
                "INSERT INTO results (cell, classifier, metric, value) "
                "VALUES (?, ?, ?, ?)",
                [
                    (key, classifier or None, metric, _real(value))
                    for classifier, metric, value in result.get("metrics", [])
                ],
            )
            synthetic = result.get("samples")
            if synthetic is not None:
                db.execute(
                    "INSERT INTO samples (cell, csv_gz) VALUES (?, ?)",
                    (key, gzip.compress(synthetic.to_csv(index=False).encode())),
                )


#: A cell no run needs to compute: done, or failed at or after the time
#: given as the one parameter ("~" sorts after every time stamp).
_SETTLED = "(status = 'done' OR (status = 'failed' AND finished_at >= ?))"


def now_iso() -> str:
    """The time now in UTC, ISO 8601 to the microsecond (so that two time
    stamps of one second still order)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _real(value) -> float | None:
    value = float(value)
    return None if value != value else value
