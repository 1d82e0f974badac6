"""imbdiff compare: the verdict on fixture stores with known answers, and a
run end to end on a CSV the project does not ship."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from imbdiff.bench import Store, compare, compare_report, compare_suite
from imbdiff.cli import main

# Ten splits (2 x 5 folds); the noise is the same for every fixture.
NOISE = np.array([0.03, -0.02, 0.01, -0.04, 0.02, 0.0, -0.01, 0.04, -0.03, 0.0])
WOBBLE = np.array([0.01, -0.01, 0.02, -0.02, 0.0, 0.01, -0.01, 0.0, 0.02, -0.02])


def _fixture_store(tmp_path, f1_by_method: dict, seconds: dict):
    """A compare store whose decision-tree F1 per split is given."""
    methods = [m for m in f1_by_method if m != "none"]
    suite = compare_suite(
        "ecoli4", methods=methods, classifiers=["decision_tree"], folds=5, repeats=2
    )
    store = Store(tmp_path / "compare.sqlite", suite=suite.name)
    for cell in suite.cells():
        f1 = float(f1_by_method[cell.method.label][cell.seed * 5 + cell.fold])
        store.write(
            {
                "cell": cell.key,
                "dataset": cell.dataset,
                "method": cell.method.method,
                "label": cell.method.label,
                "seed": cell.seed,
                "fold": cell.fold,
                "status": "done",
                "params": {},
                "fit_seconds": seconds[cell.method.label],
                "sample_seconds": 0.0,
                "total_seconds": seconds[cell.method.label],
                "n_synthetic": 0,
                "metrics": [("decision_tree", "f1", f1)],
            }
        )
    return compare_report(suite, store, tmp_path)


def test_one_method_clearly_best(tmp_path):
    base = 0.5 + NOISE
    found = _fixture_store(
        tmp_path,
        {"none": base, "smote": base + 0.2 + WOBBLE, "tabddpm": base + WOBBLE},
        {"none": 0.01, "smote": 0.1, "tabddpm": 30.0},
    )
    verdict = found.verdict
    assert verdict.best == "smote"
    assert verdict.sentence.startswith(
        "On this table smote raised F1 from 0.500 to 0.700 (+0.200, 95% interval"
    )
    assert "Within noise" not in verdict.sentence
    assert verdict.table.loc["smote", "helped"]
    assert not verdict.table.loc["tabddpm", "helped"]
    page = found.files["markdown"].read_text()
    assert page.startswith("# Which oversampler helps on ecoli4?\n\n**On this table")
    assert "| **smote** |" not in page  # the label cell is the index
    assert "| **0.700** |" in page


def test_no_method_better_than_none(tmp_path):
    base = 0.6 + NOISE
    found = _fixture_store(
        tmp_path,
        {"none": base, "smote": base - 0.01 + WOBBLE, "borderline": base - 0.2},
        {"none": 0.01, "smote": 0.1, "borderline": 0.1},
    )
    assert found.verdict.best is None
    assert found.verdict.sentence == (
        "No method helped on this table: none raised F1 above 0.600, that of no "
        "oversampling. borderline lowered it clearly."
    )


def test_within_noise_of_none(tmp_path):
    base = 0.6 + NOISE
    found = _fixture_store(
        tmp_path,
        {"none": base, "smote": base + 0.02 + 2 * WOBBLE},
        {"none": 0.01, "smote": 0.1},
    )
    assert found.verdict.sentence.startswith(
        "No method helped clearly on this table: the best, smote, changed F1 "
        "from 0.600 to 0.620 (+0.020, 95% interval"
    )
    assert found.verdict.sentence.endswith("within noise of no oversampling.")


def test_two_methods_within_noise_of_each_other(tmp_path):
    base = 0.5 + NOISE
    found = _fixture_store(
        tmp_path,
        {"none": base, "smote": base + 0.2 + WOBBLE, "semres": base + 0.21 - WOBBLE},
        {"none": 0.01, "smote": 0.2, "semres": 60.0},
    )
    verdict = found.verdict
    assert verdict.best == "semres"
    assert verdict.table.loc[["smote", "semres"], "helped"].all()
    assert verdict.sentence.endswith("Within noise of it: smote (300 times faster).")


def test_compare_end_to_end_on_a_csv_it_does_not_ship(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 120
    table = pd.DataFrame(
        {
            "amount": rng.lognormal(3, 1, n),
            "age": rng.integers(18, 90, n),
            "channel": rng.choice(["web", "shop", "phone"], n),
        }
    )
    table["fraud"] = np.where(
        (table["amount"] > 60) & (rng.random(n) < 0.8), "yes", "no"
    )
    table.loc[:15, "fraud"] = "yes"
    path = tmp_path / "claims.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = [
        "compare", str(path), "--target", "fraud", "-o", str(out),
        "--methods", "smote,tabddpm", "--classifiers", "decision_tree",
        "--folds", "2", "--repeats", "2", "--budget", "quick",
    ]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "F1" in printed
    assert f"report -> {out / 'report.md'}" in printed
    text = (out / "report.md").read_text()
    assert text.startswith("# Which oversampler helps on claims.csv?")
    for label in ("none", "smote", "tabddpm"):
        assert f"| {label} |" in text
    assert "## AUC per method and classifier" in text
    # Run again: every cell is in the store, nothing is computed anew.
    stored = Store.open(out / "compare.sqlite").cells()
    assert len(stored) == 3 * 4
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert (
        Store.open(out / "compare.sqlite")
        .cells()["finished_at"]
        .equals(stored["finished_at"])
    )


def test_compare_refuses_what_it_cannot_do(tmp_path):
    with pytest.raises(ValueError, match="budget must be 'default' or 'quick'"):
        compare("ecoli4", tmp_path, budget="fast")
    with pytest.raises(ValueError, match="a method is named twice"):
        compare_suite("ecoli4", methods=["smote", "smote"])
    with pytest.raises(ValueError, match="unknown method 'smoth'"):
        compare_suite("ecoli4", methods=["smoth"])
    with pytest.raises(ValueError, match="folds must be an integer >= 2"):
        compare_suite("ecoli4", folds=1)
    assert main(["compare", "ecoli4", "-o", str(tmp_path / "x"), "--folds", "1"]) == 1
    assert not (tmp_path / "x").exists()
    assert (
        main(["compare", "ecoli4", "-o", str(tmp_path / "x"), "--backend", "dask"]) == 1
    )
    assert not (tmp_path / "x").exists()


def test_with_threshold_tunes_each_oversamplers_classifiers(tmp_path):
    from imbdiff.bench._cell import split
    from imbdiff.datasets import load_dataset
    from imbdiff.evaluation import resample_and_score
    from imbdiff.samplers import make_sampler

    tiny = {"train_steps": 5, "n_timesteps": 10}
    found = compare(
        "ecoli4", tmp_path, methods=["smote", "tabddpm"], params={"tabddpm": tiny},
        classifiers=["logistic_regression"], folds=2, repeats=1, with_threshold=True,
    )  # fmt: skip
    labels = ["none", "smote", "tabddpm", "smote+threshold", "tabddpm+threshold"]
    assert found.verdict.table.index.tolist() == labels
    frame = found.results
    # The diffusion sampler trained once per split: its second cells loaded
    # the network and drew the very same rows.
    assert len(list((tmp_path / "models").glob("*.safetensors"))) == 2
    rows = frame[(frame["classifier"] == "") & frame["label"].str.startswith("tab")]
    by = rows.pivot_table(index=["fold", "metric"], columns="label", values="value")
    assert by["tabddpm"].equals(by["tabddpm+threshold"])
    # A +threshold cell scores the sampler's rows with a tuned threshold.
    data = load_dataset("ecoli4")
    X_train, X_test, y_train, y_test = split(
        data.X, data.y.to_numpy(), protocol="cv", test_size=0.2, split_seed=0,
        folds=2, seed=0, fold=1,
    )  # fmt: skip
    *_, scores, _ = resample_and_score(
        make_sampler("smote", {}), X_train, y_train, X_test, y_test,
        names=["logistic_regression"], seed=0,
        pos_label=data.minority_label, adjust="threshold",
    )  # fmt: skip
    f1 = frame.query("fold == 1 and classifier == 'logistic_regression'")
    f1 = f1[f1["metric"] == "f1"].set_index("label")["value"]
    assert f1["smote+threshold"] == scores["logistic_regression"]["f1"]
    assert f1["smote+threshold"] != f1["smote"]
    assert "--with-threshold" in _help("compare")


def _help(command: str) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([command, "--help"])
    return out.getvalue()


def test_a_users_own_classifier(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    from imbdiff.bench._cell import split
    from imbdiff.datasets import load_dataset
    from imbdiff.evaluation import classification_metrics, make_classifier

    mine = ("knn3", KNeighborsClassifier(3))
    found = compare(
        "ecoli4", tmp_path, methods=["smote"], classifiers=["decision_tree", mine],
        folds=2, repeats=1,
    )  # fmt: skip
    frame = found.results
    assert set(frame["classifier"]) - {""} == {"decision_tree", "knn3"}
    assert "(decision_tree, knn3)" in found.files["markdown"].read_text()
    # The stored score is the estimator's, behind the shared encoding.
    data = load_dataset("ecoli4")
    X_train, X_test, y_train, y_test = split(
        data.X, data.y.to_numpy(), protocol="cv", test_size=0.2, split_seed=0,
        folds=2, seed=0, fold=0,
    )  # fmt: skip
    clf = make_classifier(mine).fit(X_train, y_train)
    expected = classification_metrics(
        y_test,
        clf.predict(X_test),
        clf.predict_proba(X_test)[:, 1],
        pos_label=data.minority_label,
    )["f1"]
    stored = frame.query(
        "label == 'none' and fold == 0 and classifier == 'knn3' and metric == 'f1'"
    )["value"]
    assert stored.item() == expected
    # The report of the store finds every cell.
    assert main(["report", str(found.files["store"]), "-o", str(tmp_path / "r")]) == 0
    assert "knn3" in (tmp_path / "r" / "report.md").read_text()
    # Its parameters are part of the cells' keys.
    keys = {c.key for c in compare_suite("ecoli4", classifiers=[mine]).cells()}
    other = ("knn3", KNeighborsClassifier(5))
    assert not keys & {
        c.key for c in compare_suite("ecoli4", classifiers=[other]).cells()
    }
    with pytest.raises(ValueError, match="labels must be unique"):
        compare_suite("ecoli4", classifiers=[mine, mine])
    with pytest.raises(ValueError, match="is not a scikit-learn classifier"):
        compare_suite("ecoli4", classifiers=[("knn3", "KNN")])
    from sklearn.ensemble import RandomForestClassifier

    seeded = ("rf", RandomForestClassifier(random_state=np.random.RandomState(0)))
    with pytest.raises(ValueError, match="known only by its memory address"):
        compare_suite("ecoli4", classifiers=[seeded])
    with pytest.raises(ValueError, match="needs an oversampler among the methods"):
        compare_suite("ecoli4", methods=["threshold"], with_threshold=True)
    with pytest.raises(ValueError, match="a name or a \\(label, estimator\\) pair"):
        compare_suite("ecoli4", classifiers=[KNeighborsClassifier()])


def test_cells_run_split_by_split():
    from imbdiff.bench._compare import _split_by_split

    suite = compare_suite(
        "ecoli4", methods=["smote", "tabddpm"], folds=2, repeats=2, with_threshold=True
    )
    order = [(c.method.label, c.seed, c.fold) for c in _split_by_split(suite)]
    assert sorted(order) == sorted(
        (c.method.label, c.seed, c.fold) for c in suite.cells()
    )
    # Every method of a split together, the first split first ...
    assert order[:3] == [("none", 0, 0), ("smote", 0, 0), ("tabddpm", 0, 0)]
    # ... and a +threshold cell two splits on, the last two splits' at the end.
    first = order.index(("tabddpm+threshold", 0, 0))
    assert order.index(("tabddpm", 1, 0)) < first < order.index(("none", 1, 1))
    tail = [c for c in order if c[0].endswith("+threshold") and c[1] == 1]
    assert order[-len(tail) :] == tail


def test_a_table_with_an_identifier_column(tmp_path):
    rng = np.random.default_rng(1)
    n = 90
    table = pd.DataFrame(
        {
            "customer": [f"c{i:03d}" for i in range(n)],
            "amount": rng.lognormal(3, 1, n),
            "region": rng.integers(1, 4, n),
        }
    )
    table["fraud"] = np.where(rng.random(n) < 0.25, "yes", "no")
    path = tmp_path / "claims.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = [
        "compare", str(path), "--target", "fraud", "-o", str(out),
        "--methods", "smote", "--classifiers", "decision_tree",
        "--folds", "2", "--repeats", "1", "--quiet",
    ]  # fmt: skip
    # The error names the options of this command that mend it ...
    with pytest.raises(ValueError, match="--drop customer"):
        compare_suite(path, target="fraud")
    assert main(argv) == 1
    # ... and they do.
    assert main([*argv, "--drop", "customer", "--categorical", "region"]) == 0
    suite = compare_suite(
        path, target="fraud", drop=["customer"], categorical=["region"],
        methods=["smote"], classifiers=["decision_tree"], folds=2, repeats=1,
    )  # fmt: skip
    assert suite.reading == {
        str(path): {"drop": ["customer"], "categorical": ["region"]}
    }
    stored = Store.open(out / "compare.sqlite").cells()
    assert sorted(stored["cell"]) == sorted(c.key for c in suite.cells())
    # In any order, the same columns are the same cells.
    again = compare_suite(
        path, target="fraud", drop=["customer"], categorical=["region", "region"],
        methods=["smote"], classifiers=["decision_tree"], folds=2, repeats=1,
    )  # fmt: skip
    assert [c.key for c in again.cells()] == [c.key for c in suite.cells()]
    # How the file is read is part of the cells' keys.
    plain = compare_suite(
        path, target="fraud", drop=["customer"],
        methods=["smote"], classifiers=["decision_tree"], folds=2, repeats=1,
    )  # fmt: skip
    assert not {c.key for c in plain.cells()} & set(stored["cell"])
    assert main(["report", str(out / "compare.sqlite"), "-o", str(tmp_path / "r")]) == 0


class _Broken(ClassifierMixin, BaseEstimator):
    """A classifier whose every fit fails."""

    def fit(self, X, y):
        raise RuntimeError("this classifier cannot be trained")

    def predict(self, X):  # pragma: no cover - never fitted
        return np.zeros(len(X))


def test_what_cannot_be_compared_says_why(tmp_path):
    table = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0] * 10, "y": [0, 0, 0, 1] * 10})
    table.to_csv(tmp_path / "gaps.csv", index=False)
    with pytest.raises(ValueError, match=r"'x' of gaps\.csv has 10 missing value"):
        compare(tmp_path / "gaps.csv", tmp_path / "out", target="y")
    assert not (tmp_path / "out").exists()
    table["y"] = [0, 1, 2, 0] * 10
    table["x"] = 1.0
    table.to_csv(tmp_path / "three.csv", index=False)
    with pytest.raises(ValueError, match=r"two classes; three\.csv has 3 \(0, 1, 2\)"):
        compare(tmp_path / "three.csv", tmp_path / "out", target="y")
    assert not (tmp_path / "out").exists()
    # When every cell fails, the first error is the answer.
    with pytest.raises(ValueError, match=r"every cell failed.*cannot be trained"):
        compare(
            "ecoli4", tmp_path / "out", methods=["smote"], folds=2, repeats=1,
            classifiers=[("broken", _Broken())],
        )  # fmt: skip


def test_compare_with_two_threads_per_cell(tmp_path):
    found = compare(
        "ecoli4", tmp_path, methods=["smote"], classifiers=["decision_tree"],
        folds=2, repeats=1, threads=2,
    )  # fmt: skip
    assert found.verdict.table.index.tolist() == ["none", "smote"]
    keys = Store.open(found.files["store"]).cells()["cell"]
    assert all("|t2|" in key for key in keys)
