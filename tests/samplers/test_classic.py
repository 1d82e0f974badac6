import sys

import numpy as np
import pandas as pd
import pytest

from imbdiff.samplers import PROWSYN_INSTALL, ProWSyn, make_sampler


def _three_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.array([0] * 60 + [1] * 20 + [2] * 10)
    return X, y


def test_prowsyn_adds_exactly_the_rows_asked_for_one_class_against_the_rest(capfd):
    X, y = _three_classes()
    X_res, y_res = ProWSyn(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 60]
    np.testing.assert_array_equal(X_res[:90], X)
    X_res, y_res = ProWSyn(
        sampling_strategy={1: 27, 2: 11}, random_state=0
    ).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 27, 11]
    # smote-variants logs every call at INFO; none of it reaches the user.
    assert capfd.readouterr().err == ""


def test_prowsyn_is_seeded():
    X, y = _three_classes()
    a = ProWSyn(random_state=3).fit_resample(X, y)[0]
    b = ProWSyn(random_state=3).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)


def test_prowsyn_method_takes_nominal_columns():
    X, y = _three_classes()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["kind"] = pd.Categorical(np.where(X[:, 0] > 0, "up", "down"))
    sampler = make_sampler("prowsyn", {"random_state": 0})
    X_res, _ = sampler.fit_resample(frame, y)
    assert (X_res.dtypes == frame.dtypes).all()
    assert set(X_res["kind"]) <= {"up", "down"}


def test_prowsyn_without_smote_variants_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "smote_variants", None)
    X, y = _three_classes()
    with pytest.raises(
        ImportError, match=r"pip install --no-deps smote-variants==1\.0\.1"
    ):
        ProWSyn(random_state=0).fit_resample(X, y)
    assert "smote-variants==1.0.1" in PROWSYN_INSTALL
