"""How a suite's numbers moved between two runs of it (two versions).

Reads two per-cell exports (``results.csv.gz``, as ``imbdiff report``
writes them) of the same suite, say the 0.1.0 run and a rerun, and prints
as markdown, per classifier: each method's mean of the metric over the
datasets both runs have (each dataset's mean over its seeds or folds first),
before, after and the change, and its average rank over those datasets
among the methods both runs have::

    python benchmarks/paper_moves.py BEFORE.csv.gz AFTER.csv.gz [--metric f1]

The previous run's export is in git history, e.g.
``git show v0.1.0:benchmarks/results/semres/results.csv.gz > before.csv.gz``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import average_ranks
from paper_claims import grid, means


def moves(before: pd.DataFrame, after: pd.DataFrame, metric: str) -> str:
    """The markdown tables of :func:`main` for two exports."""
    old, new = means(before), means(after)
    labels = [
        label for label in dict.fromkeys(new["label"]) if label in set(old["label"])
    ]
    only = sorted(set(old["label"]) ^ set(new["label"]))
    classifiers = sorted((set(old["classifier"]) & set(new["classifier"])) - {""})
    parts = []
    for classifier in classifiers:
        was = grid(old, classifier, metric).reindex(columns=labels)
        now = grid(new, classifier, metric).reindex(columns=labels)
        datasets = [d for d in now.index if d in was.index]
        was, now = was.loc[datasets], now.loc[datasets]
        rank_was, _ = average_ranks(was)
        rank_now, _ = average_ranks(now)
        table = pd.DataFrame(
            {
                "before": was.mean().map("{:.4f}".format),
                "after": now.mean().map("{:.4f}".format),
                "change": (now.mean() - was.mean()).map("{:+.4f}".format),
                "rank before": rank_was.reindex(labels).map("{:.2f}".format),
                "rank after": rank_now.reindex(labels).map("{:.2f}".format),
            },
            index=labels,
        )
        parts.append(
            f"{classifier}, {metric}: mean over {len(datasets)} datasets "
            f"({', '.join(datasets)}) and average rank among "
            f"{len(labels)} methods\n\n{markdown_table(table)}"
        )
    if only:
        parts.append(f"In one run only (left out above): {', '.join(only)}.")
    return "\n\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--metric", default="f1")
    args = parser.parse_args(argv)
    frames = [
        pd.read_csv(path, float_precision="round_trip")
        for path in (args.before, args.after)
    ]
    print(moves(*frames, args.metric))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
