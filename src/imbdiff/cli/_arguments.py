"""The arguments of each ``imbdiff`` command (argparse builders)."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from ._commands import (
    _OWN_OPTIONS,
    _cmd_bench,
    _cmd_datasets,
    _cmd_methods,
    _cmd_regions,
    _cmd_report,
    _cmd_resample,
    _resample_methods,
)


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
    from ..samplers import METHODS

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
    from ..regions import minority_types

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
    from ..samplers import REGION_FALLBACK, LReDDPM

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
    from ..bench import list_suites, run

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
    _add_dispatch_arguments(bn, defaults)
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


def _diffusion_methods() -> list[str]:
    from ..samplers import DiffusionOverSampler, method_class

    return [
        name
        for name in _resample_methods()
        if issubclass(method_class(name), DiffusionOverSampler)
    ]


def _diffusion_defaults(key: str) -> str:
    """``key``'s default in every diffusion method, said once if all agree."""
    from ..samplers import method_class

    values = {name: _defaults(method_class(name))[key] for name in _diffusion_methods()}
    if len(set(values.values())) == 1:
        return f"{next(iter(values.values()))} in every diffusion method"
    return ", ".join(f"{name} {value}" for name, value in values.items())


def _add_dispatch_arguments(parser: argparse.ArgumentParser, defaults: dict) -> None:
    """Where and how cells run: ``--jobs``, ``--backend``, ``--scheduler`` and
    ``--threads`` (``defaults`` those of :func:`imbdiff.bench.run`)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=defaults["jobs"],
        help="worker processes (default %(default)s)",
    )
    parser.add_argument(
        "--backend",
        choices=["joblib", "dask"],
        default=defaults["backend"],
        help="where cells run: local processes (joblib) or a Dask cluster "
        "(default %(default)s)",
    )
    parser.add_argument("--scheduler", help="the Dask scheduler's address (with dask)")
    parser.add_argument(
        "--threads",
        type=int,
        default=defaults["threads"],
        help="torch and BLAS threads per cell (default %(default)s, whatever "
        "--jobs is); part of each cell's key, since results depend on it",
    )


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
