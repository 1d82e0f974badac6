"""The ``imbdiff`` command: a thin layer over the library.

Every sub-command parses its arguments, calls one library function and prints
the result. Errors in the user's input are reported on one line (exit code 1),
and output paths are checked before any long work starts; nothing is written
to an output path unless the command succeeds. Ctrl-C (exit code 130) and
SIGTERM (143) stop a command with one line and leave no half-written file.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence

from .._version import __version__
from ._arguments import (
    _bench_arguments,
    _datasets_arguments,
    _methods_arguments,
    _regions_arguments,
    _report_arguments,
    _resample_arguments,
)
from ._compare import _compare_arguments

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
    "compare": (
        "which oversampler, if any, helps on one table",
        _compare_arguments,
    ),
}


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
        if args.command in ("bench", "compare"):
            store = args.store if args.command == "bench" else args.output
            print(
                f"imbdiff {args.command}: {what}; every finished cell is in "
                f"{store}. Run the same command again to go on.",
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
