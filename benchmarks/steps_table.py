"""Quality against sampling steps: every label of a steps study judged by the
tuning group's rule against the ancestral default in the same store.

    python benchmarks/steps_table.py benchmarks/stores/steps-tabddpm.sqlite \\
        --default tabddpm-ancestral

One row per label: the solver and steps, the mean F1 over the 12 datasets
(4 classifiers, 5 folds), the mean F1 of each classifier over the datasets,
the mean squared RBF MMD between the generated rows and the training rows of
their class, the sampling seconds per cell, the rule's counts and both
clauses. Every label samples from the same cached model per fold, so the cost
clause compares sampling seconds (``apply_rule(seconds="sample_seconds")``).
Last, the decision by the rule's point 5: of the labels that pass the quality
clause, the highest mean; else, of those that pass the cost clause, the
fewest sampling seconds; else the default stays.
"""

from __future__ import annotations

import argparse

import pandas as pd

from _tables import markdown_table
from imbdiff.bench import TUNING_GROUP, Store, apply_rule
from tuning_rule import stored


def label_row(frame: pd.DataFrame, verdict) -> dict:
    done = frame[frame["status"] == "done"]
    f1 = done[done["metric"] == "f1"]
    # Each dataset counts once, as in the rule's mean over the 12.
    per_classifier = f1.groupby(["classifier", "dataset"])["value"].mean()
    mmd = done[(done["classifier"] == "") & (done["metric"] == "mmd_rbf")]
    cells = frame.drop_duplicates(["dataset", "seed", "fold"])
    row = {
        "mean F1": verdict.candidate_mean,
        **{
            f"F1 {name}": values.mean()
            for name, values in per_classifier.groupby(level="classifier")
        },
        "MMD rbf": mmd.groupby("dataset")["value"].mean().mean(),
        "sample s/cell": cells["sample_seconds"].mean(),
        "wins / counted": f"{verdict.wins} / {verdict.counted}",
        "quality": "passes" if verdict.quality else "fails",
        "cost": "passes" if verdict.cost else "fails",
    }
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a steps study's store")
    parser.add_argument("--default", required=True, help="the ancestral label")
    args = parser.parse_args(argv)
    labels = sorted(set(Store.open(args.store).cells()["label"]))
    if args.default not in labels:
        raise SystemExit(f"{args.store} holds no cell of {args.default!r}.")
    default = stored(f"{args.store}:{args.default}")
    rows, verdicts = {}, {}
    for label in [args.default, *(x for x in labels if x != args.default)]:
        frame = stored(f"{args.store}:{label}")
        verdict = apply_rule(
            default, frame, datasets=list(TUNING_GROUP), seconds="sample_seconds"
        )
        verdicts[label] = verdict
        rows[label] = label_row(frame, verdict)
        if not verdict.complete:
            rows[label]["quality"] = rows[label]["cost"] = "incomplete"
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.loc[args.default, ["wins / counted", "quality", "cost"]] = "(default)"
    table.index.name = "label"
    shown = table.copy()
    for column in shown.columns:
        if column.startswith(("mean F1", "F1 ")):
            shown[column] = shown[column].map("{:.4f}".format)
    shown["MMD rbf"] = shown["MMD rbf"].map("{:.4f}".format)
    shown["sample s/cell"] = shown["sample s/cell"].map("{:.2f}".format)
    print(markdown_table(shown))
    print()
    others = {k: v for k, v in verdicts.items() if k != args.default}
    if not all(v.complete for v in verdicts.values()):
        print("decision: none yet (some labels have datasets missing)")
        return
    quality = [k for k, v in others.items() if v.quality]
    cost = [k for k, v in others.items() if v.cost]
    if quality:
        best = max(quality, key=lambda k: others[k].candidate_mean)
        print(f"decision: {best} (passes the quality clause, highest mean F1)")
    elif cost:
        best = min(cost, key=lambda k: table.loc[k, "sample s/cell"])
        print(
            f"decision: {best} (passes the cost clause with the fewest sampling "
            f"seconds per cell, {table.loc[best, 'sample s/cell']:.2f} against "
            f"{table.loc[args.default, 'sample s/cell']:.2f})"
        )
    else:
        print(f"decision: {args.default} stays (no label passes either clause)")


if __name__ == "__main__":
    main()
