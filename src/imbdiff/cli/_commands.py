"""What each ``imbdiff`` command does with its parsed arguments."""

from __future__ import annotations

import argparse
import inspect
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ._write import write_frames_atomically

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


def _resample_methods() -> list[str]:
    # Every method that adds rows: not "none", which would write the data
    # unchanged, nor those that change the classifier instead.
    from ..samplers import CLASSIFIER_METHODS, METHODS

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


def _cmd_datasets(args: argparse.Namespace) -> int:
    from ..datasets import list_datasets

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
    from .._files import check_output_file
    from .._validation import plain
    from ..regions import REGION_NAMES, minority_types

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
        write_frames_atomically([out], args.output)
        print(f"\nwrote {len(out)} rows to {args.output}")
    return 0


def _load(args: argparse.Namespace):
    from ..datasets import load_dataset

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
    from ..samplers import (
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
        from .._runtime import usable_device

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
    from ..samplers import (
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
    from tqdm.auto import tqdm

    # Every check that can fail runs before the data are read and the model
    # trained, so that no fit is lost to a path that cannot be written.
    sampler = _make_sampler(args, _progress(args))
    _check_resample_outputs(args)
    dataset = _load(args)
    target = dataset.y.name if dataset.y.name is not None else "target"
    X, y = dataset.X.reset_index(drop=True), dataset.y.reset_index(drop=True)
    generated, expected = _generate(sampler, X, y)
    if args.save_model is not None:
        sampler.save(args.save_model, overwrite=args.force)
    frames = _resampled_frames(X, y, generated, target, args.mark_synthetic)
    bar = tqdm(
        total=len(X) + expected,
        desc="writing",
        unit="row",
        disable=not _progress(args),
    )
    with bar:
        written = write_frames_atomically(frames, args.output, bar.update)
    _say_resampled(args, dataset, sampler, written - dataset.n_rows)
    return 0


def _check_resample_outputs(args: argparse.Namespace) -> None:
    """Refuse an output file or model folder that cannot be written, and a
    ``--force`` without a model to save."""
    from .._files import check_output_file
    from ..samplers import check_model_folder

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


def _generate(sampler, X, y) -> tuple:
    """Fit ``sampler``: its new rows as ``(rows, labels)`` parts, and how many
    rows they hold in all."""
    import numpy as np

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
    return generated, expected


def _resampled_frames(X, y, generated, target: str, mark_synthetic: bool):
    """The frames to write: the data, then the new rows, each with its labels
    in ``target`` (and a ``synthetic`` column if ``mark_synthetic``)."""
    import numpy as np
    import pandas as pd

    parts = ((X, y, False), *((r, labels, True) for r, labels in generated))
    for rows, labels, synthetic in parts:
        frame = pd.DataFrame(rows).reset_index(drop=True)
        frame[target] = np.asarray(labels)
        if mark_synthetic:
            frame["synthetic"] = synthetic
        yield frame


def _say_resampled(args: argparse.Namespace, dataset, sampler, added: int) -> None:
    """The summary of ``resample``: rows added, guidance, where the model went."""
    from .._validation import plain

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


#: A run of at most this many cells prints their scores.
_PRINTED_CELLS = 10


_PRINTED_METRICS = ("f1", "gmean", "auc")


def _cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import load_suite, run

    suite = load_suite(args.suite)
    if args.backend == "dask" and args.scheduler is None:
        raise ValueError("--backend dask needs --scheduler ADDRESS.")
    chosen = suite.select(**_bench_selection(args))
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
    _say_bench(args, suite, chosen, frame)
    return 0


def _bench_selection(args: argparse.Namespace) -> dict:
    """The part of the suite the options select (:meth:`Suite.select`)."""
    return {
        "datasets": _listed(args.dataset),
        "methods": _listed(args.method),
        "seeds": _listed(args.seed, int, "--seed"),
        "folds": _listed(args.fold, int, "--fold"),
    }


def _say_bench(args: argparse.Namespace, suite, chosen, frame) -> None:
    """The summary of ``bench``: cells done and failed, and the scores of a
    short run; with ``--quiet``, the failures alone, on stderr."""
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
        return
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
        _print_scores(frame)


def _print_scores(frame) -> None:
    """The table of each finished cell's :data:`_PRINTED_METRICS` (if any)."""
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
    from ..bench import report

    files = report(args.store, args.output, progress=_progress(args))
    _say(args, f"report of {args.store} -> {files['markdown']}, {files['html']}")
    return 0
