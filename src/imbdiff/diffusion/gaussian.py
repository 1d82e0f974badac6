"""The Gaussian diffusion process: forward noising, loss, and reverse sampling.

Ho et al. (2020): ``q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)``; the
network predicts the noise ``eps`` and is trained with the mean squared error;
ancestral sampling uses the fixed variance ``Sigma_t = beta_t``. A guidance
hook may add a shift to the mean of every reverse step (classifier guidance,
as LReDDPM does), and :meth:`GaussianDiffusion.ddim_sample` takes fewer steps
(Song et al., 2021).

Steps are indexed ``t = 0 .. T-1`` here; index ``t`` is the paper's step
``t + 1``. The denoiser is any callable ``model(x_t, t, y) -> eps`` with ``t``
a tensor of step indices and ``y`` a tensor of class indices or ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

__all__ = ["SOLVERS", "GaussianDiffusion", "Guidance"]

#: The reverse-process solvers of :meth:`GaussianDiffusion.generate`: the
#: full T-step ancestral sampler, and two that take a few evenly spaced steps.
SOLVERS: tuple[str, ...] = ("ancestral", "ddim", "dpm-solver++")

#: ``guidance(x_t, t, variance) -> shift`` added to the mean of step ``t``.
Guidance = Callable[[torch.Tensor, int, float], torch.Tensor]


#: Rows per network call while sampling (give or take half), so that memory
#: stays bounded for any ``n`` (an attention denoiser's activations grow with
#: rows x tokens).
SAMPLE_CHUNK = 1024


class _ChunkedPredictor:
    """``model(x, t, y)`` over all rows, in chunks, maybe spread over threads.

    A denoiser whose class sets ``chunk_parallel = True`` is run, on the CPU
    with ``k > 1`` torch threads, by ``k`` Python threads that each take whole
    chunks with one torch thread, instead of every operator being split over
    ``k`` threads. That pays for SEMST-ResNet, whose operators are small
    (attention over a few tokens is one tiny problem per row and head); an
    MLP's large matrix products are faster split. Torch's thread count is
    restored on exit (code run between calls, such as a guidance hook, sees
    one torch thread meanwhile). A chunk's result does not depend on the
    thread that ran it, so sampling stays reproducible.
    """

    def __init__(self, model, device: torch.device, chunk: int | None = None) -> None:
        parallel = getattr(model, "chunk_parallel", False) and device.type == "cpu"
        self.model = model
        self.chunk = SAMPLE_CHUNK if chunk is None else chunk
        self.workers = torch.get_num_threads() if parallel else 1
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _ChunkedPredictor:
        if self.workers > 1:
            self.pool = ThreadPoolExecutor(max_workers=self.workers)
            torch.set_num_threads(1)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            torch.set_num_threads(self.workers)

    def __call__(self, x: torch.Tensor, t: int, y: torch.Tensor | None):
        n = x.shape[0]
        steps = torch.full((n,), t, device=x.device, dtype=torch.long)
        size = self.chunk_rows(n)
        chunks = [
            (
                x[i : i + size],
                steps[i : i + size],
                None if y is None else y[i : i + size],
            )
            for i in range(0, n, size)
        ]
        if self.pool is None or len(chunks) == 1:
            return torch.cat([self.model(*chunk) for chunk in chunks])
        return torch.cat(list(self.pool.map(self._run, chunks)))

    def chunk_rows(self, n: int) -> int:
        """Rows per network call for ``n`` rows."""
        # Equal chunks, as many as a multiple of the workers, each near
        # ``chunk`` rows (at most 1.5 times it): on a CPU, chunks of about a
        # thousand rows took the least time per row (profile_semst.py).
        n_chunks = self.workers * max(1, round(n / (self.workers * self.chunk)))
        return max(1, math.ceil(n / n_chunks))

    def _run(self, chunk) -> torch.Tensor:
        # Grad mode is per thread: a worker does not inherit the caller's no_grad.
        with torch.no_grad():
            return self.model(*chunk)


class GaussianDiffusion:
    """A DDPM with fixed betas.

    Parameters
    ----------
    betas : array-like of shape (T,)
        The noise schedule (see :mod:`imbdiff.diffusion.schedules`).

    Examples
    --------
    >>> import torch
    >>> from imbdiff.diffusion import GaussianDiffusion, get_schedule
    >>> diffusion = GaussianDiffusion(get_schedule("linear", 100))
    >>> x0 = torch.zeros(4, 3)
    >>> t = torch.full((4,), 99)
    >>> g = torch.Generator().manual_seed(0)
    >>> diffusion.q_sample(x0, t, torch.randn(4, 3, generator=g)).shape
    torch.Size([4, 3])
    """

    def __init__(self, betas) -> None:
        betas = np.asarray(betas, dtype=np.float64)
        if betas.ndim != 1 or betas.size == 0 or not ((betas > 0) & (betas < 1)).all():
            raise ValueError("betas must be a non-empty 1-d array of values in (0, 1).")
        alphas = 1.0 - betas
        self.betas = betas
        self.alphas = alphas
        self.alpha_bars = np.cumprod(alphas)
        self.n_steps = betas.size
        # The coefficients of x_0 and of the noise in q(x_t | x_0), and their
        # tensors per (dtype, device), made on first use (see _coef).
        self._coefficients = {
            "signal": np.sqrt(self.alpha_bars),
            "noise": np.sqrt(1.0 - self.alpha_bars),
        }
        self._tensors: dict[tuple, torch.Tensor] = {}

    # -- forward process and loss ------------------------------------------------
    def _coef(self, name: str, t: torch.Tensor, like: torch.Tensor):
        """Coefficient ``name`` at steps ``t``, shaped to multiply ``like``
        row by row; its tensor is made once per dtype and device."""
        key = (name, like.dtype, like.device)
        table = self._tensors.get(key)
        if table is None:
            table = torch.as_tensor(
                self._coefficients[name], dtype=like.dtype, device=like.device
            )
            self._tensors[key] = table
        return table[t].reshape(-1, *([1] * (like.dim() - 1)))

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor):
        """Draw ``x_t`` from ``q(x_t | x_0)`` with the given standard noise."""
        return self._coef("signal", t, x0) * x0 + self._coef("noise", t, x0) * noise

    def training_loss(
        self,
        model,
        x0: torch.Tensor,
        y: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Mean squared error of the predicted noise at uniformly drawn steps."""
        t = torch.randint(
            0, self.n_steps, (x0.shape[0],), device=x0.device, generator=generator
        )
        noise = torch.randn(
            x0.shape, device=x0.device, dtype=x0.dtype, generator=generator
        )
        predicted = model(self.q_sample(x0, t, noise), t, y)
        return torch.mean((predicted - noise) ** 2)

    def predict_x0(self, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor):
        """The clean row implied by ``x_t`` and a noise prediction."""
        return (x_t - self._coef("noise", t, x_t) * eps) / self._coef("signal", t, x_t)

    # -- reverse process -----------------------------------------------------------
    @torch.no_grad()
    def sample(
        self,
        model,
        n: int,
        n_features: int,
        *,
        y: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        guidance: Guidance | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> torch.Tensor:
        """Ancestral sampling, ``x_{t-1} ~ N(mu(x_t, t) + shift, beta_t I)``.

        ``guidance(x_t, t, beta_t)``, when given, returns the shift added to the
        mean (for classifier guidance, ``tau(t) * beta_t * grad log p(y | x_t)``);
        gradients are enabled while it runs. No noise is added at the last step.
        ``progress(1)`` is called after every step.
        """
        x = torch.randn((n, n_features), generator=generator, device=device)
        with _ChunkedPredictor(model, x.device) as predict:
            for t in reversed(range(self.n_steps)):
                eps = predict(x, t, y)
                beta = float(self.betas[t])
                mean = (x - beta / np.sqrt(1.0 - self.alpha_bars[t]) * eps) / np.sqrt(
                    self.alphas[t]
                )
                if guidance is not None:
                    with torch.enable_grad():
                        shift = guidance(x, t, beta)
                    mean = mean + shift.detach()
                if t > 0:
                    noise = torch.randn(x.shape, generator=generator, device=x.device)
                    x = mean + np.sqrt(beta) * noise
                else:
                    x = mean
                if progress is not None:
                    progress(1)
        return x

    def generate(
        self,
        model,
        n: int,
        n_features: int,
        *,
        solver: str = "ancestral",
        steps: int | None = None,
        eta: float = 0.0,
        y: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        guidance: Guidance | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> torch.Tensor:
        """``n`` rows from the reverse process with one of :data:`SOLVERS`.

        ``steps`` (few-step solvers only) and ``eta`` (DDIM only) are passed
        on; ``progress(1)`` is called after each of :meth:`network_calls`
        steps.

        Examples
        --------
        >>> import torch
        >>> from imbdiff.diffusion import GaussianDiffusion, get_schedule
        >>> diffusion = GaussianDiffusion(get_schedule("linear", 100))
        >>> def zero(x, t, y):
        ...     return torch.zeros_like(x)
        >>> diffusion.generate(zero, 3, 2, solver="ddim", steps=10).shape
        torch.Size([3, 2])
        """
        common = dict(
            y=y,
            generator=generator,
            device=device,
            guidance=guidance,
            progress=progress,
        )
        if solver == "ancestral":
            if steps is not None:
                raise ValueError("the ancestral solver takes every step; steps=None.")
            return self.sample(model, n, n_features, **common)
        if solver == "ddim":
            return self.ddim_sample(
                model, n, n_features, steps=steps, eta=eta, **common
            )
        if solver == "dpm-solver++":
            return self.dpm_solver_sample(model, n, n_features, steps=steps, **common)
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}.")

    def network_calls(self, solver: str, steps: int | None = None) -> int:
        """The reverse steps (network calls) ``generate`` takes per row."""
        return self.n_steps if solver == "ancestral" else self.step_schedule(steps).size

    def _few_step_eps(self, predict, x, t, y, guidance):
        """The noise prediction at step ``t``, guided if a hook is given.

        Classifier guidance adds ``tau(t) Sigma_t grad log p`` to an ancestral
        step's mean; that is the score of ``p(x_t) p(y | x_t)^tau``. The same
        tilt written on the noise is ``eps - sigma_t tau(t) grad log p``
        (Dhariwal & Nichol, 2021, algorithm 2), so the hook is called with
        ``sigma_t = sqrt(1 - abar_t)`` in place of ``Sigma_t`` and its shift
        is subtracted. Any solver that reads eps then follows the guided
        process.
        """
        eps = predict(x, t, y)
        if guidance is not None:
            with torch.enable_grad():
                shift = guidance(x, t, float(np.sqrt(1.0 - self.alpha_bars[t])))
            eps = eps - shift.detach()
        return eps

    @torch.no_grad()
    def ddim_sample(
        self,
        model,
        n: int,
        n_features: int,
        *,
        steps: int = 50,
        eta: float = 0.0,
        y: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        guidance: Guidance | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> torch.Tensor:
        """DDIM sampling over ``steps`` evenly spaced steps (Song et al., 2021).

        Deterministic at ``eta=0``; ``eta=1`` adds the noise of an ancestral
        step of the same stride. ``guidance`` is the hook of :meth:`sample`,
        applied to the noise prediction (see :meth:`_few_step_eps`); with a
        hook that returns zeros the rows are exactly the unguided ones.
        """
        if eta < 0:
            raise ValueError(f"eta must be >= 0; got {eta!r}.")
        schedule = self.step_schedule(steps)
        x = torch.randn((n, n_features), generator=generator, device=device)
        with _ChunkedPredictor(model, x.device) as predict:
            for i in reversed(range(schedule.size)):
                t = int(schedule[i])
                abar = self.alpha_bars[t]
                abar_prev = self.alpha_bars[schedule[i - 1]] if i > 0 else 1.0
                eps = self._few_step_eps(predict, x, t, y, guidance)
                sigma = eta * np.sqrt(
                    (1 - abar_prev) / (1 - abar) * (1 - abar / abar_prev)
                )
                # x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps
                # with x0 = (x - sqrt(1 - abar) eps) / sqrt(abar), gathered
                # into one multiple of x and one of eps, in place: a table
                # of a million rows moves each row twice per step, not seven
                # times.
                to_x = np.sqrt(abar_prev / abar)
                to_eps = np.sqrt(max(1 - abar_prev - sigma**2, 0.0)) - to_x * np.sqrt(
                    1.0 - abar
                )
                x = x.mul_(float(to_x)).add_(eps, alpha=float(to_eps))
                if sigma > 0 and i > 0:
                    noise = torch.randn(x.shape, generator=generator, device=x.device)
                    x.add_(noise, alpha=float(sigma))
                if progress is not None:
                    progress(1)
        return x

    @torch.no_grad()
    def dpm_solver_sample(
        self,
        model,
        n: int,
        n_features: int,
        *,
        steps: int = 20,
        y: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        guidance: Guidance | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> torch.Tensor:
        """DPM-Solver++(2M) over ``steps`` evenly spaced steps (Lu et al., 2022).

        A deterministic second-order multistep solver of the probability-flow
        ODE in the data prediction ``x0``: each step reuses the previous
        step's prediction, so ``steps`` network calls in all. The first step
        is first order (no previous prediction yet) and the last returns the
        clean prediction, as DDIM's does. ``guidance`` as in
        :meth:`ddim_sample`.

        Examples
        --------
        >>> import torch
        >>> from imbdiff.diffusion import GaussianDiffusion, get_schedule
        >>> diffusion = GaussianDiffusion(get_schedule("linear", 100))
        >>> g = torch.Generator().manual_seed(0)
        >>> x = diffusion.dpm_solver_sample(
        ...     lambda x, t, y: torch.zeros_like(x), 3, 2, steps=10, generator=g
        ... )
        >>> x.shape
        torch.Size([3, 2])
        """
        schedule = self.step_schedule(steps, "logsnr")[::-1]
        alpha = np.sqrt(self.alpha_bars)
        sigma = np.sqrt(1.0 - self.alpha_bars)
        lam = np.log(alpha) - np.log(sigma)
        x = torch.randn((n, n_features), generator=generator, device=device)
        previous: tuple[torch.Tensor, float] | None = None
        with _ChunkedPredictor(model, x.device) as predict:
            for i, t in enumerate(int(s) for s in schedule):
                eps = self._few_step_eps(predict, x, t, y, guidance)
                x0 = (x - sigma[t] * eps) / alpha[t]
                if i + 1 == schedule.size:
                    x = x0
                else:
                    s = int(schedule[i + 1])
                    h = lam[s] - lam[t]
                    direction = x0
                    if previous is not None:
                        x0_before, h_before = previous
                        half_r = 0.5 * h / h_before  # 1 / (2 r)
                        direction = (1 + half_r) * x0 - half_r * x0_before
                    x = (sigma[s] / sigma[t]) * x - alpha[s] * np.expm1(-h) * direction
                    previous = (x0, h)
                if progress is not None:
                    progress(1)
        return x

    def step_schedule(self, steps: int, spacing: str = "time") -> np.ndarray:
        """The step indices a few-step solver visits, ascending, ``steps`` of
        them, both ends (``0`` and ``T-1``) included.

        ``spacing="time"`` spaces them evenly in ``t`` (DDIM's); ``"logsnr"``
        evenly in ``log(alpha_t / sigma_t)``, so that the steps are short where
        the rows change fastest, near the data (DPM-Solver's; with even
        times, its second-order steps near the data overshoot).

        Examples
        --------
        >>> from imbdiff.diffusion import GaussianDiffusion, get_schedule
        >>> diffusion = GaussianDiffusion(get_schedule("linear", 100))
        >>> diffusion.step_schedule(4).tolist()
        [0, 33, 66, 99]
        >>> diffusion.step_schedule(4, "logsnr").tolist()
        [0, 5, 25, 99]
        """
        if (
            isinstance(steps, bool)
            or not isinstance(steps, (int, np.integer))
            or not 1 <= steps <= self.n_steps
        ):
            raise ValueError(
                f"steps must be an integer in [1, {self.n_steps}]; got {steps!r}."
            )
        if spacing == "time":
            return np.unique(
                np.linspace(0, self.n_steps - 1, int(steps)).round().astype(int)
            )
        if spacing != "logsnr":
            raise ValueError(f"spacing must be 'time' or 'logsnr'; got {spacing!r}.")
        # log SNR falls with t; find, for each even level, the first step at
        # or below it, then push apart indices that fell on the same step.
        lam = 0.5 * (np.log(self.alpha_bars) - np.log1p(-self.alpha_bars))
        levels = np.linspace(lam[0], lam[-1], int(steps))
        chosen = np.searchsorted(-lam, -levels).clip(0, self.n_steps - 1)
        chosen[0] = 0
        for i in range(1, chosen.size):
            chosen[i] = max(chosen[i], chosen[i - 1] + 1)
        chosen[-1] = self.n_steps - 1
        for i in range(chosen.size - 2, -1, -1):  # keep T-1 the last
            chosen[i] = min(chosen[i], chosen[i + 1] - 1)
        return chosen
