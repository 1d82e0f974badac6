"""One cell's work: load and split its data, resample, score every classifier."""

from __future__ import annotations

import json
import os
import time
import traceback

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from .._runtime import limit_threads
from ..datasets import load_dataset
from ..evaluation import (
    FeatureEncoder,
    holdout_split,
    js_distance,
    memorisation_summary,
    mmd,
    resample_and_score,
    wasserstein_distance,
)
from ._suite import Cell, device_type

__all__ = ["DISTANCE_METRICS", "SAMPLER_METRICS", "run_cell", "split"]

#: Distances of a cell's synthetic rows to the real training minority rows.
DISTANCE_METRICS = ("js", "wasserstein", "mmd_linear", "mmd_rbf")

#: Metrics of a cell's synthetic rows themselves (stored with an empty
#: classifier): the distances, and memorisation against the training
#: minority rows with real held-out minority rows as reference.
SAMPLER_METRICS = (
    *DISTANCE_METRICS,
    "synthetic_dcr_median",
    "synthetic_exact_copy_share",
    "holdout_dcr_median",
    "holdout_exact_copy_share",
)


def run_cell(cell: Cell) -> dict:
    """Fit the cell's sampler once, score every classifier; never raises.

    The cell runs with its own thread count (``cell.threads``). Returns the
    record :meth:`Store.write` takes, with ``status`` ``"failed"`` and the
    error's type, message and place when anything went wrong (a machine
    whose device type is not the cell's included).
    """
    start = time.perf_counter()
    record = {
        "cell": cell.key,
        "dataset": cell.dataset,
        "method": cell.method.method,
        "label": cell.method.label,
        "seed": cell.seed,
        "fold": cell.fold,
        "params": dict(cell.method.params),
    }
    try:
        # Computed here, not read from the cell: a Dask worker may differ.
        here = device_type(cell.sampler())
        if here != cell.device:
            raise RuntimeError(
                f"the cell is keyed for device type {cell.device!r}, but its "
                f"sampler runs on {here!r} here; run it where the run started."
            )
        with limit_threads(cell.threads, cell.threads):
            record.update(_fit_and_score(cell))
        record["status"], record["error"] = "done", None
    except Exception as error:  # a failed cell is data, not the end of the run
        place = traceback.extract_tb(error.__traceback__)[-1]
        record["status"] = "failed"
        record["error"] = (
            f"{type(error).__name__}: {error} "
            f"({os.path.basename(place.filename)}:{place.lineno})"
        )
    # The whole cell: loading, splitting, resampling and every classifier.
    record["cell_seconds"] = time.perf_counter() - start
    return record


def split(X, y, *, protocol, test_size, split_seed, folds, seed, fold):
    """The training and test parts of one cell: ``X_train, X_test, y_train,
    y_test`` (the same cut whenever the same suite asks for it)."""
    if protocol == "holdout":
        return holdout_split(X, y, test_size=test_size, random_state=split_seed)
    cuts = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    train, test = list(cuts.split(np.zeros((len(y), 1)), y))[fold]
    return X.iloc[train], X.iloc[test], y[train], y[test]


def _fit_and_score(cell: Cell) -> dict:
    """The cell's results as :meth:`Store.write` takes them (no status)."""
    dataset = load_dataset(
        cell.dataset,
        target=cell.target,
        drop=list(cell.drop) or None,
        categorical=list(cell.categorical) or None,
    )
    y = dataset.y.to_numpy()
    X_train, X_test, y_train, y_test = split(
        dataset.X,
        y,
        protocol=cell.protocol,
        test_size=cell.test_size,
        split_seed=cell.split_seed,
        folds=cell.folds,
        seed=cell.seed,
        fold=cell.fold,
    )
    minority = dataset.minority_label
    sampler, X_res, y_res, scores, total = resample_and_score(
        cell.sampler(),
        X_train,
        y_train,
        X_test,
        y_test,
        names=cell.classifiers,
        seed=cell.seed,
        pos_label=minority,
        adjust=cell.method.adjustment,
    )
    params = {} if sampler is None else _json_params(sampler.get_params(deep=False))
    if "model_cache" not in cell.method.params:
        # The run's cache folder is where it ran, not how the sampler ran.
        params.pop("model_cache", None)
    n_synthetic = int(len(y_res) - len(y_train))
    metrics = [
        (name, metric, value)
        for name, values in scores.items()
        for metric, value in values.items()
    ]
    synthetic = None
    if n_synthetic > 0:
        synthetic = pd.DataFrame(X_res).iloc[len(y_train) :].reset_index(drop=True)
        metrics += _synthetic_rows_metrics(
            synthetic, X_train, X_test, y_train, y_test, minority
        )
    history = getattr(getattr(sampler, "models_", {}).get(minority), "history", None)
    return {
        "params": params,
        "fit_seconds": getattr(sampler, "fit_seconds_", total),
        "sample_seconds": getattr(sampler, "sample_seconds_", None),
        "total_seconds": total,
        "n_synthetic": n_synthetic,
        "loss_history": _loss_history(history),
        "metrics": metrics,
        "samples": synthetic if cell.keep_samples else None,
    }


def _synthetic_rows_metrics(
    synthetic, X_train, X_test, y_train, y_test, minority
) -> list[tuple[str, str, float]]:
    """The :data:`SAMPLER_METRICS` rows of a cell, with an empty classifier."""
    real = X_train[y_train == minority].reset_index(drop=True)
    held_out = X_test[y_test == minority].reset_index(drop=True)
    # A synthetic minority row may take a category only the majority
    # shows: every value of the training part is a value of the column.
    categories = {
        column: X_train[column].astype(object).unique()
        for column in X_train.columns
        if not pd.api.types.is_numeric_dtype(X_train[column].dtype)
    }
    return [
        ("", name, value)
        for name, value in _sampler_metrics(
            real, synthetic, held_out, categories
        ).items()
    ]


def _loss_history(history) -> dict | None:
    """A diffusion model's training losses as JSON can hold them."""
    if history is None:
        return None
    return {"steps": int(history.steps), "losses": list(history.losses)}


def _sampler_metrics(real, synthetic, held_out, categories) -> dict[str, float]:
    """Distances of the synthetic rows to the real minority, and memorisation."""
    out = {
        "js": js_distance(real, synthetic, categories=categories),
        "wasserstein": wasserstein_distance(real, synthetic, categories=categories),
        "mmd_linear": mmd(real, synthetic, kernel="linear", categories=categories),
        "mmd_rbf": mmd(real, synthetic, kernel="rbf", categories=categories),
    }
    # Memorisation in the classifiers' encoding, fitted on the real minority.
    encoder = FeatureEncoder().fit(real)
    summary = memorisation_summary(
        encoder.transform(synthetic),
        encoder.transform(real),
        encoder.transform(held_out),
    )
    out.update({k: v for k, v in summary.items() if k in SAMPLER_METRICS})
    return out


def _json_params(params: dict) -> dict:
    """Parameters as JSON can hold them (objects by their text)."""
    return json.loads(json.dumps(params, default=str))
