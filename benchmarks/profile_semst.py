"""Where SEMST-ResNet's time goes in one reverse step, by operator.

One reverse step of SEMRes-DDPM is one forward pass of the denoiser over all
rows to generate, in chunks that the CPU threads take in turn. This times a
whole step the way sampling runs it, then profiles one chunk on one thread
(what each thread does) and prints the operators' shares of CPU time, and
times ``torch.softmax`` against the written-out softmax that the attention
uses, on scores of that chunk's shape, and the product of the attention
weights and values written as it reads against computed transposed (what
``semst._bmm`` does)::

    python benchmarks/profile_semst.py [--rows 4354] [--features 10]
        [--compare ff_multiplier=1 --compare n_heads=1]
        [--chunk-sizes 512 1024 2048 4096]

The defaults are page0's: 4,354 rows to generate, 10 numeric attributes.
``--compare KEY=INT`` also times the network with that option changed
against the default one, on one thread, in turn over several rounds (medians):
a sampling forward pass per row (one chunk, no gradients) and a training step
(forward and backward on a batch of 256 rows). ``--chunk-sizes`` times a
reverse step with other numbers of rows per network call (the sampler's
``SAMPLE_CHUNK``; the chunks are as near that size as splitting the rows
evenly over the threads allows).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.profiler import ProfilerActivity, profile

from _options import int_option
from imbdiff.diffusion.denoisers import make_denoiser
from imbdiff.diffusion.gaussian import SAMPLE_CHUNK, _ChunkedPredictor


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4354)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="KEY=INT[,INT...]",
        help="also time the network with this option (repeatable)",
    )
    parser.add_argument(
        "--chunk-sizes",
        nargs="+",
        type=int,
        default=[],
        metavar="ROWS",
        help="also time a reverse step with these chunk sizes (rows per call)",
    )
    args = parser.parse_args(argv)
    try:
        variants = [int_option(item) for item in args.compare]
    except ValueError as error:
        parser.error(str(error))
    torch.manual_seed(0)
    net = make_denoiser("semst", args.features).eval()
    x = torch.randn(args.rows, args.features)
    threads = torch.get_num_threads()
    per_row = _step_seconds(net, x, SAMPLE_CHUNK, args.repeats)[0] / args.rows
    if args.chunk_sizes:
        _compare_chunks(net, x, args.chunk_sizes, args.repeats)
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
    _compare_products(chunk.shape[0], args.features, args.repeats)
    if variants:
        _compare_options(args.features, chunk.shape[0], variants, args.repeats)
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


def _compare_products(rows: int, tokens: int, repeats: int, head: int = 8) -> None:
    """Attention weights times values, (tokens x tokens) @ (tokens x head)
    per row, as written and as the transpose of the transposed product."""
    weights, values = torch.randn(rows, tokens, tokens), torch.randn(rows, tokens, head)
    torch.set_num_threads(1)
    for name, function in (
        ("bmm(w, v)", lambda: torch.bmm(weights, values)),
        ("bmm(v^T, w^T)^T", lambda: torch.bmm(values.mT, weights.mT).mT),
    ):
        seconds = _cpu_seconds(function, repeats * 10)
        print(
            f"# weights times values over {tokens} tokens, {rows} rows: "
            f"{name} {seconds * 1e6:.0f} us"
        )


def _step_seconds(net, x: torch.Tensor, chunk: int, repeats: int):
    """Wall seconds of one reverse step's network calls, as sampling runs them,
    and the rows per call."""
    with torch.no_grad(), _ChunkedPredictor(net, x.device, chunk) as predict:
        predict(x, 500, None)
        start = time.perf_counter()
        for _ in range(repeats):
            predict(x, 500, None)
        seconds = (time.perf_counter() - start) / repeats
        return seconds, predict.chunk_rows(x.shape[0])


def _compare_chunks(net, x: torch.Tensor, sizes, repeats: int) -> None:
    times, rows = {size: [] for size in sizes}, {}
    for _ in range(5):
        for size in sizes:
            seconds, rows[size] = _step_seconds(net, x, size, repeats)
            times[size].append(seconds / x.shape[0])
    print(f"# a reverse step over {x.shape[0]} rows by chunk size, medians of 5 rounds")
    print("| SAMPLE_CHUNK | rows per call | us per row and reverse step |")
    print("|---|---|---|")
    for size, values in times.items():
        print(f"| {size} | {rows[size]} | {statistics.median(values) * 1e6:.2f} |")


def _cpu_seconds(function, repeats: int) -> float:
    function()
    start = time.process_time()
    for _ in range(repeats):
        function()
    return (time.process_time() - start) / repeats


def _compare_options(features: int, rows: int, variants, repeats: int) -> None:
    torch.set_num_threads(1)
    nets = {"default": make_denoiser("semst", features)}
    for key, value in variants:
        nets[f"{key}={value}"] = make_denoiser("semst", features, **{key: value})
    chunk, batch = torch.randn(rows, features), torch.randn(256, features)
    steps, batch_steps = torch.full((rows,), 500), torch.randint(0, 1000, (256,))

    def sample(net):
        with torch.no_grad():
            net(chunk, steps, None)

    def train(net):
        net.zero_grad(set_to_none=True)
        (net(batch, batch_steps, None) - batch).pow(2).mean().backward()

    times = {name: ([], []) for name in nets}
    for _ in range(7):
        for name, net in nets.items():
            times[name][0].append(_cpu_seconds(lambda n=net: sample(n), repeats) / rows)
            times[name][1].append(_cpu_seconds(lambda n=net: train(n), repeats))
    base = [statistics.median(t) for t in times["default"]]
    print("# one thread, medians of 7 rounds")
    print("| network | sampling us per row | ratio | training ms per step | ratio |")
    print("|---|---|---|---|---|")
    for name, (per_row, per_step) in times.items():
        row, step = statistics.median(per_row), statistics.median(per_step)
        print(
            f"| {name} | {row * 1e6:.2f} | {row / base[0]:.3f} | "
            f"{step * 1e3:.2f} | {step / base[1]:.3f} |"
        )


if __name__ == "__main__":
    main()
