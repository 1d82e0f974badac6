"""Markdown tables for the benchmark scripts' printouts."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` as a markdown table, its index as the first column.

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1]}, index=["x"])))
    |  | a |
    |---|---|
    | x | 1 |
    """
    head = "| " + " | ".join([frame.index.name or "", *map(str, frame.columns)]) + " |"
    rule = "|---" * (len(frame.columns) + 1) + "|"
    rows = [
        "| " + " | ".join([str(i), *map(str, row)]) + " |"
        for i, row in zip(frame.index, frame.astype(object).to_numpy())
    ]
    return "\n".join([head, rule, *rows])
