"""The bad-input matrix: every kind of bad table, label, path or model file a
user can hand imbdiff, through the Python API and the command line.

Each case asserts what the error names (the column, the file, the path the
user gave) and, where something could be written, that nothing partial is
left behind. Inputs that are not bad (a constant column) are checked to give
the right output.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
from io import BytesIO
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from imbdiff import (
    LReDDPM,
    SEMResDDPM,
    TabDDPM,
    load_dataset,
    minority_types,
)
from imbdiff.cli import main
from imbdiff.samplers import (
    CTGANOverSampler,
    CWGANGPOverSampler,
    FinDiff,
    OneHotOverSampler,
    TVAEOverSampler,
    UncheckedModelWarning,
)

TINY = {"n_timesteps": 10, "train_steps": 5, "batch_size": 32, "random_state": 0}
FIXTURES = Path(__file__).parent / "fixtures" / "models-0.1.0"


# -- shared data -------------------------------------------------------------------
def _table(n: int = 60, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.array([0] * (n - n // 4) + [1] * (n // 4))
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(1),
            "income": rng.gamma(2.0, 20.0, n).round(2),
            "job": pd.Categorical(rng.choice(["clerk", "nurse", "pilot"], n)),
        }
    )
    return X, y


@pytest.fixture
def table():
    return _table()


@pytest.fixture
def csv_of(tmp_path):
    """Write a frame (with its label column ``y``) to a CSV file; return its path."""

    def write(frame: pd.DataFrame, y, name: str = "data.csv", **options) -> Path:
        path = tmp_path / name
        frame.assign(y=y).to_csv(path, index=False, **options)
        return path

    return write


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A tiny TabDDPM saved once; tests copy the folder before damaging it."""
    X, y = _table()
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    folder = tmp_path_factory.mktemp("saved") / "model"
    sampler.save(folder)
    return folder, sampler.sample(5, random_state=3)


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def _listing(folder: Path) -> set[str]:
    """Every entry of ``folder``, hidden temporary files included."""
    return {p.name for p in folder.iterdir()}


@pytest.fixture
def no_training(monkeypatch):
    """Make any training fail loudly: a check that must come before training
    proves it did by raising its own error instead."""

    def refuse(*args, **kwargs):
        raise AssertionError("training started before the check")

    monkeypatch.setattr("imbdiff.samplers.base.DiffusionOverSampler._fit_class", refuse)


def _resample_args(data: Path | str, out: Path, *extra) -> list[str]:
    args = ["resample", str(data), "-o", str(out), "--n-timesteps", "10"]
    args += ["--train-steps", "5"]
    if str(data).endswith(".csv"):
        args += ["--target", "y"]
    return [*args, *extra]


# -- 1. stray missing-value tokens in numeric columns ---------------------------------
@pytest.mark.parametrize(
    "token", ["", "?", "NA", "N/A", "NaN", "nan", "null", "None", "-", " ? "]
)
def test_a_missing_token_in_a_numeric_dataframe_column_is_a_named_missing_value(
    table, token
):
    X, y = table
    X = X.assign(income=X["income"].astype(str).astype(object))
    X.loc[4, "income"] = token
    with pytest.raises(
        ValueError, match=r"column 'income' has 1 missing value"
    ) as info:
        TabDDPM(**TINY).fit_resample(X, y)
    assert "SimpleImputer" in str(info.value)
    if token.strip():
        assert repr(token.strip()) in str(info.value)


def test_a_question_mark_in_a_numeric_csv_column_is_missing_not_nominal(
    table, csv_of, tmp_path, capsys
):
    X, y = table
    X = X.assign(income=X["income"].astype(object))
    X.loc[[4, 9], "income"] = "?"
    path = csv_of(X, y)
    dataset = load_dataset(path, target="y")
    assert dataset.X["income"].dtype == np.float64
    assert int(dataset.X["income"].isna().sum()) == 2
    # Region typing takes missing values: the column is numeric there too.
    types = minority_types(dataset.X, dataset.y)
    assert len(types) == (y == 1).sum()
    out = tmp_path / "out.csv"
    assert main(_resample_args(path, out)) == 1
    err = capsys.readouterr().err
    assert "column 'income' has 2 missing values" in err
    assert not out.exists()


# -- 2. identifier columns --------------------------------------------------------
def test_an_identifier_column_is_refused_by_name_in_a_dataframe(table):
    X, y = table
    X = X.assign(customer=[f"C{i:05d}" for i in range(len(X))])
    with pytest.raises(ValueError, match=r"column 'customer' looks like an identifier"):
        TabDDPM(**TINY).fit_resample(X, y)
    # Declared nominal (by name or by dtype), it is kept.
    nominal = ["job", "customer"]
    X_res, _ = TabDDPM(**TINY, categorical_features=nominal).fit_resample(X, y)
    assert set(X_res["customer"]) == set(X["customer"])
    declared = X.astype({"customer": "category"})
    X_res, _ = TabDDPM(**TINY).fit_resample(declared, y)
    assert len(X_res) > len(X)


def test_an_identifier_column_in_a_file_is_refused_with_both_ways_out(
    table, csv_of, tmp_path, capsys
):
    X, y = table
    path = csv_of(X.assign(customer=[f"C{i:05d}" for i in range(len(X))]), y)
    with pytest.raises(
        ValueError, match=r"'customer' looks like an identifier"
    ) as info:
        load_dataset(path, target="y")
    assert "--drop customer" in str(info.value)
    assert "--categorical customer" in str(info.value)
    out = tmp_path / "out.csv"
    assert main(_resample_args(path, out)) == 1
    assert "'customer' looks like an identifier" in capsys.readouterr().err
    assert not out.exists()
    assert main(_resample_args(path, out, "--drop", "customer")) == 0
    assert "customer" not in pd.read_csv(out).columns


def test_a_text_column_with_few_values_is_still_nominal(table):
    X, y = table
    X = X.assign(job=X["job"].astype(object))
    X_res, _ = TabDDPM(**TINY).fit_resample(X, y)
    assert set(X_res["job"]) <= set(X["job"])


# -- 3. repeated column names -------------------------------------------------------
def test_repeated_column_names_are_named_in_a_csv(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    rows = "\n".join(f"{i},{i * 2},{int(i % 4 == 0)}" for i in range(40))
    path.write_text("a,a,y\n" + rows + "\n")
    with pytest.raises(ValueError, match=r"repeats the column names \['a'\]"):
        load_dataset(path, target="y")
    out = tmp_path / "out.csv"
    assert main(_resample_args(path, out)) == 1
    assert f"{path} repeats the column names ['a']" in capsys.readouterr().err
    assert not out.exists()


def test_repeated_column_names_are_named_in_a_dataframe(table):
    X, y = table
    X.columns = ["a", "a", "job"]
    with pytest.raises(ValueError, match=r"repeated column names \['a'\]"):
        TabDDPM(**TINY).fit_resample(X, y)


# -- 4 and 10. damaged, edited and foreign model files ------------------------------
def test_a_saved_model_round_trips(saved_model, tmp_path):
    folder, expected = saved_model
    loaded = TabDDPM.load(folder)
    pd.testing.assert_frame_equal(loaded.sample(5, random_state=3), expected)


def test_changed_weight_bytes_are_refused(saved_model, tmp_path):
    folder = _copy(saved_model[0], tmp_path)
    weights = bytearray((folder / "weights.safetensors").read_bytes())
    weights[-3] ^= 0x55  # a byte of the last tensor; the header stays valid
    (folder / "weights.safetensors").write_bytes(bytes(weights))
    with pytest.raises(ValueError, match=r"corrupt or foreign.*does not match"):
        TabDDPM.load(folder)


def test_an_edited_config_is_refused(saved_model, tmp_path):
    folder = _copy(saved_model[0], tmp_path)
    config = json.loads((folder / "model.json").read_text())
    config["feature_dtypes"][0] = {"kind": "int64"}
    (folder / "model.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"model.json does not match its checksum"):
        TabDDPM.load(folder)


def _rewrite_consistently(folder: Path, edit) -> None:
    """Edit model.json and give it a matching checksum, as a foreign tool that
    knows the format might: the content checks must catch it."""
    config = json.loads((folder / "model.json").read_text())
    edit(config)
    body = {k: v for k, v in config.items() if k != "config_sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    config["config_sha256"] = hashlib.sha256(canonical).hexdigest()
    (folder / "model.json").write_text(json.dumps(config))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.pop("n_features_in"), "lacks the entry 'n_features_in'"),
        (lambda c: c["params"].update(colour="red"), "no parameter 'colour'"),
        (lambda c: c["params"].update(train_steps="many"), "train_steps"),
        (
            lambda c: c["feature_dtypes"].__setitem__(0, {"kind": "datetime64[ns]"}),
            "not one a sampler takes",
        ),
        (
            lambda c: c["feature_dtypes"].__setitem__(0, {"kind": "nonsense"}),
            "nonsense",
        ),
        (lambda c: c.update(classes="x"), "corrupt or foreign"),
        (lambda c: c.update(format=9), "model format 9"),
    ],
)
def test_a_damaged_config_gets_one_corrupt_or_foreign_error(
    saved_model, tmp_path, edit, message
):
    folder = _copy(saved_model[0], tmp_path)
    _rewrite_consistently(folder, edit)
    with pytest.raises(ValueError, match="corrupt or foreign") as info:
        TabDDPM.load(folder)
    assert message in str(info.value)


def test_foreign_and_garbage_files(saved_model, tmp_path):
    folder = _copy(saved_model[0], tmp_path)
    (folder / "model.json").write_text(json.dumps({"library": "sdv"}))
    with pytest.raises(ValueError, match=r"corrupt or foreign.*not written by imbdiff"):
        TabDDPM.load(folder)
    (folder / "model.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match=r"corrupt or foreign.*not valid JSON"):
        TabDDPM.load(folder)
    with pytest.raises(ValueError, match="not a saved imbdiff model"):
        TabDDPM.load(tmp_path / "nothing here")


@pytest.mark.parametrize(("name", "cls"), [("tabddpm", TabDDPM), ("lreddpm", LReDDPM)])
def test_a_model_saved_by_0_1_0_loads_with_a_warning_and_samples_its_rows(name, cls):
    with pytest.warns(UncheckedModelWarning, match="carries no checksum"):
        loaded = cls.load(FIXTURES / name)
    # Renamed or re-meant since 0.1.0: the parameters mean what they did.
    assert loaded.sampling_steps == 50
    assert loaded.numeric_encoding == "quantile-ends"
    got = loaded.sample(10, random_state=7)
    expected = pd.read_csv(FIXTURES / f"{name}_sample_seed7.csv")
    assert list(got.columns) == list(expected.columns)
    for column in got.columns:
        if pd.api.types.is_numeric_dtype(expected[column]):
            np.testing.assert_allclose(got[column].to_numpy(float), expected[column])
        else:
            assert got[column].astype(str).tolist() == expected[column].tolist()


# -- 5, 6 and 11. output paths, checked before any training --------------------------
def test_save_model_onto_an_existing_model_needs_force_and_fails_before_training(
    saved_model, tmp_path, capsys, no_training
):
    folder = _copy(saved_model[0], tmp_path)
    before = (folder / "weights.safetensors").read_bytes()
    out = tmp_path / "out.csv"
    assert main(_resample_args("ecoli4", out, "--save-model", str(folder))) == 1
    err = capsys.readouterr().err
    assert f"{folder} already holds a saved model" in err
    assert "--force" in err
    assert not out.exists()
    assert (folder / "weights.safetensors").read_bytes() == before


def test_save_model_never_writes_into_a_folder_that_is_not_a_model(
    tmp_path, capsys, no_training
):
    folder = tmp_path / "my-notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    args = _resample_args("ecoli4", tmp_path / "out.csv", "--save-model", str(folder))
    assert main([*args, "--force"]) == 1
    assert "is not a saved imbdiff model" in capsys.readouterr().err
    assert _listing(folder) == {"notes.txt"}
    file = tmp_path / "a-file"
    file.write_text("x")
    args = _resample_args("ecoli4", tmp_path / "out.csv", "--save-model", str(file))
    assert main(args) == 1
    assert "it is a file" in capsys.readouterr().err


def test_force_replaces_a_saved_model(saved_model, tmp_path, capsys):
    folder = _copy(saved_model[0], tmp_path)
    args = _resample_args("ecoli4", tmp_path / "out.csv", "--save-model", str(folder))
    assert main([*args, "--force"]) == 0
    assert _listing(folder) == {"model.json", "weights.safetensors"}
    assert TabDDPM.load(folder).n_features_in_ == 7


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_unwritable_output_paths_fail_before_training_and_name_the_path(
    tmp_path, capsys, no_training
):
    assert main(_resample_args("ecoli4", Path("/proc/out.csv"))) == 1
    err = capsys.readouterr().err
    assert "cannot write /proc/out.csv" in err
    assert "/proc/." not in err
    args = _resample_args("ecoli4", tmp_path / "out.csv", "--save-model", "/proc/m")
    assert main(args) == 1
    assert "cannot write /proc/m" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_save_to_an_unwritable_place_names_the_path(saved_model):
    sampler = TabDDPM.load(saved_model[0])
    with pytest.raises(OSError, match="cannot write /proc/x"):
        sampler.save("/proc/x")
    with pytest.raises(ValueError, match="already holds a saved model"):
        sampler.save(saved_model[0])


def test_output_equal_to_the_input_is_refused_and_the_input_kept(
    table, csv_of, capsys, no_training
):
    X, y = table
    path = csv_of(X, y)
    before = path.read_bytes()
    assert main(_resample_args(path, path)) == 1
    assert f"cannot write {path}: it is the input file" in capsys.readouterr().err
    assert path.read_bytes() == before
    # The same file under another spelling of its path.
    other = path.parent / "." / path.name
    assert main(_resample_args(path, other)) == 1
    assert path.read_bytes() == before


def test_output_onto_another_existing_file_overwrites_it(table, csv_of, tmp_path):
    X, y = table
    path = csv_of(X, y)
    out = tmp_path / "out.csv"
    out.write_text("old")
    assert main(_resample_args(path, out)) == 0
    assert len(pd.read_csv(out)) > len(X)


# -- 7. NaN and inf: named columns, a suggestion --------------------------------------
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("income", np.nan, "column 'income' has 1 missing value"),
        ("income", np.inf, "column 'income' has 1 infinite value"),
        ("job", np.nan, "column 'job' has 1 missing value"),
    ],
)
def test_nan_and_inf_errors_name_the_column_and_the_fix(table, column, value, message):
    X, y = table
    if column == "job":
        X["job"] = X["job"].astype(object)
    X.loc[7, column] = value
    for sampler in (TabDDPM(**TINY), OneHotOverSampler(sampler=SMOTE())):
        with pytest.raises(ValueError, match=message) as info:
            sampler.fit_resample(X, y)
        assert "docs/input.md" in str(info.value)


# -- 8. unreadable files ---------------------------------------------------------------
def test_a_latin1_csv_names_the_file_and_the_fix(table, csv_of, tmp_path, capsys):
    X, y = table
    X = X.assign(job=X["job"].astype(str).replace("nurse", "infirmière"))
    path = csv_of(X, y, encoding="latin-1")
    with pytest.raises(ValueError, match=r"cannot read .*data.csv: it is not UTF-8"):
        load_dataset(path, target="y")
    out = tmp_path / "out.csv"
    assert main(_resample_args(path, out)) == 1
    assert f"cannot read {path}: it is not UTF-8" in capsys.readouterr().err
    assert not out.exists()


def test_a_malformed_csv_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,5,1\n")
    with pytest.raises(ValueError, match=r"cannot read .*bad.csv: .*line 3, saw 4"):
        load_dataset(path, target="y")


# -- 9. labels of mixed types ----------------------------------------------------------
def test_labels_of_mixed_types_name_both_types(table):
    X, y = table
    mixed = np.array([0 if label == 0 else "a" for label in y], dtype=object)
    for sampler in (TabDDPM(**TINY), OneHotOverSampler(sampler=SMOTE())):
        with pytest.raises(ValueError, match=r"number \(e\.g\. 0\) and text"):
            sampler.fit_resample(X, mixed)
    with pytest.raises(ValueError, match="mixes labels of two types"):
        minority_types(X, mixed)


# -- 12. Ctrl-C and SIGTERM ----------------------------------------------------------
def test_ctrl_c_during_resample_prints_one_line_and_exits_130(
    tmp_path, capsys, monkeypatch
):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(
        "imbdiff.samplers.base.DiffusionOverSampler._fit_class", interrupt
    )
    out = tmp_path / "out.csv"
    assert main(_resample_args("ecoli4", out)) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "imbdiff resample: interrupted before it finished; no file was "
        "left half-written."
    ]
    assert _listing(tmp_path) == set()


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    real_to_csv = pd.DataFrame.to_csv

    def terminated_midway(self, handle, *args, **kwargs):
        handle.write("half a file")  # the rows are written chunk by chunk
        os.kill(os.getpid(), signal.SIGTERM)
        return real_to_csv(self, handle, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", terminated_midway)
    handler = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "out.csv"
    assert main(_resample_args("ecoli4", out)) == 143
    assert "terminated" in capsys.readouterr().err
    assert _listing(tmp_path) == set()
    assert signal.getsignal(signal.SIGTERM) == handler


# -- 13. pickling ------------------------------------------------------------------
def test_a_fitted_lreddpm_pickles_and_samples_the_same_rows():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(2, 1, (20, 2))])
    y = np.array([0] * 60 + [1] * 20)
    sampler = LReDDPM(
        region=["safe", "border"], classifier_options={"steps": 5}, **TINY
    )
    sampler.fit_resample(X, y)
    expected = sampler.sample(6, random_state=4)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(sampler)).sample(6, random_state=4), expected
    )
    buffer = BytesIO()
    joblib.dump(sampler, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(
        joblib.load(buffer).sample(6, random_state=4), expected
    )


# -- 14. scikit-learn's exceptions --------------------------------------------------
@pytest.mark.parametrize("cls", [TabDDPM, SEMResDDPM, FinDiff, LReDDPM])
def test_using_an_unfitted_sampler_raises_not_fitted_error(cls, tmp_path):
    with pytest.raises(NotFittedError):
        cls().sample(3)
    with pytest.raises(NotFittedError):
        cls().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (TabDDPM, {"train_steps": "many"}),
        (TabDDPM, {"learning_rate": "fast"}),
        (TabDDPM, {"denoiser": "cnn"}),
        (TabDDPM, {"n_threads": 0}),
        (SEMResDDPM, {"sampling_method": "euler"}),
        (LReDDPM, {"guidance": "other"}),
        (LReDDPM, {"max_grad_norm": -1.0}),
        (LReDDPM, {"auto_folds": 1}),
        (CWGANGPOverSampler, {"gp_weight": "x"}),
        (CTGANOverSampler, {"epochs": 1.5}),
        (TVAEOverSampler, {"conditional": "yes"}),
        (OneHotOverSampler, {"sampler": "smote"}),
    ],
)
def test_a_parameter_of_the_wrong_type_raises_invalid_parameter_error(
    table, cls, params
):
    X, y = table
    with pytest.raises(InvalidParameterError):
        cls(**params).fit_resample(X, y)


# -- what the docs already promised ----------------------------------------------------
def test_one_class_only_is_refused(table):
    X, _ = table
    with pytest.raises(ValueError, match="needs to have more than 1 class"):
        TabDDPM(**TINY).fit_resample(X, np.zeros(len(X), dtype=int))


def test_a_one_row_minority_is_refused(table):
    X, y = table
    y = np.zeros(len(X), dtype=int)
    y[5] = 1
    with pytest.raises(ValueError, match="class 1 has 1 row"):
        TabDDPM(**TINY).fit_resample(X, y)


def test_a_constant_column_is_kept_constant(table):
    X, y = table
    X = X.assign(country=7.0, region=pd.Categorical(["north"] * len(X)))
    X_res, _ = TabDDPM(**TINY).fit_resample(X, y)
    assert (X_res["country"] == 7.0).all()
    assert (X_res["region"] == "north").all()


def test_an_unseen_category_at_sample_time_is_named(table):
    X, y = table
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    encoder = sampler.models_[1].encoder
    unseen = X.iloc[:3].copy()
    unseen["job"] = pd.Categorical(["clerk", "astronaut", "pilot"])
    with pytest.raises(ValueError, match=r"'job' holds categories unseen.*astronaut"):
        encoder.transform(unseen)


# -- found in review: legitimate input that the rules must not misread ------------
def test_numbers_written_as_text_without_missing_values_stay_text(table):
    X, y = table
    X = X.assign(code=np.resize(["01", "02", "10"], len(X)).astype(object))
    X_res, _ = TabDDPM(**TINY).fit_resample(X, y)
    assert set(X_res["code"]) == {"01", "02", "10"}


def test_a_missing_label_token_in_a_file_is_a_missing_label(tmp_path):
    path = tmp_path / "labels.csv"
    rows = [f"{i},{'NA' if i == 5 else int(i % 4 == 0)}" for i in range(30)]
    path.write_text("a,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match="y has 1 missing labels"):
        load_dataset(path, target="y")


def test_blank_or_token_like_header_names_are_not_repeats(tmp_path):
    path = tmp_path / "header.csv"
    rows = [f"{i},{i},{i},{i},{int(i % 4 == 0)}" for i in range(30)]
    path.write_text("NA,None,,,y\n" + "\n".join(rows) + "\n")
    assert load_dataset(path, target="y").X.shape == (30, 4)


def test_nullable_parquet_numbers_become_plain_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "count": pd.array(range(30), dtype="Int64"),
            "amount": pd.array([1.5] * 29 + [None], dtype="Float64"),
            "y": [0] * 20 + [1] * 10,
        }
    )
    frame.to_parquet(tmp_path / "data.parquet")
    X = load_dataset(tmp_path / "data.parquet", target="y").X
    assert X.dtypes.tolist() == [np.dtype("int64"), np.dtype("float64")]


def test_numbers_held_as_objects_are_named(table):
    X, y = table
    with pytest.raises(ValueError, match="y holds numbers as Python objects"):
        TabDDPM(**TINY).fit_resample(X, y.astype(object))
    # A plain list of numbers is fine.
    X_res, _ = OneHotOverSampler(sampler=SMOTE()).fit_resample(X, y.tolist())
    assert len(X_res) > len(X)


def test_a_list_of_labels_of_two_types_is_named(table):
    X, y = table
    labels = [0 if v == 0 else "1" for v in y]
    with pytest.raises(ValueError, match="mixes labels of two types"):
        TabDDPM(**TINY).fit_resample(X, labels)


def test_region_auto_keeps_a_declared_category_nominal_in_its_inner_fits():
    rng = np.random.default_rng(1)
    n = 80
    y = np.array([0] * 56 + [1] * 24)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n) + 2 * y,
            "b": rng.normal(size=n),
            "city": pd.Categorical([f"city{i}" for i in range(n)]),
        }
    )
    sampler = LReDDPM(
        region="auto", auto_folds=2, classifier_options={"steps": 5}, **TINY
    )
    sampler.fit_resample(X, y)
    assert sampler.auto_choice_[1]["region"] in {"safe", "border", "rare", "outlier"}


def test_distances_read_numeric_text_with_tokens_as_numbers():
    from imbdiff.evaluation import wasserstein_distance

    real = pd.DataFrame({"v": ["1.5", "?", "3.0"]})
    with pytest.raises(ValueError, match="real: column 'v' has 1 missing value"):
        wasserstein_distance(real, pd.DataFrame({"v": [1.0, 2.0, 3.0]}))


def test_output_rows_inside_the_model_folder_are_refused_before_training(
    tmp_path, capsys, no_training
):
    model = tmp_path / "model"
    args = _resample_args("ecoli4", model, "--save-model", str(model))
    assert main(args) == 1
    assert "lies in the model folder" in capsys.readouterr().err
    assert not model.exists()
    model.mkdir()
    args = _resample_args("ecoli4", model / "rows.csv", "--save-model", str(model))
    assert main(args) == 1
    assert "lies in the model folder" in capsys.readouterr().err
    assert _listing(model) == set()


def test_force_never_replaces_a_foreign_model_json(tmp_path, saved_model):
    folder = tmp_path / "other-tool"
    folder.mkdir()
    (folder / "model.json").write_text('{"name": "someone else\'s"}')
    sampler = TabDDPM.load(saved_model[0])
    with pytest.raises(ValueError, match="is not a saved imbdiff model"):
        sampler.save(folder, overwrite=True)
    assert _listing(folder) == {"model.json"}


def test_an_interrupted_save_leaves_no_config_and_can_be_redone(
    saved_model, tmp_path, monkeypatch
):
    folder = _copy(saved_model[0], tmp_path)
    sampler = TabDDPM.load(folder)
    import imbdiff.samplers._persistence as persistence

    real_write = persistence.write_atomically

    def stop_after_the_weights(path, writer):
        real_write(path, writer)
        if Path(path).name == "weights.safetensors":
            raise KeyboardInterrupt

    monkeypatch.setattr(persistence, "write_atomically", stop_after_the_weights)
    with pytest.raises(KeyboardInterrupt):
        sampler.save(folder, overwrite=True)
    monkeypatch.undo()
    assert _listing(folder) == {"weights.safetensors"}
    with pytest.raises(ValueError, match="not a saved imbdiff model"):
        TabDDPM.load(folder)
    sampler.save(folder, overwrite=True)
    TabDDPM.load(folder)


def test_numpy_and_torch_parameter_values_save_and_load(table, tmp_path):
    import torch

    X, y = table
    sampler = TabDDPM(
        n_timesteps=np.int64(10),
        train_steps=5,
        learning_rate=np.float32(1e-3),
        device=torch.device("cpu"),
        random_state=np.int64(3),
        sampling_strategy={1: np.int64(45)},
    )
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "m")
    loaded = TabDDPM.load(tmp_path / "m")
    assert loaded.get_params()["random_state"] == 3
    assert loaded.get_params()["n_timesteps"] == 10
