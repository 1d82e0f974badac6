"""Where torch runs: one reading of a sampler's ``device`` parameter."""

from __future__ import annotations

__all__ = ["resolve_device"]


def resolve_device(device=None):
    """The :class:`torch.device` that ``device`` names.

    ``None`` and ``"auto"`` mean CUDA when torch sees a GPU, else the CPU.

    Examples
    --------
    >>> resolve_device("cpu").type
    'cpu'
    >>> resolve_device("abacus")
    Traceback (most recent call last):
    ...
    ValueError: unknown device 'abacus'.
    """
    import torch

    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}.") from None
