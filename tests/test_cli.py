import re

import numpy as np
import pandas as pd
import pytest

from imbdiff.cli import main


def test_datasets_lists_the_registry(capsys):
    assert main(["datasets", "--min-ir", "1.5"]) == 0
    out = capsys.readouterr().out
    assert "yeast3" in out
    assert "abalone17" in out
    count = int(out.strip().splitlines()[-1].split()[0])
    assert count >= 95


def test_datasets_csv(capsys):
    assert main(["datasets", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name,rows,numeric,categorical,IR,aliases"


def test_regions_prints_counts_and_writes_rows(tmp_path, capsys):
    out_file = tmp_path / "types.csv"
    assert main(["regions", "yeast3", "--output", str(out_file)]) == 0
    printed = capsys.readouterr().out
    assert "class 'positive' (163 examples)" in printed
    rows = pd.read_csv(out_file)
    assert list(rows.columns) == ["row", "label", "same_class_neighbours", "region"]
    assert len(rows) == 163
    counts = rows["region"].value_counts()
    for region in ("safe", "border", "rare", "outlier"):
        n = int(counts.get(region, 0))
        assert f"{region:<8} {n:>6} {100 * n / 163:>7.2f}%" in printed


def test_regions_on_a_csv_file(tmp_path, capsys):
    frame = pd.DataFrame({"x": range(30), "t": [0] * 22 + [1] * 8})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    assert main(["regions", str(path), "--target", "t"]) == 0
    assert "class 1 (8 examples)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["regions", "yeast33"], "did you mean"),
        (["regions", "yeast3", "-k", "200"], "k + 1 = 201"),
    ],
)
def test_failures_write_nothing(tmp_path, capsys, args, message):
    out_file = tmp_path / "types.csv"
    assert main([*args, "--output", str(out_file)]) == 1
    assert message in capsys.readouterr().err
    assert not out_file.exists()
    assert list(tmp_path.iterdir()) == []


def test_output_folder_must_exist(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "types.csv"
    assert main(["regions", "yeast3", "--output", str(target)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_output_may_not_be_a_folder(tmp_path, capsys):
    assert main(["regions", "yeast3", "--output", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err


def test_output_file_gets_the_usual_mode(tmp_path):
    import os

    out_file = tmp_path / "types.csv"
    assert main(["regions", "yeast3", "--output", str(out_file)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out_file.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.fixture
def small_csv(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=60),
            "x2": rng.normal(size=60),
            "kind": rng.choice(["u", "v"], 60),
            "label": ["no"] * 45 + ["yes"] * 15,
        }
    )
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


def test_resample_writes_rows_marks_and_saves(small_csv, tmp_path, capsys):
    from imbdiff import TabDDPM

    out_file = tmp_path / "out.csv"
    model = tmp_path / "model"
    args = ["resample", str(small_csv), "--target", "label", "--method", "tabddpm"]
    args += ["--train-steps", "5", "-o", str(out_file), "--mark-synthetic"]
    assert main([*args, "--save-model", str(model)]) == 0
    assert "60 rows + 30 synthetic" in capsys.readouterr().out
    rows = pd.read_csv(out_file)
    assert list(rows.columns) == ["x1", "x2", "kind", "label", "synthetic"]
    assert rows["synthetic"].sum() == 30
    assert set(rows.loc[rows["synthetic"], "label"]) == {"yes"}
    assert set(rows["kind"]) <= {"u", "v"}
    assert len(TabDDPM.load(model).sample(3)) == 3


def test_resample_takes_an_auto_budget(small_csv, tmp_path, capsys):
    from imbdiff import TabDDPM

    model = tmp_path / "model"
    args = ["resample", str(small_csv), "--target", "label", "--method", "tabddpm"]
    args += ["-o", str(tmp_path / "out.csv"), "--save-model", str(model)]
    assert main([*args, "--train-steps", "auto", "--n-timesteps", "5"]) == 0
    assert TabDDPM.load(model).get_params()["train_steps"] == "auto"
    with pytest.raises(SystemExit) as stop:
        main([*args, "--train-steps", "many"])
    assert stop.value.code == 2
    assert "a whole number or auto" in capsys.readouterr().err


def test_resample_with_smote(tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    assert main(["resample", "yeast3", "--method", "smote", "-o", str(out_file)]) == 0
    assert pd.read_csv(out_file)["Class"].value_counts().nunique() == 1


def test_resample_smote_with_nominal_columns(small_csv, tmp_path):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    # SMOTE runs on the one-hot encoded columns; new rows hold seen categories.
    assert main([*args, "--method", "smote"]) == 0
    before, after = pd.read_csv(small_csv), pd.read_csv(out_file)
    for column in before.columns:
        if before[column].dtype == object:
            assert set(after[column]) <= set(before[column])


def test_resample_errors_write_nothing(small_csv, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    assert main([*args, "--method", "smote", "--train-steps", "3"]) == 1
    err = capsys.readouterr().err
    assert "--train-steps applies to cwgan_gp, findiff, lreddpm, semres" in err
    assert err.rstrip().endswith("not smote.")
    assert not out_file.exists()


def test_train_steps_reaches_cwgan_gp(small_csv, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    assert main([*args, "--method", "cwgan_gp", "--train-steps", "2"]) == 0
    assert len(pd.read_csv(out_file)) == 90
    assert main([*args, "--method", "cwgan_gp", "--n-timesteps", "20"]) == 1
    assert "--n-timesteps applies to " in capsys.readouterr().err


def test_resample_with_lreddpm_options(small_csv, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    args += ["--method", "lreddpm", "--region", "safe,border,rare,outlier"]
    args += ["--tau", "60/sqrt(beta)", "--train-steps", "5", "--n-timesteps", "20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "60 rows + 30 synthetic (lreddpm)" in out
    assert "guided by safe+border+rare+outlier" in out
    assert "balanced accuracy" in out
    assert len(pd.read_csv(out_file)) == 90


def test_lreddpm_options_are_refused_for_other_methods(small_csv, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    assert main([*args, "--method", "smote", "--region", "border"]) == 1
    assert "--region applies to lreddpm, not smote." in capsys.readouterr().err
    bad = [*args, "--method", "lreddpm", "--tau", "-1", "--n-timesteps", "20"]
    assert main(bad) == 1
    assert "tau must be >= 0" in capsys.readouterr().err
    assert not out_file.exists()


def _help(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_top_level_help_loads_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from imbdiff.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'pandas', 'imblearn') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "resample" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_shows_the_defaults_of_the_code(capsys, monkeypatch):
    import inspect

    from imbdiff import LReDDPM, TabDDPM
    from imbdiff.bench import run
    from imbdiff.regions import minority_types

    text = _help(capsys, "resample")
    lreddpm = LReDDPM()
    for key in ("tau", "guidance", "final_step", "train_on"):
        flag = "--" + key.replace("_", "-")
        part = text[text.rindex(flag + " ") :]
        assert f"(default {getattr(lreddpm, key)})" in part[:300], key
    assert lreddpm.region is None
    assert "(default safe, then safe+border, then safe+border+rare+outlier" in text
    assert f"(default {TabDDPM().train_steps} in every diffusion method)" in text
    # A changed default in the code is what the help shows: nothing is
    # written twice.
    changed = {**LReDDPM.__init__.__kwdefaults__, "tau": "7/sqrt(beta)"}
    monkeypatch.setattr(LReDDPM.__init__, "__kwdefaults__", changed)
    assert "(default 7/sqrt(beta))" in _help(capsys, "resample")

    threads = inspect.signature(run).parameters["threads"].default
    assert f"(default {threads}, whatever --jobs is)" in _help(capsys, "bench")
    k = inspect.signature(minority_types).parameters["k"].default
    assert f"neighbours per example (default {k})" in _help(capsys, "regions")


def test_methods_lists_methods_and_parameters(capsys):
    from imbdiff import LReDDPM

    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert "lreddpm" in out
    assert "LReDDPM" in out
    assert main(["methods", "lreddpm"]) == 0
    out = capsys.readouterr().out
    assert f"tau = {LReDDPM().tau!r}" in out
    listed = re.findall(r"^  (\w+) = ", out, flags=re.MULTILINE)
    assert listed == sorted(LReDDPM().get_params(deep=False))
    assert main(["methods", "smote"]) == 0
    assert "k_neighbors = 5" in capsys.readouterr().out
    # The methods that change the classifier say so, and do not resample.
    assert main(["methods", "threshold"]) == 0
    assert "TunedThresholdClassifierCV" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["resample", "yeast3", "--method", "balanced", "-o", "x.csv"])
    assert "invalid choice: 'balanced'" in capsys.readouterr().err


def test_resample_param_sets_any_parameter(small_csv, tmp_path, capsys):
    from imbdiff import TabDDPM

    out_file, model = tmp_path / "out.csv", tmp_path / "model"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    args += ["--train-steps", "5", "--n-timesteps", "20", "--save-model", str(model)]
    args += ["--param", "batch_size=16", "--param", "learning_rate=0.002"]
    args += ["--param", "sampling_method=dpm-solver++", "--param", "sampling_steps=7"]
    args += ["--param", 'denoiser_options={"hidden": [32, 32]}']
    assert main(args) == 0
    loaded = TabDDPM.load(model)
    assert loaded.batch_size == 16
    assert loaded.learning_rate == 0.002
    assert (loaded.sampling_method, loaded.sampling_steps) == ("dpm-solver++", 7)
    assert loaded.denoiser_options == {"hidden": [32, 32]}


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("batch_sise=16", "has no parameter 'batch_sise'"),
        ("batch_size=-1", "'batch_size' parameter of TabDDPM must be"),
        ("sampling_method=fast", "'sampling_method' parameter of TabDDPM must be"),
        ("train_steps=3", "use --train-steps instead"),
        ("batch_size", "--param takes KEY=VALUE"),
    ],
)
def test_resample_param_errors_come_before_any_work(
    small_csv, tmp_path, capsys, param, message
):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    assert main([*args, "--param", param]) == 1
    assert message in capsys.readouterr().err
    assert not out_file.exists()


def test_progress_bars_only_when_asked_off_a_terminal(small_csv, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    args += ["--train-steps", "5", "--n-timesteps", "20"]
    assert main(args) == 0  # stderr is not a terminal under pytest
    captured = capsys.readouterr()
    assert "sampling" not in captured.err
    assert "60 rows + 30 synthetic" in captured.out
    assert main([*args, "--progress"]) == 0
    err = capsys.readouterr().err
    assert "training" in err
    assert "sampling: 100%" in err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_bench_and_report_progress_and_quiet(tiny_suite_file, tmp_path, capsys):
    store = tmp_path / "tiny.sqlite"
    bench = ["bench", "--suite", str(tiny_suite_file), "--store", str(store)]
    assert main([*bench, "--dataset", "ecoli4", "--method", "none"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "cells done" in captured.out
    assert main([*bench, "--dataset", "ecoli4", "--method", "smote", "--progress"]) == 0
    assert "tiny: 100%" in capsys.readouterr().err
    assert main([*bench, "--dataset", "glass4", "--method", "none", "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["report", str(store), "-o", str(tmp_path / "r"), "--progress"]) == 0
    captured = capsys.readouterr()
    assert "report: 100%" in captured.err
    assert "report of" in captured.out


def test_resample_refuses_a_device_torch_cannot_use(small_csv, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out_file = tmp_path / "out.csv"
    args = ["resample", str(small_csv), "--target", "label", "-o", str(out_file)]
    assert main([*args, "--param", "device=cuda"]) == 1
    assert "torch sees no CUDA device here" in capsys.readouterr().err
    assert not out_file.exists()


def test_quiet_bench_still_reports_failed_cells(tmp_path, capsys):
    suite = tmp_path / "failing.toml"
    suite.write_text(
        'name = "failing"\nprotocol = "holdout"\nseeds = [0]\n'
        'classifiers = ["decision_tree"]\ndatasets = ["ecoli4"]\n\n'
        '[[methods]]\nmethod = "smote"\nparams = { k_neighbors = 500 }\n'
    )
    store = tmp_path / "failing.sqlite"
    bench = ["bench", "--suite", str(suite), "--store", str(store), "--quiet"]
    assert main(bench) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "imbdiff bench: failed: ecoli4 smote seed 0 fold 0" in captured.err


def test_the_package_imports_its_parts_on_first_use():
    import imbdiff

    assert imbdiff.samplers.TabDDPM is imbdiff.TabDDPM
    assert "bench" in dir(imbdiff)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        imbdiff.nothing


def test_resample_streams_the_rows_of_fit_resample_to_csv_and_parquet(
    small_csv, tmp_path, capsys, monkeypatch
):
    from imbdiff import TabDDPM
    from imbdiff.samplers import base

    # Several chunks of new rows, each written as it is made.
    monkeypatch.setattr(base, "GENERATION_CHUNK", 8)
    args = ["resample", str(small_csv), "--target", "label", "--method", "tabddpm"]
    args += ["--train-steps", "5", "--n-timesteps", "20", "--progress"]
    assert main([*args, "-o", str(tmp_path / "out.csv")]) == 0
    assert "writing" in capsys.readouterr().err  # the progress bar
    assert main([*args, "-o", str(tmp_path / "out.parquet")]) == 0
    from_csv = pd.read_csv(tmp_path / "out.csv")
    from_parquet = pd.read_parquet(tmp_path / "out.parquet")
    assert isinstance(from_parquet["kind"].dtype, pd.CategoricalDtype)  # kept
    from_parquet["kind"] = from_parquet["kind"].astype(str)
    pd.testing.assert_frame_equal(from_parquet, from_csv, check_dtype=False)
    frame = pd.read_csv(small_csv)
    X_res, y_res = TabDDPM(train_steps=5, n_timesteps=20, random_state=0).fit_resample(
        frame.drop(columns="label"), frame["label"]
    )
    expected = X_res.assign(label=np.asarray(y_res)).reset_index(drop=True)
    pd.testing.assert_frame_equal(from_parquet, expected, check_dtype=False)
    assert len(from_csv) == 90
