"""The runnable examples of the user docs run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), re.DOTALL)


@pytest.mark.parametrize("page", ["input.md"])
def test_the_python_examples_run(page, capsys):
    blocks = _python_blocks(DOCS / page)
    assert blocks, f"{page} shows no Python example"
    for block in blocks:
        exec(compile(block, f"{page} example", "exec"), {"__name__": "docs"})
    assert capsys.readouterr().out.strip()
