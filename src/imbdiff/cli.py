"""The ``imbdiff`` command: a thin layer over the library.

Every sub-command parses its arguments, calls one library function and prints
the result. Errors in the user's input are reported on one line (exit code 1),
and output paths are checked before any long work starts; nothing is written
to an output path unless the command succeeds. Ctrl-C (exit code 130) and
SIGTERM (143) stop a command with one line and leave no half-written file.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shlex
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from ._version import __version__

__all__ = ["main"]

# Only the standard library and the version are imported here: the heavy
# imports (torch, scikit-learn, pandas) happen in the command that needs them,
# so that ``imbdiff --help`` answers at once.


def _build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the arguments of ``command`` only (the top-level help
    lists the commands and needs none of their arguments)."""
    parser = argparse.ArgumentParser(
        prog="imbdiff",
        description="Diffusion-model oversampling for imbalanced tabular data.",
    )
    parser.add_argument("--version", action="version", version=f"imbdiff {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, add_arguments) in _COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        if name == command:
            add_arguments(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the top level takes no values, so it
    is the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


def _datasets_arguments(ds: argparse.ArgumentParser) -> None:
    ds.description = (
        "List the shipped two-class datasets: rows, numeric and categorical "
        "columns, imbalance ratio."
    )
    ds.add_argument(
        "--min-ir",
        type=float,
        default=0.0,
        help="only datasets with at least this imbalance ratio (default %(default)s)",
    )
    ds.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    ds.set_defaults(handler=_cmd_datasets)


def _methods_arguments(mt: argparse.ArgumentParser) -> None:
    from .samplers import METHODS

    mt.description = (
        "List the oversampling methods, or one method's parameters with their "
        "defaults (what 'resample --param' and a suite's params accept)."
    )
    mt.add_argument(
        "method",
        metavar="METHOD",
        nargs="?",
        choices=list(METHODS),
        help="show this method's parameters",
    )
    mt.set_defaults(handler=_cmd_methods)


def _regions_arguments(rg: argparse.ArgumentParser) -> None:
    from .regions import minority_types

    defaults = _defaults(minority_types)
    rg.description = (
        "Type every minority example by its k nearest neighbours under HVDM "
        "(LReDDPM section 3.1) and print the count of each type."
    )
    _add_data_arguments(rg)
    rg.add_argument(
        "-k",
        type=int,
        default=defaults["k"],
        help="neighbours per example (default %(default)s)",
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
        default=defaults["n_jobs"],
        help="threads for the neighbour search (default: all cores)",
    )
    rg.set_defaults(handler=_cmd_regions)


#: Parameters with an option of their own in ``resample``.
_OWN_OPTIONS = {
    "random_state": "--random-state",
    "verbose": "--progress",
    "train_steps": "--train-steps",
    "n_timesteps": "--n-timesteps",
    "region": "--region",
    "tau": "--tau",
    "guidance": "--guidance",
    "final_step": "--final-step",
    "train_on": "--train-on",
}
_DIFFUSION_OPTIONS = ("train_steps", "n_timesteps")
_LREDDPM_OPTIONS = ("region", "tau", "guidance", "final_step", "train_on")


def _train_steps(text: str) -> int | str:
    """``--train-steps``: a whole number, or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or auto, got {text!r}"
        ) from None


def _resample_arguments(rs: argparse.ArgumentParser) -> None:
    from .samplers import REGION_FALLBACK, LReDDPM

    rs.description = (
        "Fit an oversampler on DATA and write the resampled rows (original + "
        "synthetic) with the label column to a CSV file."
    )
    _add_data_arguments(rs)
    rs.add_argument(
        "--method",
        choices=_resample_methods(),
        default="tabddpm",
        help="oversampler (default %(default)s; 'imbdiff methods' describes them)",
    )
    rs.add_argument(
        "--output",
        "-o",
        type=Path,
        required=True,
        help="file to write: Parquet if it ends in .parquet or .pq, else CSV",
    )
    rs.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="set any parameter of the method (repeat for several); VALUE is "
        "read as JSON (a number, true, false, null, a list, an object) or else "
        "as text. "
        "'imbdiff methods METHOD' lists the parameters and their defaults",
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
    rs.add_argument(
        "--random-state", type=int, default=0, help="seed (default %(default)s)"
    )
    diffusion = rs.add_argument_group("diffusion methods")
    diffusion.add_argument(
        _OWN_OPTIONS["train_steps"],
        type=_train_steps,
        help="training step budget (also cwgan_gp's), or auto: scaled with the "
        f"rows trained on (default {_diffusion_defaults('train_steps')})",
    )
    diffusion.add_argument(
        _OWN_OPTIONS["n_timesteps"],
        type=int,
        help=f"diffusion steps T (default {_diffusion_defaults('n_timesteps')})",
    )
    lr = rs.add_argument_group("LReDDPM (--method lreddpm)")
    defaults = _defaults(LReDDPM)
    region = defaults["region"]
    if region is None:  # the fallback order
        region = ", then ".join("+".join(g) for g in REGION_FALLBACK)
        region += ": the first with 2 examples of the class"
    lr.add_argument(
        "--region",
        help="guiding region: safe, border, rare, outlier, several joined by "
        f"commas, or auto (default {region})",
    )
    lr.add_argument(
        "--tau",
        help="gradient scale: 1, 60, 1/sqrt(beta), 60/sqrt(beta), "
        f"C/sqrt(beta) or a number >= 0 (default {defaults['tau']})",
    )
    for key, text in (
        ("guidance", "guidance classifier"),
        ("final_step", "recentre: shift the rows to the region's mean at the end"),
        ("train_on", "what the DDPM learns"),
    ):
        lr.add_argument(
            _OWN_OPTIONS[key],
            choices=_options_of(LReDDPM, key),
            help=f"{text} (default {defaults[key]})",
        )
    _add_progress_arguments(rs, "training and sampling", alias="--verbose")
    rs.set_defaults(handler=_cmd_resample)


def _bench_arguments(bn: argparse.ArgumentParser) -> None:
    from .bench import list_suites, run

    defaults = _defaults(run)
    bn.description = (
        "Run every cell of a suite (datasets x methods x seeds x folds) that "
        "the store does not hold yet; each finished cell is saved at once, so "
        "a stopped run resumes where it was. Several runs may share one store: "
        "each claims a cell before it starts it, so no cell is computed twice."
    )
    bn.add_argument(
        "--suite",
        required=True,
        help="a shipped suite (" + ", ".join(list_suites()) + ") or a TOML file",
    )
    bn.add_argument("--store", type=Path, required=True, help="SQLite store file")
    bn.add_argument(
        "--jobs",
        type=int,
        default=defaults["jobs"],
        help="worker processes (default %(default)s)",
    )
    bn.add_argument(
        "--backend",
        choices=["joblib", "dask"],
        default=defaults["backend"],
        help="where cells run: local processes (joblib) or a Dask cluster "
        "(default %(default)s)",
    )
    bn.add_argument("--scheduler", help="the Dask scheduler's address (with dask)")
    bn.add_argument(
        "--threads",
        type=int,
        default=defaults["threads"],
        help="torch and BLAS threads per cell (default %(default)s, whatever "
        "--jobs is); part of each cell's key, since results depend on it",
    )
    bn.add_argument(
        "--claim-expiry",
        type=float,
        default=defaults["claim_expiry"],
        metavar="SECONDS",
        help="a cell claimed by a run that stopped renewing its claim (a "
        "killed run) is taken over after this many seconds (default %(default)s)",
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
    _add_progress_arguments(bn, "the cells")
    bn.set_defaults(handler=_cmd_bench)


def _report_arguments(rp: argparse.ArgumentParser) -> None:
    rp.description = (
        "Turn a benchmark store into report.md, a self-contained report.html "
        "and PNG pictures in a folder."
    )
    rp.add_argument("store", metavar="STORE", type=Path, help="SQLite store file")
    rp.add_argument(
        "--output", "-o", type=Path, required=True, help="folder to write into"
    )
    _add_progress_arguments(rp, "the report's steps")
    rp.set_defaults(handler=_cmd_report)


#: Command -> (one line of help, the function that adds its arguments).
_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "datasets": ("list the shipped datasets", _datasets_arguments),
    "methods": ("list the oversamplers and their parameters", _methods_arguments),
    "regions": (
        "type minority examples as safe/border/rare/outlier",
        _regions_arguments,
    ),
    "resample": (
        "oversample the minority class and write the result",
        _resample_arguments,
    ),
    "bench": ("run a benchmark suite into a resumable store", _bench_arguments),
    "report": (
        "write a benchmark store's report (markdown, HTML, PNG)",
        _report_arguments,
    ),
}


def _defaults(function) -> dict:
    """The default of every keyword parameter of ``function`` (or a class)."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _options_of(cls, key: str) -> list[str]:
    """The values a string option of ``cls`` accepts, from its constraints."""
    for constraint in cls._parameter_constraints[key]:
        options = getattr(constraint, "options", None)
        if options is not None:
            return sorted(options)
    raise TypeError(f"{cls.__name__}.{key} is not a string option.")


def _resample_methods() -> list[str]:
    # Every method that adds rows: not "none", which would write the data
    # unchanged, nor those that change the classifier instead.
    from .samplers import CLASSIFIER_METHODS, METHODS

    return sorted(
        name for name in METHODS if name != "none" and name not in CLASSIFIER_METHODS
    )


#: What the methods without a sampler do, for 'imbdiff methods'.
_NO_SAMPLER = {
    "none": "no oversampling: the data as they are",
    "balanced": "no resampling: the classifier weights the classes "
    "(class_weight='balanced'; benchmark only)",
    "threshold": "no resampling: the classifier's decision threshold is tuned "
    "for F1 (TunedThresholdClassifierCV; benchmark only)",
}


def _diffusion_methods() -> list[str]:
    from .samplers import DiffusionOverSampler, method_class

    return [
        name
        for name in _resample_methods()
        if issubclass(method_class(name), DiffusionOverSampler)
    ]


def _diffusion_defaults(key: str) -> str:
    """``key``'s default in every diffusion method, said once if all agree."""
    from .samplers import method_class

    values = {name: _defaults(method_class(name))[key] for name in _diffusion_methods()}
    if len(set(values.values())) == 1:
        return f"{next(iter(values.values()))} in every diffusion method"
    return ", ".join(f"{name} {value}" for name, value in values.items())


def _add_progress_arguments(
    parser: argparse.ArgumentParser, what: str, alias: str | None = None
) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        *(["--progress", alias] if alias else ["--progress"]),
        dest="progress",
        action="store_true",
        help=f"progress bars of {what} even when standard error is not a "
        "terminal (by default they show on a terminal only)",
    )
    group.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bars and no summary: print errors only (on standard error)",
    )


def _progress(args: argparse.Namespace) -> bool:
    """Whether to draw progress bars: asked for, or on a terminal unless quiet."""
    if args.quiet:
        return False
    return args.progress or sys.stderr.isatty()


def _say(args: argparse.Namespace, *lines: str) -> None:
    """Print the command's summary lines, unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        for line in lines:
            print(line)


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
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _build_parser(_command_of(argv)).parse_args(argv)
    args.argv = argv
    previous = _stop_on_sigterm()
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader went away (``imbdiff methods | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
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
    from .datasets import list_datasets

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
    from ._files import check_output_file
    from ._validation import plain
    from .regions import REGION_NAMES, minority_types

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
        _write_frames_atomically([out], args.output)
        print(f"\nwrote {len(out)} rows to {args.output}")
    return 0


def _load(args: argparse.Namespace):
    from .datasets import load_dataset

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


def _make_sampler(args: argparse.Namespace, progress: bool):
    """The sampler the options ask for, every parameter checked before any
    data are read."""
    from .samplers import (
        DiffusionOverSampler,
        make_sampler,
        method_class,
        method_params,
    )

    cls = method_class(args.method)
    params = {"random_state": args.random_state}
    own = {key: getattr(args, key) for key in (*_DIFFUSION_OPTIONS, *_LREDDPM_OPTIONS)}
    own = {key: value for key, value in own.items() if value is not None}
    diffusion = issubclass(cls, DiffusionOverSampler)
    taken = method_params(args.method)
    for key in own:
        if key not in taken:
            users = [m for m in _resample_methods() if key in method_params(m)]
            raise ValueError(
                f"{_OWN_OPTIONS[key]} applies to {', '.join(users)}, not {args.method}."
            )
    if args.save_model is not None and not diffusion:
        raise ValueError(
            f"--save-model applies to diffusion methods, not {args.method}."
        )
    if isinstance(own.get("region"), str) and "," in own["region"]:
        own["region"] = [part.strip() for part in own["region"].split(",")]
    params.update(own)
    for key, value in _parsed_params(args.param):
        if key in _OWN_OPTIONS:
            raise ValueError(f"--param {key}=...: use {_OWN_OPTIONS[key]} instead.")
        params[key] = value
    if "verbose" in method_params(args.method):
        params["verbose"] = progress
    sampler = make_sampler(args.method, params)
    # scikit-learn checks the values against the sampler's constraints only
    # in fit; checking here reports a bad value before a long load or fit.
    for estimator in (sampler, getattr(sampler, "sampler", None)):
        if hasattr(estimator, "_validate_params"):
            estimator._validate_params()
    if "device" in params:
        from ._runtime import usable_device

        usable_device(params["device"])
    return sampler


def _parsed_params(items: Sequence[str] | None) -> list[tuple[str, object]]:
    """``KEY=VALUE`` pairs; a value is JSON if it reads as JSON, else text."""
    pairs = []
    for item in items or []:
        key, sign, text = item.partition("=")
        if not sign or not key.strip():
            raise ValueError(f"--param takes KEY=VALUE; got {item!r}.")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = {"True": True, "False": False, "None": None}.get(text, text)
        pairs.append((key.strip(), value))
    return pairs


def _cmd_methods(args: argparse.Namespace) -> int:
    from .samplers import (
        METHODS,
        NUMERIC_ONLY,
        OneHotOverSampler,
        method_class,
        method_params,
    )

    if args.method is None:
        rows = []
        for name in METHODS:
            cls = method_class(name)
            if cls is None:
                rows.append((name, "", _NO_SAMPLER[name]))
            else:
                rows.append((name, cls.__name__, _first_sentence(cls.__doc__)))
        width = max(len(name) for name, _, _ in rows)
        for name, cls_name, summary in rows:
            print(f"{name:<{width}}  {cls_name:<20}  {summary}")
        print("\n'imbdiff methods METHOD' lists a method's parameters.")
        return 0
    cls = method_class(args.method)
    if cls is None:
        print(f"{args.method}: {_NO_SAMPLER[args.method]}; it takes no parameters.")
        return 0
    defaults = method_params(args.method)
    classes = list(reversed(cls.__mro__))  # a subclass's note wins
    if args.method in NUMERIC_ONLY:
        # These run inside the one-hot adapter, which documents its own.
        classes.insert(0, OneHotOverSampler)
    notes = {}
    for owner in classes:
        notes.update(_parameter_notes(owner.__doc__))
    print(
        f"{args.method} ({cls.__module__.split('.')[0]}.{cls.__name__}): "
        f"{_first_sentence(cls.__doc__)}\n"
    )
    for key in sorted(defaults):
        print(f"  {key} = {defaults[key]!r}")
        if notes.get(key):
            print(f"      {notes[key]}")
    return 0


def _first_sentence(text: str | None) -> str:
    words = " ".join((text or "").strip().split("\n\n")[0].split())
    head, dot, _ = words.partition(". ")
    return head + "." if head and (dot or not head.endswith(".")) else head


def _parameter_notes(doc: str | None) -> dict[str, str]:
    """Each parameter's first sentence, from a numpydoc "Parameters" section."""
    lines = inspect.cleandoc(doc or "").splitlines()
    if "Parameters" not in lines:
        return {}
    notes: dict[str, list[str]] = {}
    names: list[str] = []
    body = lines[lines.index("Parameters") + 2 :]
    for i, line in enumerate(body):
        if i + 1 < len(body) and set(body[i + 1]) == {"-"}:
            break  # the next section's title
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(" :")[0].split(",")]
            for name in names:
                notes[name] = []
        elif line.strip():
            for name in names:
                notes[name].append(line.strip())
    return {name: _first_sentence(" ".join(text)) for name, text in notes.items()}


def _cmd_resample(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from ._files import check_output_file
    from ._validation import plain
    from .samplers import check_model_folder

    # Every check that can fail runs before the data are read and the model
    # trained, so that no fit is lost to a path that cannot be written.
    sampler = _make_sampler(args, _progress(args))
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
    target = dataset.y.name if dataset.y.name is not None else "target"
    X, y = dataset.X.reset_index(drop=True), dataset.y.reset_index(drop=True)
    if hasattr(sampler, "fit_resample_chunks"):
        # Trained now; the new rows are made chunk by chunk as they are
        # written, so that a large output is never held whole.
        generated = sampler.fit_resample_chunks(X, y)
        expected = sum(int(n) for n in sampler.sampling_strategy_.values())
    else:
        X_res, y_res = sampler.fit_resample(X, y)
        new_rows = X_res.iloc[len(X) :].reset_index(drop=True)
        generated = [(new_rows, np.asarray(y_res)[len(X) :])]
        expected = len(new_rows)
    if args.save_model is not None:
        sampler.save(args.save_model, overwrite=args.force)

    def frames():
        parts = ((X, y, False), *((r, labels, True) for r, labels in generated))
        for rows, labels, synthetic in parts:
            frame = pd.DataFrame(rows).reset_index(drop=True)
            frame[target] = np.asarray(labels)
            if args.mark_synthetic:
                frame["synthetic"] = synthetic
            yield frame

    bar = tqdm(
        total=len(X) + expected,
        desc="writing",
        unit="row",
        disable=not _progress(args),
    )
    with bar:
        written = _write_frames_atomically(frames(), args.output, bar.update)
    added = written - dataset.n_rows
    _say(
        args,
        f"{dataset.name}: {dataset.n_rows} rows + {added} synthetic "
        f"({args.method}) -> {args.output}",
    )
    for label, regions in getattr(sampler, "guide_regions_", {}).items():
        scores = sampler.classifier_scores_[label]
        _say(
            args,
            f"class {plain(label)!r} guided by {'+'.join(regions)} "
            f"({scores['n_positive']} examples); guidance classifier held-out "
            f"balanced accuracy {scores['balanced_accuracy']:.3f}, "
            f"AUC {scores['auc']:.3f}",
        )
    if args.save_model is not None:
        _say(args, f"model saved to {args.save_model}")
    return 0


#: A run of at most this many cells prints their scores.
_PRINTED_CELLS = 10
_PRINTED_METRICS = ("f1", "gmean", "auc")


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import load_suite, run

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
        claim_expiry=args.claim_expiry,
        progress=_progress(args),
        cells=chosen,
        command=shlex.join(["imbdiff", *args.argv]),
    )
    cells = frame.drop_duplicates(["dataset", "label", "seed", "fold"])
    failed = cells[cells["status"] == "failed"]
    total = len(suite.cells())
    part = "" if len(chosen) == total else f" (part of {total})"
    if args.quiet:
        for row in failed.itertuples():  # errors are never quiet
            print(
                f"imbdiff bench: failed: {row.dataset} {row.label} seed {row.seed} "
                f"fold {row.fold}: {row.error}",
                file=sys.stderr,
            )
        return 0
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
    from .bench import report

    files = report(args.store, args.output, progress=_progress(args))
    _say(args, f"report of {args.store} -> {files['markdown']}, {files['html']}")
    return 0


#: Output file suffixes written as Parquet; any other is written as CSV.
_PARQUET_SUFFIXES = (".parquet", ".pq")


def _write_frames_atomically(frames, path: Path, progress=None) -> int:
    """Write the frames one after another as one table (CSV, or Parquet by
    the suffix) to a temporary file beside ``path``, then rename it into
    place; return the rows written. ``progress(rows)`` after each frame."""
    from ._files import write_atomically

    parquet = path.suffix.lower() in _PARQUET_SUFFIXES
    if parquet:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ValueError(
                f"writing {path.name} as Parquet needs pyarrow (pip install "
                "pyarrow); or name a .csv file."
            ) from None
    written = 0

    def write(tmp: str) -> None:
        nonlocal written
        if parquet:
            writer = None
            try:
                for frame in frames:
                    schema = None if writer is None else writer.schema
                    table = pa.Table.from_pandas(
                        frame, schema=schema, preserve_index=False
                    )
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                    written += len(frame)
                    if progress is not None:
                        progress(len(frame))
            finally:
                if writer is not None:
                    writer.close()
            return
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            for i, frame in enumerate(frames):
                frame.to_csv(handle, index=False, header=i == 0)
                written += len(frame)
                if progress is not None:
                    progress(len(frame))

    write_atomically(path, write)
    return written


if __name__ == "__main__":
    raise SystemExit(main())
