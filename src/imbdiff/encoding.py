"""The tabular encoder: mixed columns <-> one real matrix for the diffusion model.

Numeric columns are mapped to a standard normal through their empirical
quantiles (the default) or standardised; nominal columns become one-hot blocks
(decoded by argmax) or fixed per-attribute embedding vectors (decoded to the
nearest vector of that attribute, as FinDiff decodes).

Two quantile maps exist. The default, ``"quantile-ends"`` (like scikit-learn's
``QuantileTransformer``), spreads the quantiles from probability 0 to 1, so a
column's minimum and maximum land at |z| = 5.2 whatever the class's size: a
16-row column then has a standard deviation of 2.0. ``"quantile"`` places the
k-th of n values at the normal score of (k - 1/2) / n (Hazen's plotting
position): a 16-row column encodes with a standard deviation of 0.96 and
|z| <= 1.86 (docs/samplers.md prints both). The second lost to the first on
the tuning group for all four diffusion samplers (BENCHMARKS.md, "Defect
fixes"), so it is an option.

Embedding vectors: ``"embedding"`` gives the categories of an attribute the
signed axes of a random rotation, any two at least one-hot's distance
(sqrt 2) apart, the dimension growing to ``ceil(categories / 2)`` when the
attribute has more categories than ``2 * embedding_dim``;
``"embedding-random"`` (FinDiff's and LReDDPM's default) draws independent
random unit vectors, which may lie much closer than sqrt 2.

Every fitted quantity is a plain array (:meth:`TabularEncoder.state`), so a
fitted encoder can be saved without pickling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.exceptions import NotFittedError

from ._validation import as_frame, plain, prepare_frame

__all__ = ["CATEGORICAL_ENCODINGS", "NUMERIC_ENCODINGS", "TabularEncoder"]

_EPS = 1e-7  # keeps the normal quantile function finite at the ends

#: The values of :class:`TabularEncoder`'s ``numeric`` and ``categorical``.
NUMERIC_ENCODINGS = ("quantile", "quantile-ends", "standard")
CATEGORICAL_ENCODINGS = ("onehot", "embedding", "embedding-random")


class TabularEncoder:
    """Fit / transform / inverse_transform between a table and a real matrix.

    Parameters
    ----------
    numeric : {"quantile-ends", "quantile", "standard"}, default="quantile-ends"
        ``"quantile-ends"`` maps each numeric column to N(0, 1) through at
        most ``n_quantiles`` of its empirical quantiles (piecewise linear),
        spread from probability 0 to 1 (clipped at 1e-7: the extremes land at
        |z| = 5.2); ``"quantile"`` does the same with the k-th of n at
        probability (k - 1/2) / n (with more than ``n_quantiles``
        values, the m = ``n_quantiles`` knots are the quantiles at (k - 1/2) / m,
        so values beyond the outer knots, about n / 2m at each end, encode
        and decode as those knots); ``"standard"`` subtracts the mean and
        divides by the standard deviation.
    categorical : {"onehot", "embedding", "embedding-random"}, default="onehot"
        ``"onehot"``: one column per category, decoded by argmax.
        ``"embedding"``: each category of an attribute gets a fixed unit vector
        (a signed axis of a random rotation drawn with ``random_state``) of
        ``max(embedding_dim, ceil(categories / 2))`` values, any two at least
        sqrt 2 apart; decoded to the nearest vector of that attribute.
        ``"embedding-random"``: independent random unit vectors of
        ``embedding_dim`` values (which may lie close).
    categorical_features : "auto", None or sequence, default="auto"
        Nominal columns (see :func:`imbdiff._validation.resolve_categorical`).
    n_quantiles : int, default=1000
    embedding_dim : int, default=4
    random_state : int, default=0
        Seed of the embedding vectors.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [21, 35, 52, 40], "job": ["a", "b", "a", "c"]})
    >>> enc = TabularEncoder().fit(X)
    >>> Z = enc.transform(X)
    >>> Z.shape
    (4, 4)
    >>> enc.inverse_transform(Z).equals(X)
    True
    """

    def __init__(
        self,
        *,
        numeric: str = "quantile-ends",
        categorical: str = "onehot",
        categorical_features: str | Sequence | None = "auto",
        n_quantiles: int = 1000,
        embedding_dim: int = 4,
        random_state: int = 0,
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.categorical_features = categorical_features
        self.n_quantiles = n_quantiles
        self.embedding_dim = embedding_dim
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------
    def fit(self, X) -> TabularEncoder:
        """Learn the column kinds, quantiles or moments, and categories of ``X``."""
        if self.numeric not in NUMERIC_ENCODINGS:
            raise ValueError(
                f"numeric must be one of {list(NUMERIC_ENCODINGS)}; "
                f"got {self.numeric!r}."
            )
        if self.categorical not in CATEGORICAL_ENCODINGS:
            raise ValueError(
                f"categorical must be one of {list(CATEGORICAL_ENCODINGS)}; "
                f"got {self.categorical!r}."
            )
        frame, nominal = prepare_frame(X, self.categorical_features, allow_nan=False)
        if len(frame) == 0:
            raise ValueError("X has no rows; there is nothing to encode.")
        self.is_frame_ = isinstance(X, pd.DataFrame)
        self.columns_ = list(frame.columns)
        self.dtypes_ = [frame[c].dtype for c in self.columns_]
        nominal = set(nominal)
        self.nominal_ = [c in nominal for c in self.columns_]

        rng = np.random.default_rng(self.random_state)
        self.params_: list[dict] = []
        self.widths_: list[int] = []
        for column, is_nominal in zip(self.columns_, self.nominal_):
            values = frame[column]
            if is_nominal:
                params = self._fit_nominal(values, rng)
            else:
                params = self._fit_numeric(values.to_numpy(dtype=float))
            self.params_.append(params)
            self.widths_.append(1 if not is_nominal else params["vectors"].shape[1])
        self.n_encoded_ = int(sum(self.widths_))
        return self

    def _fit_numeric(self, x: np.ndarray) -> dict:
        params = {"min": float(x.min()), "max": float(x.max())}
        if self.numeric == "standard":
            std = float(x.std())
            params.update(mean=float(x.mean()), std=std if std > 0 else 1.0)
        elif self.numeric == "quantile-ends":
            levels = np.linspace(0.0, 1.0, max(2, min(self.n_quantiles, x.size)))
            params.update(levels=levels, quantiles=np.quantile(x, levels))
        else:
            m = max(2, min(self.n_quantiles, x.size))
            levels = (np.arange(m) + 0.5) / m
            # With m = n, Hazen's definition returns the order statistics
            # themselves, so every training value is a knot and decodes exactly.
            params.update(
                levels=levels, quantiles=np.quantile(x, levels, method="hazen")
            )
        return params

    def _fit_nominal(self, values: pd.Series, rng: np.random.Generator) -> dict:
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = list(values.cat.categories)
        else:
            categories = sorted(pd.unique(values), key=str)
        k = len(categories)
        if self.categorical == "onehot":
            vectors = np.eye(k)
        elif self.categorical == "embedding-random":
            vectors = rng.normal(size=(k, self.embedding_dim))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        else:
            vectors = signed_axes(k, max(self.embedding_dim, -(-k // 2)), rng)
        return {"categories": categories, "vectors": vectors}

    # -- saving ----------------------------------------------------------------------
    _SETTINGS = (
        "numeric",
        "categorical",
        "n_quantiles",
        "embedding_dim",
        "random_state",
    )

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The fitted encoder as JSON-ready values and named arrays (no pickle)."""
        self._check_fitted()
        columns, arrays = [], {}
        for i, (column, is_nominal, params) in enumerate(
            zip(self.columns_, self.nominal_, self.params_)
        ):
            entry = {"name": plain(column), "nominal": is_nominal}
            for key, value in params.items():
                if isinstance(value, np.ndarray):
                    arrays[f"{i}.{key}"] = value
                elif key == "categories":
                    entry[key] = [plain(c) for c in value]
                else:
                    entry[key] = value
            entry["dtype"] = dtype_to_json(self.dtypes_[i])
            columns.append(entry)
        settings = {name: getattr(self, name) for name in self._SETTINGS}
        meta = {"settings": settings, "is_frame": self.is_frame_, "columns": columns}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray]) -> TabularEncoder:
        """Rebuild an encoder saved by :meth:`state`."""
        encoder = cls(**meta["settings"])
        encoder.is_frame_ = bool(meta["is_frame"])
        encoder.columns_, encoder.nominal_, encoder.params_ = [], [], []
        encoder.dtypes_, encoder.widths_ = [], []
        for i, entry in enumerate(meta["columns"]):
            params = {
                k: v for k, v in entry.items() if k not in ("name", "nominal", "dtype")
            }
            for key in ("levels", "quantiles", "vectors"):
                if f"{i}.{key}" in arrays:
                    params[key] = np.asarray(arrays[f"{i}.{key}"], dtype=np.float64)
            encoder.columns_.append(entry["name"])
            encoder.nominal_.append(bool(entry["nominal"]))
            encoder.params_.append(params)
            encoder.dtypes_.append(dtype_from_json(entry["dtype"]))
            encoder.widths_.append(
                params["vectors"].shape[1] if entry["nominal"] else 1
            )
        encoder.n_encoded_ = int(sum(encoder.widths_))
        return encoder

    # -- transforming ---------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Encode ``X`` into a float matrix of ``n_encoded_`` columns."""
        frame = self._check_columns(X)
        blocks = []
        for column, is_nominal, params in zip(
            self.columns_, self.nominal_, self.params_
        ):
            values = frame[column]
            if is_nominal:
                blocks.append(self._encode_nominal(column, values, params))
            else:
                blocks.append(
                    self._encode_numeric(values.to_numpy(dtype=float), params)
                )
        return np.hstack(blocks).astype(np.float64)

    def _check_columns(self, X) -> pd.DataFrame:
        self._check_fitted()
        frame = as_frame(X)
        if list(frame.columns) != self.columns_:
            raise ValueError(
                f"X has columns {list(frame.columns)[:10]}; the encoder was fitted on "
                f"{self.columns_[:10]}."
            )
        nominal = [c for c, is_nom in zip(self.columns_, self.nominal_) if is_nom]
        return prepare_frame(frame, nominal, allow_nan=False)[0]

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("this encoder is not fitted; call fit first.")

    def _encode_numeric(self, x: np.ndarray, params: dict) -> np.ndarray:
        if self.numeric == "standard":
            return ((x - params["mean"]) / params["std"])[:, None]
        q, levels = params["quantiles"], params["levels"]
        # Average of the forward and backward interpolation, so that a value
        # repeated over several quantiles maps to the middle of its range.
        u = 0.5 * (np.interp(x, q, levels) - np.interp(-x, -q[::-1], -levels[::-1]))
        return ndtri(np.clip(u, _EPS, 1 - _EPS))[:, None]

    def _encode_nominal(self, column, values: pd.Series, params: dict) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(params["categories"])}
        codes = values.map(lookup)
        if codes.isna().any():
            unseen = sorted({str(v) for v in values[codes.isna()]})
            raise ValueError(
                f"column {column!r} holds categories unseen in training: {unseen[:5]}; "
                f"known: {[str(c) for c in params['categories']][:10]}."
            )
        return params["vectors"][codes.to_numpy(dtype=int)]

    def inverse_transform(self, Z: np.ndarray):
        """Decode a matrix back to the user's columns, dtypes and categories.

        Numeric values are clipped to the training range and integer columns
        rounded; nominal values are always training categories.
        """
        self._check_fitted()
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_encoded_:
            raise ValueError(
                f"expected a matrix of {self.n_encoded_} columns; got shape {Z.shape}."
            )
        if not np.isfinite(Z).all():
            raise ValueError("the matrix to decode holds NaN or infinite values.")
        out = {}
        start = 0
        for column, is_nominal, params, width, dtype in zip(
            self.columns_, self.nominal_, self.params_, self.widths_, self.dtypes_
        ):
            block = Z[:, start : start + width]
            start += width
            if is_nominal:
                out[column] = self._decode_nominal(block, params, dtype)
            else:
                out[column] = self._decode_numeric(block[:, 0], params, dtype)
        frame = pd.DataFrame(out, columns=self.columns_)
        return frame if self.is_frame_ else frame.to_numpy()

    def _decode_numeric(self, z: np.ndarray, params: dict, dtype) -> pd.Series:
        if self.numeric == "standard":
            x = z * params["std"] + params["mean"]
        else:
            x = _interp_snapped(ndtr(z), params["levels"], params["quantiles"])
        x = np.clip(x, params["min"], params["max"])
        if pd.api.types.is_integer_dtype(dtype):
            return pd.Series(np.round(x)).astype(dtype)
        return pd.Series(x).astype(dtype)

    def _decode_nominal(self, block: np.ndarray, params: dict, dtype) -> pd.Series:
        vectors = params["vectors"]
        if self.categorical == "onehot":
            codes = block.argmax(axis=1)
        else:
            distances = ((block[:, None, :] - vectors[None, :, :]) ** 2).sum(axis=2)
            codes = distances.argmin(axis=1)
        categories = params["categories"]
        if isinstance(dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
        values = pd.Series(np.asarray(categories, dtype=object)[codes])
        return values.astype(dtype)


def _interp_snapped(u: np.ndarray, levels: np.ndarray, values: np.ndarray):
    """``np.interp(u, levels, values)``, except that a ``u`` within 1e-12 of
    a level returns that level's value exactly: ``ndtr(ndtri(u))`` may differ
    from ``u`` in its last bit, and an encoded training value must decode to
    itself, not to a neighbour one rounding away."""
    j = np.clip(np.searchsorted(levels, u), 1, len(levels) - 1)
    nearest = np.where(u - levels[j - 1] < levels[j] - u, j - 1, j)
    close = np.abs(u - levels[nearest]) <= 1e-12
    return np.where(close, values[nearest], np.interp(u, levels, values))


def signed_axes(k: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` unit vectors of ``dim`` values, pairwise at least sqrt 2 apart.

    The axes of a random rotation and their negatives, interleaved (axis 1,
    minus axis 1, axis 2, ...): two of them are orthogonal (sqrt 2 apart) or
    opposite (2 apart). ``2 * dim`` is the most such vectors that exist.

    Examples
    --------
    >>> v = signed_axes(12, 6, np.random.default_rng(0))
    >>> v.shape
    (12, 6)
    >>> d = np.linalg.norm(v[:, None] - v[None], axis=2)[np.triu_indices(12, 1)]
    >>> bool(d.min() >= np.sqrt(2) - 1e-12)
    True
    """
    if k > 2 * dim:
        raise ValueError(f"{k} vectors need at least {-(-k // 2)} dimensions.")
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    q *= np.sign(np.diag(r))  # a rotation drawn uniformly, not biased by QR
    axes = q.T[: -(-k // 2)]
    return np.ascontiguousarray(np.stack([axes, -axes], axis=1).reshape(-1, dim)[:k])


def one_hot(column: pd.Series, categories: pd.Index) -> np.ndarray:
    """Indicator columns of ``column``'s values among ``categories`` (a value
    that is not one of them gets a row of zeros).

    Examples
    --------
    >>> one_hot(pd.Series(["b", "a", "z"]), pd.Index(["a", "b"])).tolist()
    [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    """
    codes = categories.get_indexer(column.astype(object))
    out = np.zeros((codes.size, len(categories)))
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    return out


def dtype_to_json(dtype) -> dict:
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "kind": "category",
            "categories": [plain(c) for c in dtype.categories],
            "ordered": bool(dtype.ordered),
        }
    return {"kind": str(dtype)}


def dtype_from_json(spec: dict):
    if spec["kind"] == "category":
        return pd.CategoricalDtype(spec["categories"], ordered=spec["ordered"])
    return pd.api.types.pandas_dtype(spec["kind"])
