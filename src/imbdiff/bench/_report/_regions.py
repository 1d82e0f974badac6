"""Region composition of the synthetic rows (the LReDDPM paper's Figure 5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...regions import REGION_NAMES, replaced_composition
from ._figures import panel_grid, pyplot
from ._sections import Section

__all__ = ["region_rows", "region_section"]


def region_rows(mapped: tuple) -> list[dict]:
    """A dataset's region composition of its real minority and of each
    method's synthetic rows, these replacing the training minority and each
    row typed against the rest (``mapped`` as :func:`first_cells` yields it)."""
    dataset, X_train, minority, synthetic = mapped
    rows = []
    groups = {"real minority": X_train[minority]}
    groups.update({k: v for k, v in synthetic.items() if v is not None})
    for label, part in groups.items():
        try:
            shares = replaced_composition(
                X_train, minority.astype(int), minority, part, label=1
            )["share"]
        except ValueError:
            continue
        rows.append(
            {"dataset": dataset, "rows": label}
            | {name: float(shares[name]) for name in REGION_NAMES}
        )
    return rows


def region_section(rows: list[dict], out: Path):
    """The region composition (the paper's Figure 5) of :func:`region_rows`'
    rows as a section and a picture, or ``(None, {})`` without rows."""
    if not rows:
        return None, {}
    table = pd.DataFrame(rows)
    cells = table.set_index(["dataset", "rows"]).map(lambda v: f"{100 * v:.1f}%")
    cells.index = [f"{d}: {r}" for d, r in cells.index]
    section = Section(
        "Region composition of the synthetic rows",
        "For the first seed and fold: the training minority is replaced by a "
        "method's synthetic rows, and each row is typed by its 5 nearest "
        "neighbours under HVDM (the LReDDPM paper's Figure 5); the real "
        "minority's own composition is the reference.",
        tables=[("share of rows per region", cells, None)],
    )
    pictures = {}
    plt = pyplot()
    if plt is None:
        return section, pictures
    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = panel_grid(plt, len(datasets), 3.5, 3.5)
    for ax, dataset in zip(axes, datasets):
        part = table[table["dataset"] == dataset].set_index("rows")[list(REGION_NAMES)]
        part.plot.bar(stacked=True, ax=ax, legend=False, rot=45)
        ax.set_title(dataset)
        ax.set_xlabel("")
        ax.set_ylim(0, 1)
    axes[-1].legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
    axes[0].set_ylabel("share of rows")
    fig.tight_layout()
    fig.savefig(out / "regions.png", dpi=100)
    plt.close(fig)
    pictures["Region composition of real and synthetic minority rows"] = "regions.png"
    return section, pictures
