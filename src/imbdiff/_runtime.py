"""Where torch runs: one reading of a sampler's ``device`` parameter."""

from __future__ import annotations

__all__ = ["resolve_device", "usable_device"]


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


def usable_device(device=None):
    """:func:`resolve_device`, refusing a device torch cannot use here.

    Examples
    --------
    >>> usable_device("cpu").type
    'cpu'
    """
    import torch

    resolved = resolve_device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} asks for CUDA, but torch sees no CUDA device "
            "here; use device='auto' or 'cpu'."
        )
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device {device!r} asks for MPS, which torch cannot use here; use "
            "device='auto' or 'cpu'."
        )
    return resolved
