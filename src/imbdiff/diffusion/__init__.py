"""The diffusion core shared by every diffusion sampler.

Three layers, kept apart: denoising networks (:mod:`.denoisers`), the diffusion
process (:mod:`.gaussian`: schedules, loss, sampling, guidance hook) and, on
top, the trainer.
"""

from .gaussian import SOLVERS, GaussianDiffusion, Guidance
from .schedules import (
    SCHEDULES,
    cosine_betas,
    get_schedule,
    linear_betas,
    register_schedule,
)
from .trainer import Trainer, TrainingHistory

__all__ = [
    "SCHEDULES",
    "SOLVERS",
    "GaussianDiffusion",
    "Guidance",
    "Trainer",
    "TrainingHistory",
    "cosine_betas",
    "get_schedule",
    "linear_betas",
    "register_schedule",
]
