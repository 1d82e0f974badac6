"""The ``imbdiff`` command: a thin layer over the library.

Every sub-command parses its arguments, calls one library function and prints
the result. Errors in the user's input are reported on one line (exit code 1),
and output paths are checked before any long work starts; nothing is written
to an output path unless the command succeeds. Ctrl-C (exit code 130) and
SIGTERM (143) stop a command with one line and leave no half-written file.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from ._files import check_output_file, write_atomically
from ._validation import plain
from .bench import list_suites, load_suite, report, run
from .datasets import list_datasets, load_dataset
from .regions import REGION_NAMES, minority_types
from .samplers import METHODS, make_sampler, method_class

__all__ = ["main"]

# Every method but "none", which would write the data unchanged.
_METHODS = tuple(name for name in METHODS if name != "none")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imbdiff",
        description="Diffusion-model oversampling for imbalanced tabular data.",
    )
    parser.add_argument("--version", action="version", version=f"imbdiff {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ds = commands.add_parser(
        "datasets",
        help="list the shipped datasets",
        description="List the shipped "
        "two-class datasets: rows, numeric and categorical columns, imbalance ratio.",
    )
    ds.add_argument(
        "--min-ir",
        type=float,
        default=0.0,
        help="only datasets with at least this imbalance ratio",
    )
    ds.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    ds.set_defaults(handler=_cmd_datasets)

    rg = commands.add_parser(
        "regions",
        help="type minority examples as safe/border/rare/outlier",
        description="Type every minority example by its k nearest neighbours under "
        "HVDM (LReDDPM section 3.1) and print the count of each type.",
    )
    _add_data_arguments(rg)
    rg.add_argument(
        "-k", type=int, default=5, help="neighbours per example (default 5)"
    )
    rg.add_argument(
        "--output",
        "-o",
        type=Path,
        help="write one row per minority example to this CSV file",
    )
    rg.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="threads for the neighbour search (default: all cores)",
    )
    rg.set_defaults(handler=_cmd_regions)

    rs = commands.add_parser(
        "resample",
        help="oversample the minority class and write the result",
        description="Fit an oversampler on DATA and write the resampled rows "
        "(original + synthetic) with the label column to a CSV file.",
    )
    _add_data_arguments(rs)
    rs.add_argument(
        "--method",
        choices=sorted(_METHODS),
        default="tabddpm",
        help="oversampler (default tabddpm)",
    )
    rs.add_argument(
        "--output", "-o", type=Path, required=True, help="CSV file to write"
    )
    rs.add_argument(
        "--mark-synthetic",
        action="store_true",
        help="add a boolean column 'synthetic' marking generated rows",
    )
    rs.add_argument(
        "--save-model",
        type=Path,
        help="folder to save a fitted diffusion model to (new or empty)",
    )
    rs.add_argument(
        "--force",
        action="store_true",
        help="let --save-model replace a model saved there before",
    )
    rs.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    rs.add_argument(
        "--train-steps", type=int, help="training step budget of a diffusion model"
    )
    rs.add_argument(
        "--n-timesteps", type=int, help="diffusion steps T of a diffusion model"
    )
    lr = rs.add_argument_group("LReDDPM (--method lreddpm)")
    lr.add_argument(
        "--region",
        help="guiding region: safe, border, rare, outlier, several joined by "
        "commas, or auto (default safe)",
    )
    lr.add_argument(
        "--tau",
        help="gradient scale: 1, 60, 1/sqrt(beta), 60/sqrt(beta) (default), "
        "C/sqrt(beta) or a number >= 0",
    )
    lr.add_argument(
        "--guidance",
        choices=["region", "region_noisy", "noisy"],
        help="guidance classifier (default region)",
    )
    lr.add_argument(
        "--final-step",
        choices=["recentre", "none"],
        help="shift the rows to the region's mean at the end (default recentre)",
    )
    lr.add_argument(
        "--train-on",
        choices=["minority", "region"],
        help="what the DDPM learns (default minority)",
    )
    rs.add_argument("--verbose", action="store_true", help="show progress bars")
    rs.set_defaults(handler=_cmd_resample)

    bn = commands.add_parser(
        "bench",
        help="run a benchmark suite into a resumable store",
        description="Run every cell of a suite (datasets x methods x seeds x "
        "folds) that the store does not hold yet; each finished cell is saved at "
        "once, so a stopped run resumes where it was.",
    )
    bn.add_argument(
        "--suite",
        required=True,
        help="a shipped suite (" + ", ".join(list_suites()) + ") or a TOML file",
    )
    bn.add_argument("--store", type=Path, required=True, help="SQLite store file")
    bn.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    bn.add_argument(
        "--backend",
        choices=["joblib", "dask"],
        default="joblib",
        help="where cells run: local processes (joblib) or a Dask cluster",
    )
    bn.add_argument("--scheduler", help="the Dask scheduler's address (with dask)")
    bn.add_argument(
        "--threads",
        type=int,
        help="torch and BLAS threads per cell (default: cores / jobs)",
    )
    only = bn.add_argument_group(
        "a part of the grid (each may repeat or take a comma list; the run "
        "and its printout cover only these cells)"
    )
    only.add_argument(
        "--dataset", action="append", help="datasets as the suite names them"
    )
    only.add_argument("--method", action="append", help="methods by their label")
    only.add_argument("--seed", action="append", help="seeds")
    only.add_argument("--fold", action="append", help="folds (cv suites), from 0")
    bn.set_defaults(handler=_cmd_bench)

    rp = commands.add_parser(
        "report",
        help="write a benchmark store's report (markdown, HTML, PNG)",
        description="Turn a benchmark store into report.md, a self-contained "
        "report.html and PNG pictures in a folder.",
    )
    rp.add_argument("store", metavar="STORE", type=Path, help="SQLite store file")
    rp.add_argument(
        "--output", "-o", type=Path, required=True, help="folder to write into"
    )
    rp.set_defaults(handler=_cmd_report)
    return parser


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data",
        metavar="DATA",
        help="a dataset name (see 'imbdiff datasets') or a CSV, "
        "Parquet or KEEL .dat file",
    )
    parser.add_argument("--target", help="label column of a CSV or Parquet file")
    parser.add_argument(
        "--drop",
        action="append",
        metavar="COL",
        help="leave out this column (repeat, or a comma list), e.g. an identifier",
    )
    parser.add_argument(
        "--categorical",
        action="append",
        metavar="COL",
        help="read this column as nominal (repeat, or a comma list)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> from imbdiff.cli import main
    >>> main(["regions", "yeast3"])  # doctest: +SKIP
    """
    parser = _build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv
    previous = _stop_on_sigterm()
    try:
        return args.handler(args)
    except (ValueError, OSError, ImportError, sqlite3.Error) as error:
        print(f"imbdiff {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        what = "terminated" if isinstance(stop, _Terminated) else "interrupted"
        if args.command == "bench":
            print(
                f"imbdiff bench: {what}; every finished cell is in "
                f"{args.store}. Run the same command again to go on.",
                file=sys.stderr,
            )
        else:
            print(
                f"imbdiff {args.command}: {what} before it finished; no file was "
                "left half-written.",
                file=sys.stderr,
            )
        return 143 if isinstance(stop, _Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that cleanup runs as for Ctrl-C."""


def _raise_terminated(signum, frame):
    raise _Terminated


def _stop_on_sigterm():
    """Turn SIGTERM into :class:`_Terminated`; return the handler it replaced
    (None where signals cannot be handled, off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _cmd_datasets(args: argparse.Namespace) -> int:
    table = list_datasets()
    table = table[table["imbalance_ratio"] >= args.min_ir]
    shown = table[
        ["name", "rows", "numeric", "categorical", "imbalance_ratio", "aliases"]
    ]
    shown = shown.rename(columns={"imbalance_ratio": "IR"})
    if args.csv:
        print(shown.to_csv(index=False), end="")
    else:
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(
            f"\n{len(shown)} datasets; IR = majority rows / minority rows. "
            "Load one with imbdiff.load_dataset(NAME)."
        )
    return 0


def _cmd_regions(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_output_file(args.output, inputs=_input_files(args))
    dataset = _load(args)
    types = minority_types(dataset.X, dataset.y.to_numpy(), k=args.k, n_jobs=args.jobs)
    print(
        f"{dataset.name}: {dataset.n_rows} rows, {dataset.X.shape[1]} features "
        f"({dataset.n_numeric} numeric, {dataset.n_categorical} categorical); "
        f"k = {args.k}, HVDM distance"
    )
    for label, group in types.groupby("label", sort=True):
        label = plain(label)
        counts = (
            group["region"].value_counts().reindex(list(REGION_NAMES), fill_value=0)
        )
        print(f"\nclass {label!r} ({len(group)} examples)")
        print(f"{'region':<8} {'count':>6} {'percent':>8}")
        for name, count in counts.items():
            print(f"{name:<8} {count:>6} {100 * count / len(group):>7.2f}%")
    if args.output is not None:
        out = types.rename_axis("row").reset_index()
        _write_csv_atomically(out, args.output)
        print(f"\nwrote {len(out)} rows to {args.output}")
    return 0


def _load(args: argparse.Namespace):
    return load_dataset(
        args.data,
        target=args.target,
        drop=_listed(args.drop),
        categorical=_listed(args.categorical),
    )


def _input_files(args: argparse.Namespace) -> list[Path]:
    """The files a command reads, which no output may replace."""
    path = Path(args.data)
    return [path] if path.is_file() else []


_LREDDPM_OPTIONS = {
    "region": "--region",
    "tau": "--tau",
    "guidance": "--guidance",
    "final_step": "--final-step",
    "train_on": "--train-on",
}


def _make_sampler(args: argparse.Namespace):
    from .samplers import DiffusionOverSampler, LReDDPM

    cls = method_class(args.method)
    params = {"random_state": args.random_state}
    given = [k for k in _LREDDPM_OPTIONS if getattr(args, k) is not None]
    if given and cls is not LReDDPM:
        flags = ", ".join(_LREDDPM_OPTIONS[k] for k in given)
        raise ValueError(f"{flags} apply to --method lreddpm, not {args.method}.")
    for key in given:
        value = getattr(args, key)
        if key == "region" and "," in value:
            value = [part.strip() for part in value.split(",")]
        params[key] = value
    if issubclass(cls, DiffusionOverSampler):
        params["verbose"] = args.verbose
        if args.train_steps is not None:
            params["train_steps"] = args.train_steps
        if args.n_timesteps is not None:
            params["n_timesteps"] = args.n_timesteps
    elif (
        args.save_model is not None
        or args.train_steps is not None
        or args.n_timesteps is not None
    ):
        raise ValueError(
            "--save-model, --train-steps and --n-timesteps apply to diffusion "
            f"methods, not {args.method}."
        )
    return make_sampler(args.method, params)


def _cmd_resample(args: argparse.Namespace) -> int:
    from .samplers import check_model_folder

    # Every check that can fail runs before the data are read and the model
    # trained, so that no fit is lost to a path that cannot be written.
    sampler = _make_sampler(args)
    check_output_file(args.output, inputs=_input_files(args))
    if args.save_model is not None:
        check_model_folder(args.save_model, overwrite=args.force)
        model = args.save_model.resolve()
        if model in (args.output.resolve(), *args.output.resolve().parents):
            raise ValueError(
                f"-o {args.output} lies in the model folder {args.save_model}; "
                "write the rows somewhere else."
            )
    elif args.force:
        raise ValueError("--force applies to --save-model, which is not given.")
    dataset = _load(args)
    X_res, y_res = sampler.fit_resample(dataset.X, dataset.y)
    out = X_res.reset_index(drop=True)
    target = dataset.y.name if dataset.y.name is not None else "target"
    out[target] = pd.Series(y_res).reset_index(drop=True)
    if args.mark_synthetic:
        out["synthetic"] = out.index >= dataset.n_rows
    if args.save_model is not None:
        sampler.save(args.save_model, overwrite=args.force)
    _write_csv_atomically(out, args.output)
    added = len(out) - dataset.n_rows
    print(
        f"{dataset.name}: {dataset.n_rows} rows + {added} synthetic "
        f"({args.method}) -> {args.output}"
    )
    for label, regions in getattr(sampler, "guide_regions_", {}).items():
        scores = sampler.classifier_scores_[label]
        print(
            f"class {plain(label)!r} guided by {'+'.join(regions)} "
            f"({scores['n_positive']} examples); guidance classifier held-out "
            f"balanced accuracy {scores['balanced_accuracy']:.3f}, "
            f"AUC {scores['auc']:.3f}"
        )
    if args.save_model is not None:
        print(f"model saved to {args.save_model}")
    return 0


#: A run of at most this many cells prints their scores.
_PRINTED_CELLS = 10
_PRINTED_METRICS = ("f1", "gmean", "auc")


def _cmd_bench(args: argparse.Namespace) -> int:
    suite = load_suite(args.suite)
    if args.backend == "dask" and args.scheduler is None:
        raise ValueError("--backend dask needs --scheduler ADDRESS.")
    selection = {
        "datasets": _listed(args.dataset),
        "methods": _listed(args.method),
        "seeds": _listed(args.seed, int, "--seed"),
        "folds": _listed(args.fold, int, "--fold"),
    }
    chosen = suite.select(**selection)
    frame = run(
        suite,
        args.store,
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        threads=args.threads,
        progress=True,
        cells=chosen,
        command=shlex.join(["imbdiff", *args.argv]),
    )
    cells = frame.drop_duplicates(["dataset", "label", "seed", "fold"])
    failed = cells[cells["status"] == "failed"]
    total = len(suite.cells())
    part = "" if len(chosen) == total else f" (part of {total})"
    print(
        f"{suite.name}: {len(cells) - len(failed)} cells done, {len(failed)} failed"
        f"{part} -> {args.store}"
    )
    for row in failed.itertuples():
        print(
            f"  failed: {row.dataset} {row.label} seed {row.seed} fold {row.fold}: "
            f"{row.error}"
        )
    if len(cells) <= _PRINTED_CELLS:
        scores = frame[
            (frame["status"] == "done")
            & (frame["classifier"] != "")
            & frame["metric"].isin(_PRINTED_METRICS)
        ]
        table = scores.pivot_table(
            index=["dataset", "label", "seed", "fold", "classifier"],
            columns="metric",
            values="value",
        )
        if not table.empty:
            table = table[[m for m in _PRINTED_METRICS if m in table.columns]]
            print(table.to_string(float_format=lambda v: f"{v:.6f}"))
    return 0


def _listed(values, kind=str, flag=""):
    """Values of a repeatable, comma-separated option (None if not given)."""
    if values is None:
        return None
    parts = [part.strip() for value in values for part in value.split(",")]
    try:
        return [kind(part) for part in parts if part]
    except ValueError:
        raise ValueError(f"{flag} takes whole numbers; got {values!r}.") from None


def _cmd_report(args: argparse.Namespace) -> int:
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"{args.output} is a file; name a folder.")
    files = report(args.store, args.output)
    print(f"report of {args.store} -> {files['markdown']}, {files['html']}")
    return 0


def _write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename it into place."""
    write_atomically(path, lambda tmp: frame.to_csv(tmp, index=False))


if __name__ == "__main__":
    raise SystemExit(main())
