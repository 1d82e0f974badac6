"""LReDDPM's own part of a saved model: each class's guidance.

The guidance classifier's weights, the tau values and the recentring shift
of each guided class, with the sampler's fitted attributes of that class
(regions, their sizes, the classifier's scores, the typed rows), so that a
loaded LReDDPM generates as the saved one and reports the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..diffusion.guidance import GuidanceClassifier, classifier_guidance
from ..regions import REGION_NAMES

__all__ = ["guide_state", "restore_guide"]


def guide_state(sampler, label, fitted, tensors: dict, prefix: str) -> dict:
    """Store a class's guidance (classifier weights, tau values, shift) and the
    sampler's fitted attributes of that class; return what goes in the JSON."""
    classifier = fitted.classifier
    for key, value in classifier.state_dict().items():
        tensors[f"{prefix}guide.{key}"] = value.detach().cpu().contiguous()
    shift = sampler.recentre_shift_[label]
    tensors[f"{prefix}guide_shift"] = torch.as_tensor(np.asarray(shift, dtype=float))
    typed = sampler.regions_[sampler.regions_["label"] == label]
    return {
        "n_features": classifier.n_features,
        "hidden": list(classifier.hidden),
        "time_dim": classifier.time_dim,
        "noisy": classifier.time_dim > 0,
        "taus": [float(v) for v in sampler.taus_[label]],
        "recentred": fitted.shift is not None,
        "regions": sampler.guide_regions_[label],
        "region_sizes": sampler.region_sizes_[label],
        "classifier_scores": sampler.classifier_scores_[label],
        "auto_choice": getattr(sampler, "auto_choice_", {}).get(label),
        "typed_rows": [int(i) for i in typed.index],
        "same_class_neighbours": [int(v) for v in typed["same_class_neighbours"]],
        "typed_regions": [str(v) for v in typed["region"]],
    }


def restore_guide(sampler, entry, fitted, tensors, prefix, device) -> None:
    """Put back what :func:`guide_state` saved of one class: its guidance on
    ``fitted``, the sampler's fitted attributes of that class."""
    guide = entry["guide"]
    label = entry["label"]
    classifier = _restore_classifier(guide, tensors, prefix, device)
    taus = np.asarray(guide["taus"], dtype=np.float64)
    shift = tensors[prefix + "guide_shift"].numpy().astype(np.float64)
    fitted.classifier = classifier
    through_x0 = sampler.guidance == "region_x0"
    fitted.guidance = classifier_guidance(
        classifier,
        taus,
        noisy=guide["noisy"],
        max_norm=sampler.max_grad_norm,
        denoiser=fitted.model if through_x0 else None,
        diffusion=sampler.diffusion_ if through_x0 else None,
    )
    fitted.shift = shift if guide["recentred"] else None
    for name in (
        "guide_regions_",
        "region_sizes_",
        "classifier_scores_",
        "recentre_shift_",
        "taus_",
    ):
        if not hasattr(sampler, name):
            setattr(sampler, name, {})
    sampler.guide_regions_[label] = guide["regions"]
    sampler.region_sizes_[label] = guide["region_sizes"]
    sampler.classifier_scores_[label] = guide["classifier_scores"]
    sampler.recentre_shift_[label] = shift
    sampler.taus_[label] = taus
    if guide.get("auto_choice") is not None:
        if not hasattr(sampler, "auto_choice_"):
            sampler.auto_choice_ = {}
        sampler.auto_choice_[label] = guide["auto_choice"]
    typed = _typed_rows(guide, label)
    before = getattr(sampler, "regions_", None)
    sampler.regions_ = (
        typed if before is None else pd.concat([before, typed]).sort_index()
    )


def _restore_classifier(guide: dict, tensors: dict, prefix: str, device):
    """The saved guidance classifier, frozen, on ``device``."""
    classifier = GuidanceClassifier(
        guide["n_features"], hidden=guide["hidden"], time_dim=guide["time_dim"]
    )
    classifier.load_state_dict(
        {
            k[len(prefix) + len("guide.") :]: v
            for k, v in tensors.items()
            if k.startswith(prefix + "guide.")
        }
    )
    classifier.to(device).eval()
    for p in classifier.parameters():
        p.requires_grad_(False)
    return classifier


def _typed_rows(guide: dict, label) -> pd.DataFrame:
    """The saved typing of class ``label``'s training rows, as ``regions_``
    holds it."""
    return pd.DataFrame(
        {
            "label": [label] * len(guide["typed_rows"]),
            "same_class_neighbours": guide["same_class_neighbours"],
            "region": pd.Categorical(
                guide["typed_regions"], categories=list(REGION_NAMES)
            ),
        },
        index=guide["typed_rows"],
    )
