"""Classifier guidance of the reverse process (LReDDPM, Algorithm 1).

Each reverse step's mean is shifted by ``tau(t) * Sigma_t * grad_x log
p_phi(y | x_t)`` (Dhariwal & Nichol, 2021). This module holds the pieces that
know nothing of tables or samplers:

- the tau schedules, pure functions of the betas in a name -> function
  registry (:data:`TAU_SCHEDULES`, :func:`tau_values`);
- the guidance classifier, a small differentiable torch network, optionally
  conditioned on the step (:class:`GuidanceClassifier`), and its training with
  a held-out score (:func:`train_guidance_classifier`);
- the hook that :meth:`~imbdiff.diffusion.GaussianDiffusion.sample` calls
  (:func:`classifier_guidance`);
- classifier-free guidance of a class-conditioned denoiser
  (:class:`ClassifierFree`), which needs no classifier at all.

Gradients are clipped: each row's gradient of ``log p`` is scaled down to an
L2 norm of at most ``max_norm`` before tau and Sigma_t multiply it, so that a
classifier that is steep somewhere cannot throw a row to infinity
(``max_norm=None`` keeps the raw gradient, as the paper does); a shift that is
not finite stops sampling with an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._runtime import seeded
from ._tau import TAU_SCHEDULES, constant_tau, inverse_sqrt_beta_tau, tau_values
from .denoisers import timestep_embedding

__all__ = [
    "GUIDANCE_KINDS",
    "TAU_SCHEDULES",
    "ClassifierFree",
    "ClassifierGuidance",
    "ClassifierScores",
    "GuidanceClassifier",
    "classifier_guidance",
    "constant_tau",
    "inverse_sqrt_beta_tau",
    "tau_values",
    "train_guidance_classifier",
]

#: The guidance classifiers of LReDDPM's section 5.1: ``"region"`` is
#: q(y | s) on clean rows (the paper's default), ``"region_noisy"`` is
#: q(y | s, x_t) on noised rows with the step as input, ``"noisy"`` is
#: q(y | x_t): the whole class against the rest on noised rows. Not the
#: paper's: ``"region_x0"`` is the clean-row classifier q(y | s) of "region",
#: applied to the clean row the denoiser predicts from x_t, x0_hat(x_t), with
#: the gradient taken through the denoiser (a clean-row classifier is then
#: asked about clean rows, not about noised ones it never saw).
GUIDANCE_KINDS: tuple[str, ...] = ("region", "region_noisy", "noisy", "region_x0")


class GuidanceClassifier(nn.Module):
    """``(x, t) -> logit of p(y = 1 | x)``: an MLP with smooth activations.

    SiLU keeps the gradient with respect to ``x`` smooth, which is what
    guidance uses. With ``time_dim > 0`` a sinusoidal embedding of the step is
    concatenated to the input (the classifiers of noised rows).

    Examples
    --------
    >>> net = GuidanceClassifier(3, hidden=(8,), time_dim=4)
    >>> net(torch.zeros(2, 3), torch.tensor([0, 5])).shape
    torch.Size([2])
    """

    def __init__(
        self, n_features: int, *, hidden: Sequence[int] = (64, 64), time_dim: int = 0
    ) -> None:
        super().__init__()
        self.n_features = int(n_features)
        self.hidden = tuple(int(h) for h in hidden)
        self.time_dim = int(time_dim)
        layers: list[nn.Module] = []
        width = int(n_features) + self.time_dim
        for size in hidden:
            layers += [nn.Linear(width, int(size)), nn.SiLU()]
            width = int(size)
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        if self.time_dim:
            if t is None:
                raise ValueError("this classifier takes the step: pass t.")
            x = torch.cat([x, timestep_embedding(t, self.time_dim).to(x.dtype)], dim=1)
        return self.net(x).squeeze(1)


@dataclass
class ClassifierScores:
    """Held-out quality of a guidance classifier (positives are rare, so plain
    accuracy would say little)."""

    balanced_accuracy: float
    auc: float
    n_positive: int
    n_negative: int


def train_guidance_classifier(
    x: torch.Tensor,
    labels: torch.Tensor,
    *,
    diffusion=None,
    noisy: bool = False,
    seed: int = 0,
    steps: int = 500,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-4,
    hidden: Sequence[int] = (64, 64),
    time_dim: int = 16,
    held_out: float = 0.25,
) -> tuple[GuidanceClassifier, ClassifierScores]:
    """Train a guidance classifier and score it on held-out rows.

    A stratified ``held_out`` share of the rows is kept aside to measure the
    balanced accuracy and AUC; the classifier that guides is then trained
    again, with the same seed, on all rows. The loss is the binary cross
    entropy with the positives weighted by the class ratio, so that a handful
    of positives is not ignored.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        Encoded rows (clean).
    labels : Tensor of shape (n,)
        1 for the rows to guide towards, 0 for the others.
    diffusion : GaussianDiffusion, optional
        Needed when ``noisy``: each batch is noised at uniformly drawn steps
        and the classifier sees the step.
    noisy : bool, default=False
    seed : int, default=0
        All randomness (split, weights, batches, noise).

    Returns
    -------
    classifier : GuidanceClassifier
        In evaluation mode, parameters frozen.
    scores : ClassifierScores
        Held-out balanced accuracy and AUC (on noised rows when ``noisy``).
    """
    from sklearn.model_selection import train_test_split

    if noisy and diffusion is None:
        raise ValueError("a classifier of noised rows needs the diffusion process.")
    y, n_pos, n_neg = _count_labels(labels)
    fit_rows, test_rows = train_test_split(
        np.arange(len(y)), test_size=held_out, stratify=y, random_state=seed
    )
    fit_rows = torch.as_tensor(fit_rows, device=x.device)
    test_rows = torch.as_tensor(test_rows, device=x.device)

    def fit(rows: torch.Tensor) -> GuidanceClassifier:
        return _fit_classifier(
            x[rows],
            labels[rows].to(x.dtype),
            diffusion=diffusion if noisy else None,
            seed=seed,
            steps=steps,
            batch_size=batch_size,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            hidden=hidden,
            time_dim=time_dim if noisy else 0,
        )

    probe = fit(fit_rows)
    score = _held_out_logits(probe, x[test_rows], diffusion if noisy else None, seed)
    truth = y[test_rows.cpu().numpy()]
    scores = _scores(truth, score, n_pos, n_neg)
    return fit(torch.arange(len(y), device=x.device)), scores


def _count_labels(labels: torch.Tensor) -> tuple[np.ndarray, int, int]:
    """The labels as integers, and how many are positive and negative.

    Raises
    ------
    ValueError
        With fewer than 2 rows of either kind (no stratified split).
    """
    y = labels.detach().cpu().numpy().astype(int)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos < 2 or n_neg < 2:
        raise ValueError(
            f"a guidance classifier needs at least 2 rows of each kind; got "
            f"{n_pos} to guide towards and {n_neg} others."
        )
    return y, n_pos, n_neg


def _held_out_logits(
    probe: GuidanceClassifier, x_test: torch.Tensor, diffusion, seed: int
) -> np.ndarray:
    """The logits of ``probe`` on the held-out rows, noised at uniformly drawn
    steps when ``diffusion`` is given (the generator seeded ``seed + 1``)."""
    generator = torch.Generator(device=x_test.device).manual_seed(seed + 1)
    t_test = None
    with torch.no_grad():
        if diffusion is not None:
            t_test = torch.randint(
                0,
                diffusion.n_steps,
                (len(x_test),),
                device=x_test.device,
                generator=generator,
            )
            noise = torch.randn(x_test.shape, generator=generator, device=x_test.device)
            x_test = diffusion.q_sample(x_test, t_test, noise)
        return probe(x_test, t_test).cpu().numpy()


def _scores(
    truth: np.ndarray, score: np.ndarray, n_pos: int, n_neg: int
) -> ClassifierScores:
    """Balanced accuracy (at logit 0) and AUC of held-out logits."""
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    return ClassifierScores(
        balanced_accuracy=float(balanced_accuracy_score(truth, score > 0)),
        auc=float(roc_auc_score(truth, score)),
        n_positive=n_pos,
        n_negative=n_neg,
    )


def _fit_classifier(
    x,
    labels,
    *,
    diffusion,
    seed,
    steps,
    batch_size,
    learning_rate,
    weight_decay,
    hidden,
    time_dim,
) -> GuidanceClassifier:
    with seeded(seed, x.device):
        model = GuidanceClassifier(x.shape[1], hidden=hidden, time_dim=time_dim).to(
            x.device
        )
    generator = torch.Generator(device=x.device).manual_seed(seed)
    positives = float(labels.sum())
    pos_weight = torch.tensor((len(labels) - positives) / positives, device=x.device)
    optimiser = torch.optim.Adam(
        model.parameters(), lr=learning_rate, weight_decay=weight_decay
    )
    batch = min(int(batch_size), len(labels))
    model.train()
    for _ in range(int(steps)):
        rows = torch.randint(
            0, len(labels), (batch,), device=x.device, generator=generator
        )
        inputs, t = x[rows], None
        if diffusion is not None:
            t = torch.randint(
                0, diffusion.n_steps, (batch,), device=x.device, generator=generator
            )
            noise = torch.randn(inputs.shape, generator=generator, device=x.device)
            inputs = diffusion.q_sample(inputs, t, noise)
        loss = F.binary_cross_entropy_with_logits(
            model(inputs, t), labels[rows], pos_weight=pos_weight
        )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


class ClassifierGuidance:
    """The hook ``(x_t, t, Sigma_t) -> tau(t) Sigma_t grad log p(y = 1 | x_t)``.

    A plain object rather than a closure, so that a fitted sampler holding it
    can be pickled (joblib, process pools).

    Parameters
    ----------
    classifier : GuidanceClassifier
    taus : ndarray of shape (T,)
        From :func:`tau_values`.
    noisy : bool, default=False
        Whether the classifier takes the step (trained on noised rows).
    max_norm : float or None, default=1.0
        Each row's gradient is scaled down to at most this L2 norm (None: the
        raw gradient, as the paper uses it).
    sign : float, default=1.0
        -1 pushes away from the region (a diagnostic; guidance is +1).
    denoiser : torch module, optional
        With ``diffusion``: the classifier scores x0_hat(x_t) =
        (x_t - sqrt(1 - abar_t) eps(x_t, t)) / sqrt(abar_t) instead of x_t,
        and the gradient flows through the denoiser back to x_t.
    diffusion : GaussianDiffusion, optional

    Raises
    ------
    ValueError
        When called, at the first step whose shift is not finite.
    """

    def __init__(
        self,
        classifier: GuidanceClassifier,
        taus: np.ndarray,
        *,
        noisy: bool = False,
        max_norm: float | None = 1.0,
        sign: float = 1.0,
        denoiser: nn.Module | None = None,
        diffusion=None,
    ) -> None:
        if (denoiser is None) != (diffusion is None):
            raise ValueError(
                "guidance through x0_hat needs both denoiser and diffusion."
            )
        self.denoiser = denoiser
        self.diffusion = diffusion
        self.classifier = classifier
        self.taus = np.asarray(taus, dtype=np.float64)
        self.noisy = noisy
        self.max_norm = max_norm
        self.sign = sign

    def __call__(self, x_t: torch.Tensor, t: int, variance: float) -> torch.Tensor:
        x = x_t.detach().requires_grad_(True)
        at_t = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
        steps = at_t if self.noisy else None
        scored = x
        if self.denoiser is not None:
            scored = self.diffusion.predict_x0(x, at_t, self.denoiser(x, at_t, None))
        log_p = F.logsigmoid(self.classifier(scored, steps)).sum()
        (grad,) = torch.autograd.grad(log_p, x)
        if self.max_norm is not None:
            norm = grad.norm(dim=1, keepdim=True)
            grad = grad * torch.clamp(self.max_norm / (norm + 1e-12), max=1.0)
        tau = float(self.taus[t])
        shift = (self.sign * tau * variance) * grad
        if not bool(torch.isfinite(shift).all()):
            raise ValueError(
                f"guidance produced non-finite values at step {t + 1} of "
                f"{self.taus.size} (tau = {tau:g}); the classifier's gradient is "
                "not usable. Lower tau or check the data."
            )
        return shift


#: The guidance hook of a classifier (the name the samplers use).
classifier_guidance = ClassifierGuidance


class ClassifierFree(nn.Module):
    """Classifier-free guidance (Ho & Salimans, 2022) of a class-conditioned
    denoiser: ``eps = eps(x, t, none) + w (eps(x, t, y) - eps(x, t, none))``.

    Parameters
    ----------
    model : torch module
        A denoiser trained with labels, some of them dropped to ``null_label``
        (:class:`~imbdiff.diffusion.Trainer`'s ``label_dropout``).
    null_label : int
        The "no class" label.
    weight : float
        ``w``: 1 is the conditional model alone (one network call per step),
        above 1 pushes further towards the class, 0 ignores it.

    Examples
    --------
    >>> import torch
    >>> from imbdiff.diffusion.denoisers import MLPDenoiser
    >>> net = MLPDenoiser(2, hidden=(8,), dim=4, n_classes=3)
    >>> guided = ClassifierFree(net, null_label=2, weight=2.0)
    >>> x, t = torch.zeros(4, 2), torch.zeros(4, dtype=torch.long)
    >>> y = torch.zeros(4, dtype=torch.long)
    >>> free, cond = net(x, t, torch.full_like(y, 2)), net(x, t, y)
    >>> torch.allclose(guided(x, t, y), free + 2.0 * (cond - free))
    True
    """

    def __init__(self, model: nn.Module, *, null_label: int, weight: float) -> None:
        super().__init__()
        self.model = model
        self.null_label = int(null_label)
        self.weight = float(weight)
        # Sampling may spread whole chunks over threads, as for the model.
        self.chunk_parallel = getattr(model, "chunk_parallel", False)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None):
        if y is None:
            raise ValueError("classifier-free guidance needs the class y.")
        eps = self.model(x, t, y)
        if self.weight == 1.0:
            return eps
        free = self.model(x, t, torch.full_like(y, self.null_label))
        return free + self.weight * (eps - free)
