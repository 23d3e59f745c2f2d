"""The conditional VAE's recipe: Adam on the negative ELBO, light augmentation.

With only 4,500 training digits a VAE overfits quickly (test ELBO climbs while train
ELBO falls); mild affine jitter is the cheapest regularizer that keeps the decoder
honest on unseen digits. The KL weight starts high and falls to 1 over the first
epochs: while z is expensive the decoder learns to take the digit from the label, so
z ends up holding style, and samples from the prior read as the digit asked for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.augment import jitter
from studio.ml.latent.sampling import preview_grid
from studio.ml.models.vae import ConditionalVAE, VAEConfig, negative_elbo
from studio.ml.training.evaluate import class_fidelity, vae_negative_elbo
from studio.ml.training.train_settings import TrainSettings

KL_START = 4.0
KL_WARM = 0.3


class VAERecipe:
    def __init__(self, settings: TrainSettings, num_classes: int, device: torch.device,
                 judge: nn.Module | None) -> None:
        config = VAEConfig(latent_dim=settings.latent_dim or VAEConfig.latent_dim,
                           num_classes=num_classes)
        self.model = ConditionalVAE(config).to(device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=settings.lr)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, settings.epochs)
        self.epoch, self.epochs = 0, settings.epochs
        self.gen = torch.Generator(device=device).manual_seed(settings.seed + 1)
        self.optimizers = {"opt": self.opt}
        self.judge = judge
        self.seed = settings.seed
        self.net: nn.Module = self.model  # what train_step runs: DDP(model) under torchrun

    def distribute(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Train through DDP(model): its backward averages gradients across ranks."""
        self.net = wrap(self.model)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        x = jitter(x, self.gen, degrees=6, scale=0.06, shift=0.05, shear=0.08, thickness_p=0.0)
        logits, mu, logvar = self.net(x, y)
        bce, kl = negative_elbo(logits, x, mu, logvar)  # each [B]
        loss = (bce + self.kl_weight() * kl).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"neg_elbo": (bce + kl).mean().detach(), "kl": kl.mean().detach()}

    def resumed(self) -> None:
        """A resumed model is past its KL warm-up: weigh the KL fully from the start."""
        self.epoch = self.epochs

    def kl_weight(self) -> float:
        """KL_START at the first epoch, falling linearly to 1 at KL_WARM of the run."""
        warm = max(1.0, KL_WARM * self.epochs)
        return 1.0 + (KL_START - 1.0) * max(0.0, 1.0 - self.epoch / warm)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        self.sched.step()  # called once per epoch
        self.epoch += 1
        metrics = {"neg_elbo": vae_negative_elbo(self.model, x, y, seed=self.seed)}
        if self.judge is not None and self.model.config.num_classes == 10:
            metrics["class_fidelity"] = class_fidelity(self.model, self.judge, seed=self.seed)
        return metrics

    def preview(self) -> np.ndarray:
        return preview_grid(self.model)
