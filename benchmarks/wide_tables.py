"""Time and peak memory of SEMRes-DDPM against TabDDPM on wide tables.

Two synthetic numeric tables, 756 x 753 (the shape of the LReDDPM paper's
parkin data) and 50 x 2,000, with a quarter of the rows in the minority
class. Each run is one ``fit_resample`` in a fresh process, so that its peak
resident memory is its own:

    python benchmarks/wide_tables.py [--repeats 3]

Two settings per table: the same small budget for both samplers (``--steps``
training steps, DDIM with 50 steps, T = 1,000), whose ratio SEMRes / TabDDPM
is the figure to read, and each sampler at its defaults. ``--max-tokens``
sets SEMST's token bound (its default otherwise; ``none``: one token per
attribute, as imbdiff 0.1 had), ``--grouped-tokens`` the tokens of a table
over it (``none``: as many as the bound, as imbdiff 0.2 had). With
``--repeats``, each run is repeated in turn and the medians are printed.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from _child import peak_gb, run_in_child
from _tables import markdown_table

SHAPES = {"parkin-like": (756, 753), "50x2000": (50, 2000)}


def table(rows: int, columns: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, columns))
    y = np.zeros(rows, dtype=int)
    y[: rows // 4] = 1
    X[y == 1] += 0.5  # a class that differs from the other
    return X, y


def one_run(spec: dict) -> dict:
    """Fit and resample once, here; what ``--child`` prints."""
    import torch

    from imbdiff import SEMResDDPM, TabDDPM

    torch.set_num_threads(spec["threads"])
    X, y = table(*SHAPES[spec["shape"]])
    cls = {"semres": SEMResDDPM, "tabddpm": TabDDPM}[spec["method"]]
    params = {"random_state": 0}
    if spec["setting"] == "same steps":
        params.update(
            train_steps=spec["steps"], sampling_method="ddim", sampling_steps=50
        )
    if spec["method"] == "semres":
        options = {}
        for key in ("max_tokens", "grouped_tokens"):
            if spec[key] != "default":
                options[key] = None if spec[key] == "none" else int(spec[key])
        params["denoiser_options"] = options or None
    start = time.perf_counter()
    X_res, _ = cls(**params).fit_resample(X, y)
    seconds = time.perf_counter() - start
    return {**spec, "seconds": seconds, "peak_gb": peak_gb(), "rows": len(X_res)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--max-tokens", default="default")
    parser.add_argument("--grouped-tokens", default="default")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(json.loads(args.child))))
        return
    runs = []
    for repeat in range(args.repeats):
        for shape in args.shapes:
            for setting in ("same steps", "defaults"):
                for method in ("tabddpm", "semres"):
                    spec = {
                        "shape": shape,
                        "setting": setting,
                        "method": method,
                        "steps": args.steps,
                        "max_tokens": args.max_tokens,
                        "grouped_tokens": args.grouped_tokens,
                        "threads": args.threads,
                    }
                    result = run_in_child(__file__, spec)
                    if "error" in result:
                        raise SystemExit(f"{spec}: {result['error']}")
                    runs.append({**result, "repeat": repeat})
                    print(f"# {json.dumps(runs[-1])}", flush=True)
    frame = pd.DataFrame(runs)
    keys = ["shape", "setting", "method"]
    medians = frame.groupby(keys, sort=False)[["seconds", "peak_gb"]].median()
    shown = medians.unstack("method")
    ratio = shown[("seconds", "semres")] / shown[("seconds", "tabddpm")]
    out = pd.DataFrame(
        {
            "TabDDPM s": shown[("seconds", "tabddpm")].map("{:.1f}".format),
            "SEMRes s": shown[("seconds", "semres")].map("{:.1f}".format),
            "SEMRes / TabDDPM": ratio.map("{:.2f}".format),
            "TabDDPM peak GB": shown[("peak_gb", "tabddpm")].map("{:.2f}".format),
            "SEMRes peak GB": shown[("peak_gb", "semres")].map("{:.2f}".format),
        }
    )
    out.index = [f"{shape}, {setting}" for shape, setting in out.index]
    out.index.name = (
        f"table, setting (SEMST max_tokens {args.max_tokens}, "
        f"grouped_tokens {args.grouped_tokens})"
    )
    print(markdown_table(out))


if __name__ == "__main__":
    main()
