"""LReDDPM's ablations (the paper's sections 5.1-5.3 and 6) through the benchmark.

Every variant is a method of one suite, run by :func:`imbdiff.bench.run` into
an SQLite store, so a stopped run resumes where it was. All variants share a
model cache: the DDPM of a (dataset, seed) is trained once and reused by every
guidance setting (only ``train_on="region"`` trains its own).

The protocol is the ``lreddpm-paper`` suite's: one stratified 80/20 split,
decision tree, mean +- std over the seeds; rows are added up to the
majority's count. The guiding region is the paper's (safe; border for
spectfheart and crg) except abalone17, which has no safe training example in
our split and is guided by its rare examples.

Run, then write the tables (markdown and CSV) beside the store::

    python benchmarks/lreddpm_ablation.py --jobs 2 \
        --store benchmarks/results/lreddpm-ablation/ablation.sqlite

``--summary-only`` rewrites the tables from the store without running cells.
Written beside the store: ``ablation.md`` (the tables), ``ablation_summary.csv``
(mean, std and count per variant, metric and dataset), ``ablation_results.csv.gz``
(every stored value) and ``yeast3_safe_composition.csv``.
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from _tables import markdown_table
from imbdiff.bench import Store, load_suite, parse_suite, results, run

PAPER_REGION = {"spectfheart": "border", "crg": "border", "abalone17": "rare"}
METRICS = {
    "f1": "F1",
    "auc": "AUC",
    "gmean": "G-mean sqrt(TPR*TNR)",
    "gmean_pr": "G-mean sqrt(precision*recall) (the paper's)",
}

#: The paper's settings, written out: the variants change one thing each from
#: them, as the paper's ablations do (imbdiff's own defaults differ).
PAPER_SETTINGS = {"tau": "60/sqrt(beta)", "final_step": "recentre"}

#: label -> (ablation group, parameters over the paper's settings, uses the
#: paper's per-dataset region)
VARIANTS: dict[str, tuple[str, dict, bool]] = {
    "paper settings": ("paper", {}, True),
    "guidance region_noisy": ("5.1 guidance", {"guidance": "region_noisy"}, True),
    "guidance noisy": ("5.1 guidance", {"guidance": "noisy"}, True),
    "region safe": ("5.2 region", {"region": "safe"}, False),
    "region border": ("5.2 region", {"region": "border"}, False),
    "region rare": ("5.2 region", {"region": "rare"}, False),
    "region outlier": ("5.2 region", {"region": "outlier"}, False),
    "tau=1": ("5.3 tau", {"tau": "1"}, True),
    "tau=60": ("5.3 tau", {"tau": "60"}, True),
    "tau=1/sqrt(beta_t)": ("5.3 tau", {"tau": "1/sqrt(beta)"}, True),
    "final step none": ("final step", {"final_step": "none"}, True),
    "train_on region": ("Table 11", {"train_on": "region"}, True),
    "unguided (tau=0)": ("reference", {"tau": 0, "final_step": "none"}, True),
    "max_grad_norm=1": ("gradient clip", {"max_grad_norm": 1.0}, True),
    # TOML has no null; an infinite norm never clips.
    "unclipped": ("gradient clip", {"max_grad_norm": float("inf")}, True),
    "n_samples=region": ("row count", {"n_samples": "region"}, True),
    # The two single changes that won on F1, together: imbdiff's defaults.
    "tau=1/sqrt(beta_t), final step none": (
        "imbdiff defaults",
        {"tau": "1/sqrt(beta)", "final_step": "none"},
        True,
    ),
}

#: How the tables name a variant, where its label alone would mislead.
SHOWN = {
    "paper settings": "paper settings (gradient clipped at 0.1)",
    "unclipped": "unclipped (the paper's raw gradient)",
    "n_samples=region": "n_samples=region (the paper's row count)",
}

#: Our label -> the paper's (table, variant) in lreddpm_paper_ablations.csv.
PAPER_ROWS = {
    "guidance region_noisy": ("Table 6", "guidance q(y|s,x_t)"),
    "guidance noisy": ("Table 6", "guidance q(y|x_t)"),
    "tau=1": ("Table 8/9", "tau=1"),
    "tau=60": ("Table 8/9", "tau=60"),
    "tau=1/sqrt(beta_t)": ("Table 8/9", "tau=1/sqrt(beta_t)"),
    "train_on region": ("Table 11", "DDPM trained on regional samples only"),
    "region border": ("Table 10", "region r2"),
    "region rare": ("Table 10", "region r3"),
    "region outlier": ("Table 10", "region r4"),
}


def _toml(value) -> str:
    if isinstance(value, float) and np.isinf(value):
        return "inf"
    return json.dumps(value)


def suite_text(seeds: list[int], datasets: list[str], cache: str) -> str:
    lines = [
        'name = "lreddpm-ablation"',
        'description = "LReDDPM ablations: guidance, region, tau, final step, '
        'train_on; 80/20 split, decision tree."',
        'protocol = "holdout"',
        f"seeds = {json.dumps(seeds)}",
        "test_size = 0.2",
        "split_seed = 0",
        'classifiers = ["decision_tree"]',
        f"datasets = {json.dumps(datasets)}",
    ]
    for label, (_, params, paper_region) in VARIANTS.items():
        values = {"region": "safe", **PAPER_SETTINGS, **params, "model_cache": cache}
        body = ", ".join(f"{k} = {_toml(v)}" for k, v in values.items())
        lines += ["", "[[methods]]", 'method = "lreddpm"', f'label = "{label}"']
        lines.append(f"params = {{ {body} }}")
        overrides = {d: r for d, r in PAPER_REGION.items() if d in datasets}
        if paper_region and overrides:
            inner = ", ".join(
                f'{d} = {{ region = "{r}" }}' for d, r in overrides.items()
            )
            lines.append(f"per_dataset = {{ {inner} }}")
    return "\n".join(lines) + "\n"


def summarise(frame: pd.DataFrame, datasets: list[str]) -> pd.DataFrame:
    """Mean, std and count of each (variant, metric, dataset), in percent."""
    done = frame[(frame["status"] == "done") & frame["metric"].isin(list(METRICS))]
    done = done[done["classifier"] == "decision_tree"]
    table = (
        done.groupby(["label", "metric", "dataset"])["value"]
        .agg(["mean", "std", "count"])
        .reset_index()
    )
    table[["mean", "std"]] *= 100
    failed = frame[frame["status"] == "failed"].drop_duplicates(["label", "dataset"])
    failed = failed[["label", "dataset", "error"]]
    return table, failed


def _cell(row) -> str:
    if row is None or np.isnan(row["mean"]):
        return "n/a"
    return f"{row['mean']:.1f} ± {row['std']:.1f}"


def _paper_value(paper, label, metric, dataset) -> float | None:
    """The paper's value for our variant, if it published one."""
    if label == "paper settings":
        variant, table = "LReDDPM(ours)", ("Table 3", "Table 5")
    elif label in PAPER_ROWS:
        table, variant = PAPER_ROWS[label]
        table = None
    else:
        return None
    hit = paper[
        (paper["variant"] == variant)
        & (paper["metric"] == metric)
        & (paper["dataset"] == dataset)
        & (paper["classifier"] == "decision_tree")
    ]
    if table is not None:
        hit = hit[hit["table"].isin(table)]
    return float(hit["mean"].iloc[0]) if len(hit) else None


def markdown(table, failed, paper, datasets, seeds) -> str:
    out = [
        "# LReDDPM ablations (measured)",
        "",
        f"Decision tree, one stratified 80/20 split, seeds {seeds}; mean ± std "
        "in percent. Paper values (decision tree, its own split: Tables 3 and "
        "5 for its defaults, Tables 6-11 for the variants) in brackets where "
        "the paper has that row; `n/a` where the "
        "cell failed (listed at the end). Two G-means: `gmean` = "
        "sqrt(TPR x TNR), `gmean_pr` = the paper's sqrt(precision x recall).",
        "",
    ]
    index = table.set_index(["label", "metric", "dataset"])
    for metric, title in METRICS.items():
        out += [f"## {title} ({metric})", ""]
        out.append("| variant | group | " + " | ".join(datasets) + " | mean rank |")
        out.append("|---|---|" + "---|" * len(datasets) + "---|")
        means = {
            label: [index["mean"].get((label, metric, d), np.nan) for d in datasets]
            for label in VARIANTS
        }
        ranks = pd.DataFrame(means, index=datasets).rank(
            axis=1, ascending=False, method="average"
        )
        for label, (group, _, _) in VARIANTS.items():
            cells = []
            for d in datasets:
                key = (label, metric, d)
                text = _cell(index.loc[key]) if key in index.index else "n/a"
                value = _paper_value(paper, label, metric, d)
                if value is not None:
                    text += f" [{value:.1f}]"
                cells.append(text)
            mean_rank = ranks[label].mean()
            shown = SHOWN.get(label, label)
            out.append(
                f"| {shown} | {group} | " + " | ".join(cells) + f" | {mean_rank:.2f} |"
            )
        out.append("")
    out += ["## Does a replacement of a default win clearly?", ""]
    out.append(
        "SPEC's rule: a default starts as the paper's and changes only where "
        "the replacement has a better mean rank than it over the datasets "
        "(decision-tree F1, ranked within the pair) and is worse on at most two "
        "of them."
    )
    out.append("")
    out.append("| replacement | datasets compared | better on | worse on | verdict |")
    out.append("|---|---|---|---|---|")
    base = {d: index["mean"].get(("paper settings", "f1", d), np.nan) for d in datasets}
    for label, (group, _, _) in VARIANTS.items():
        if label == "paper settings" or group in ("5.2 region", "reference"):
            continue
        pairs = [
            (base[d], index["mean"].get((label, "f1", d), np.nan)) for d in datasets
        ]
        pairs = [(a, b) for a, b in pairs if not (np.isnan(a) or np.isnan(b))]
        better = sum(b > a for a, b in pairs)
        worse = sum(b < a for a, b in pairs)
        wins = better > worse and worse <= 2
        verdict = "wins clearly" if wins else "does not win"
        shown = SHOWN.get(label, label)
        out.append(f"| {shown} | {len(pairs)} | {better} | {worse} | {verdict} |")
    out.append("")
    if len(failed):
        out += ["## Failed cells", "", "| variant | dataset | error |", "|---|---|---|"]
        for _, row in failed.iterrows():
            error = str(row["error"]).split(" (")[0].replace("|", "/")
            out.append(f"| {row['label']} | {row['dataset']} | {error} |")
        out.append("")
    return "\n".join(out)


def region_composition(cache: str) -> pd.DataFrame:
    """yeast3 guided by its safe examples: regions of the synthetic rows after
    they replace the safe examples (the paper's Figure 5), seed 0, with the
    paper's settings and with imbdiff's defaults."""
    from imbdiff import LReDDPM, load_dataset
    from imbdiff.evaluation import holdout_split

    data = load_dataset("yeast3")
    X_train, _, y_train, _ = holdout_split(
        data.X, data.y.to_numpy(), test_size=0.2, random_state=0
    )
    columns = {}
    for name, params in (
        ("paper settings", PAPER_SETTINGS),
        ("imbdiff defaults", {}),
    ):
        sampler = LReDDPM(region="safe", random_state=0, model_cache=cache, **params)
        sampler.fit_resample(X_train, y_train)
        if not columns:
            real = sampler.regions_["region"].value_counts(normalize=True)
            columns["training minority"] = real.reindex(list(real.index)).round(3)
        composition = sampler.synthetic_region_composition(
            X_train, y_train, random_state=0
        )
        columns[f"synthetic, {name}"] = composition["share"].round(3)
        columns[f"count, {name}"] = composition["count"]
    frame = pd.DataFrame(columns)
    frame.index.name = "region"
    return frame


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--datasets", nargs="+", help="default: the lreddpm-paper suite's datasets"
    )
    parser.add_argument(
        "--cache",
        default="benchmarks/results/lreddpm-ablation/models",
        help="model cache folder (relative paths are kept as given)",
    )
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args(argv)
    if args.datasets is None:
        args.datasets = [name for name, _ in load_suite("lreddpm-paper").datasets]
    seeds = list(range(args.seeds))
    suite = parse_suite(suite_text(seeds, args.datasets, args.cache))
    args.store.parent.mkdir(parents=True, exist_ok=True)
    if args.summary_only:
        frame = results(suite, Store(args.store, suite=suite.name))
    else:
        frame = run(suite, args.store, jobs=args.jobs, threads=1, progress=True)
    table, failed = summarise(frame, args.datasets)
    source = resources.files("imbdiff.bench") / "paper" / "lreddpm_paper_ablations.csv"
    ablations = pd.read_csv(source.open()).assign(classifier="decision_tree")
    main_results = pd.read_csv(
        (
            resources.files("imbdiff.bench") / "paper" / "lreddpm_paper_results.csv"
        ).open()
    ).rename(columns={"method": "variant"})
    paper = pd.concat([ablations, main_results], ignore_index=True)
    folder = args.store.parent
    table.to_csv(folder / "ablation_summary.csv", index=False)
    # Every stored value, so that the tables can be checked without the store.
    frame.to_csv(folder / "ablation_results.csv.gz", index=False)
    text = markdown(table, failed, paper, args.datasets, seeds)
    if "yeast3" in args.datasets:
        composition = region_composition(args.cache)
        composition.to_csv(folder / "yeast3_safe_composition.csv")
        text += (
            "\n## yeast3 guided by its safe region: synthetic region composition\n\n"
        )
        text += markdown_table(composition.round(3)) + "\n"
    (folder / "ablation.md").write_text(text)
    cells = frame.drop_duplicates(["label", "dataset", "seed"])
    print(text)
    print(
        f"\n{len(cells)} cells, {int((cells['status'] == 'done').sum())} done; "
        f"summed cell time {cells['total_seconds'].sum():.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
