"""Where SEMST-ResNet's time goes in one reverse step, by operator.

One reverse step of SEMRes-DDPM is one forward pass of the denoiser over all
rows to generate, in chunks that the CPU threads take in turn. This times a
whole step the way sampling runs it, then profiles one chunk on one thread
(what each thread does) and prints the operators' shares of CPU time, and
times ``torch.softmax`` against the written-out softmax that the attention
uses, on scores of that chunk's shape::

    python benchmarks/profile_semst.py [--rows 4354] [--features 10]

The defaults are page0's: 4,354 rows to generate, 10 numeric attributes.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from imbdiff.diffusion.denoisers import make_denoiser
from imbdiff.diffusion.gaussian import SAMPLE_CHUNK, _ChunkedPredictor


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4354)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    net = make_denoiser("semst", args.features).eval()
    x = torch.randn(args.rows, args.features)
    threads = torch.get_num_threads()
    with torch.no_grad(), _ChunkedPredictor(net, x.device) as predict:
        predict(x, 500, None)
        start = time.perf_counter()
        for _ in range(args.repeats):
            predict(x, 500, None)
        per_row = (time.perf_counter() - start) / args.repeats / args.rows
    chunk = x[:SAMPLE_CHUNK]
    t = torch.full((chunk.shape[0],), 500)
    torch.set_num_threads(1)
    with torch.no_grad():
        net(chunk, t, None)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(args.repeats):
                net(chunk, t, None)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    print(
        f"# {args.rows} rows, {args.features} tokens, {threads} threads: "
        f"{per_row * 1e6:.2f} us per row and reverse step"
    )
    print(f"# operators of one chunk of {chunk.shape[0]} rows on one thread")
    print("| operator | share of CPU time |")
    print("|---|---|")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]:
        print(f"| {e.key} | {100 * e.self_cpu_time_total / total:.1f}% |")
    _compare_softmax(chunk.shape[0], args.features, args.repeats)
    torch.set_num_threads(threads)


def _written_out(scores: torch.Tensor) -> torch.Tensor:
    weights = (scores - scores.amax(dim=-1, keepdim=True)).exp()
    return weights / weights.sum(dim=-1, keepdim=True)


def _compare_softmax(rows: int, tokens: int, repeats: int) -> None:
    scores = torch.randn(rows, tokens, tokens)
    torch.set_num_threads(1)
    for name, function in (
        ("torch.softmax", lambda s: torch.softmax(s, dim=-1)),
        ("written out", _written_out),
    ):
        function(scores)
        start = time.process_time()
        for _ in range(repeats * 10):
            function(scores)
        seconds = (time.process_time() - start) / (repeats * 10)
        print(
            f"# softmax over {tokens} scores, {rows} rows: "
            f"{name} {seconds * 1e6:.0f} us"
        )


if __name__ == "__main__":
    main()
