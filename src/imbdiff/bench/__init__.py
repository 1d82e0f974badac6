"""The benchmark: suites of cells, run into a resumable store, as a DataFrame.

A suite (:func:`load_suite`) is a grid of datasets, methods (with their
parameters), seeds and folds under one protocol. :func:`run` fits each cell's
sampler once, scores every classifier on the same resampled rows, and writes
the cell to an SQLite :class:`Store` as soon as it finishes, so a run that
stops resumes where it was. Cells run in worker processes (joblib) or on a
Dask cluster.

:func:`compare` answers a user's question for one table: which
oversampler, if any, helps on it, by how much and at what cost.
"""

from ._compare import (
    COMPARE_CLASSIFIERS,
    Comparison,
    compare,
    compare_candidates,
    compare_report,
    compare_suite,
)
from ._engine import SAMPLER_METRICS, results, run, run_cell
from ._report import (
    average_ranks,
    critical_difference,
    friedman,
    over_classifiers,
    rank_tests,
    report,
)
from ._rule import TUNING_GROUP, RuleVerdict, apply_rule, check_tuning_group
from ._store import SCHEMA_VERSION, Store
from ._suite import Cell, Method, Suite, grid_key_of
from ._suite_file import list_suites, load_suite, parse_suite
from ._verdict import Verdict, judge

__all__ = [
    "COMPARE_CLASSIFIERS",
    "SAMPLER_METRICS",
    "SCHEMA_VERSION",
    "TUNING_GROUP",
    "Cell",
    "Comparison",
    "Method",
    "RuleVerdict",
    "Store",
    "Suite",
    "Verdict",
    "apply_rule",
    "average_ranks",
    "check_tuning_group",
    "compare",
    "compare_candidates",
    "compare_report",
    "compare_suite",
    "critical_difference",
    "friedman",
    "grid_key_of",
    "judge",
    "list_suites",
    "load_suite",
    "over_classifiers",
    "parse_suite",
    "rank_tests",
    "report",
    "results",
    "run",
    "run_cell",
]
