"""Decision-tree F1 against the training budget, from snapshots of one run.

For each dataset and seed: one stratified 80/20 split (seed 0, as the papers'
hold-out protocol), one training run of the method's denoiser on the training
minority rows for ``--max-steps`` steps, and an EMA snapshot every
``--every`` steps. Each snapshot generates (majority - minority) rows with
full ancestral sampling; a decision tree (random_state = seed) trained on
training + generated rows is scored on the test part::

    python benchmarks/train_budget.py [--method tabddpm] [--datasets pc1 vowel0]
        [--seeds 0 1 2] [--max-steps 4000] [--every 500]
        [--denoiser-option width=32 --denoiser-option hidden=128,128]

Prints mean and std of F1 over the seeds per budget, the training loss, and
the squared RBF MMD between the generated rows and the training minority rows
(lower is closer: F1 alone can miss a model that generates unlike rows).
"""

from __future__ import annotations

import argparse
import copy

import numpy as np
import pandas as pd
import torch

from _options import int_option
from imbdiff import FinDiff, SEMResDDPM, TabDDPM, load_dataset
from imbdiff.bench import check_tuning_group
from imbdiff.diffusion import GaussianDiffusion, Trainer, get_schedule
from imbdiff.diffusion.denoisers import make_denoiser
from imbdiff.encoding import TabularEncoder
from imbdiff.evaluation import (
    classification_metrics,
    classifier_scores,
    holdout_split,
    make_classifier,
    mmd,
)

METHODS = {"semres": SEMResDDPM, "tabddpm": TabDDPM, "findiff": FinDiff}


def run(
    name: str, method: str, seed: int, max_steps: int, every: int, options: dict
) -> list[dict]:
    ds = load_dataset(name)
    X_train, X_test, y_train, y_test = holdout_split(ds.X, ds.y, random_state=0)
    minority = ds.minority_label
    rows = X_train[y_train == minority]
    n_new = int((y_train != minority).sum() - len(rows))
    defaults = METHODS[method]()
    denoiser, categorical = defaults._resolved()
    encoder = TabularEncoder(categorical=categorical, random_state=seed).fit(rows)
    x = torch.as_tensor(encoder.transform(rows), dtype=torch.float32)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = make_denoiser(denoiser, encoder.widths_, **options)
    count = sum(p.numel() for p in net.parameters())
    print(f"# {name} seed {seed}: {denoiser}, {count:,} parameters", flush=True)
    diffusion = GaussianDiffusion(get_schedule("linear", defaults.n_timesteps))
    snapshots = []

    def keep(step, model):
        snapshots.append((step, copy.deepcopy(model)))

    trainer = Trainer(steps=max_steps, check_every=every)
    _, history = trainer.fit(net, diffusion, x, seed=seed, callback=keep)
    results = []
    for (step, model), loss in zip(snapshots, history.losses):
        g = torch.Generator().manual_seed(seed + 1)
        z = diffusion.sample(model, n_new, encoder.n_encoded_, generator=g)
        synthetic = encoder.inverse_transform(z.numpy().astype(np.float64))
        X_aug = pd.concat([X_train, synthetic], ignore_index=True)
        y_aug = np.concatenate(
            [y_train.to_numpy(), np.full(n_new, minority, dtype=object)]
        )
        tree = make_classifier("decision_tree", random_state=seed).fit(X_aug, y_aug)
        metrics = classification_metrics(
            y_test.to_numpy(),
            tree.predict(X_test),
            classifier_scores(tree, X_test, pos_label=minority),
            pos_label=minority,
        )
        results.append(
            {
                "dataset": name,
                "seed": seed,
                "steps": step,
                "loss": loss,
                "f1": metrics["f1"],
                "mmd": mmd(rows, synthetic, kernel="rbf"),
            }
        )
        # Each snapshot as it is scored, so that a long run shows its progress.
        print(
            f"# {name} seed {seed} steps {step}: F1 {metrics['f1']:.4f}, "
            f"MMD {results[-1]['mmd']:.4f}",
            flush=True,
        )
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=sorted(METHODS), default="tabddpm")
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["pc1", "vowel0"],
        help="datasets of the tuning group (a suite's dataset is refused)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-steps", type=int, default=4000)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument(
        "--denoiser-option",
        action="append",
        default=[],
        metavar="KEY=INT[,INT...]",
        help="an integer option of the denoiser (repeatable), e.g. width=32 or "
        "hidden=128,128 for a tuple",
    )
    args = parser.parse_args(argv)
    try:
        check_tuning_group(args.datasets)
        options = dict(int_option(item) for item in args.denoiser_option)
    except ValueError as error:
        parser.error(str(error))
    rows = [
        r
        for name in args.datasets
        for seed in args.seeds
        for r in run(name, args.method, seed, args.max_steps, args.every, options)
    ]
    table = pd.DataFrame(rows)
    summary = table.groupby(["dataset", "steps"]).agg(
        f1_mean=("f1", "mean"),
        f1_std=("f1", "std"),
        loss=("loss", "mean"),
        mmd_mean=("mmd", "mean"),
        mmd_std=("mmd", "std"),
    )
    print(
        f"# method {args.method}{' ' + str(options) if options else ''}, "
        f"decision tree F1 (minority positive), seeds {args.seeds}"
    )
    print("| dataset | steps | F1 mean | F1 std | loss | MMD mean | MMD std |")
    print("|---|---|---|---|---|---|---|")
    for (name, steps), r in summary.iterrows():
        print(
            f"| {name} | {steps} | {r.f1_mean:.4f} | {r.f1_std:.4f} | {r.loss:.4f} "
            f"| {r.mmd_mean:.4f} | {r.mmd_std:.4f} |"
        )


if __name__ == "__main__":
    main()
