"""Where SEMST-ResNet's forward pass spends its time, by operator.

One reverse step of SEMRes-DDPM is one forward pass of the denoiser over all
rows to generate; this times that pass with the default network and prints
the operators' shares of CPU time (torch profiler)::

    python benchmarks/profile_semst.py [--rows 4354] [--features 10]

The defaults are page0's: 4,354 rows to generate, 10 numeric attributes.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from imbdiff.diffusion.denoisers import make_denoiser


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4354)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    net = make_denoiser("semst", args.features).eval()
    x = torch.randn(args.rows, args.features)
    t = torch.full((args.rows,), 500)
    with torch.inference_mode():
        net(x, t, None)
        start = time.perf_counter()
        for _ in range(args.repeats):
            net(x, t, None)
        per_row = (time.perf_counter() - start) / args.repeats / args.rows
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(args.repeats):
                net(x, t, None)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    print(
        f"# {args.rows} rows, {args.features} tokens, {torch.get_num_threads()} "
        f"threads: {per_row * 1e6:.2f} us per row and step"
    )
    print("| operator | share of CPU time |")
    print("|---|---|")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]:
        print(f"| {e.key} | {100 * e.self_cpu_time_total / total:.1f}% |")


if __name__ == "__main__":
    main()
