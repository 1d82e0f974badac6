"""One measurement in a fresh process, for the benchmark scripts whose peak
memory must be each run's own."""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def run_in_child(script: str, spec: dict) -> dict:
    """Run ``script --child SPEC`` and return the JSON object it prints last;
    a run that fails returns ``spec`` with its error's last line."""
    done = subprocess.run(
        [sys.executable, script, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return {**spec, "error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_gb() -> float:
    """This process's peak resident memory so far, in GiB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
