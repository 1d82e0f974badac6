import pytest

from imbdiff.bench import list_suites, load_suite, parse_suite


def test_shipped_suites_load():
    assert "quick" in list_suites()
    for name in list_suites():
        suite = load_suite(name)
        assert suite.name == name
        keys = [cell.key for cell in suite.cells()]
        assert len(keys) == len(set(keys))


def test_grid_of_a_suite(tiny_suite_text):
    suite = parse_suite(tiny_suite_text)
    cells = suite.cells()
    assert len(cells) == 2 * 3 * 2
    assert {cell.fold for cell in cells} == {0}
    # Samples are kept for the first seed only.
    assert {cell.seed for cell in cells if cell.keep_samples} == {0}
    cv = parse_suite(tiny_suite_text.replace('"holdout"', '"cv"\nfolds = 3'))
    assert len(cv.cells()) == 2 * 3 * 2 * 3


def test_other_parameters_are_other_cells(tiny_suite_text):
    a = parse_suite(tiny_suite_text).cells()
    b = parse_suite(tiny_suite_text.replace("train_steps = 20", "train_steps = 30"))
    changed = {c.key for c in a} ^ {c.key for c in b.cells()}
    # Another classifier list or split changes every cell: no old result is
    # taken for a cell that would score differently.
    for old, new in (
        ('"logistic_regression"]', '"logistic_regression", "knn"]'),
        ("seeds = [0, 1]", "seeds = [0, 1]\nsplit_seed = 3"),
    ):
        edited = parse_suite(tiny_suite_text.replace(old, new)).cells()
        assert not {c.key for c in a} & {c.key for c in edited}
    assert changed
    assert all("tabddpm" in key for key in changed)


def _line(text, needle):
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message", "needle"),
    [
        ('"glass4"]', '"glass44"]', "unknown dataset 'glass44'", "glass44"),
        ('method = "smote"', 'method = "smoot"', "unknown method 'smoot'", "smoot"),
        ("k_neighbors = 3", "k = 3", "no parameter 'k'", "k = 3"),
        ('"logistic_regression"', '"logreg"', "unknown classifier", "logreg"),
        ("seeds = [0, 1]", "seeds = [0, 1]\nrepeats = 3", "unknown key", "repeats"),
        ('protocol = "holdout"', 'protocol = "bootstrap"', "protocol", "bootstrap"),
    ],
)
def test_bad_suites_fail_naming_the_line(tiny_suite_text, old, new, message, needle):
    text = tiny_suite_text.replace(old, new)
    with pytest.raises(ValueError, match=message) as info:
        parse_suite(text, where="my.toml")
    assert f"my.toml, line {_line(text, needle)}:" in str(info.value)


def test_duplicate_labels_and_bad_toml(tiny_suite_text):
    with pytest.raises(ValueError, match="labels must be unique"):
        parse_suite(tiny_suite_text + '\n[[methods]]\nmethod = "none"\n')
    with pytest.raises(ValueError, match="not valid TOML"):
        parse_suite("name = ")
    with pytest.raises(ValueError, match="no suite 'nope'"):
        load_suite("nope")


PER_DATASET = """
[[methods]]
method = "smote"
label = "smote-per-dataset"
params = { k_neighbors = 3 }
per_dataset = { glass4 = { k_neighbors = 2 } }
note = "glass4 has few minority rows."
"""


def test_per_dataset_parameters_apply_to_that_dataset_only(tiny_suite_text):
    suite = parse_suite(tiny_suite_text + PER_DATASET)
    cells = [c for c in suite.cells() if c.method.label == "smote-per-dataset"]
    params = {c.dataset: c.method.params["k_neighbors"] for c in cells}
    assert params == {"ecoli4": 3, "glass4": 2}
    # The cells of the two datasets differ by their parameters' hash too.
    assert len({c.method.fingerprint for c in cells}) == 2
    again = type(suite).from_definition(suite.definition())
    assert [c.key for c in again.cells()] == [c.key for c in suite.cells()]
    assert again.methods[-1].note == "glass4 has few minority rows."


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("glass4 = {", "yeast3 = {", "not among the suite's datasets"),
        ("k_neighbors = 2 }", "k = 2 }", "glass4: method 'smote' has no parameter 'k'"),
        ('note = "glass4', 'note = 3 #"glass4', "note must be a string"),
    ],
)
def test_bad_per_dataset_entries_name_the_line(tiny_suite_text, old, new, message):
    text = tiny_suite_text + PER_DATASET.replace(old, new)
    with pytest.raises(ValueError, match=message) as info:
        parse_suite(text, where="my.toml")
    needle = "note" if "note" in message else "per_dataset"
    assert f"my.toml, line {_line(text, needle + ' =')}:" in str(info.value)


def test_a_changed_default_makes_another_cell(monkeypatch):
    from imbdiff.bench import Method, _suite

    before = Method("smote", "s", {}).fingerprint
    real = _suite.make_sampler

    def other_default(name, params):
        return real(name, {"k_neighbors": 7, **(params or {})})

    monkeypatch.setattr(_suite, "make_sampler", other_default)
    # Same suite text, but the sampler would now run with another default.
    assert Method("smote", "s", {}).fingerprint != before


def test_the_configuration_hash_follows_parameters_and_defaults(
    tiny_suite_text, monkeypatch
):
    from imbdiff.bench import _suite

    suite = parse_suite(tiny_suite_text)
    before = suite.configuration_hash()
    assert parse_suite(tiny_suite_text).configuration_hash() == before
    # The description does not change what runs.
    described = tiny_suite_text.replace(
        "keep_samples = true", 'keep_samples = true\ndescription = "x"'
    )
    assert parse_suite(described).configuration_hash() == before
    edited = tiny_suite_text.replace("train_steps = 20", "train_steps = 30")
    assert parse_suite(edited).configuration_hash() != before
    assert (
        parse_suite(
            tiny_suite_text.replace("seeds = [0, 1]", "seeds = [0, 2]")
        ).configuration_hash()
        != before
    )

    real = _suite.make_sampler

    def other_default(name, params):
        if name == "smote":  # the suite sets k_neighbors, not this
            return real(name, {"sampling_strategy": "minority", **(params or {})})
        return real(name, params)

    monkeypatch.setattr(_suite, "make_sampler", other_default)
    # The same suite text, run by a version with another default.
    assert parse_suite(tiny_suite_text).configuration_hash() != before


def test_an_error_names_the_line_that_sets_the_key_not_one_that_mentions_it(
    tiny_suite_text,
):
    text = tiny_suite_text.replace(
        'name = "tiny"', 'name = "tiny"\ndescription = "folds of the seeds = protocol"'
    ).replace("seeds = [0, 1]", "seeds = [0, 0]")
    with pytest.raises(ValueError, match="seeds must be") as info:
        parse_suite(text, where="my.toml")
    assert "my.toml, line 4:" in str(info.value)  # not line 2, the description
    text = tiny_suite_text.replace("k_neighbors = 3", "k_neighbors = 3, k = 1")
    with pytest.raises(ValueError, match="no parameter 'k'") as info:
        parse_suite(text, where="my.toml")
    assert f"my.toml, line {_line(text, 'k = 1')}:" in str(info.value)


def test_a_key_set_by_a_table_header_is_named_by_its_line(tiny_suite_text):
    text = tiny_suite_text.replace("keep_samples = true", "[options]\nfast = true")
    with pytest.raises(ValueError, match="unknown key 'options'") as info:
        parse_suite(text, where="my.toml")
    assert f"my.toml, line {_line(text, '[options]')}:" in str(info.value)


def test_the_datasets_are_checked_before_the_group(tiny_suite_text):
    text = tiny_suite_text.replace('"glass4"]', '"glass44"]\ngroup = "x"')
    with pytest.raises(ValueError, match="unknown dataset 'glass44'"):
        parse_suite(text, where="my.toml")


ADJUSTED = """
[[methods]]
method = "smote"
label = "smote+threshold"
adjust = "threshold"
"""


def test_a_sampler_followed_by_a_classifier_adjustment(tiny_suite_text):
    suite = parse_suite(tiny_suite_text + ADJUSTED)
    plain, adjusted = (m for m in suite.methods if m.method == "smote")
    assert (plain.adjust, plain.adjustment) == (None, None)
    assert (adjusted.adjust, adjusted.adjustment) == ("threshold", "threshold")
    # Same sampler, another cell: the adjustment is part of the key.
    assert plain.fingerprint != adjusted.fingerprint
    again = type(suite).from_definition(suite.definition())
    assert again.methods[-1].adjust == "threshold"
    assert [c.key for c in again.cells()] == [c.key for c in suite.cells()]
    # Suites without one keep their definitions (and keys) as they were.
    assert "adjust" not in parse_suite(tiny_suite_text).definition()["methods"][0]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('adjust = "threshold"', 'adjust = "tuned"', "adjust must be one of"),
        ('method = "smote"', 'method = "threshold"', "resamples nothing"),
        ('method = "smote"', 'method = "none"', "resamples nothing"),
    ],
)
def test_bad_adjustments_name_the_line(tiny_suite_text, old, new, message):
    text = tiny_suite_text + ADJUSTED.replace(old, new)
    with pytest.raises(ValueError, match=message) as info:
        parse_suite(text, where="my.toml")
    assert f"my.toml, line {_line(text, 'adjust =')}:" in str(info.value)


def test_a_dataset_file_read_with_columns_dropped_and_nominal(
    tiny_suite_text, tmp_path
):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(60)],
            "x": rng.normal(size=60),
            "code": rng.integers(1, 4, 60),
            "label": [1] * 15 + [0] * 45,
        }
    )
    table.to_csv(tmp_path / "t.csv", index=False)
    entry = f'{{ path = "{tmp_path / "t.csv"}", target = "label"'
    text = tiny_suite_text.replace('"glass4"]', f'"glass4", {entry} }}]')
    with pytest.raises(ValueError, match="looks like an identifier") as info:
        parse_suite(text, where="my.toml")
    assert f"my.toml, line {_line(text, 't.csv')}:" in str(info.value)
    read = f'{entry}, drop = ["id"], categorical = ["code"] }}]'
    suite = parse_suite(tiny_suite_text.replace('"glass4"]', f'"glass4", {read}'))
    path = str(tmp_path / "t.csv")
    assert suite.reading == {path: {"drop": ["id"], "categorical": ["code"]}}
    cells = [c for c in suite.cells() if c.dataset == path]
    assert {(c.drop, c.categorical) for c in cells} == {(("id",), ("code",))}
    again = type(suite).from_definition(suite.definition())
    assert [c.key for c in again.cells()] == [c.key for c in suite.cells()]
    bad = tiny_suite_text.replace('"glass4"]', f'"glass4", {entry}, drop = "id" }}]')
    with pytest.raises(ValueError, match="drop must be a list of column names"):
        parse_suite(bad)
