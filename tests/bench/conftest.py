import sys

import pytest


@pytest.fixture
def bench_command():
    """``imbdiff bench`` on a suite file into a store, as a child process's
    command line (one thread per cell, and any further options)."""

    def command(suite_file, store, *options: str) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import sys; from imbdiff.cli import main; sys.exit(main(sys.argv[1:]))",
            "bench",
            "--suite",
            str(suite_file),
            "--store",
            str(store),
            "--threads",
            "1",
            *options,
        ]

    return command
