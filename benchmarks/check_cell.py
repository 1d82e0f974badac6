"""Compare every score in a benchmark store with a report export or a store.

After rerunning single cells into a scratch store (``imbdiff bench ...
--store check.sqlite --dataset D --method M --seed S --threads 1``), this
reads the store's finished cells and the export's values for the same cells
and prints how many are identical, bit for bit:

    python benchmarks/check_cell.py check.sqlite lreddpm-paper \\
        benchmarks/results/lreddpm-paper/results.csv.gz

The reference may also be a store (``.sqlite``): torch's kernels, and so
the scores of its samplers, differ in their last digits between CPUs, so a
check on another machine than the export's compares with a store the old
code wrote on this machine.

It only uses ``imbdiff.bench.results``, so it runs with any imbdiff version
that wrote the store (the published reports' 0.1.0 included).
"""

from __future__ import annotations

import argparse

import pandas as pd

from imbdiff.bench import Store, load_suite, results

_KEYS = ["dataset", "label", "seed", "fold", "classifier", "metric"]


def compare(store: str, suite: str, export: str) -> pd.DataFrame:
    """One row per stored score, with the export's value beside it."""
    spec = load_suite(suite)
    new = results(spec, Store(store, suite=spec.name))
    new = new[(new["status"] == "done") & (new["classifier"] != "")]
    # Round-trip parsing: pandas' default float parser can differ in the
    # last digit.
    if str(export).endswith(".sqlite"):
        old = results(spec, Store(export, suite=spec.name))
        old = old[old["status"] == "done"]
    else:
        old = pd.read_csv(export, float_precision="round_trip", keep_default_na=False)
    old = old[old["classifier"] != ""].astype({"seed": int, "fold": int})
    old = old.astype({"value": float})
    return new[[*_KEYS, "value"]].merge(
        old[[*_KEYS, "value"]], on=_KEYS, how="left", suffixes=("", "_export")
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="the scratch store the cells were rerun into")
    parser.add_argument("suite", help="the suite the store belongs to")
    parser.add_argument(
        "export", help="the report's results.csv.gz, or a reference store (.sqlite)"
    )
    args = parser.parse_args(argv)
    table = compare(args.store, args.suite, args.export)
    same = int((table["value"] == table["value_export"]).sum())
    cells = table[["dataset", "label", "seed", "fold"]].drop_duplicates()
    print(f"{same} of {len(table)} stored scores of {len(cells)} cells are identical")
    differ = table[table["value"] != table["value_export"]]
    if len(differ):
        print(differ.to_string(index=False))
    return 0 if same == len(table) else 1


if __name__ == "__main__":
    raise SystemExit(main())
