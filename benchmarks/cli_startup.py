"""Time ``imbdiff --help`` (best of three), for one or more source trees.

    python benchmarks/cli_startup.py src            # this checkout
    git worktree add ../imbdiff-old v0.1.0
    python benchmarks/cli_startup.py ../imbdiff-old/src src

Each tree's ``imbdiff`` package is put first on ``PYTHONPATH`` and the
command line runs as ``python -m imbdiff.cli --help`` in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def best_of(source: str, repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(source)}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "imbdiff.cli", "--help"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", help="folders holding imbdiff/")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"| source | best of {args.repeats} (s) |\n|---|---|")
    for source in args.sources:
        print(f"| {source} | {best_of(source, args.repeats):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
