"""Held-out denoising error of each denoiser, at equal parameter budgets.

For each dataset, the minority rows are split 80/20; the encoder (quantile
normal) and every denoiser are fitted on the 80%, with the same training
budget and seed. On the held-out 20%, for t in {50, 200, 500, 900}, we noise
the rows, predict the noise and report

- ``mse``: mean squared error of the predicted noise (lower is better);
- ``psnr``: 10 log10(range^2 / MSE(x0, x0_hat)) of the reconstructed rows,
  range = max - min of the held-out encoded rows (higher is better);

averaged over 8 noise draws::

    python benchmarks/denoise_ablation.py [--datasets yeast3 page0 spambase]
        [--budget 60000] [--steps 2000]

Each network's width is chosen so that its parameter count is the closest to
``--budget``; the counts are printed.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from imbdiff import load_dataset
from imbdiff.diffusion import GaussianDiffusion, Trainer, get_schedule
from imbdiff.diffusion.denoisers import make_denoiser
from imbdiff.encoding import TabularEncoder

STEPS_T = (50, 200, 500, 900)
VARIANTS = {
    "mlp": ("mlp", {}),
    "resnet": ("resnet", {}),
    "semst": ("semst", {}),
    "semst-no-attention": ("semst", {"attention": False}),
    "semst-no-shrinkage": ("semst", {"shrinkage": False}),
    "semst-no-residual": ("semst", {"residual": False}),
}


def _sized(name: str, width: int, switches: dict) -> dict:
    if name == "mlp":
        return {"hidden": (width, width), "dim": max(16, width // 2)}
    if name == "resnet":
        return {"width": width, "hidden": 2 * width, "dim": max(16, width // 2)}
    return {"width": width, "n_heads": 4, "n_blocks": 2, **switches}


def matched_options(name: str, switches: dict, n_features, budget: int) -> dict:
    """Options whose parameter count is the closest to ``budget``."""
    best = None
    for width in range(8, 1025, 4):
        if name == "semst" and width % 4:
            continue
        options = _sized(name, width, switches)
        net = make_denoiser(name, n_features, **options)
        count = sum(p.numel() for p in net.parameters())
        if best is None or abs(count - budget) < abs(best[1] - budget):
            best = (options, count)
        if count > budget:
            break
    return best[0]


@torch.no_grad()
def evaluate(model, diffusion, x: torch.Tensor, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    span = float(x.max() - x.min())
    out = {}
    for t in STEPS_T:
        mse, psnr = [], []
        for _ in range(8):
            noise = torch.randn(x.shape, generator=g)
            steps = torch.full((x.shape[0],), t, dtype=torch.long)
            x_t = diffusion.q_sample(x, steps, noise)
            eps = model(x_t, steps, None)
            mse.append(float(((eps - noise) ** 2).mean()))
            x0 = diffusion.predict_x0(x_t, steps, eps)
            err = float(((x0 - x) ** 2).mean())
            psnr.append(10 * np.log10(span**2 / err))
        out[t] = (np.mean(mse), np.mean(psnr))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["yeast3", "page0", "spambase"]
    )
    parser.add_argument("--budget", type=int, default=60000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    diffusion = GaussianDiffusion(get_schedule("linear", 1000))
    header = ["dataset", "denoiser", "parameters"]
    header += [f"mse t={t}" for t in STEPS_T] + [f"psnr t={t}" for t in STEPS_T]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in args.datasets:
        ds = load_dataset(name)
        rows = ds.X[ds.y == ds.minority_label]
        train, held = train_test_split(rows, test_size=0.2, random_state=args.seed)
        encoder = TabularEncoder().fit(train)
        x_train = torch.as_tensor(encoder.transform(train), dtype=torch.float32)
        x_held = torch.as_tensor(encoder.transform(held), dtype=torch.float32)
        for label, (kind, switches) in VARIANTS.items():
            options = matched_options(kind, switches, encoder.widths_, args.budget)
            with torch.random.fork_rng():
                torch.manual_seed(args.seed)
                net = make_denoiser(kind, encoder.widths_, **options)
            count = sum(p.numel() for p in net.parameters())
            trainer = Trainer(steps=args.steps)
            model, _ = trainer.fit(net, diffusion, x_train, seed=args.seed)
            scores = evaluate(model, diffusion, x_held)
            cells = [name, label, str(count)]
            cells += [f"{scores[t][0]:.4f}" for t in STEPS_T]
            cells += [f"{scores[t][1]:.2f}" for t in STEPS_T]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
