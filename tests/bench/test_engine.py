import contextlib
import os
import signal
import subprocess
import time

import pandas as pd
import pytest

from imbdiff.bench import SAMPLER_METRICS, Store, parse_suite, run
from imbdiff.cli import main
from imbdiff.evaluation import METRIC_NAMES

KEYS = ["dataset", "label", "seed", "fold", "classifier", "metric"]


def _values(frame):
    return frame.sort_values(KEYS).reset_index(drop=True)[[*KEYS, "value"]]


def test_run_scores_every_cell_and_resumes(tiny_suite_text, tmp_path, monkeypatch):
    suite = parse_suite(tiny_suite_text)
    store = tmp_path / "tiny.sqlite"
    frame = run(suite, store)
    assert (frame["status"] == "done").all()
    cells = frame.drop_duplicates(["dataset", "label", "seed", "fold"])
    assert len(cells) == 12
    tabddpm = frame[frame["label"] == "tabddpm"]
    assert set(tabddpm["metric"]) == set(METRIC_NAMES) | set(SAMPLER_METRICS)
    assert set(frame.loc[frame["label"] == "none", "metric"]) == set(METRIC_NAMES)
    assert (tabddpm["fit_seconds"] > 0).all()
    assert (tabddpm["sample_seconds"] > 0).all()
    assert (frame.loc[frame["label"] == "none", "n_synthetic"] == 0).all()
    assert (frame.loc[frame["label"] == "smote", "n_synthetic"] > 0).all()
    # Kept samples: the first seed's synthetic rows, with the data's columns.
    kept = [c for c in suite.cells() if c.keep_samples and c.method.label == "smote"]
    first = kept[0]
    assert len(Store(store, suite="tiny").samples(first.key)) > 0

    # A second run finds every cell finished and fits nothing.
    from imbdiff.bench import _engine

    def no_fit(*args, **kwargs):
        raise AssertionError("a finished cell ran again")

    monkeypatch.setattr(_engine, "run_cell", no_fit)
    pd.testing.assert_frame_equal(_values(run(suite, store)), _values(frame))
    # Only the run that ran cells is on record.
    (record,) = Store(store, suite="tiny").runs()
    assert record["cells_done"] == 12


def test_a_failing_cell_is_stored_and_the_run_goes_on(tiny_suite_text, tmp_path):
    # glass4's training part has 10 minority rows: SMOTE with 20 neighbours fails.
    suite = parse_suite(tiny_suite_text.replace("k_neighbors = 3", "k_neighbors = 20"))
    frame = run(suite, tmp_path / "s.sqlite")
    failed = frame[frame["status"] == "failed"]
    assert set(failed["label"]) == {"smote"}
    assert failed["error"].str.contains("ValueError").all()
    assert failed["metric"].isna().all()
    done = frame[frame["status"] == "done"]
    assert set(done["label"]) == {"none", "tabddpm"}


def test_report_and_results_hold_only_the_suite_as_last_run(tiny_suite_text, tmp_path):
    from imbdiff.bench import report

    store = tmp_path / "s.sqlite"
    run(parse_suite(tiny_suite_text), store)
    shorter = tiny_suite_text.replace("train_steps = 20", "train_steps = 10")
    edited = parse_suite(shorter)
    frame = run(edited, store)
    assert len(Store(store, suite="tiny").cells()) == 12 + 4
    assert len(frame.drop_duplicates(["dataset", "label", "seed", "fold"])) == 12
    text = report(store, tmp_path / "out")["markdown"].read_text()
    assert "Cells: 12 finished, 0 failed of the grid's 12." in text
    assert "train_steps=10" in text
    assert "train_steps=20" not in text
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        run(edited, store, threads=0)


def test_store_of_another_suite_is_refused(tiny_suite_text, tmp_path):
    store = tmp_path / "s.sqlite"
    Store(store, suite="other")
    with pytest.raises(ValueError, match="written by suite 'other'"):
        run(parse_suite(tiny_suite_text), store)


def test_worker_processes_give_the_same_results(tiny_suite_text, tmp_path):
    suite = parse_suite(tiny_suite_text)
    one = run(suite, tmp_path / "one.sqlite", threads=1)
    two = run(suite, tmp_path / "two.sqlite", jobs=2, threads=1)
    pd.testing.assert_frame_equal(_values(one), _values(two))


def test_dask_cluster_gives_the_same_results(
    tiny_suite_text, tiny_suite_file, tmp_path
):
    import distributed

    suite = parse_suite(tiny_suite_text)
    local = run(suite, tmp_path / "local.sqlite", threads=1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run(suite, tmp_path / "dask.sqlite", backend="dask", scheduler=client)
        # The command line reaches the same cluster by its address.
        store = tmp_path / "cli.sqlite"
        argv = ["bench", "--suite", str(tiny_suite_file), "--store", str(store)]
        address = ["--backend", "dask", "--scheduler", cluster.scheduler_address]
        assert main([*argv, *address, "--threads", "1"]) == 0
    pd.testing.assert_frame_equal(_values(local), _values(on_dask))
    pd.testing.assert_frame_equal(_values(run(suite, store)), _values(local))


def test_killed_run_resumes_without_loss_or_duplicates(
    tiny_suite_file, tmp_path, bench_command
):
    store = tmp_path / "killed.sqlite"
    command = bench_command(tiny_suite_file, store, "--claim-expiry", "1")
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    total = 12
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline:
            if store.exists():
                done = len(Store(store, suite="tiny").finished())
                if done >= 1:
                    break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    after_kill = Store(store, suite="tiny").finished()
    assert 1 <= len(after_kill) < total, "the kill must land mid-grid"

    killed = Store(store, suite="tiny").runs()
    assert len(killed) == 1
    assert not killed[0]["finished"]
    assert killed[0]["cells_done"] <= len(after_kill)

    suite = parse_suite(tiny_suite_file.read_text())
    resumed = run(suite, store, threads=1)
    runs = Store(store, suite="tiny").runs()
    assert [r["finished"] for r in runs] == [False, True]
    assert runs[1]["cells_done"] == total - len(after_kill)
    cells = Store(store, suite="tiny").cells()
    assert len(cells) == total
    assert cells["cell"].is_unique
    assert after_kill <= set(cells["cell"])
    fresh = run(suite, tmp_path / "fresh.sqlite", threads=1)
    pd.testing.assert_frame_equal(_values(resumed), _values(fresh))


def test_ctrl_c_stops_the_run_and_says_how_to_go_on(
    tiny_suite_file, tmp_path, bench_command
):
    store = tmp_path / "interrupted.sqlite"
    command = bench_command(tiny_suite_file, store, "--claim-expiry", "1")
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if store.exists() and Store(store, suite="tiny").finished():
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Run the same command again to go on" in err
    assert len(Store(store, suite="tiny").finished()) < 12


def test_one_cell_reruns_alone_and_prints_the_stored_scores(
    tiny_suite_text, tiny_suite_file, tmp_path, capsys
):
    full = run(parse_suite(tiny_suite_text), tmp_path / "full.sqlite", threads=1)
    store = tmp_path / "one.sqlite"
    argv = ["bench", "--suite", str(tiny_suite_file), "--store", str(store)]
    one = ["--dataset", "glass4", "--method", "tabddpm", "--seed", "1"]
    assert main([*argv, *one, "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 cells done, 0 failed (part of 12)" in out
    expected = full[
        (full["dataset"] == "glass4")
        & (full["label"] == "tabddpm")
        & (full["seed"] == 1)
        & (full["classifier"] == "decision_tree")
    ].set_index("metric")["value"]
    line = next(row for row in out.splitlines() if "decision_tree" in row)
    printed = [float(v) for v in line.split()[-3:]]
    assert printed == pytest.approx(
        [expected["f1"], expected["gmean"], expected["auc"]], abs=5e-7
    )
    cells = Store(store, suite="tiny").cells()
    assert cells[["dataset", "label", "seed"]].values.tolist() == [
        ["glass4", "tabddpm", 1]
    ]
    (record,) = Store(store, suite="tiny").runs()
    assert record["command"].endswith("--seed 1 --threads 1")
    assert record["cells_done"] == 1
    assert record["finished"]
    assert record["cell_seconds"] > 0
    assert record["wall_seconds"] > 0
    assert record["threads"] == 1
    assert {"cpu", "cores", "torch", "imbdiff"} <= set(record["machine"])
    # The configuration the run ran, whatever cells it selected.
    assert record["configuration"] == parse_suite(tiny_suite_text).configuration_hash()

    # In Python: run() of a selection returns the selected cells only.
    suite = parse_suite(tiny_suite_text)
    glass4 = suite.select(datasets=["glass4"], seeds=[0])
    part = run(suite, tmp_path / "part.sqlite", cells=glass4, threads=1)
    assert set(part["dataset"]) == {"glass4"}

    # Lists and repeats select several cells; an unknown value is an error.
    assert main([*argv, "--method", "none,smote", "--seed", "0", "--seed", "1"]) == 0
    assert len(Store(store, suite="tiny").cells()) == 1 + 8
    assert main([*argv, "--seed", "7"]) == 1
    assert "has no seed 7; its seeds: 0, 1" in capsys.readouterr().err
    assert main([*argv, "--seed", "x"]) == 1


def test_cells_are_keyed_by_thread_count_and_device(tiny_suite_text, tmp_path):
    from imbdiff.bench import report

    suite = parse_suite(tiny_suite_text)
    one = suite.select(datasets=["ecoli4"], methods=["smote"], seeds=[0])
    store = tmp_path / "threads.sqlite"
    run(suite, store, cells=one, jobs=2)  # one thread per cell, whatever jobs is
    run(suite, store, cells=one)  # the same cell: nothing to do
    run(suite, store, cells=one, threads=2)  # another cell
    keys = sorted(Store(store, suite="tiny").cells()["cell"])
    assert [key.rsplit("|", 2)[1:] for key in keys] == [["t1", "cpu"], ["t2", "cpu"]]
    assert [r["cells_done"] for r in Store(store, suite="tiny").runs()] == [1, 1]
    # The report holds one cell per place of the grid.
    export = pd.read_csv(report(store, tmp_path / "report")["results"])
    assert export["cell"].nunique() == 1


def test_a_ctrl_c_that_something_swallowed_is_raised_after_the_cell():
    from imbdiff.bench._engine import _CtrlC

    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _CtrlC() as ctrl_c:
            ctrl_c.check()  # nothing pressed
            # Dropped, as Python drops it in a ctypes callback.
            with contextlib.suppress(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
            with pytest.raises(KeyboardInterrupt):
                ctrl_c.check()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
