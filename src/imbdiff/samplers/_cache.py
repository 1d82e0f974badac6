"""The model cache: trained networks kept on disk by what trained them.

With ``model_cache`` set, a diffusion sampler saves each network it trains
under a key of everything its training read, and loads it instead of
training when the same key comes again (the benchmark's studies vary only
the sampling of a model trained once).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .._files import write_atomically
from .._version import __version__
from ..diffusion import TrainingHistory

__all__ = ["cache_path", "load_cached", "save_cached"]

#: Part of a cached model's key: bumped whenever training itself changes, so
#: that a cache never hands back weights that today's code would not train.
_TRAINING_REVISION = 4


def cache_path(
    sampler, x, widths, denoiser_name, diffusion, seed, labels=None
) -> Path | None:
    """Where ``sampler``'s ``model_cache`` keeps the network trained on the
    encoded rows ``x`` (and ``labels``) with ``seed``; None without a cache.

    The key covers everything training reads: the rows, the labels, the
    betas, the network and its options, the budget, the learning rate, the
    seed, the library's version and training revision, the kind of device
    and torch's thread count.
    """
    if sampler.model_cache is None:
        return None
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    if labels is not None:
        digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
        digest.update(f"label_dropout={float(sampler.label_dropout)!r}".encode())
    digest.update(np.ascontiguousarray(diffusion.betas).tobytes())
    settings = [
        __version__,
        _TRAINING_REVISION,
        list(x.shape),
        [int(w) for w in widths],
        denoiser_name,
        sampler.denoiser_options or {},
        sampler._steps_for(len(x)),
        sampler._batch_for(len(x)),
        float(sampler.learning_rate),
        int(seed),
        # Weights trained on another kind of device differ in their last
        # bits; a shared cache must not mix them.
        sampler._torch_device().type,
        # ... and so do weights trained with another number of threads.
        torch.get_num_threads(),
    ]
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return Path(sampler.model_cache) / f"{digest.hexdigest()[:32]}.safetensors"


def save_cached(model: torch.nn.Module, history: TrainingHistory, path: Path) -> None:
    """Write the weights and history to ``path`` atomically (a second process
    training the same model meanwhile finds either nothing or a whole file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {
        "history": json.dumps(
            {
                "losses": history.losses,
                "steps": history.steps,
            }
        )
    }
    write_atomically(path, lambda tmp: save_file(tensors, tmp, metadata=meta))


def load_cached(net: torch.nn.Module, path: Path, device: torch.device):
    try:
        state = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            record = json.loads(handle.metadata()["history"])
        net.load_state_dict(state)
    except Exception as error:
        raise ValueError(
            f"the cached model {path} is corrupt ({error}); delete it to train anew."
        ) from None
    net.to(device).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    history = TrainingHistory(record["losses"], record["steps"])
    return net, history
