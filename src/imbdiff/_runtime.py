"""Where and how torch runs: the device, seeding and thread limits.

One reading of a sampler's ``device`` parameter; one way to seed torch
without touching the caller's random state; one way to bound the threads of
torch and of the BLAS and OpenMP pools, and to count the cores this process
may use (its CPU affinity, which a container or ``taskset`` may narrow).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = [
    "available_cores",
    "limit_threads",
    "resolve_device",
    "seeded",
    "usable_device",
]


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


@contextlib.contextmanager
def seeded(seed: int, device=None) -> Iterator[None]:
    """Seed torch's global random state with ``seed`` inside the block.

    The state (the CPU's, and the CUDA device's when ``device`` is one) is
    restored on leaving, so the caller's draws do not depend on ours.

    Examples
    --------
    >>> import torch
    >>> with seeded(0):
    ...     first = torch.rand(1)
    >>> with seeded(0):
    ...     bool(torch.rand(1) == first)
    True
    """
    import torch

    device = torch.device("cpu" if device is None else device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system
    has one, else every core).

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def limit_threads(
    torch_threads: int | None = None, blas_threads: int | None = None
) -> Iterator[None]:
    """Bound torch's threads and the BLAS/OpenMP pools' inside the block.

    ``None`` leaves that one as it is; torch's count is restored on leaving.
    Both limits are process-wide.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with limit_threads(1, 1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    with contextlib.ExitStack() as stack:
        if torch_threads is not None:
            torch.set_num_threads(int(torch_threads))
            stack.callback(torch.set_num_threads, before)
        if blas_threads is not None:
            stack.enter_context(threadpool_limits(limits=int(blas_threads)))
        yield
