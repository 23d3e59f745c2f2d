"""Conditional convolutional VAE: q(z | x, y) and p(x | z, y) with Bernoulli pixels.

The label enters both encoder and decoder, so the latent code is free to hold style
(slant, width, stroke) rather than identity: the explorer's sliders then vary how a
digit is written while the digit stays the one asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class VAEConfig:
    latent_dim: int = 16
    num_classes: int = 10
    width: int = 32
    hidden: int = 256


class ConditionalVAE(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        w, h, k = config.width, config.hidden, config.num_classes
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),  # [N, w, 14, 14]
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # [N, 2w, 7, 7]
            nn.Flatten(),  # [N, 2w*49]
        )
        self.enc_fc = nn.Sequential(nn.Linear(2 * w * 49 + k, h), nn.LeakyReLU(0.2))
        self.to_mu = nn.Linear(h, config.latent_dim)
        self.to_logvar = nn.Linear(h, config.latent_dim)
        self.dec_fc = nn.Sequential(
            nn.Linear(config.latent_dim + k, h), nn.LeakyReLU(0.2),
            nn.Linear(h, 2 * w * 49),
        )
        # The label also enters the decoder's conv layers as a per-class scale and shift
        # (FiLM). With the label only at the input, the encoder learns to smuggle the
        # class through z and samples from the prior come out as the wrong digit.
        self.film = nn.Embedding(k, 2 * (2 * w + w))
        self.up1 = nn.ConvTranspose2d(2 * w, w, 4, 2, 1)  # [N, w, 14, 14]
        self.up2 = nn.ConvTranspose2d(w, 1, 4, 2, 1)  # [N, 1, 28, 28] logits

    def _onehot(self, y: torch.Tensor) -> torch.Tensor:
        return F.one_hot(y, self.config.num_classes).float()  # [N, K]

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [N, 1, 28, 28] in [0, 1], y [N] -> mu, logvar, each [N, latent_dim]."""
        h = self.enc_fc(torch.cat([self.encoder(x), self._onehot(y)], dim=1))
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """z [N, latent_dim], y [N] -> pixel logits [N, 1, 28, 28]."""
        w = self.config.width
        h = self.dec_fc(torch.cat([z, self._onehot(y)], dim=1)).view(-1, 2 * w, 7, 7)
        g1, b1, g2, b2 = self.film(y)[:, :, None, None].split([2 * w, 2 * w, w, w], dim=1)
        h = F.leaky_relu(h * (1 + g1) + b1, 0.2)  # [N, 2w, 7, 7]
        h = self.up1(h)
        h = F.leaky_relu(h * (1 + g2) + b2, 0.2)  # [N, w, 14, 14]
        return self.up2(h)

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean image [N, 1, 28, 28] in [0, 1]."""
        return torch.sigmoid(self.decode_logits(z, y))

    def forward(self, x: torch.Tensor, y: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x, y)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)  # reparameterization
        return self.decode_logits(z, y), mu, logvar


def negative_elbo(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor,
                  logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image summed BCE and KL in nats, each [N] (the pytorch/examples convention)."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return bce, kl
