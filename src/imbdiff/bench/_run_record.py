"""The record each run keeps in its store: options, machine, cells and times."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
import uuid
from pathlib import Path

from .._runtime import available_cores
from .._version import __version__

__all__ = [
    "count_cell",
    "finish_run_record",
    "machine",
    "new_run_record",
    "source_commit",
]


def new_run_record(
    *,
    command: str | None,
    started: str,
    backend: str,
    jobs: int,
    threads: int,
    claim_expiry: float,
    selected: int,
    pending: int,
    configuration: str | None = None,
) -> dict:
    """The record of a run as it starts (:meth:`Store.record_run` keeps it),
    under a new id. ``configuration`` is the suite's
    :meth:`~imbdiff.bench.Suite.configuration_hash`."""
    return {
        "id": uuid.uuid4().hex,
        "command": command,
        "configuration": configuration,
        "started_at": started,
        "backend": backend,
        "jobs": jobs,
        "threads": threads,
        "claim_expiry": claim_expiry,
        # Which process this is, so that runs sharing a store can be told apart.
        "host": platform.node(),
        "pid": os.getpid(),
        "machine": machine(),
        "cells_selected": selected,
        "cells_pending": pending,
        "cells_done": 0,
        "cells_failed": 0,
        "cell_seconds": 0.0,
        "wall_seconds": 0.0,
        "finished": False,
    }


def count_cell(record: dict, result: dict, start: float) -> None:
    """Count a stored cell's result in the run's ``record``; ``start`` is the
    run's :func:`time.perf_counter` at its start."""
    record["cells_" + result["status"]] += 1
    record["cell_seconds"] += result["cell_seconds"]
    record["wall_seconds"] = time.perf_counter() - start


def finish_run_record(record: dict, start: float) -> None:
    """Mark the run's ``record`` finished, with its wall time since ``start``."""
    record["wall_seconds"] = time.perf_counter() - start
    record["finished"] = True


def machine() -> dict[str, str | int]:
    """Where cells run: the CPU's model, its cores and the software versions
    (imbdiff's with its git commit when it runs from a checkout)."""
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
        **({"commit": commit} if (commit := source_commit()) else {}),
    }


def source_commit(package: Path | None = None) -> str | None:
    """The git commit of the checkout imbdiff runs from, with ``+changes``
    when its files differ from that commit (new files included); None when
    it does not run from a checkout of its own (an installed wheel, even
    inside some other project's repository) or git is missing.

    ``package`` is imbdiff's folder (the one that holds ``_version.py``);
    by default, the one this module was imported from.
    """
    package = Path(__file__).resolve().parents[1] if package is None else package
    # GIT_DIR and friends would point git at another repository.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        # A wheel in a project's ignored virtual environment sits inside
        # that project's checkout: only a tracked _version.py is ours.
        _git(package, environment, "ls-files", "--error-unmatch", "_version.py")
        head = _git(package, environment, "rev-parse", "HEAD")
        changed = _git(package, environment, "status", "--porcelain", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if changed else "")


def _git(folder: Path, environment: dict, *args: str) -> str:
    """``git ARGS`` run in ``folder``: its output, stripped; raises
    ``CalledProcessError`` outside a checkout."""
    done = subprocess.run(
        ["git", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    return done.stdout.strip()
