import math

import numpy as np
import pytest
import torch

from imbdiff.diffusion import GaussianDiffusion, get_schedule, register_schedule


def test_linear_schedule_is_the_papers():
    betas = get_schedule("linear", 1000)
    assert betas[0] == pytest.approx(1e-4)
    assert betas[-1] == pytest.approx(0.02)
    assert np.all(np.diff(betas) > 0)


def test_unknown_and_bad_schedules():
    with pytest.raises(ValueError, match="known schedules: cosine, linear"):
        get_schedule("quadratic", 10)
    register_schedule("broken", lambda n: np.ones(n))
    with pytest.raises(ValueError, match="betas in"):
        get_schedule("broken", 10)


class PointMassDenoiser(torch.nn.Module):
    """The exact noise prediction when all data sit at one point ``c``."""

    def __init__(self, diffusion: GaussianDiffusion, c: torch.Tensor):
        super().__init__()
        self.abar = torch.as_tensor(diffusion.alpha_bars, dtype=torch.float32)
        self.c = c

    def forward(self, x_t, t, y):
        abar = self.abar[t][:, None]
        return (x_t - abar.sqrt() * self.c) / (1 - abar).sqrt()


def test_ancestral_and_ddim_sampling_recover_a_point_mass():
    diffusion = GaussianDiffusion(get_schedule("linear", 200))
    c = torch.tensor([1.5, -2.0, 0.25])
    model = PointMassDenoiser(diffusion, c)
    g = torch.Generator().manual_seed(0)
    x = diffusion.sample(model, 64, 3, generator=g)
    torch.testing.assert_close(x, c.expand(64, 3), atol=1e-4, rtol=0)
    x = diffusion.ddim_sample(model, 64, 3, steps=20, generator=g)
    torch.testing.assert_close(x, c.expand(64, 3), atol=1e-4, rtol=0)
    for steps in (1, 2, 20):
        x = diffusion.dpm_solver_sample(model, 64, 3, steps=steps, generator=g)
        torch.testing.assert_close(x, c.expand(64, 3), atol=1e-4, rtol=0)


class GaussianDenoiser(torch.nn.Module):
    """The exact noise prediction when the data are N(m, s^2) per column."""

    def __init__(self, diffusion: GaussianDiffusion, m: float, s: float):
        super().__init__()
        self.abar = torch.as_tensor(diffusion.alpha_bars, dtype=torch.float32)
        self.m, self.s = m, s

    def forward(self, x_t, t, y):
        abar = self.abar[t][:, None]
        variance = abar * self.s**2 + 1 - abar
        return (1 - abar).sqrt() * (x_t - abar.sqrt() * self.m) / variance


@pytest.mark.parametrize(
    ("solver", "steps", "eta"),
    # DDIM is first order: its spread is 0.45 at 25 steps, 0.49 at 250.
    [("ancestral", None, 0.0), ("ddim", 250, 0.0), ("ddim", 250, 1.0)]
    + [("dpm-solver++", steps, 0.0) for steps in (10, 25)],
)
def test_every_solver_draws_a_known_gaussian(solver, steps, eta):
    diffusion = GaussianDiffusion(get_schedule("linear", 1000))
    model = GaussianDenoiser(diffusion, 2.0, 0.5)
    g = torch.Generator().manual_seed(0)
    x = diffusion.generate(
        model, 20000, 1, solver=solver, steps=steps, eta=eta, generator=g
    )
    assert float(x.mean()) == pytest.approx(2.0, abs=0.02)
    assert float(x.std()) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    ("solver", "eta"),
    [("ancestral", 0.0), ("ddim", 0.0), ("ddim", 1.0), ("dpm-solver++", 0.0)],
)
def test_zero_guidance_is_exactly_unguided_and_guidance_moves_rows(solver, eta):
    diffusion = GaussianDiffusion(get_schedule("linear", 100))
    model = GaussianDenoiser(diffusion, 0.0, 1.0)
    steps = None if solver == "ancestral" else 20

    def draw(hook):
        g = torch.Generator().manual_seed(3)
        return diffusion.generate(
            model,
            500,
            1,
            solver=solver,
            steps=steps,
            eta=eta,
            generator=g,
            guidance=hook,
        )

    def zero(x, t, variance):
        return 0.0 * variance * (5.0 - x)

    def toward_plus(x, t, variance):
        return variance * (5.0 - x)

    plain = draw(None)
    assert torch.equal(draw(zero), plain)
    assert float(draw(toward_plus).mean()) > float(plain.mean()) + 1.0


def test_q_sample_moments():
    diffusion = GaussianDiffusion(get_schedule("linear", 1000))
    g = torch.Generator().manual_seed(1)
    x0 = torch.full((20000, 1), 2.0)
    t = torch.full((20000,), 499)
    x_t = diffusion.q_sample(x0, t, torch.randn(x0.shape, generator=g))
    abar = diffusion.alpha_bars[499]
    assert float(x_t.mean()) == pytest.approx(2.0 * np.sqrt(abar), abs=0.03)
    assert float(x_t.var()) == pytest.approx(1 - abar, rel=0.05)


def test_sampling_is_deterministic_for_a_seed_and_zero_guidance_changes_nothing():
    diffusion = GaussianDiffusion(get_schedule("linear", 50))

    def denoiser(x, t, y):
        return 0.1 * x

    def zero(x, t, variance):
        return torch.zeros_like(x)

    runs = [
        diffusion.sample(denoiser, 8, 2, generator=torch.Generator().manual_seed(3)),
        diffusion.sample(denoiser, 8, 2, generator=torch.Generator().manual_seed(3)),
        diffusion.sample(
            denoiser, 8, 2, generator=torch.Generator().manual_seed(3), guidance=zero
        ),
    ]
    assert torch.equal(runs[0], runs[1])
    assert torch.equal(runs[0], runs[2])


def test_guidance_shifts_the_samples():
    diffusion = GaussianDiffusion(get_schedule("linear", 100))

    def denoiser(x, t, y):
        return torch.zeros_like(x)

    def toward_plus(x, t, variance):
        # The gradient of log N(x; 5, 1) is (5 - x); scaled by the variance.
        return variance * (5.0 - x)

    g = torch.Generator().manual_seed(0)
    plain = diffusion.sample(denoiser, 500, 1, generator=g)
    g = torch.Generator().manual_seed(0)
    guided = diffusion.sample(denoiser, 500, 1, generator=g, guidance=toward_plus)
    assert float(guided.mean()) > float(plain.mean()) + 1.0


def test_training_loss_is_the_noise_mse():
    diffusion = GaussianDiffusion(get_schedule("linear", 10))

    def perfect_zero(x, t, y):
        return torch.zeros_like(x)

    g = torch.Generator().manual_seed(0)
    loss = diffusion.training_loss(perfect_zero, torch.zeros(4000, 2), generator=g)
    # The noise is standard normal, so predicting 0 costs E[eps^2] = 1.
    assert float(loss) == pytest.approx(1.0, abs=0.05)


def test_bad_arguments():
    with pytest.raises(ValueError, match="betas"):
        GaussianDiffusion([0.5, 1.5])
    diffusion = GaussianDiffusion(get_schedule("linear", 10))
    with pytest.raises(ValueError, match="steps must be"):
        diffusion.ddim_sample(lambda x, t, y: x, 2, 2, steps=11)
    with pytest.raises(ValueError, match="steps must be"):
        diffusion.dpm_solver_sample(lambda x, t, y: x, 2, 2, steps=0)
    with pytest.raises(ValueError, match="solver must be one of ancestral, ddim"):
        diffusion.generate(lambda x, t, y: x, 2, 2, solver="euler")
    with pytest.raises(ValueError, match="takes every step"):
        diffusion.generate(lambda x, t, y: x, 2, 2, steps=5)


def test_sampling_in_chunks_gives_every_row_its_own_label(monkeypatch):
    from imbdiff.diffusion import gaussian
    from imbdiff.diffusion.denoisers import make_denoiser

    torch.manual_seed(0)
    net = make_denoiser("mlp", 3, n_classes=2, hidden=(16,), dim=8).eval()
    diffusion = GaussianDiffusion(get_schedule("linear", 10))
    y = torch.tensor([0, 1] * 5)

    def draw():
        g = torch.Generator().manual_seed(3)
        return diffusion.sample(net, 10, 3, y=y, generator=g)

    whole = draw()
    monkeypatch.setattr(gaussian, "SAMPLE_CHUNK", 3)
    torch.testing.assert_close(draw(), whole)


def test_chunks_on_worker_threads_match_one_thread_and_restore_threads():
    from imbdiff.diffusion.denoisers import make_denoiser

    torch.manual_seed(0)
    net = make_denoiser("semst", 4).eval()
    assert net.chunk_parallel
    diffusion = GaussianDiffusion(get_schedule("linear", 10))
    before = torch.get_num_threads()
    try:
        results = []
        for threads in (2, 1):
            torch.set_num_threads(threads)
            g = torch.Generator().manual_seed(5)
            results.append(diffusion.sample(net, 50, 4, generator=g))
            assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)
    torch.testing.assert_close(results[0], results[1])


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_chunk_rows_stay_near_the_chunk_size(workers):
    from imbdiff.diffusion.gaussian import _ChunkedPredictor

    predictor = _ChunkedPredictor(lambda x, t, y: x, torch.device("cpu"), chunk=100)
    predictor.workers = workers
    for n in (1, 7, 99, 100, 149, 151, 300, 4354):
        size = predictor.chunk_rows(n)
        assert 1 <= size <= 151
        if n >= workers * 100:
            assert size >= 50
        # As many chunks as workers, or a multiple: no worker idles long.
        assert math.ceil(n / size) % workers == 0 or n < workers * 100
