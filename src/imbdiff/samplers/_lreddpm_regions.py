"""LReDDPM's guiding regions: which rows of a class guide it.

The check of ``region``, the default region's fallback
(:data:`REGION_FALLBACK`), the mask of a class's rows in the guiding region
with its size check, and the composition of synthetic rows put in the
region's place (the paper's Figure 5), as methods that
:class:`~imbdiff.samplers.LReDDPM` inherits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._validation import plain
from ..regions import REGION_NAMES, replaced_composition

__all__ = ["REGION_FALLBACK", "GuideRegions", "RegionFallbackWarning"]

#: The default guiding region (``region=None``), in order: the first that has
#: at least 2 training examples of the class guides it.
REGION_FALLBACK: tuple[tuple[str, ...], ...] = (
    ("safe",),
    ("safe", "border"),
    tuple(REGION_NAMES),
)


class RegionFallbackWarning(UserWarning):
    """The default region was too small; a larger one of
    :data:`REGION_FALLBACK` guides instead (the message names it)."""


class GuideRegions:
    """The guiding-region steps of LReDDPM.

    Mixed into :class:`~imbdiff.samplers.LReDDPM`, which gives ``region``,
    the typed rows ``regions_``, the fitted attributes written here,
    ``_fitted_label`` and ``sample``.
    """

    def _region_names(self) -> list[str] | None:
        """The guiding regions as a list (None for "auto"); checks them."""
        region = self.region
        if region is None:
            return list(REGION_FALLBACK[0])
        if isinstance(region, str):
            if region == "auto":
                return None
            region = [region]
        if not isinstance(region, (list, tuple)) or not region:
            raise ValueError(
                f"region must be one of {', '.join(REGION_NAMES)}, a list of them "
                f"or 'auto'; got {self.region!r}."
            )
        unknown = [r for r in region if r not in REGION_NAMES]
        if unknown:
            raise ValueError(
                f"unknown region {unknown[0]!r}; regions are "
                f"{', '.join(REGION_NAMES)} (or 'auto')."
            )
        if len(set(region)) != len(region):
            raise ValueError(f"region lists a region twice: {list(region)}.")
        return list(region)

    def _region_mask(self, label, y, guide: list[str]) -> np.ndarray:
        """Rows of class ``label`` in the regions ``guide``; checks the size."""
        typed = self.regions_[self.regions_["label"] == label]
        sizes = typed["region"].value_counts().reindex(list(REGION_NAMES), fill_value=0)
        self.region_sizes_[label] = {r: int(n) for r, n in sizes.items()}
        mask = self._guide_mask(label, guide, len(y))
        chosen = np.flatnonzero(mask)
        if len(chosen) < 2:
            listing = ", ".join(f"{r} {int(n)}" for r, n in sizes.items())
            large = [r for r, n in sizes.items() if n >= 2]
            hint = (
                f"try region={max(large, key=lambda r: sizes[r])!r}"
                if large
                else f"try region={list(REGION_NAMES)!r} (all of them)"
            )
            what = guide[0] if len(guide) == 1 else guide
            raise ValueError(
                f"region {what!r} of class {plain(label)!r} has {len(chosen)} training "
                f"example(s), too few to guide (at least 2 are needed). Training "
                f"examples per region: {listing}; {hint}."
            )
        return mask

    def _fallback_guide(self, label, n_rows: int) -> list[str]:
        """The first region of :data:`REGION_FALLBACK` with at least 2
        training examples of class ``label`` (the last one if none has)."""
        for guide in REGION_FALLBACK:
            size = int(self._guide_mask(label, list(guide), n_rows).sum())
            if size >= 2:
                break
        if list(guide) != list(REGION_FALLBACK[0]) and size >= 2:
            first = "+".join(REGION_FALLBACK[0])
            n_first = int(
                self._guide_mask(label, list(REGION_FALLBACK[0]), n_rows).sum()
            )
            warnings.warn(
                f"class {plain(label)!r} has {n_first} {first} training example(s), "
                f"too few to guide; {'+'.join(guide)} ({size} examples) guides it "
                "instead. Name a region to choose one yourself.",
                RegionFallbackWarning,
                stacklevel=5,
            )
        return list(guide)

    def _guide_mask(self, label, guide: list[str], n_rows: int) -> np.ndarray:
        """Training rows of class ``label`` typed as one of ``guide``."""
        typed = self.regions_[self.regions_["label"] == label]
        chosen = typed.index[typed["region"].isin(guide).to_numpy()]
        mask = np.zeros(n_rows, dtype=bool)
        mask[np.asarray(chosen, dtype=int)] = True
        return mask

    def synthetic_region_composition(
        self, X, y, X_synthetic=None, *, label=None, random_state=None
    ) -> pd.DataFrame:
        """Regions of synthetic rows put in place of the guiding region's examples.

        The LReDDPM paper's Figure 5: the training examples of the guiding
        region are replaced by synthetic rows and every example of the class is
        typed again; the result is the composition of the synthetic rows.

        Parameters
        ----------
        X, y : the training data given to ``fit_resample``.
        X_synthetic : array-like or DataFrame, optional
            The synthetic rows; by default as many new rows as the guiding
            region has examples are drawn (:meth:`sample`).
        label : optional
            The class (may be left out when one class was oversampled).
        random_state : int, optional
            Seed of the draw when ``X_synthetic`` is not given.

        Returns
        -------
        DataFrame
            ``count`` and ``share`` of the synthetic rows per region.
        """
        label = self._fitted_label(label)
        y = np.asarray(y)
        typed = self.regions_[self.regions_["label"] == label]
        if len(y) <= int(typed.index.max()) or int((y == label).sum()) != len(typed):
            raise ValueError(
                "X and y must be the training data the sampler was fitted on."
            )
        mask = self._guide_mask(label, self.guide_regions_[label], len(y))
        if X_synthetic is None:
            X_synthetic = self.sample(
                int(mask.sum()), label=label, random_state=random_state
            )
        return replaced_composition(
            X,
            y,
            mask,
            X_synthetic,
            label=label,
            categorical_features=self.categorical_features,
        )
