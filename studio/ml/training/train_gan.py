"""The conditional GAN's recipe: hinge loss, Adam(0.0, 0.9), one D step per G step.

Hinge loss with a spectrally normalized projection discriminator is the standard
stable recipe for class-conditional GANs (Miyato et al., 2018); it trains without
mode collapse on the 4,500 bundled digits in a few minutes on a CPU.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.ml.latent.sampling import preview_grid
from studio.ml.models.gan import ConditionalGAN, GANConfig
from studio.ml.training.evaluate import class_fidelity
from studio.ml.training.train_settings import TrainSettings


class GANRecipe:
    def __init__(self, settings: TrainSettings, num_classes: int, device: torch.device,
                 judge: nn.Module | None) -> None:
        config = GANConfig(latent_dim=settings.latent_dim or GANConfig.latent_dim,
                           num_classes=num_classes)
        self.model = ConditionalGAN(config).to(device)
        g, d = self.model.generator, self.model.discriminator
        self.opt_g = torch.optim.Adam(g.parameters(), lr=settings.lr, betas=(0.0, 0.9))
        self.opt_d = torch.optim.Adam(d.parameters(), lr=settings.lr * 2, betas=(0.0, 0.9))
        self.gen = torch.Generator(device=device).manual_seed(settings.seed + 1)
        self.optimizers = {"g": self.opt_g, "d": self.opt_d}
        self.device = device
        self.judge = judge
        self.seed = settings.seed
        # What train_step runs: under torchrun each network in its own DDP, since each has
        # its own optimizer and backward.
        self.g: nn.Module = self.model.generator
        self.d: nn.Module = self.model.discriminator

    def distribute(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Train through DDP(generator) and DDP(discriminator), both averaging gradients."""
        self.g, self.d = wrap(self.model.generator), wrap(self.model.discriminator)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        g, d = self.g, self.d
        z = torch.randn(len(x), self.model.config.latent_dim, generator=self.gen,
                        device=self.device)  # [B, latent_dim]
        fake = g(z, y)  # [B, 1, 28, 28]
        d_loss = F.relu(1 - d(x, y)).mean() + F.relu(1 + d(fake.detach(), y)).mean()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        g_loss = -d(fake, y).mean()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        if self.judge is None or self.model.config.num_classes != 10:
            return {}
        return {"class_fidelity": class_fidelity(self.model, self.judge, seed=self.seed)}

    def preview(self) -> np.ndarray:
        return preview_grid(self.model)
