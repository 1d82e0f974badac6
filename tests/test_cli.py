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
    assert "apply to diffusion methods" in capsys.readouterr().err
    assert not out_file.exists()


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
    assert "--region apply to --method lreddpm" in capsys.readouterr().err
    bad = [*args, "--method", "lreddpm", "--tau", "-1", "--n-timesteps", "20"]
    assert main(bad) == 1
    assert "tau must be >= 0" in capsys.readouterr().err
    assert not out_file.exists()
