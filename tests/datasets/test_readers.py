import numpy as np
import pandas as pd
import pytest

from imbdiff.datasets import read_keel

KEEL_TEXT = """@relation toy
@attribute Sex {M, F, I}
@attribute Rings integer[1,29]
@attribute 'Odd name' real [0.0, 1.0]
@attribute Class {positive, negative}
@inputs Sex, Rings, 'Odd name'
@outputs Class
@data
M, 3, 0.5, negative
F, ?, 0.25, positive
<null>, 7, 1.0, negative
"""


def test_read_keel_types_and_missing(tmp_path):
    path = tmp_path / "toy.dat"
    path.write_text(KEEL_TEXT)
    X, y = read_keel(path)
    assert list(X.columns) == ["Sex", "Rings", "Odd name"]
    assert list(X["Sex"].cat.categories) == ["M", "F", "I"]
    assert pd.isna(X["Sex"].iloc[2])
    # An integer column with a missing value is read as float, NaN kept.
    assert X["Rings"].dtype == np.float64
    assert np.isnan(X["Rings"].iloc[1])
    assert X["Odd name"].tolist() == [0.5, 0.25, 1.0]
    assert y.tolist() == ["negative", "positive", "negative"]
    assert y.name == "Class"


def test_read_keel_integers_stay_integers(tmp_path):
    path = tmp_path / "int.dat"
    path.write_text(
        "@relation t\n@attribute a integer[0,9]\n@attribute c {p,n}\n@data\n1,p\n2,n\n"
    )
    X, _ = read_keel(path)
    assert X["a"].dtype == np.int64


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("@relation t\n@attribute a real\n", "no '@data'"),
        ("@relation t\n@attribute a real\n@attribute c {p,n}\n@data\n1\n", "1 fields"),
        (
            "@relation t\n@attribute a real\n@attribute c {p,n}\n@data\nx,p\n",
            "holds 'x'",
        ),
        ("@relation t\n@attribute a real\n@attribute c {p,n}\n@data\n", "no data rows"),
    ],
)
def test_read_keel_errors(tmp_path, body, message):
    path = tmp_path / "bad.dat"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        read_keel(path)


def test_read_keel_refuses_rows_without_class(tmp_path):
    path = tmp_path / "noclass.dat"
    path.write_text(
        "@relation t\n@attribute a real\n@attribute c {p,n}\n@data\n1,p\n2,?\n"
    )
    with pytest.raises(ValueError, match=r"class 'c' is missing in 1 data rows"):
        read_keel(path)


def test_read_keel_refuses_repeated_attributes(tmp_path):
    path = tmp_path / "twice.dat"
    path.write_text(
        "@relation t\n@attribute a real\n@attribute a real\n@attribute c {p,n}\n"
        "@data\n1,2,p\n"
    )
    with pytest.raises(ValueError, match="declared twice"):
        read_keel(path)


def test_read_keel_quoted_output_and_huge_integers(tmp_path):
    path = tmp_path / "quoted.dat"
    path.write_text(
        "@relation t\n@attribute big integer\n@attribute 'the class' {p,n}\n"
        "@outputs 'the class'\n@data\n1e20,p\n3,n\n"
    )
    X, y = read_keel(path)
    assert y.name == "the class"
    # Beyond 2**53 an int64 cannot hold the value exactly: it stays a float.
    assert X["big"].dtype == np.float64
    assert X["big"].iloc[0] == 1e20
