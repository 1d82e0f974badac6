"""The HVDM distance and an exact k-nearest-neighbour search under it.

The Heterogeneous Value Difference Metric of Wilson & Martinez (1997)::

    HVDM(x, z)^2 = sum over attributes a of d_a(x_a, z_a)^2
    d_a = 1                                     if x_a or z_a is missing
    d_a = |x_a - z_a| / (4 sigma_a)             if a is numeric
    d_a = sqrt(sum_c (P(c | x_a) - P(c | z_a))^2)  if a is nominal (N2 vdm)

Without missing values this is a Euclidean distance after an embedding (numeric
``x -> x / (4 sigma)``, nominal ``v -> (P(c | v))_c``). With missing values we
keep it exact with per-attribute presence masks: for attribute vectors ``e``
(zero where missing), presence ``m``, squared norms ``s`` and ``miss(x)`` the
number of attributes missing in ``x``,
``HVDM^2 = s(x).m(z) + m(x).(s(z) + 1 - m(z)) - 2 e(x).e(z) + miss(x)``, a single
matrix product of two augmented factors, so the whole search runs as chunked
BLAS products with no Python loop over pairs and no n x n matrix.

The search is exact: a single-precision product over all rows keeps every
candidate whose distance could be within the k-th neighbour's, with a margin
for each pair that bounds the product's rounding error (a standard bound for
dot products, times four), then candidates are re-ranked in double precision.
Exact ties are broken by row order (the lower row index first); two distances
that are equal in exact arithmetic can differ in their last bit after the
embedding, and then the smaller computed value comes first.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._runtime import available_cores, limit_threads
from ._validation import (
    check_positive_int,
    check_target,
    prepare_frame,
)

__all__ = ["hvdm_kneighbors", "hvdm_neighbours_of"]

_QUERY_CHUNK = 512


_REFERENCE_BLOCK = 4096


@dataclass
class _Embedding:
    """HVDM embedding of a table: attribute vectors, presence and squared norms."""

    vectors: np.ndarray  # (n, D) float64, zero where the attribute is missing
    present: np.ndarray  # (n, A) float64, 1 where the attribute is present
    sqnorm: np.ndarray  # (n, A) float64, squared norm of each attribute vector
    slices: list[slice]  # columns of `vectors` belonging to each attribute

    @property
    def has_missing(self) -> bool:
        return bool((self.present == 0).any())

    def factors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Factors with HVDM(x_i, x_j)^2 = L[i] . R[j] + offset[i], and magnitudes.

        ``L[:, 0]`` is all ones, so ``R[:, 0]`` adds a constant per column. The
        per-row ``offset`` stays out of the product: rows are only compared
        with themselves. Written so that no two large terms cancel: with
        presence ``m``, squared attribute norms ``s`` and ``miss`` the number
        of missing attributes, ``L = [1, s, m, e]``, ``R = [0, m, s + 1 - m,
        -2e]`` and ``offset = miss``; without missing values ``L = [1, e]``,
        ``R = [||e||^2, -2e]`` and ``offset = ||e||^2``. The sum of
        ``|L[i]| |R[j]|`` is at most ``2 (nu_i + nu_j)`` with the returned
        ``nu = ||e||^2 + miss``, which bounds the product's rounding error.
        """
        n = self.present.shape[0]
        ones = np.ones((n, 1))
        total = self.sqnorm.sum(axis=1)
        missing = self.present.shape[1] - self.present.sum(axis=1)
        magnitude = total + missing
        if not self.has_missing:
            left = np.hstack([ones, self.vectors])
            right = np.hstack([total[:, None], -2.0 * self.vectors])
            return left, right, total, magnitude
        left = np.hstack([ones, self.sqnorm, self.present, self.vectors])
        right = np.hstack(
            [
                np.zeros((n, 1)),
                self.present,
                self.sqnorm + 1.0 - self.present,
                -2.0 * self.vectors,
            ]
        )
        return left, right, missing, magnitude

    def exact_sq(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """HVDM^2 for the pairs (rows[i], cols[i]), from differences, in float64."""
        starts = np.array([s.start for s in self.slices])
        total = np.empty(len(rows))
        # Pieces of at most ~4M values keep the temporary arrays small.
        step = max(1, (1 << 22) // max(self.vectors.shape[1], 1))
        for lo in range(0, len(rows), step):
            r, c = rows[lo : lo + step], cols[lo : lo + step]
            diff = self.vectors[r] - self.vectors[c]
            per_attribute = np.add.reduceat(diff * diff, starts, axis=1)
            both = (self.present[r] * self.present[c]) > 0
            total[lo : lo + step] = np.where(both, per_attribute, 1.0).sum(axis=1)
        return total


def _embed(X: pd.DataFrame, y: np.ndarray, nominal: list) -> _Embedding:
    classes, y_codes = np.unique(y, return_inverse=True)
    numeric = [c for c in X.columns if c not in set(nominal)]
    blocks, presence, widths = [], [], []
    if numeric:
        block, present = _embed_numeric(_numeric_values(X, numeric))
        blocks.append(block)
        presence.append(present)
        widths.extend([1] * len(numeric))
    for column in nominal:
        block, present = _embed_nominal(X[column], y_codes, classes.size)
        blocks.append(block)
        presence.append(present[:, None])
        widths.append(block.shape[1])
    vectors = np.hstack(blocks)
    present = np.hstack(presence).astype(float)
    bounds = np.concatenate([[0], np.cumsum(widths)])
    slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    sqnorm = np.add.reduceat(vectors * vectors, bounds[:-1], axis=1)
    return _Embedding(vectors, present, sqnorm, slices)


def _numeric_values(X: pd.DataFrame, columns: list) -> np.ndarray:
    return X[columns].to_numpy(dtype=float, na_value=np.nan)


def _embed_numeric(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    present = ~np.isnan(x)
    mean, scale = _numeric_scale(x, present)
    return np.where(present, (x - mean) * scale, 0.0), present


def _numeric_scale(x: np.ndarray, present: np.ndarray):
    """Each column's mean and HVDM scale 1 / (4 sigma) (0 for a constant one)."""
    counts = present.sum(axis=0)
    filled = np.where(present, x, 0.0)
    mean = filled.sum(axis=0) / np.maximum(counts, 1)
    var = (np.where(present, x - mean, 0.0) ** 2).sum(axis=0) / np.maximum(counts, 1)
    sigma = np.sqrt(var)
    if not np.isfinite(sigma).all():
        raise ValueError(
            "a numeric column has values so large that its spread overflows; "
            "rescale it first."
        )
    # A constant column contributes nothing (all its differences are 0); the
    # mean is removed so that single-precision products lose little.
    scale = np.divide(1.0, 4.0 * sigma, out=np.zeros_like(sigma), where=sigma > 0)
    return mean, scale


def _embed_nominal(
    values: pd.Series, y_codes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    present = values.notna().to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    probs = _value_probabilities(codes, present, y_codes, len(uniques), n_classes)
    # The class-probability vectors of one attribute span at most
    # min(values, classes) - 1 dimensions; an orthonormal basis of their
    # differences keeps every distance and makes the products cheaper.
    centred = probs - probs.mean(axis=0) if len(probs) else probs
    if len(probs) > 1:
        _, sv, vt = np.linalg.svd(centred, full_matrices=False)
        rank = int((sv > 1e-12 * max(sv[0], 1e-300)).sum())
        reduced = centred @ vt[:rank].T
    else:
        reduced = np.zeros((len(probs), 0))
    if reduced.shape[1] == 0:
        reduced = np.zeros((len(probs), 1))
    out = np.zeros((len(values), reduced.shape[1]))
    out[present] = reduced[codes[present]]
    return out, present


def _value_probabilities(codes, present, y_codes, n_values: int, n_classes: int):
    """P(class | value) of each value of a nominal attribute (VDM's vectors)."""
    counts = np.zeros((n_values, n_classes))
    np.add.at(counts, (codes[present], y_codes[present]), 1.0)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)


def hvdm_neighbours_of(
    X, y, query, *, n_neighbors: int = 5, categorical_features="auto"
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest rows of ``X`` to each row of ``query``, under HVDM.

    Unlike :func:`hvdm_kneighbors`, the query rows are not rows of ``X``: they
    are measured with the statistics of ``X`` and ``y`` alone (each numeric
    column's spread, each nominal value's class frequencies), as a model's new
    rows are measured against the real ones. A query value that ``X`` never
    shows has no class frequencies (the zero vector). Neither table may hold
    missing values.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    query : array-like or DataFrame with the columns of ``X``
    n_neighbors : int, default=5
    categorical_features : "auto", None or list

    Returns
    -------
    distances, indices : ndarray of shape (n_query, n_neighbors)
        HVDM distances, ascending, and row positions in ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2]])
    >>> d, i = hvdm_neighbours_of(X, [0, 0, 1, 1], [[0.02], [1.05]], n_neighbors=2)
    >>> i.tolist()
    [[0, 1], [2, 3]]
    """
    from sklearn.neighbors import NearestNeighbors

    frame, nominal = prepare_frame(X, categorical_features, allow_nan=False)
    y_arr = check_target(y, n_rows=len(frame))
    asked = prepare_frame(
        pd.DataFrame(np.asarray(query, dtype=object), columns=frame.columns)
        if not isinstance(query, pd.DataFrame)
        else query,
        nominal,
        allow_nan=False,
    )[0]
    if list(asked.columns) != list(frame.columns):
        raise ValueError("query must have the columns of X.")
    check_positive_int(n_neighbors, "n_neighbors")
    if n_neighbors > len(frame):
        raise ValueError(f"n_neighbors={n_neighbors} exceeds the {len(frame)} rows.")
    classes, y_codes = np.unique(y_arr, return_inverse=True)
    numeric = [c for c in frame.columns if c not in set(nominal)]
    reference, queried = [], []
    if numeric:
        x = _numeric_values(frame, numeric)
        mean, scale = _numeric_scale(x, np.ones_like(x, dtype=bool))
        reference.append((x - mean) * scale)
        queried.append((_numeric_values(asked, numeric) - mean) * scale)
    for column in nominal:
        codes, uniques = pd.factorize(frame[column])
        probs = _value_probabilities(
            codes, codes >= 0, y_codes, len(uniques), classes.size
        )
        # One more row, of zeros, for values X never shows.
        probs = np.vstack([probs, np.zeros((1, classes.size))])
        reference.append(probs[codes])
        found = pd.Index(uniques).get_indexer(asked[column])
        queried.append(probs[np.where(found >= 0, found, len(uniques))])
    search = NearestNeighbors(n_neighbors=int(n_neighbors)).fit(np.hstack(reference))
    return search.kneighbors(np.hstack(queried))


def hvdm_kneighbors(
    X,
    y,
    *,
    n_neighbors: int = 5,
    query=None,
    categorical_features="auto",
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours under HVDM, each row against all other rows.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features; nominal columns are found as ``categorical_features`` says.
        Missing values (NaN / None) are allowed and handled exactly.
    y : array-like of shape (n_samples,)
        Class labels; they define the nominal attributes' value distances.
    n_neighbors : int, default=5
        Neighbours per query row (the row itself excluded).
    query : array-like of int or bool, optional
        Positions (or a boolean mask) of the rows whose neighbours are wanted;
        all rows by default.
    categorical_features : "auto", None or list
        See :func:`imbdiff._validation.resolve_categorical`: ``"auto"`` takes
        category, object, string and bool columns.
    n_jobs : int, optional
        Threads to use (default: all cores); each runs single-threaded BLAS.

    Returns
    -------
    distances : ndarray of shape (n_query, n_neighbors)
        HVDM distances, ascending.
    indices : ndarray of shape (n_query, n_neighbors)
        Row positions of the neighbours; exact ties go to the lower position.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [1.0], [1.2]])
    >>> d, i = hvdm_kneighbors(X, [0, 0, 1, 1], n_neighbors=1)
    >>> i.ravel().tolist()
    [1, 0, 3, 2]
    """
    frame, y_arr, nominal = _prepare(X, y, categorical_features)
    return _kneighbors(frame, y_arr, nominal, n_neighbors, query, n_jobs)


def _kneighbors(frame, y_arr, nominal, n_neighbors, query, n_jobs):
    n = len(frame)
    check_positive_int(n_neighbors, "n_neighbors")
    if n_neighbors >= n:
        raise ValueError(
            f"n_neighbors={n_neighbors} needs at least {n_neighbors + 1} rows; "
            f"X has {n}."
        )
    rows = _query_rows(query, n)
    embedding = _embed(frame, y_arr, nominal)
    return _search(embedding, rows, int(n_neighbors), n_jobs)


def _prepare(X, y, categorical_features) -> tuple[pd.DataFrame, np.ndarray, list]:
    frame, nominal = prepare_frame(X, categorical_features, allow_nan=True)
    y_arr = check_target(y, n_rows=len(frame))
    return frame, y_arr, nominal


def _query_rows(query, n: int) -> np.ndarray:
    if query is None:
        return np.arange(n)
    q = np.asarray(query)
    if q.dtype == bool:
        if q.shape != (n,):
            raise ValueError(f"a boolean query mask needs {n} entries; got {q.shape}.")
        return np.flatnonzero(q)
    q = q.astype(np.int64).ravel()
    if q.size and (q.min() < 0 or q.max() >= n):
        raise ValueError(f"query positions must lie in [0, {n}).")
    return q


def _search(
    embedding: _Embedding, rows: np.ndarray, k: int, n_jobs: int | None
) -> tuple[np.ndarray, np.ndarray]:
    left, right, offset, magnitude = embedding.factors()
    # A single-precision dot product of K terms (inputs rounded from double)
    # is off by at most (K + 2) u sum|L||R| <= 2 (K + 2) u (nu_i + nu_j), with
    # u = 2^-24. `slack` is four times that per unit of magnitude. Folding
    # -slack * nu_j into the product (through the column of ones of L) makes
    # each pair's margin scale with its own rows: one huge value widens the
    # margins of the pairs it is part of, not of every pair.
    slack = 4.0 * 2.0 * (left.shape[1] + 2) * 2.0**-24
    right = right.copy()
    right[:, 0] -= slack * magnitude
    left32 = left.astype(np.float32)
    right32 = right.astype(np.float32)

    chunks = [rows[s : s + _QUERY_CHUNK] for s in range(0, len(rows), _QUERY_CHUNK)]

    def work(chunk: np.ndarray):
        return _search_chunk(
            embedding, left32[chunk], right32, offset, magnitude, chunk, k, slack
        )

    n_threads = _n_threads(n_jobs)
    # One BLAS thread per worker; the limit is process-wide, so set it once.
    with limit_threads(blas_threads=1):
        if n_threads == 1 or len(chunks) == 1:
            results = [work(c) for c in chunks]
        else:
            with ThreadPoolExecutor(max_workers=n_threads) as pool:
                results = list(pool.map(work, chunks))
    if not results:
        return np.zeros((0, k)), np.zeros((0, k), dtype=np.int64)
    distances = np.vstack([r[0] for r in results])
    indices = np.vstack([r[1] for r in results])
    return distances, indices


def _search_chunk(
    embedding: _Embedding,
    left: np.ndarray,
    right: np.ndarray,
    offset: np.ndarray,
    magnitude: np.ndarray,
    rows: np.ndarray,
    k: int,
    slack: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of ``rows``; see :func:`_search` for the bounds.

    ``left @ right.T`` is G = d^2 - offset_i - slack * nu_j up to a rounding
    error below slack * (nu_i + nu_j) / 4. Hence (1) over a block, min_j d^2 is
    at most min_j G + offset_i + slack * (nu_i + 2 max_j nu_j), and (2) every j
    with d^2 <= bound has G <= bound - offset_i + slack * nu_i.
    """
    n = right.shape[0]
    # At least k + 1 disjoint blocks: if k + 1 blocks each hold a row within d,
    # then k rows besides the query itself lie within d, so the (k+1)-th
    # smallest block bound bounds the k-th neighbour's distance.
    size = max(1, min(_REFERENCE_BLOCK, n // (k + 1)))
    starts = range(0, n, size)
    buffer = np.empty((left.shape[0], size), dtype=left.dtype)
    minima = np.empty((left.shape[0], len(starts)), dtype=left.dtype)
    block_magnitude = np.empty(len(starts))
    for b, start in enumerate(starts):
        out = buffer[:, : min(size, n - start)]
        np.matmul(left, right[start : start + size].T, out=out)
        out.min(axis=1, out=minima[:, b])
        block_magnitude[b] = magnitude[start : start + size].max()
    row_slack = slack * magnitude[rows]
    row_offset = offset[rows]
    upper = minima + (
        (row_offset + row_slack)[:, None] + 2.0 * slack * block_magnitude[None, :]
    )
    bound = np.partition(upper, k, axis=1)[:, k]
    threshold = bound - row_offset + row_slack
    # Round up, never down, on the way to single precision.
    threshold = np.nextafter(threshold.astype(left.dtype), np.inf)

    # Second pass, only over the (row, block) pairs that can hold a neighbour.
    flagged = minima <= threshold[:, None]
    cand_rows, cand_cols = [], []
    for b in np.flatnonzero(flagged.any(axis=0)):
        hit_rows = np.flatnonzero(flagged[:, b])
        start = starts[b]
        block = left[hit_rows] @ right[start : start + size].T
        r, c = _true_positions(block <= threshold[hit_rows, None])
        cand_rows.append(hit_rows[r])
        cand_cols.append(c + start)
    local = np.concatenate(cand_rows)
    cols = np.concatenate(cand_cols)
    keep = cols != rows[local]
    local, cols = local[keep], cols[keep]
    exact = embedding.exact_sq(rows[local], cols)
    order = np.lexsort((cols, exact, local))
    local, cols, exact = local[order], cols[order], exact[order]
    first = np.searchsorted(local, np.arange(len(rows)))
    counts = np.diff(np.append(first, len(local)))
    if (counts < k).any():
        raise RuntimeError("HVDM neighbour search lost candidates; please report.")
    take = first[:, None] + np.arange(k)[None, :]
    dist = np.sqrt(np.maximum(exact[take], 0.0))
    return dist, cols[take]


def _true_positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a sparse 2-d boolean array, scanning 8 bytes at a time."""
    width = mask.shape[1]
    if width % 8:
        return np.nonzero(mask)
    words = np.flatnonzero(np.ascontiguousarray(mask).view(np.uint64))
    word_rows, offsets = np.nonzero(mask.reshape(-1, 8)[words])
    flat = words[word_rows] * 8 + offsets
    return flat // width, flat % width


def _n_threads(n_jobs: int | None) -> int:
    if n_jobs is not None and (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, (int, np.integer))
        or n_jobs == 0
    ):
        raise ValueError(
            f"n_jobs must be None, a positive number of threads, or negative "
            f"(-1 = all cores); got {n_jobs!r}."
        )
    available = available_cores()
    if n_jobs is None or n_jobs == -1:
        return available
    if n_jobs < 1:
        return max(1, available + 1 + n_jobs)
    return int(n_jobs)
