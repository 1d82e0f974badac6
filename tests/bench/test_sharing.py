"""Several runs on one store share its grid; a store moves between clones."""

import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from imbdiff.bench import Store, parse_suite, run

# 48 cells of about a second each on one thread: long enough that three
# runs started together all get some.
GRID = """\
name = "shared"
protocol = "holdout"
seeds = [0, 1, 2, 3, 4, 5, 6, 7]
classifiers = ["decision_tree"]
datasets = ["ecoli4", "glass4"]

[[methods]]
method = "none"

[[methods]]
method = "smote"

[[methods]]
method = "tabddpm"
params = { train_steps = 150, n_timesteps = 50 }
"""

# One cell that runs for several seconds, several times the expiry.
SLOW = """\
name = "slow"
protocol = "holdout"
seeds = [0]
classifiers = ["decision_tree"]
datasets = ["ecoli4"]

[[methods]]
method = "tabddpm"
params = { train_steps = 4000, n_timesteps = 100 }
"""


@pytest.fixture
def runner(bench_command):
    """Start ``imbdiff bench`` on a suite file and store in the background."""

    def start(suite_file, store, expiry="2"):
        command = bench_command(suite_file, store, "--claim-expiry", expiry, "--quiet")
        return subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    return start


def _wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def _claims(store):
    with sqlite3.connect(store) as db:
        return db.execute("SELECT cell, owner FROM claims").fetchall()


def _suite_file(tmp_path, text):
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_three_runs_share_a_grid_and_compute_each_cell_once(tmp_path, runner):
    suite_file = _suite_file(tmp_path, GRID)
    store = tmp_path / "shared.sqlite"
    Store(store, suite="shared")  # made once, before the runs race for it
    runners = [runner(suite_file, store) for _ in range(3)]
    for process in runners:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    shared = Store(store, suite="shared")
    runs = shared.runs()
    assert len(runs) == 3
    assert all(r["finished"] for r in runs)
    assert all(r["cells_done"] >= 1 for r in runs), [r["cells_done"] for r in runs]
    assert sum(r["cells_done"] + r["cells_failed"] for r in runs) == 48
    assert len(shared.finished()) == 48
    assert _claims(store) == []


def test_a_killed_runs_cells_are_taken_over(tmp_path, runner):
    suite_file = _suite_file(tmp_path, GRID)
    store = tmp_path / "shared.sqlite"
    Store(store, suite="shared")
    runners = [runner(suite_file, store) for _ in range(3)]
    victim = runners[0]
    owner = _wait_for(
        lambda: next(
            (
                r["id"]
                for r in Store(store, suite="shared").runs()
                if r["pid"] == victim.pid
            ),
            None,
        )
    )
    # Kill it while it holds a claim on a cell it has not finished.
    held = _wait_for(lambda: [c for c, o in _claims(store) if o == owner])
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    for process in runners[1:]:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    shared = Store(store, suite="shared")
    assert shared.finished() >= set(held)
    assert len(shared.finished()) == 48
    runs = {r["id"]: r for r in shared.runs()}
    assert not runs[owner]["finished"]
    # Every cell the killed run did not store was finished by the others (its
    # record may lag one cell behind its store, if the kill fell in between).
    others = sum(r["cells_done"] for i, r in runs.items() if i != owner)
    assert 48 - others - runs[owner]["cells_done"] in (0, 1)


def test_a_cell_longer_than_the_expiry_keeps_its_claim(tmp_path, runner):
    suite_file = _suite_file(tmp_path, SLOW)
    store = tmp_path / "slow.sqlite"
    Store(store, suite="slow")
    first = runner(suite_file, store, expiry="2")
    _wait_for(lambda: _claims(store))
    second = runner(suite_file, store, expiry="2")
    for process in (first, second):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    runs = Store(store, suite="slow").runs()
    cell_seconds = max(r["cell_seconds"] for r in runs)
    assert cell_seconds > 4, "the cell must outlast several expiry periods"
    assert sorted(r["cells_done"] for r in runs) == [0, 1]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_committed_store_resumes_in_a_fresh_clone(tmp_path):
    def git(*args, cwd):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=cwd,
            check=True,
            capture_output=True,
        )

    first = tmp_path / "first"
    first.mkdir()
    suite = parse_suite(
        GRID.replace("seeds = [0, 1, 2, 3, 4, 5, 6, 7]", "seeds = [0, 1]")
    )
    git("init", "-q", cwd=first)
    Store(first / "shared.sqlite", suite="shared")
    # Another connection stays open all along, as another run's would: with a
    # write-ahead log the new cells would stay in a file beside the store,
    # and the committed store would lack them.
    holder = sqlite3.connect(first / "shared.sqlite")
    try:
        holder.execute("SELECT count(*) FROM cells").fetchall()
        # Half the grid in one working session, then the store is committed.
        part = suite.select(seeds=[0])
        run(suite, first / "shared.sqlite", cells=part)
        git("add", "shared.sqlite", cwd=first)
        git("commit", "-q", "-m", "store", cwd=first)
    finally:
        holder.close()
    committed = Store(first / "shared.sqlite", suite="shared").cells()

    second = tmp_path / "second"
    git("clone", "-q", str(first), str(second), cwd=tmp_path)
    run(suite, second / "shared.sqlite")
    resumed = Store(second / "shared.sqlite", suite="shared")
    runs = resumed.runs()
    assert [r["cells_pending"] for r in runs] == [len(part), 12 - len(part)]
    assert runs[-1]["cells_done"] == 12 - len(part)
    # The committed cells are the very rows written in the first folder.
    again = resumed.cells(committed["cell"])
    assert again["finished_at"].tolist() == committed["finished_at"].tolist()
    assert len(resumed.finished()) == 12
    assert not any(name.endswith("-journal") for name in os.listdir(second))
