"""Spread of generated rows against the training rows, in encoded space.

A sound DDPM gives rows whose per-column standard deviation (in the encoder's
space, where the training rows have about 1) is close to the training rows'.
Prints both, averaged over the columns, for FinDiff and TabDDPM on a dataset::

    python benchmarks/generated_spread.py --dataset yeast3
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from imbdiff import FinDiff, TabDDPM, load_dataset
from imbdiff.evaluation import holdout_split


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="yeast3")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = load_dataset(args.dataset)
    X_train, _, y_train, _ = holdout_split(
        data.X, data.y.to_numpy(), test_size=0.2, random_state=0
    )
    label = data.minority_label
    print(f"{args.dataset}, class {label!r}: mean over columns of the std")
    print(f"{'method':<8} {'training rows':>14} {'generated rows':>15}")
    for cls in (FinDiff, TabDDPM):
        sampler = cls(random_state=args.seed)
        sampler.fit_resample(X_train, y_train)
        fitted = sampler.models_[label]
        real = fitted.encoder.transform(X_train[y_train == label].to_numpy())
        generator = torch.Generator().manual_seed(args.seed)
        z = sampler.diffusion_.sample(
            fitted.model, args.rows, fitted.encoder.n_encoded_, generator=generator
        )
        spread = np.asarray(z).std(axis=0).mean()
        print(f"{cls.__name__:<8} {real.std(axis=0).mean():>14.3f} {spread:>15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
