"""CTGAN and TVAE (the ``ctgan`` package) behind the imbalanced-learn API.

By default each class to oversample gets its own model, trained on that
class's rows alone, as the papers' baselines are. With ``conditional=True``
one model learns all rows with the class as an extra nominal column, and the
new rows of a class are drawn from it: CTGAN conditions its generator on the
class; TVAE cannot, so its draws are filtered to the class. Either way only
rows of the asked class are kept, so a class the model rarely produces is an
error, not a short answer.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import pandas as pd

from .._validation import check_positive_int
from ._tabular import CATEGORICAL_FEATURES, POSITIVE_INT, ClassFit, PerClassOverSampler

__all__ = ["CTGANOverSampler", "TVAEOverSampler"]

_CLASS = "__imbdiff_class__"
#: Most draws of ``n`` rows tried to find ``n`` rows of a class.
_MAX_DRAWS = 20


class _CTGANFamily(PerClassOverSampler):
    """Shared fitting and drawing of the ``ctgan`` package's synthesizers."""

    _model_name: ClassVar[str]

    _parameter_constraints: ClassVar[dict] = {
        **PerClassOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "epochs": POSITIVE_INT,
        "batch_size": POSITIVE_INT,
        "conditional": ["boolean"],
        "categorical_features": CATEGORICAL_FEATURES,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        epochs=300,
        batch_size=500,
        conditional=False,
        categorical_features="auto",
        verbose=False,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.epochs = epochs
        self.batch_size = batch_size
        self.conditional = conditional
        self.categorical_features = categorical_features
        self.verbose = verbose

    def _model(self):
        try:
            import ctgan
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"{type(self).__name__} needs the 'ctgan' package: "
                "pip install 'imbdiff[bench]'."
            ) from None
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        # ctgan cuts batches into packs of 10 (CTGAN) or halves (TVAE).
        batch = max(10, int(self.batch_size) // 10 * 10)
        return getattr(ctgan, self._model_name)(
            epochs=int(self.epochs),
            batch_size=batch,
            verbose=bool(self.verbose),
            enable_gpu=False,
        )

    def _start_fit(self, X, y) -> ClassFit:
        frame, nominal = self._frame_of(X)
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        return ClassFit(frame, y, [str(c) for c in nominal])

    def _fits_class(self, label) -> bool:
        return self.sampling_strategy_[label] > 0

    def _fit_class(self, fit: ClassFit, label, seed: int):
        if not self.conditional:
            rows = fit.frame[fit.y == label].reset_index(drop=True)
            return self._fit_model(rows, fit.nominal, seed)
        if fit.shared is None:
            # One model of every row, the class a column: fitted with the
            # first class's seed.
            data = fit.frame.assign(**{_CLASS: pd.Series(fit.y).astype(str).values})
            fit.shared = self._fit_model(data, [*fit.nominal, _CLASS], seed)
        return fit.shared

    def _generate_class(self, fit: ClassFit, label, model, seed: int, new) -> None:
        n_new = int(self.sampling_strategy_[label])
        start = time.perf_counter()
        rows = self._draw(model, n_new, label)
        self.sample_seconds_ += time.perf_counter() - start
        new[0].append(rows[list(fit.frame.columns)])
        new[1].append(np.full(n_new, label, dtype=fit.y.dtype))

    def _fit_model(self, data: pd.DataFrame, discrete: list, seed: int):
        model = self._model()
        model.set_random_state(seed)
        model.fit(data, discrete_columns=discrete)
        return model

    def _draw(self, model, n: int, label) -> pd.DataFrame:
        if not self.conditional:
            return model.sample(n)
        kept, total = [], 0
        for _ in range(_MAX_DRAWS):
            drawn = self._draw_conditioned(model, n, str(label))
            drawn = drawn[drawn[_CLASS] == str(label)]
            kept.append(drawn)
            total += len(drawn)
            if total >= n:
                return pd.concat(kept, ignore_index=True).iloc[:n]
        raise ValueError(
            f"the conditional {self._model_name} produced {total} rows of class "
            f"{label!r} in {_MAX_DRAWS} draws of {n}; train it longer or use "
            "conditional=False (one model per class)."
        )

    def _draw_conditioned(self, model, n: int, label: str) -> pd.DataFrame:
        return model.sample(n)


class CTGANOverSampler(_CTGANFamily):
    """CTGAN (Xu et al., 2019) from the ``ctgan`` package, as an oversampler.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Seeds each model (ctgan sets the global numpy and torch random state
        while it fits and samples; the benchmark runs it in worker processes).
    epochs : int, default=300
        The package's default.
    batch_size : int, default=500
        The package's default (rounded down to a multiple of 10).
    conditional : bool, default=False
        One model of all rows conditioned on the class, instead of one model
        per class trained on that class alone.
    categorical_features : "auto", None or list, default="auto"
        Nominal columns, passed to ctgan as discrete columns.
    verbose : bool, default=False

    Attributes
    ----------
    fit_seconds_, sample_seconds_ : float
        Seconds spent training and generating in ``fit_resample``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff import CTGANOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = np.array([0] * 45 + [1] * 15)
    >>> X_res, y_res = CTGANOverSampler(epochs=2, random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [45, 45]
    """

    _model_name = "CTGAN"

    def _draw_conditioned(self, model, n: int, label: str) -> pd.DataFrame:
        return model.sample(n, condition_column=_CLASS, condition_value=label)


class TVAEOverSampler(_CTGANFamily):
    """TVAE (Xu et al., 2019) from the ``ctgan`` package, as an oversampler.

    Same parameters as :class:`CTGANOverSampler`; with ``conditional=True``
    the draws of the shared model are filtered to the class, since TVAE has no
    conditional sampling.

    Examples
    --------
    >>> import numpy as np
    >>> from imbdiff import TVAEOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = np.array([0] * 45 + [1] * 15)
    >>> X_res, y_res = TVAEOverSampler(epochs=2, random_state=0).fit_resample(X, y)
    >>> X_res.shape
    (90, 2)
    """

    _model_name = "TVAE"
