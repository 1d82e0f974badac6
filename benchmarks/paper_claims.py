"""Check the papers' claims against the published benchmark runs.

Reads the per-cell export (``results.csv.gz``) that ``imbdiff report`` writes
beside each suite's report, so it needs no store and no training::

    python benchmarks/paper_claims.py

and prints, as markdown, one row per claim of the LReDDPM paper (its Tables
2 to 5 and Figure 3) and of the SEMRes-DDPM summary: on how many of our
datasets the claim holds, and which method is best where it does not. A
claim "on a dataset" compares means over the suite's seeds (lreddpm-paper)
or folds (semres); ties for the best mean count as best. Then, for a run
with the references (SMOTE, ProWSyn, threshold tuning), where each diffusion
sampler stands against them by the F1 ranks of each dataset's mean over
every classifier, with the Friedman test and the Nemenyi critical
difference (for the README's results section). ``docs/results.md`` quotes
this output.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import over_classifiers, rank_tests

HERE = Path(__file__).parent / "results"
SHORT = {"decision_tree": "decision tree", "logistic_regression": "LR"}
DISTANCES = ("js", "wasserstein", "mmd_linear", "mmd_rbf")
# The SEMRes-DDPM summary's averages over its 20 datasets and 9 classifiers.
SEMRES_PUBLISHED = {"f1": 0.7059, "gmean": 0.8173, "auc": 0.8979}
# Each paper's claims are judged against the methods that paper compared;
# the references the suites add (ProWSyn, balanced, threshold, and SMOTE for
# the LReDDPM paper) are the reports' business, not the claims'.
#: The diffusion samplers of each suite, and the references each is placed
#: against in :func:`standing`.
DIFFUSION = {"lreddpm": ("findiff", "lreddpm"), "semres": ("tabddpm", "semres")}
REFERENCES = ("smote", "prowsyn", "threshold")
TITLES = {
    "lreddpm": "LReDDPM paper (suite lreddpm-paper)",
    "semres": "SEMRes-DDPM summary (suite semres)",
}
PAPER_METHODS = {
    "lreddpm": ("none", "adasyn", "borderline", "findiff", "tvae", "ctgan", "lreddpm"),
    "semres": ("none", "smote", "adasyn", "cwgan_gp", "tabddpm", "semres"),
}


def means(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds and folds per dataset, method, classifier and metric."""
    done = frame[frame["status"] == "done"].copy()
    done["classifier"] = done["classifier"].fillna("")
    keys = ["dataset", "label", "classifier", "metric"]
    return done.groupby(keys)["value"].mean().reset_index()


POOLED = "mean over classifiers"


def over_every_classifier(averaged: pd.DataFrame, metrics) -> tuple:
    """Each dataset's mean over the classifiers of each metric in
    ``metrics``, as rows of :func:`means` whose classifier is ``POOLED``
    (:func:`imbdiff.bench.over_classifiers`: methods not scored with every
    classifier are left out), and the labels left out."""
    scored = averaged[averaged["classifier"] != ""]
    order = list(dict.fromkeys(scored["label"]))
    rows, left_out = [], {}
    for metric in metrics:
        table, missing = over_classifiers(scored[scored["metric"] == metric], order)
        left_out.update(dict.fromkeys(missing))
        long = table.stack().rename("value").reset_index()
        rows.append(long.assign(classifier=POOLED, metric=metric))
    return pd.concat(rows, ignore_index=True), list(left_out)


def grid(averaged: pd.DataFrame, classifier: str, metric: str) -> pd.DataFrame:
    """Datasets x methods of one classifier (or "" for the synthetic rows'
    own metrics) and one metric."""
    rows = averaged[
        (averaged["classifier"] == classifier) & (averaged["metric"] == metric)
    ]
    return rows.pivot(index="dataset", columns="label", values="value")


def best(table: pd.DataFrame, method: str) -> tuple[list[str], pd.Series]:
    """Datasets where ``method`` has the highest mean, and each dataset's
    leader."""
    top = table.max(axis=1)
    wins = [d for d in table.index if table.loc[d, method] >= top[d] - 1e-12]
    return wins, table.idxmax(axis=1)


def ranks(averaged, rows: list[tuple[str, str, str]], *, higher=True) -> pd.DataFrame:
    """Average ranks over datasets, one row per (name, classifier, metric),
    with the Friedman test's p-value and the Nemenyi critical difference
    (alpha 0.05) of the methods ranked in that row."""
    out = {}
    for name, classifier, metric in rows:
        table = grid(averaged, classifier, metric).dropna(axis=1, how="all")
        out[name] = rank_row(table, higher=higher)
    # "-": a method that does not apply to that row's classifier.
    frame = pd.DataFrame(out).T.fillna("-")
    tests = [c for c in ("datasets", "Friedman p", "CD") if c in frame.columns]
    return frame[[c for c in frame.columns if c not in tests] + tests]


def rank_row(table: pd.DataFrame, *, higher=True) -> pd.Series:
    """One row of :func:`ranks`: the methods' average ranks over the datasets
    where all have a mean, that number of datasets, and the tests."""
    values, n, tests = rank_tests(table, higher_is_better=higher)
    row = values.map("{:.2f}".format)
    row["datasets"] = str(n)
    if tests:
        row["Friedman p"] = f"{tests[1]:.4f}"
        row["CD"] = f"{tests[2]:.3f}"
    return row


def lreddpm_claims(frame: pd.DataFrame, heading: str) -> str:
    """The LReDDPM paper's claims judged on ``frame``'s methods."""
    averaged = means(frame)
    claims = [
        ("best F1 on all 10 datasets (Table 5)", "f1", "decision_tree"),
        ("best F1, the other classifier", "f1", "logistic_regression"),
        ("best AUC on 9 of 10 datasets (Table 3)", "auc", "decision_tree"),
        ("highest AUC on most datasets (Table 4)", "auc", "logistic_regression"),
        ("favourable G-mean (Figure 3; its sqrt(P x R))", "gmean_pr", "decision_tree"),
        ("favourable G-mean sqrt(TPR x TNR)", "gmean", "decision_tree"),
        ("favourable G-mean sqrt(TPR x TNR)", "gmean", "logistic_regression"),
    ]
    rows = []
    for text, metric, classifier in claims:
        table = grid(averaged, classifier, metric)
        wins, leaders = best(table, "lreddpm")
        others = [f"{d}: {leaders[d]}" for d in table.index if d not in wins]
        rows.append(
            [
                text,
                SHORT[classifier],
                f"{len(wins)}/{len(table)}",
                "; ".join(others) or "-",
            ]
        )
    f1 = grid(averaged, "decision_tree", "f1")
    better = [d for d in f1.index if f1.loc[d, "lreddpm"] > f1.loc[d, "none"]]
    rows.append(
        [
            "F1 above no oversampling on every dataset (Table 5)",
            "decision tree",
            f"{len(better)}/{len(f1)}",
            "; ".join(d for d in f1.index if d not in better) or "-",
        ]
    )
    auc = grid(averaged, "decision_tree", "auc")
    rivals = auc[["adasyn", "borderline"]].max(axis=1)
    beats = [d for d in auc.index if auc.loc[d, "lreddpm"] > rivals[d]]
    rows.append(
        [
            "AUC above ADASYN and BorderlineSMOTE, page0 included (Table 3)",
            "decision tree",
            f"{len(beats)}/{len(auc)}",
            "; ".join(d for d in auc.index if d not in beats) or "-",
        ]
    )
    table = pd.DataFrame(
        rows,
        columns=["claim (the paper's)", "classifier", "LReDDPM holds on", "where not"],
        index=range(1, len(rows) + 1),
    )
    scores = [
        (f"{SHORT[c]} {m}", c, m)
        for c in ("decision_tree", "logistic_regression")
        for m in ("f1", "auc", "gmean", "gmean_pr")
    ]
    distances = [(m, "", m) for m in DISTANCES]
    return "\n\n".join(
        [
            heading,
            markdown_table(table),
            "Average rank over the datasets (1 is best):",
            markdown_table(ranks(averaged, scores)),
            "Distances of the synthetic rows to the real training minority "
            "(Table 2 measures them to the guiding region), average rank, "
            "the smallest distance ranks 1:",
            markdown_table(ranks(averaged, distances, higher=False)),
        ]
    )


def semres_claims(frame: pd.DataFrame, heading: str) -> str:
    """The SEMRes-DDPM summary's claims judged on ``frame``'s methods. A
    method not scored with every classifier (``balanced``) is left out of
    the averages over classifiers, and named."""
    averaged = means(frame)
    scored = averaged[averaged["classifier"] != ""]
    pooled, left_out = over_every_classifier(averaged, list(SEMRES_PUBLISHED))
    overall = pooled.groupby(["metric", "label"])["value"].mean().unstack()
    overall = overall.loc[list(SEMRES_PUBLISHED)].rename_axis(index=None, columns=None)
    overall["SEMRes-DDPM published"] = pd.Series(SEMRES_PUBLISHED)
    overall = overall.map("{:.4f}".format)
    classifiers = sorted(scored["classifier"].unique())
    wins = pd.DataFrame(
        {
            metric: [
                f"{len(best(grid(averaged, c, metric), 'semres')[0])}/"
                f"{len(grid(averaged, c, metric))}"
                for c in classifiers
            ]
            for metric in SEMRES_PUBLISHED
        },
        index=classifiers,
    )
    others = [m for m in dict.fromkeys(frame["label"]) if m != "semres"]
    pairs = {}
    for metric in SEMRES_PUBLISHED:
        rows = scored[scored["metric"] == metric].pivot_table(
            index=["dataset", "classifier"], columns="label", values="value"
        )
        # Out of the pairs where both have a score (balanced has none with
        # a classifier without class weights).
        pairs[metric] = [
            f"{int((rows['semres'] > rows[o]).sum())}/{int(rows[o].notna().sum())}"
            for o in others
        ]
    pairs = pd.DataFrame(pairs, index=others)
    pooled_ranks = ranks(
        pooled,
        [(f"{m}, mean over classifiers", POOLED, m) for m in SEMRES_PUBLISHED],
    )
    per_classifier = ranks(averaged, [(f"{c} f1", c, "f1") for c in classifiers])
    note = (
        f" ({', '.join(left_out)} left out: not scored with every classifier)"
        if left_out
        else ""
    )
    return "\n\n".join(
        [
            heading,
            "Averages over datasets, classifiers and folds, beside the "
            f"summary's{note}:",
            markdown_table(overall),
            "Datasets where SEMRes-DDPM has the best mean, per classifier:",
            markdown_table(wins),
            "SEMRes-DDPM against each other method: (dataset, classifier) pairs "
            "where its mean is higher, of those where both have one:",
            markdown_table(pairs),
            "Average rank over the datasets of each method's mean over the "
            f"classifiers (1 is best){note}:",
            markdown_table(pooled_ranks),
            "Average rank of F1 per classifier:",
            markdown_table(per_classifier),
        ]
    )


def standing(frame: pd.DataFrame, paper: str, metric: str = "f1") -> str:
    """Where each diffusion sampler stands against SMOTE, ProWSyn and
    threshold tuning, by the average rank of each dataset's mean over every
    classifier (all of the suite's methods ranked, as the report's "every
    classifier" ranks, on the datasets where every ranked method has a
    score), with the Friedman test and the Nemenyi critical difference over
    all of them: above, below, or within it (a lower rank is better)."""
    done = frame[(frame["status"] == "done") & (frame["metric"] == metric)]
    rows = done[done["classifier"].notna() & (done["classifier"] != "")]
    order = list(dict.fromkeys(frame["label"]))
    means, left_out = over_classifiers(rows, order)
    rank, n, tests = rank_tests(means)
    if tests is None:
        return (
            f"(no ranking of {metric}: {len(rank)} methods with every "
            f"classifier's score, {n} datasets where all have one)"
        )
    statistic, p_value, cd = tests
    missing = [r for r in REFERENCES if r not in rank.index]
    lines = []
    for sampler in DIFFUSION[paper]:
        if sampler not in rank.index:
            lines.append(f"- {sampler}: not ranked (no score with every classifier)")
            continue
        against = []
        for reference in REFERENCES:
            if reference in rank.index:
                gap = rank[reference] - rank[sampler]
                where = "above" if gap > cd else "below" if -gap > cd else "within"
                against.append(f"{where} {reference} ({rank[reference]:.2f})")
        lines.append(
            f"- {sampler}: average rank {rank[sampler]:.2f}; " + ", ".join(against)
        )
    text = (
        f"{metric} ranks of each dataset's mean over "
        f"{rows['classifier'].nunique()} classifiers, {len(rank)} methods, "
        f"{n} datasets: Friedman chi2 = {statistic:.3f}, p = {p_value:.4f}; "
        f"Nemenyi critical difference (alpha 0.05, all pairs of the "
        f"{len(rank)}) = {cd:.3f}"
    )
    if left_out:
        names = ", ".join(left_out)
        text += f"; not ranked (not scored with every classifier): {names}"
    if missing:
        text += f"; references not in this run: {', '.join(missing)}"
    return text + ":\n\n" + "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lreddpm", type=Path, default=HERE / "lreddpm-paper" / "results.csv.gz"
    )
    parser.add_argument(
        "--semres", type=Path, default=HERE / "semres" / "results.csv.gz"
    )
    args = parser.parse_args(argv)
    parts = []
    for paper, path, claims in (
        ("lreddpm", args.lreddpm, lreddpm_claims),
        ("semres", args.semres, semres_claims),
    ):
        if not path.is_file():
            parts.append(f"(no {path}; run its suite and its report first)")
            continue
        frame = pd.read_csv(path, float_precision="round_trip")
        own = frame[frame["label"].isin(PAPER_METHODS[paper])]
        parts.append(claims(own, f"## {TITLES[paper]}: the paper's own methods"))
        added = sorted(set(frame["label"]) - set(PAPER_METHODS[paper]))
        if added:
            parts.append(
                claims(
                    frame,
                    f"## {TITLES[paper]}: the same claims with the added "
                    f"references ({', '.join(added)})",
                )
            )
        if set(REFERENCES) & set(frame["label"]):
            parts.append(standing(frame, paper))
    print("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
