"""The references a user would pick instead of diffusion, through the engine."""

import pandas as pd

from imbdiff.bench import parse_suite, report, run

# With the SEMRes summary's published values, so that the report also
# averages over classifiers as that paper does.
SUITE = """\
name = "semres"
protocol = "holdout"
seeds = [0]
classifiers = ["decision_tree", "knn"]
datasets = ["ecoli4", "crg"]
published = "semres"

[[methods]]
method = "none"

[[methods]]
method = "smote"
params = { k_neighbors = 3 }

[[methods]]
method = "prowsyn"

[[methods]]
method = "balanced"

[[methods]]
method = "threshold"
"""


def test_references_pass_through_the_engine(tmp_path):
    frame = run(parse_suite(SUITE), tmp_path / "refs.sqlite")
    assert (frame["status"] == "done").all(), frame["error"].dropna().tolist()
    scored = frame[(frame["classifier"] != "") & (frame["metric"] == "f1")]
    by_method = scored.groupby("label")["classifier"].apply(set).to_dict()
    # k-NN takes no class weights: balanced has no k-NN score, not a zero.
    assert by_method["balanced"] == {"decision_tree"}
    assert by_method["threshold"] == {"decision_tree", "knn"}
    assert by_method["prowsyn"] == by_method["smote"] == {"decision_tree", "knn"}
    cells = frame.drop_duplicates(["dataset", "label"]).set_index(["dataset", "label"])
    for label in ("balanced", "threshold", "none"):
        assert (cells.xs(label, level="label")["n_synthetic"] == 0).all()
    for label in ("smote", "prowsyn"):
        assert (cells.xs(label, level="label")["n_synthetic"] > 0).all()
    # A threshold tuned for F1 changes the classifier's decisions.
    f1 = scored.set_index(["dataset", "label", "classifier"])["value"]
    assert f1.loc["crg", "threshold", "knn"] != f1.loc["crg", "none", "knn"]

    out = tmp_path / "report"
    report(tmp_path / "refs.sqlite", out)
    text = (out / "report.md").read_text()
    assert "balanced not applicable" in text
    # The averages beside the paper's are over both classifiers; balanced,
    # without a k-NN score, has none.
    assert "no average over all of them): balanced." in text
    averages = text.split("average over datasets, classifiers and folds")[1]
    lines = averages.splitlines()
    header = next(r for r in lines if r.startswith("|  |")).split(" | ")
    f1_row = next(r for r in lines if r.startswith("| f1 |")).split(" | ")
    assert f1_row[header.index("balanced")] == "-"
    assert f1_row[header.index("threshold")] != "-"
    knn_ranks = text.split("knn: average ranks")[1].splitlines()[0]
    assert "2 datasets with every method" in knn_ranks


def test_smote_uses_the_variant_the_columns_call_for():
    from imbdiff import TabularSMOTE, load_dataset

    crg = load_dataset("crg")
    numeric = crg.X.select_dtypes("number")
    nominal = crg.X.select_dtypes(exclude="number")
    for X, expected in ((crg.X, "SMOTENC"), (numeric, "SMOTE"), (nominal, "SMOTEN")):
        sampler = TabularSMOTE(random_state=0)
        X_res, y_res = sampler.fit_resample(X, crg.y)
        assert type(sampler.sampler_).__name__ == expected
        assert isinstance(X_res, pd.DataFrame)
        assert (X_res.dtypes == X.dtypes).all()
        counts = pd.Series(y_res).value_counts()
        assert counts.iloc[0] == counts.iloc[1]


def test_threshold_on_a_classifier_with_constant_scores_is_the_classifier():
    import numpy as np

    from imbdiff.evaluation import score_classifiers

    # A constant feature: every inner fit predicts one score, so there is no
    # threshold to tune; the plain classifier is what tuning would keep.
    X = np.ones((60, 2))
    y = np.array([0] * 55 + [1] * 5)
    args = (X, y, X[:10], y[50:60])
    options = {"names": ["decision_tree"], "seed": 0, "pos_label": 1}
    tuned = score_classifiers(*args, adjust="threshold", **options)
    assert tuned == score_classifiers(*args, **options)


def test_balanced_random_forest_takes_labels_that_look_like_numbers():
    import numpy as np

    from imbdiff.evaluation import score_classifiers

    # scikit-learn's forest alone fails here with class_weight="balanced".
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.array(["0"] * 60 + ["1"] * 20, dtype=object)
    X[y == "1"] += 2.0
    scores = score_classifiers(
        X, y, X, y, names=["random_forest"], seed=0, pos_label="1", adjust="balanced"
    )
    assert scores["random_forest"]["f1"] > 0.9
