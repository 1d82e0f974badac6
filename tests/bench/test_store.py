import sqlite3
import time

import pandas as pd
import pytest

from imbdiff.bench import Store


def _record(key="d|m|abc|0|0", status="done", value=0.5):
    return {
        "cell": key,
        "dataset": "d",
        "method": "m",
        "label": "m",
        "seed": 0,
        "fold": 0,
        "status": status,
        "error": None if status == "done" else "ValueError: boom",
        "params": {"k": 1},
        "fit_seconds": 1.0,
        "sample_seconds": None,
        "total_seconds": 1.0,
        "n_synthetic": 3,
        "loss_history": [1.0, 0.5],
        "metrics": [("tree", "f1", value), ("", "js", float("nan"))],
        "samples": pd.DataFrame({"a": [1.0, 2.0]}),
    }


def test_write_read_and_replace(tmp_path):
    store = Store(tmp_path / "s.sqlite", suite="x")
    store.write(_record(status="failed"))
    assert store.finished() == set()
    # A failed cell that runs again is replaced, not duplicated.
    store.write(_record(value=0.75))
    assert store.finished() == {"d|m|abc|0|0"}
    results = store.results()
    assert results["value"].tolist()[0] == 0.75
    assert len(results) == 2
    assert results["classifier"].tolist() == ["tree", ""]
    cells = store.cells()
    assert len(cells) == 1
    assert cells.loc[0, "loss_history"] == "[1.0, 0.5]"
    pd.testing.assert_frame_equal(
        store.samples("d|m|abc|0|0"), pd.DataFrame({"a": [1.0, 2.0]})
    )


def test_store_refuses_what_it_does_not_own(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path, suite="x")
    with pytest.raises(ValueError, match="written by suite 'x', not 'y'"):
        Store(path, suite="y")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(ValueError, match="store layout '99'"):
        Store(path, suite="x")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (a)")
    db.close()
    with pytest.raises(ValueError, match="not a benchmark store"):
        Store(other, suite="x")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match="not a benchmark store"):
        Store(garbage, suite="x")
    with pytest.raises(ValueError, match="does not exist"):
        Store(tmp_path / "missing" / "s.sqlite", suite="x")


def test_a_cell_failed_since_a_run_began_is_not_claimed_again(tmp_path):
    from imbdiff.bench._store import now_iso

    store = Store(tmp_path / "s.sqlite", suite="s")
    began = now_iso()
    assert store.claim("cell", "b", 5)
    store.write(_record("cell", status="failed"), owner="b")  # after a began
    assert store.claimed() == set()
    assert not store.claim("cell", "a", 5, failed_since=began)
    # A run that begins later tries it again.
    assert store.claim("cell", "c", 5, failed_since=now_iso())


def test_a_late_write_keeps_another_runs_claim_and_a_done_cell(tmp_path):
    store = Store(tmp_path / "s.sqlite", suite="s")
    assert store.claim("cell", "a", 0.1)
    time.sleep(0.2)  # a's claim lapses; b takes the cell over
    assert store.claim("cell", "b", 60)
    store.write(_record("cell"), owner="a")  # a reports late
    assert store.claimed(excluding="a") == {"cell"}  # b's claim stands
    store.write(_record("cell", status="failed"), owner="b")
    assert store.cells()["status"].tolist() == ["done"]
    assert store.claimed() == set()


def test_claims_lapse_unless_renewed(tmp_path):
    store = Store(tmp_path / "s.sqlite", suite="s")
    assert store.claim("cell", "a", 0.3)
    assert not store.claim("cell", "b", 0.3)
    assert store.claimed(excluding="b") == {"cell"}
    assert store.claimed(excluding="a") == set()
    time.sleep(0.2)
    assert store.renew("a", 0.3) == 1
    time.sleep(0.2)
    assert not store.claim("cell", "b", 0.3)  # renewed, still a's
    time.sleep(0.4)
    assert store.claim("cell", "b", 0.3)  # lapsed: b takes it over
    store.release("b")
    assert store.claimed() == set()
