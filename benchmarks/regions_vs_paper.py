"""Our minority types against the LReDDPM paper's Table 12.

The paper types the training part of an 80/20 split; its split is not
published, so we type the training parts of several stratified 80/20 splits
(seeds 0..4, with ``imbdiff.evaluation.holdout_split``) and show the mean
percentage of each type beside the paper's::

    python benchmarks/regions_vs_paper.py

The paper's figures come from ``benchmarks/paper/lreddpm_paper_datasets.csv``
(columns dataset, safe_pct, border_pct, rare_pct, outlier_pct).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from imbdiff import REGION_NAMES, load_dataset, minority_types
from imbdiff.evaluation import holdout_split

PAPER_DATASETS = (
    "segment0",
    "spambase",
    "spectfheart",
    "yeast3",
    "page0",
    "crg",
    "abalone17",
)


def type_shares(name: str, seeds=range(5)) -> pd.Series:
    """Mean percentage of each type in the training minority over the splits."""
    ds = load_dataset(name)
    shares = []
    for seed in seeds:
        X_train, _, y_train, _ = holdout_split(ds.X, ds.y, random_state=seed)
        types = minority_types(X_train, y_train.to_numpy())
        counts = types["region"].value_counts(normalize=True)
        shares.append(100 * counts.reindex(list(REGION_NAMES), fill_value=0.0))
    return pd.concat(shares, axis=1).mean(axis=1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--paper-table",
        type=Path,
        default=Path(__file__).parent / "paper" / "lreddpm_paper_datasets.csv",
        help="CSV of the paper's Table 12",
    )
    args = parser.parse_args(argv)
    paper = pd.read_csv(args.paper_table).set_index("dataset")
    header = ["dataset"] + [f"{r} % (ours / paper)" for r in REGION_NAMES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in PAPER_DATASETS:
        ours = type_shares(name)
        cells = [name]
        for region in REGION_NAMES:
            text = f"{ours[region]:.1f}"
            if name in paper.index:
                text += f" / {paper.loc[name, f'{region}_pct']:.1f}"
            cells.append(text)
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
