"""``imbdiff compare``: which oversampler, if any, helps on one table."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._arguments import (
    _add_data_arguments,
    _add_dispatch_arguments,
    _add_progress_arguments,
    _defaults,
)
from ._commands import _listed, _progress, _say


def _compare_arguments(cp: argparse.ArgumentParser) -> None:
    from ..bench import COMPARE_CLASSIFIERS, compare, compare_candidates
    from ..evaluation import CLASSIFIER_NAMES, METRIC_NAMES

    defaults = _defaults(compare)
    cp.description = (
        "Which oversampler, if any, helps on this table? Each candidate at its "
        "defaults, a few classifiers, repeated stratified k-fold, into a "
        "resumable store in the output folder; the report's first line answers."
    )
    _add_data_arguments(cp)
    cp.add_argument(
        "--output", "-o", type=Path, required=True, help="folder to write into"
    )
    cp.add_argument(
        "--methods",
        action="append",
        help="candidates (repeat, or a comma list; 'none' is always one); "
        f"default: {', '.join(compare_candidates())}",
    )
    cp.add_argument(
        "--classifiers",
        action="append",
        help=f"of {', '.join(CLASSIFIER_NAMES)} (repeat, or a comma list); "
        f"default: {', '.join(COMPARE_CLASSIFIERS)}",
    )
    cp.add_argument(
        "--metric",
        choices=METRIC_NAMES,
        default=defaults["metric"],
        help="the metric the answer is about (default %(default)s)",
    )
    for name, text in (("folds", "folds"), ("repeats", "repeats of the folds")):
        cp.add_argument(
            f"--{name}",
            type=int,
            default=defaults[name],
            help=f"{text} (default %(default)s)",
        )
    cp.add_argument(
        "--budget",
        choices=["default", "quick"],
        default=defaults["budget"],
        help="'quick' trains the diffusion samplers briefly: a first look in "
        "minutes, not a decision (default %(default)s)",
    )
    cp.add_argument(
        "--with-threshold",
        action="store_true",
        help="also run each oversampler followed by threshold tuning "
        "(NAME+threshold; the diffusion samplers train once for both)",
    )
    _add_dispatch_arguments(cp, defaults)
    _add_progress_arguments(cp, "the cells")
    cp.set_defaults(handler=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    from ..bench import compare

    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"{args.output} is a file; name a folder.")
    if args.backend == "dask" and not args.scheduler:
        raise ValueError("--backend dask needs --scheduler ADDRESS.")
    found = compare(
        args.data,
        args.output,
        target=args.target,
        drop=_listed(args.drop),
        categorical=_listed(args.categorical),
        methods=_listed(args.methods),
        classifiers=_listed(args.classifiers),
        metric=args.metric,
        folds=args.folds,
        repeats=args.repeats,
        budget=args.budget,
        with_threshold=args.with_threshold,
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        threads=args.threads,
        progress=_progress(args),
    )
    _say(
        args,
        found.verdict.sentence,
        f"report -> {found.files['markdown']}, {found.files['html']} "
        f"(store {found.files['store']})",
    )
    return 0
