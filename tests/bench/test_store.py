import sqlite3

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
