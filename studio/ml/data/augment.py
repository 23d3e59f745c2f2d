"""Batch augmentation for drawn digits: small affine jitter and stroke thickness.

People draw digits tilted, off-centre-of-mass and with pens thinner or thicker than
MNIST's, so the recognizer sees those variations in training. Everything runs batched
on the training device (one affine_grid + grid_sample), which costs far less than a
per-image CPU pipeline.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def jitter(x: torch.Tensor, generator: torch.Generator | None = None, *, degrees: float = 12.0,
           scale: float = 0.12, shift: float = 0.08, shear: float = 0.15,
           thickness_p: float = 0.3) -> torch.Tensor:
    """x [N, 1, 28, 28] in [0, 1] -> augmented copy, same shape."""
    n, dev = x.shape[0], x.device

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator, device=dev) * (hi - lo) + lo

    angle = uniform(-degrees, degrees) * math.pi / 180
    s = 1 + uniform(-scale, scale)
    sh = uniform(-shear, shear)
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([
        torch.stack([cos, -sin + sh, uniform(-shift, shift)], dim=1),
        torch.stack([sin, cos, uniform(-shift, shift)], dim=1),
    ], dim=1)  # [N, 2, 3]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    # stroke thickness: dilate (max-pool) some, erode (min-pool) others, keep the rest
    choice = torch.rand(n, generator=generator, device=dev)
    thicker = F.max_pool2d(out, 3, stride=1, padding=1)
    thinner = -F.max_pool2d(-out, 2, stride=1, padding=0)
    thinner = F.pad(thinner, (0, 1, 0, 1))
    grow = (choice < thickness_p / 2).view(n, 1, 1, 1)
    shrink = ((choice >= thickness_p / 2) & (choice < thickness_p)).view(n, 1, 1, 1)
    out = torch.where(grow, 0.5 * (out + thicker), out)
    return torch.where(shrink, torch.maximum(thinner, 0.5 * out), out)
