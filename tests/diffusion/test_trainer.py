import pytest
import torch

from imbdiff.diffusion import GaussianDiffusion, Trainer, get_schedule
from imbdiff.diffusion.denoisers import MLPDenoiser


@pytest.fixture
def problem():
    diffusion = GaussianDiffusion(get_schedule("linear", 100))
    g = torch.Generator().manual_seed(0)
    # Two tight clusters: a denoiser can learn them quickly.
    centres = torch.tensor([[2.0, 2.0], [-2.0, -1.0]])
    x = centres[torch.randint(0, 2, (256,), generator=g)] + 0.1 * torch.randn(
        256, 2, generator=g
    )
    return diffusion, x


def _net(seed=0):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return MLPDenoiser(2, hidden=(64, 64), dim=32)


def test_training_lowers_the_loss_and_leaves_global_state_alone(problem):
    diffusion, x = problem
    before = torch.random.get_rng_state()
    model, history = Trainer(steps=400, check_every=50).fit(
        _net(), diffusion, x, seed=1
    )
    assert torch.equal(torch.random.get_rng_state(), before)
    assert history.steps == 400
    assert history.losses[-1] < 0.8 * history.losses[0]
    assert not model.training
    assert all(not p.requires_grad for p in model.parameters())


def test_same_seed_same_weights(problem):
    diffusion, x = problem
    trainer = Trainer(steps=30, check_every=10)
    a, _ = trainer.fit(_net(), diffusion, x, seed=5)
    b, _ = trainer.fit(_net(), diffusion, x, seed=5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_the_budget_is_fixed_even_on_a_flat_loss(problem):
    diffusion, x = problem
    # A learning rate of 1e-12 cannot improve the loss: a plateau rule would
    # stop here, and the trainer has none.
    trainer = Trainer(steps=300, check_every=10, learning_rate=1e-12)
    _, history = trainer.fit(_net(), diffusion, x, seed=0)
    assert history.steps == 300
    assert len(history.losses) == 30


class _Counting:
    """A diffusion process that records the rows of every training batch."""

    def __init__(self, diffusion):
        self.diffusion, self.batches = diffusion, []

    def training_loss(self, model, x, y=None, *, generator=None):
        self.batches.append(x.shape[0])
        return self.diffusion.training_loss(model, x, y, generator=generator)


def test_a_small_class_trains_on_batch_size_draws_per_step(problem):
    diffusion, x = problem
    counting = _Counting(diffusion)
    Trainer(steps=5, batch_size=64, check_every=5).fit(_net(), counting, x[:16], seed=0)
    assert counting.batches == [64] * 5


def test_divergence_is_an_error(problem):
    diffusion, x = problem
    trainer = Trainer(steps=200, check_every=10, learning_rate=1e30)
    with pytest.raises(ValueError, match="smaller learning_rate"):
        trainer.fit(_net(), diffusion, x * 1e30, seed=0)


def test_callback_sees_every_window(problem):
    diffusion, x = problem
    seen = []
    Trainer(steps=40, check_every=10).fit(
        _net(), diffusion, x, seed=0, callback=lambda step, m: seen.append(step)
    )
    assert seen == [10, 20, 30, 40]


def test_bad_settings(problem):
    diffusion, x = problem
    with pytest.raises(ValueError, match="steps must be"):
        Trainer(steps=0).fit(_net(), diffusion, x)
    with pytest.raises(ValueError, match="ema_decay"):
        Trainer(ema_decay=1.0).fit(_net(), diffusion, x)
