"""Was each study's suite file committed before its first cell ran?

For every suite file in ``benchmarks/studies/`` this prints the time of the
commit that added it (git) and the start of the first cell in its store
(``benchmarks/stores/<file name>.sqlite``: the earliest start of a run into
it), and whether the file came first::

    python benchmarks/studies_order.py

It exits 1 if any store holds a cell that started before its suite file was
committed, or a study has no store.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import Store

ROOT = Path(__file__).resolve().parents[1]


def committed_at(path: Path) -> pd.Timestamp:
    """When the commit that first added ``path`` was made."""
    out = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%cI", "--", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    if not out:
        raise SystemExit(f"{path} is not committed.")
    return pd.Timestamp(out[-1]).tz_convert("UTC")


def first_start(store: Path) -> pd.Timestamp | None:
    """When the first run into the store started (None: no run, no cell).

    Each run records its start; a store written before runs were recorded
    falls back to its earliest cell's finish less that cell's seconds."""
    opened = Store.open(store)
    starts = [r["started_at"] for r in opened.runs() if r.get("started_at")]
    if starts:
        return min(pd.Timestamp(s).tz_convert("UTC") for s in starts)
    cells = opened.cells()
    if cells.empty:
        return None
    finished = pd.to_datetime(cells["finished_at"], utc=True)
    started = finished - pd.to_timedelta(cells["total_seconds"].fillna(0), unit="s")
    return started.min()


def main() -> int:
    rows = []
    for suite in sorted((ROOT / "benchmarks" / "studies").glob("*.toml")):
        store = ROOT / "benchmarks" / "stores" / f"{suite.stem}.sqlite"
        added = committed_at(suite)
        start = first_start(store) if store.is_file() else None
        rows.append(
            {
                "study": suite.name,
                "suite committed (UTC)": f"{added:%Y-%m-%d %H:%M:%S}",
                "first run started (UTC)": "no run"
                if start is None
                else f"{start:%Y-%m-%d %H:%M:%S}",
                "suite first": "-" if start is None else str(bool(added < start)),
            }
        )
    table = pd.DataFrame(rows).set_index("study")
    print(markdown_table(table))
    return 0 if (table["suite first"] == "True").all() else 1


if __name__ == "__main__":
    sys.exit(main())
