"""The report's pictures, drawn with matplotlib when it is installed.

G-mean bars and training-loss curves from the scores; t-SNE maps of the
first seed and fold's real and synthetic rows (:func:`first_cells` loads
each dataset once for the maps and the region composition).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from ...datasets import load_dataset
from ...evaluation import FeatureEncoder
from .._engine import split
from .._suite import read_options
from ._statistics import mean_std

__all__ = [
    "first_cells",
    "mapped_datasets",
    "panel_grid",
    "pictures",
    "pyplot",
    "tsne_picture",
]


def pictures(data, done, order, out: Path) -> dict[str, str]:
    plt = pyplot()
    if plt is None:
        return {}
    drawn = {}
    gmean = data[(data["metric"] == "gmean") & (data["classifier"] == "decision_tree")]
    if not gmean.empty:
        means, _ = mean_std(gmean, order)
        fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(means)), 4))
        means.plot.bar(ax=ax, width=0.8, rot=0)
        ax.set_ylabel("G-mean (decision tree)")
        ax.set_xlabel("")
        ax.legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
        fig.tight_layout()
        fig.savefig(out / "gmean_bars.png", dpi=100)
        plt.close(fig)
        drawn["G-mean per dataset and method (decision tree)"] = "gmean_bars.png"
    curves = done[done["loss_history"].notna()]
    first = curves.sort_values(["seed", "fold"]).drop_duplicates(["dataset", "label"])
    if not first.empty:
        datasets = sorted(first["dataset"].unique())
        fig, axes = panel_grid(plt, len(datasets), 4, 3)
        for ax, dataset in zip(axes, datasets):
            for row in first[first["dataset"] == dataset].itertuples():
                history = json.loads(row.loss_history)
                losses = history["losses"]
                steps = np.linspace(
                    history["steps"] / len(losses), history["steps"], len(losses)
                )
                ax.plot(steps, losses, marker=".", label=row.label)
            ax.set_title(dataset)
            ax.set_xlabel("training step")
            ax.set_yscale("log")
            ax.legend(fontsize="small")
        axes[0].set_ylabel("training loss")
        fig.tight_layout()
        fig.savefig(out / "loss_curves.png", dpi=100)
        plt.close(fig)
        drawn["Training loss (first seed and fold)"] = "loss_curves.png"
    return drawn


def first_cells(store, done, order, definition) -> Iterator[tuple]:
    """Per dataset, the first seed and fold's training part and each method's
    kept synthetic rows: ``(dataset, X_train, is_minority, {label: rows})``,
    one dataset at a time, each loaded and split once for every picture and
    table (see :func:`mapped_datasets`)."""
    targets = dict(tuple(d) for d in definition["datasets"])
    reading = definition.get("reading", {})
    kept = _first_seed_and_fold(done, definition)
    for dataset in sorted(kept["dataset"].unique()):
        options = read_options(reading, dataset)
        data = load_dataset(dataset, target=targets.get(dataset), **options)
        X_train, _, y_train, _ = split(
            data.X,
            data.y.to_numpy(),
            protocol=definition["protocol"],
            test_size=definition["test_size"],
            split_seed=definition["split_seed"],
            folds=definition["folds"],
            seed=definition["seeds"][0],
            fold=0,
        )
        synthetic = {}
        for label in [label for label in order if label in set(kept["label"])]:
            key = kept.loc[
                (kept["dataset"] == dataset) & (kept["label"] == label), "cell"
            ]
            rows = store.samples(key.iloc[0]) if len(key) else None
            if rows is not None and len(rows):
                synthetic[label] = _training_dtypes(rows, X_train)
            else:
                synthetic[label] = None
        yield dataset, X_train, y_train == data.minority_label, synthetic


def mapped_datasets(done, definition) -> int:
    """How many datasets :func:`first_cells` yields."""
    if not definition:
        return 0
    return _first_seed_and_fold(done, definition)["dataset"].nunique()


def _first_seed_and_fold(done, definition):
    return done[(done["seed"] == definition["seeds"][0]) & (done["fold"] == 0)]


def _training_dtypes(rows: pd.DataFrame, X_train: pd.DataFrame) -> pd.DataFrame:
    """Rows read back from CSV, with the training columns' dtypes; a nominal
    value is matched by its text ("1" and 1 are one category)."""
    out = rows.copy()
    for column in out.columns:
        dtype = X_train[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) or not is_numeric_dtype(dtype):
            seen = pd.unique(X_train[column].astype(object))
            by_text = {str(v): v for v in seen}
            out[column] = out[column].astype(str).map(by_text)
        out[column] = out[column].astype(dtype)
    return out


def tsne_picture(plt, mapped: tuple, out: Path) -> dict[str, str]:
    """A dataset's t-SNE map: real classes and each method's synthetic rows,
    one panel per method (``mapped`` as :func:`first_cells` yields it)."""
    from sklearn.manifold import TSNE

    dataset, X_train, minority, synthetic = mapped
    rng = np.random.default_rng(0)
    parts = {
        "majority": _subsample(X_train[~minority], 600, rng),
        "minority": _subsample(X_train[minority], 600, rng),
    }
    labels = list(synthetic)
    for label, rows in synthetic.items():
        if rows is not None:
            parts[label] = _subsample(rows, 300, rng)
    encoder = FeatureEncoder().fit(X_train)
    stacked = np.vstack([encoder.transform(p) for p in parts.values()])
    perplexity = float(min(30, max(2, (len(stacked) - 1) // 3)))
    embedded = TSNE(perplexity=perplexity, init="pca", random_state=0).fit_transform(
        stacked
    )
    bounds = np.cumsum([0, *[len(p) for p in parts.values()]])
    where = dict(zip(parts, itertools.pairwise(bounds)))
    fig, axes = panel_grid(plt, len(labels), 3, 3)
    for ax, label in zip(axes, labels):
        for name, colour in (("majority", "0.75"), ("minority", "tab:blue")):
            a, b = where[name]
            ax.scatter(*embedded[a:b].T, s=3, c=colour, label=name)
        if label in where:
            a, b = where[label]
            ax.scatter(*embedded[a:b].T, s=3, c="tab:red", label="synthetic")
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend(fontsize="x-small", markerscale=3)
    fig.suptitle(dataset)
    fig.tight_layout()
    name = f"tsne_{_file_name(dataset)}.png"
    fig.savefig(out / name, dpi=100)
    plt.close(fig)
    return {f"t-SNE of {dataset}: majority, minority and synthetic rows": name}


def _file_name(dataset: str) -> str:
    """A name for a dataset's picture file: a registry name as it is, a
    file by its name and a short hash of its path (two folders may hold
    files of one name)."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(dataset).name)
    if base == dataset:
        return base
    return f"{base}_{hashlib.sha256(dataset.encode()).hexdigest()[:8]}"


def pyplot():
    """matplotlib's pyplot drawing to files, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def panel_grid(plt, n: int, width: float, height: float, columns: int = 4):
    """A figure of ``n`` panels in rows of at most ``columns``; the unused
    panels are hidden. Returns the figure and the ``n`` axes in order."""
    n_cols = min(n, columns)
    n_rows = -(-n // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(width * n_cols, height * n_rows), squeeze=False
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _subsample(frame: pd.DataFrame, n: int, rng) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]
