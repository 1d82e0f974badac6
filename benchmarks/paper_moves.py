"""How a suite's numbers moved between two runs of it (two versions).

Reads two per-cell exports (``results.csv.gz``, as ``imbdiff report``
writes them) of the same suite, say the 0.1.0 run and a rerun, and prints
as markdown, per classifier: each method's mean of the metric over the
datasets both runs have (each dataset's mean over its seeds or folds first),
before, after and the change, and its average rank over those datasets
among the methods both runs have; then the same for each dataset's mean
over the classifiers::

    python benchmarks/paper_moves.py BEFORE.csv.gz AFTER.csv.gz [--metric f1]

The previous run's export is in git history, e.g. 0.1.0's (its commit is
named in docs/results.md)::

    git show f71688c:benchmarks/results/semres/results.csv.gz > before.csv.gz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import average_ranks
from paper_claims import POOLED, grid, means, over_every_classifier


def with_pooled(averaged: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``averaged`` with, where it has several classifiers, each dataset's
    mean over them as one more classifier, ``POOLED``."""
    scored = averaged[(averaged["metric"] == metric) & (averaged["classifier"] != "")]
    if scored["classifier"].nunique() < 2:
        return averaged
    pooled, _ = over_every_classifier(averaged, [metric])
    return pd.concat([averaged, pooled], ignore_index=True)


def moves(before: pd.DataFrame, after: pd.DataFrame, metric: str) -> str:
    """The markdown tables of :func:`main` for two exports."""
    old, new = with_pooled(means(before), metric), with_pooled(means(after), metric)
    labels = [
        label for label in dict.fromkeys(new["label"]) if label in set(old["label"])
    ]
    only = sorted(set(old["label"]) ^ set(new["label"]))
    classifiers = {
        side: set(frame.loc[frame["metric"] == metric, "classifier"]) - {""}
        for side, frame in (("before", old), ("after", new))
    }
    parts = []
    shared = sorted(classifiers["before"] & classifiers["after"] - {POOLED})
    if POOLED in classifiers["before"] & classifiers["after"]:
        shared.append(POOLED)
    for classifier in shared:
        was = grid(old, classifier, metric).reindex(columns=labels)
        now = grid(new, classifier, metric).reindex(columns=labels)
        # The same datasets and methods on both sides: a method with no
        # score in either run is left out, then any dataset a method lacks.
        kept = [
            label
            for label in labels
            if was[label].notna().any() and now[label].notna().any()
        ]
        both = pd.concat([was[kept], now[kept]], axis=1, keys=["was", "now"])
        datasets = list(both.dropna().index)
        dropped = [d for d in both.index if d not in datasets]
        was, now = was.loc[datasets, kept], now.loc[datasets, kept]
        if not datasets or len(kept) < 2:
            parts.append(f"{classifier}, {metric}: no dataset both runs scored")
            continue
        table = pd.DataFrame(
            {
                "before": was.mean().map("{:.4f}".format),
                "after": now.mean().map("{:.4f}".format),
                "change": (now.mean() - was.mean()).map("{:+.4f}".format),
                "rank before": average_ranks(was)[0].map("{:.2f}".format),
                "rank after": average_ranks(now)[0].map("{:.2f}".format),
            },
            index=kept,
        )
        caption = (
            f"{classifier}, {metric}: mean over {len(datasets)} datasets "
            f"({', '.join(datasets)}) and average rank among {len(kept)} methods"
        )
        if dropped:
            caption += (
                "; datasets left out (not scored by every method in both "
                f"runs): {', '.join(dropped)}"
            )
        missing = sorted(set(labels) - set(kept))
        if missing:
            caption += f"; methods without a score in a run: {', '.join(missing)}"
        parts.append(f"{caption}\n\n{markdown_table(table)}")
    for side, others in (("before", "after"), ("after", "before")):
        alone = sorted(classifiers[side] - classifiers[others])
        if alone:
            parts.append(f"Classifiers {side} only: {', '.join(alone)}.")
    if not parts:
        parts.append(f"(neither run has {metric} scores of a classifier both have)")
    if only:
        parts.append(f"Methods in one run only (left out above): {', '.join(only)}.")
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
