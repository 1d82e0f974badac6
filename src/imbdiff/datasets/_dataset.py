"""The in-memory form of a dataset: features, target and what we know of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """A tabular classification dataset.

    Attributes
    ----------
    name : str
        Registry name, or the file path it was read from.
    X : DataFrame
        Features: numeric columns as ``int64``/``float64``, nominal ones as
        ``category``.
    y : Series
        Class labels, as in the source.
    minority_label : object
        The least frequent class (on a tie, the label that sorts last).
    source : str
        Where the data comes from (repository and file).
    aliases : tuple of str
        Other registry names for the same data (the papers' short names).

    Examples
    --------
    >>> from imbdiff import load_dataset
    >>> ds = load_dataset("yeast3")
    >>> ds.n_rows, ds.n_numeric, ds.n_categorical
    (1484, 8, 0)
    >>> round(ds.imbalance_ratio, 2)
    8.1
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    minority_label: object
    source: str
    aliases: tuple[str, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.X)

    @property
    def categorical_columns(self) -> list:
        """Labels of the nominal (``category``) columns."""
        return [
            c
            for c in self.X.columns
            if isinstance(self.X[c].dtype, pd.CategoricalDtype)
        ]

    @property
    def n_categorical(self) -> int:
        """Number of nominal columns."""
        return len(self.categorical_columns)

    @property
    def n_numeric(self) -> int:
        """Number of numeric columns."""
        return self.X.shape[1] - self.n_categorical

    @property
    def class_counts(self) -> pd.Series:
        """Rows per class, most frequent first."""
        return self.y.value_counts()

    @property
    def imbalance_ratio(self) -> float:
        """Size of the largest class divided by the size of the smallest."""
        counts = self.class_counts
        return float(counts.iloc[0] / counts.iloc[-1])

    @property
    def n_classes(self) -> int:
        """Number of distinct classes."""
        return int(self.y.nunique())

    def summary(self) -> dict:
        """The registry's row for this dataset."""
        return {
            "name": self.name,
            "rows": self.n_rows,
            "numeric": self.n_numeric,
            "categorical": self.n_categorical,
            "classes": self.n_classes,
            "minority": int((self.y == self.minority_label).sum()),
            "imbalance_ratio": round(self.imbalance_ratio, 4),
            "missing_values": int(self.X.isna().to_numpy().sum()),
            "source": self.source,
        }
