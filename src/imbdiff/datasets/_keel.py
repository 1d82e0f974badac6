"""A reader for KEEL ``.dat`` files (an ARFF dialect with a header of attributes).

KEEL headers declare every attribute as ``real``, ``integer`` (optionally with a
range) or nominal (``{a, b, c}``), then ``@inputs`` / ``@outputs`` name the
features and the class. Missing values are written ``?`` or ``<null>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_keel"]

_MISSING = {"?", "<null>", ""}
# '@attribute name type [range]' or '@attribute name {v1, v2}'; the type may touch
# its range ("integer[23,83]") and the name may be quoted.
_ATTRIBUTE = re.compile(
    r"""^@attribute\s+
        (?P<name>'[^']*'|"[^"]*"|\S+?)\s*
        (?:(?P<nominal>\{.*\})|(?P<kind>real|integer|numeric)\s*(?:\[.*\])?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class _Attribute:
    name: str
    kind: str  # "real", "integer" or "nominal"
    categories: tuple[str, ...] = ()


def read_keel(path: str | Path) -> tuple[pd.DataFrame, pd.Series]:
    """Read a KEEL ``.dat`` file into features and target.

    Parameters
    ----------
    path : str or Path
        The ``.dat`` file.

    Returns
    -------
    X : DataFrame
        One column per input attribute: ``int64`` for integer attributes without
        missing values, ``float64`` for other numeric ones, and ``category`` (with
        the categories in header order) for nominal ones.
    y : Series
        The output attribute as strings, as written in the file.

    Raises
    ------
    ValueError
        If the header is malformed or declares an attribute twice, a row has
        the wrong number of fields, a numeric field is not a number, or a row
        has no class.
    """
    path = Path(path)
    lines = _decode(path).splitlines()
    attributes, target, data_start = _read_header(lines, path)
    rows = _read_rows(lines, data_start, len(attributes), path)
    return _to_frame(attributes, rows, target, path)


def _decode(path: Path) -> str:
    """The text of ``path``, as UTF-8 or else as Latin-1."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Older KEEL and ARFF files are Latin-1; every byte decodes, nothing lost.
        return raw.decode("latin-1")


def _read_header(lines: list[str], path: Path) -> tuple[list[_Attribute], str, int]:
    """The attributes, the target's name and the number of the ``@data`` line."""
    attributes: list[_Attribute] = []
    outputs: list[str] = []
    data_start = None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        lower = line.lower()
        if lower.startswith("@data"):
            data_start = lineno
            break
        if lower.startswith("@attribute"):
            attributes.append(_parse_attribute(line, path, lineno))
        elif lower.startswith(("@outputs", "@output")):
            outputs = [
                s.strip().strip("'\"") for s in line.split(None, 1)[1].split(",")
            ]
    if data_start is None:
        raise ValueError(f"{path}: no '@data' line; this is not a KEEL .dat file.")
    if not attributes:
        raise ValueError(f"{path}: the header declares no attribute.")
    names = [a.name for a in attributes]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{path}: attributes declared twice: {repeated}.")
    target = outputs[0] if outputs else names[-1]
    if target not in names:
        raise ValueError(f"{path}: output attribute {target!r} is not declared.")
    return attributes, target, data_start


def _read_rows(
    lines: list[str], data_start: int, n_attributes: int, path: Path
) -> list[list[str]]:
    """The stripped fields of each data row after line ``data_start``."""
    rows = []
    for lineno in range(data_start, len(lines)):
        line = lines[lineno].strip()
        if not line or line.startswith("%"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != n_attributes:
            raise ValueError(
                f"{path}, line {lineno + 1}: {len(fields)} fields where the header "
                f"declares {n_attributes} attributes."
            )
        rows.append(fields)
    if not rows:
        raise ValueError(f"{path}: the file has a header but no data rows.")
    return rows


def _to_frame(
    attributes: list[_Attribute], rows: list[list[str]], target: str, path: Path
) -> tuple[pd.DataFrame, pd.Series]:
    """Typed features and the target's strings, from the rows' fields."""
    columns = list(zip(*rows))
    data = {}
    for attr, values in zip(attributes, columns):
        data[attr.name] = _convert(attr, values, path)
    frame = pd.DataFrame(data)
    y = frame.pop(target)
    if y.isna().any():
        missing = (np.flatnonzero(y.isna().to_numpy()) + 1).tolist()
        raise ValueError(
            f"{path}: the class {target!r} is missing in {len(missing)} data rows "
            f"(rows {missing[:5]}{' ...' if len(missing) > 5 else ''}); "
            "drop them first."
        )
    return frame, y.astype(str).rename(target)


def _parse_attribute(line: str, path: Path, lineno: int) -> _Attribute:
    match = _ATTRIBUTE.match(line)
    if match is None:
        raise ValueError(f"{path}, line {lineno}: cannot read attribute {line!r}.")
    name = match["name"].strip("'\"")
    if match["nominal"] is not None:
        inner = match["nominal"][1:-1]
        categories = tuple(c.strip().strip("'\"") for c in inner.split(","))
        return _Attribute(name, "nominal", tuple(c for c in categories if c))
    kind = match["kind"].lower()
    return _Attribute(name, "integer" if kind == "integer" else "real")


def _convert(attr: _Attribute, values: tuple[str, ...], path: Path) -> pd.Series:
    missing = np.array([v in _MISSING for v in values])
    if attr.kind == "nominal":
        cleaned = [None if m else v.strip("'\"") for v, m in zip(values, missing)]
        seen = list(dict.fromkeys(v for v in cleaned if v is not None))
        # Some KEEL headers repeat a category; keep each once, in header order.
        declared = list(dict.fromkeys(attr.categories))
        categories = declared + [c for c in seen if c not in declared]
        return pd.Series(pd.Categorical(cleaned, categories=categories))
    numbers = np.full(len(values), np.nan)
    for i, (v, m) in enumerate(zip(values, missing)):
        if m:
            continue
        try:
            numbers[i] = float(v)
        except ValueError:
            raise ValueError(
                f"{path}: attribute {attr.name!r} is declared {attr.kind} but holds "
                f"{v!r}."
            ) from None
    if (
        attr.kind == "integer"
        and not missing.any()
        and np.all(numbers == np.round(numbers))
        and np.all(np.abs(numbers) < 2.0**53)
    ):
        return pd.Series(numbers.astype(np.int64))
    return pd.Series(numbers)
