"""The classic oversamplers a user would pick instead of a diffusion model.

``TabularSMOTE`` is SMOTE, SMOTENC or SMOTEN, chosen by the table's columns
(the method ``smote``). ``ProWSyn`` runs smote-variants' ProWSyn (Barua et
al., 2013), the strongest of 85 SMOTE variants in Kovacs (2019), with
imbalanced-learn's API: one class against the rest for each class to grow,
the exact number of rows asked for, its logging silenced. It is numeric only;
the method ``prowsyn`` runs it inside
:class:`~imbdiff.samplers.OneHotOverSampler` for nominal columns.
"""

from __future__ import annotations

import contextlib
import logging
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from imblearn.over_sampling.base import BaseOverSampler
from scipy import sparse
from sklearn.utils._param_validation import Interval

from ._tabular import (
    CATEGORICAL_FEATURES,
    TabularOverSampler,
    random_state_of,
    reach_counts,
)

__all__ = ["PROWSYN_INSTALL", "ProWSyn", "TabularSMOTE"]

#: How to install smote-variants: its metadata requires tensorflow, keras and
#: mkl, which it does not need to sample, so pip must skip its dependencies
#: (seaborn, which it imports, is installed with its own).
PROWSYN_INSTALL = (
    "pip install seaborn==0.13.2 && pip install --no-deps smote-variants==1.0.1 "
    "minisom==2.3.6 metric-learn==0.7.0"
)


class TabularSMOTE(TabularOverSampler):
    """SMOTE on numeric tables, SMOTENC on mixed ones, SMOTEN on nominal ones.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
    k_neighbors : int, default=5
        Neighbours of each minority row among its class.
    categorical_features : "auto", None or list, default="auto"
        Nominal columns: "auto" takes text, category and bool columns.

    Attributes
    ----------
    sampler_ : imbalanced-learn sampler
        The fitted SMOTE, SMOTENC or SMOTEN.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"size": range(12), "colour": list("rgb") * 4})
    >>> y = [0] * 8 + [1] * 4
    >>> sampler = TabularSMOTE(k_neighbors=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> type(sampler.sampler_).__name__, len(X_res)
    ('SMOTENC', 16)
    """

    _parameter_constraints: ClassVar[dict] = {
        **TabularOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "categorical_features": CATEGORICAL_FEATURES,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        categorical_features="auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.categorical_features = categorical_features

    def _fit_resample(self, X, y):
        frame, nominal = self._frame_of(X)
        options = {
            "sampling_strategy": reach_counts(y, self.sampling_strategy_),
            "random_state": self.random_state,
            "k_neighbors": self.k_neighbors,
        }
        columns = list(frame.columns)
        if not nominal:
            self.sampler_ = SMOTE(**options)
            data = frame.to_numpy(dtype=float)
        elif len(nominal) == len(columns):
            self.sampler_ = SMOTEN(**options)
            data = frame.astype(object).to_numpy()
        else:
            positions = [columns.index(c) for c in nominal]
            self.sampler_ = SMOTENC(categorical_features=positions, **options)
            data = frame.astype(dict.fromkeys(nominal, object)).to_numpy(dtype=object)
        X_res, y_res = self.sampler_.fit_resample(data, y)
        new = pd.DataFrame(np.asarray(X_res)[len(y) :], columns=columns)
        if len(new) == 0:
            return X, y
        numeric = [c for c in columns if c not in nominal]
        new = new.astype(dict.fromkeys(numeric, float))
        return self._append(X, y, [new], [np.asarray(y_res)[len(y) :]])


class ProWSyn(BaseOverSampler):
    """ProWSyn (proximity weighted synthetic oversampling) from smote-variants.

    Numeric data only (the method ``prowsyn`` adds one-hot encoding for
    nominal columns). Needs smote-variants, installed without its declared
    dependencies: see :data:`PROWSYN_INSTALL`.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
    n_neighbors : int, default=5
        Neighbours that define the proximity levels.
    L : int, default=5
        Number of proximity levels.
    theta : float, default=1.0
        How fast the weight of a level falls with its distance (0: equal
        weights).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> X_res, y_res = ProWSyn(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [50, 50]
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "L": [Interval(Integral, 1, None, closed="left")],
        "theta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_neighbors=5,
        L=5,
        theta=1.0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.L = L
        self.theta = theta

    def _fit_resample(self, X, y):
        variants = _smote_variants()
        rng = random_state_of(self.random_state)
        data = X.toarray() if sparse.issparse(X) else np.asarray(X)
        data = data.astype(float)
        new_rows, new_labels = [], []
        for label, n_new in self.sampling_strategy_.items():
            seed = int(rng.randint(np.iinfo(np.int32).max))
            if n_new == 0:
                continue
            mine = y == label
            n_class, n_rest = int(mine.sum()), int((~mine).sum())
            if n_rest <= n_class:
                raise ValueError(
                    f"ProWSyn grows the smaller class of a class-against-the-rest "
                    f"problem; class {label!r} has {n_class} rows against "
                    f"{n_rest} of the others."
                )
            sampler = variants.ProWSyn(
                # It draws int(gap * proportion) rows; the half row keeps that
                # from rounding below the count asked for.
                proportion=(n_new + 0.5) / (n_rest - n_class),
                n_neighbors=self.n_neighbors,
                L=self.L,
                theta=self.theta,
                random_state=seed,
            )
            with _quiet(variants):
                X_out, _ = sampler.sample(data, mine.astype(int))
            made = np.asarray(X_out)[len(data) :]
            if len(made) < n_new:
                raise ValueError(
                    f"ProWSyn made {len(made)} rows of class {label!r}; "
                    f"{n_new} were asked for (the class may be too small)."
                )
            # Some of its samplers overshoot the count: keep exactly n_new.
            new_rows.append(made[:n_new].astype(X.dtype))
            new_labels.append(np.full(n_new, label, dtype=y.dtype))
        if not new_rows:
            return X, y
        if sparse.issparse(X):
            block = sparse.csr_matrix(np.vstack(new_rows))
            X_res = sparse.vstack([X, block], format=X.format)
        else:
            X_res = np.vstack([X, *new_rows])
        return X_res, np.hstack([y, *new_labels])


def prowsyn_available() -> bool:
    """Whether ProWSyn can run here (smote-variants is installed)."""
    import importlib.util

    return importlib.util.find_spec("smote_variants") is not None


def _smote_variants():
    try:
        import smote_variants
    except ImportError:
        raise ImportError(
            f"ProWSyn needs smote-variants, which is not installed: {PROWSYN_INSTALL}"
        ) from None
    return smote_variants


@contextlib.contextmanager
def _quiet(module):
    """smote-variants logs every call at INFO; keep its warnings only."""
    logger = logging.getLogger(module.__name__)
    before = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)
