"""Conditional DCGAN: generator G(z, y) and a projection discriminator D(x, y).

The projection discriminator (Miyato & Koyama, 2018) scores class agreement through
an inner product with a class embedding, which gives much sharper class fidelity than
concatenating one-hot labels; spectral norm keeps D smooth on only 4,500 images.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm


@dataclass(frozen=True)
class GANConfig:
    latent_dim: int = 32
    num_classes: int = 10
    width: int = 64


class Generator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.embed = nn.Embedding(config.num_classes, config.latent_dim)
        self.fc = nn.Sequential(
            nn.Linear(2 * config.latent_dim, 2 * w * 49, bias=False),
            nn.BatchNorm1d(2 * w * 49), nn.ReLU(inplace=True),
        )
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False),  # [N, w, 14, 14]
            nn.BatchNorm2d(w), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(w, w // 2, 4, 2, 1, bias=False),  # [N, w/2, 28, 28]
            nn.BatchNorm2d(w // 2), nn.ReLU(inplace=True),
            nn.Conv2d(w // 2, 1, 3, padding=1),  # [N, 1, 28, 28]
            nn.Sigmoid(),
        )

    def hidden(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """First activation [N, 2w*49]; GANSpace finds latent directions by PCA of it."""
        return self.fc(torch.cat([z, self.embed(y)], dim=1))

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """z [N, latent_dim], y [N] -> images [N, 1, 28, 28] in [0, 1]."""
        h = self.hidden(z, y)
        return self.body(h.view(-1, 2 * self.config.width, 7, 7))


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        w = config.width
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(1, w, 4, 2, 1)), nn.LeakyReLU(0.2),  # [N, w, 14, 14]
            spectral_norm(nn.Conv2d(w, 2 * w, 4, 2, 1)), nn.LeakyReLU(0.2),  # [N, 2w, 7, 7]
            spectral_norm(nn.Conv2d(2 * w, 4 * w, 3, 2, 1)), nn.LeakyReLU(0.2),  # [N, 4w, 4, 4]
            nn.Flatten(),
        )
        self.out = spectral_norm(nn.Linear(4 * w * 16, 1))
        self.embed = spectral_norm(nn.Embedding(config.num_classes, 4 * w * 16))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x [N, 1, 28, 28] in [0, 1], y [N] -> realness logits [N]."""
        h = self.body(x * 2 - 1)  # [N, 4w*16]
        return self.out(h).squeeze(1) + (self.embed(y) * h).sum(1)


class ConditionalGAN(nn.Module):
    """Both halves in one module so that one checkpoint file resumes training exactly."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.generator(z, y)
