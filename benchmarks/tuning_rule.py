"""Judge a candidate setting against the default by the tuning group's rule.

Each side is a store and a method label in it (``STORE:LABEL``); the stores
may differ, so a candidate run today is judged against a stored baseline:

    python benchmarks/tuning_rule.py \\
        --default benchmarks/stores/tuning.sqlite:tabddpm \\
        --candidate benchmarks/stores/defects.sqlite:tabddpm-quantile

It prints, per dataset, the mean F1 of both over every classifier and fold,
the outcome, the guard's figures and seconds per cell, then the counts, the
means over the datasets and the verdict (imbdiff.bench.apply_rule; the cost
clause needs both sides timed in the same run).
"""

from __future__ import annotations

import argparse

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import TUNING_GROUP, Store, apply_rule, check_tuning_group


def stored(spec: str) -> pd.DataFrame:
    """The stored cells of one label as a tidy frame (``STORE:LABEL``).

    A store may hold several cells of one label in one grid place (a default
    changed between two runs, or a failed cell rerun): as the report does,
    the finished one is kept before a failed one, then the latest.
    """
    path, _, label = spec.rpartition(":")
    store = Store.open(path)
    cells = store.cells()
    cells = cells[cells["label"] == label]
    if cells.empty:
        raise SystemExit(f"{path} holds no cell of {label!r}.")
    cells = (
        cells.assign(failed=cells["status"] == "failed")
        .sort_values(["failed", "finished_at"], ascending=[True, False])
        .drop_duplicates(["dataset", "seed", "fold"])
        .drop(columns="failed")
    )
    values = store.results(cells["cell"])
    frame = cells.merge(values, on="cell", how="left")
    frame["classifier"] = frame["classifier"].fillna("")
    return frame


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", required=True, help="STORE:LABEL")
    parser.add_argument("--candidate", required=True, help="STORE:LABEL")
    parser.add_argument(
        "--dataset", action="append", help="judge only these (of the tuning group)"
    )
    parser.add_argument(
        "--seconds",
        choices=["total", "sample"],
        default="total",
        help="the time the cost clause compares: fit + sample (default), or "
        "sampling alone when both sides sample one cached model",
    )
    args = parser.parse_args(argv)
    datasets = args.dataset or list(TUNING_GROUP)
    try:
        check_tuning_group(datasets)
    except ValueError as error:
        parser.error(str(error))
    verdict = apply_rule(
        stored(args.default),
        stored(args.candidate),
        datasets=datasets,
        seconds=f"{args.seconds}_seconds",
    )
    table = verdict.table.copy()
    shown = pd.DataFrame(
        {
            "default F1": table["default"].map("{:.4f}".format),
            "candidate F1": table["candidate"].map("{:.4f}".format),
            "diff": table["diff"].map("{:+.4f}".format),
            "outcome": table["outcome"],
            "copies (held-out)": [
                f"{c:.3f} ({h:.3f})"
                for c, h in zip(table["copy_share"], table["holdout_copy_share"])
            ],
            "DCR median (held-out)": [
                f"{c:.3f} ({h:.3f})"
                for c, h in zip(table["dcr_median"], table["holdout_dcr_median"])
            ],
            "guard": table["guard"].map({True: "ok", False: "FAILS", None: "-"}),
            "s/cell default": table["default_seconds"].map("{:.1f}".format),
            "s/cell candidate": table["candidate_seconds"].map("{:.1f}".format),
        },
        index=table.index,
    )
    print(markdown_table(shown))
    print()
    print(
        f"counted {verdict.counted}, candidate wins {verdict.wins}; "
        f"mean over the {len(table[['default', 'candidate']].dropna())} datasets "
        f"both have scores on: default {verdict.default_mean:.4f}, "
        f"candidate {verdict.candidate_mean:.4f}; "
        f"quality clause: {'passes' if verdict.quality else 'fails'}; "
        f"cost clause: {'passes' if verdict.cost else 'fails'} (s/cell: default "
        f"{table['default_seconds'].mean():.1f}, candidate "
        f"{table['candidate_seconds'].mean():.1f}; valid only when both ran in "
        "the same run)"
        + ("" if verdict.complete else " (incomplete: some datasets missing)")
    )


if __name__ == "__main__":
    main()
