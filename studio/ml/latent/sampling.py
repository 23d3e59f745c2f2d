"""Drawing conditional samples from a VAE or GAN, and laying images out in grids."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from studio.ml.models.gan import ConditionalGAN
from studio.ml.models.vae import ConditionalVAE


def latent_dim(model: nn.Module) -> int:
    return model.config.latent_dim


def decode(model: nn.Module, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """z [N, latent_dim], y [N] -> images [N, 1, 28, 28] in [0, 1], for either generator."""
    if isinstance(model, ConditionalVAE):
        return model.decode(z, y)
    if isinstance(model, ConditionalGAN):
        return model.generator(z, y)
    raise TypeError(f"{type(model).__name__} is not a generator")


@torch.no_grad()
def sample(model: nn.Module, digits: list[int] | torch.Tensor, seed: int,
           per_digit: int = 1) -> torch.Tensor:
    """per_digit samples of each digit, digit-major: [len(digits)*per_digit, 1, 28, 28].

    The latent draws come from a CPU generator seeded with `seed`, so the same seed
    gives the same images on any device.
    """
    device = next(model.parameters()).device
    y = torch.as_tensor(digits, dtype=torch.long).repeat_interleave(per_digit)
    z = sample_latents(model, len(y), seed)
    return decode(model, z.to(device), y.to(device))


def sample_latents(model: nn.Module, n: int, seed: int) -> torch.Tensor:
    """The [n, latent_dim] draws `sample` decodes (exported PNGs record them)."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randn(n, latent_dim(model), generator=g)


def image_grid(images: torch.Tensor | np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """[N, 1, 28, 28] or [N, 28, 28] in [0, 1] -> one [rows*(28+pad)-pad, ...] uint8 image."""
    arr = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else images
    arr = arr.reshape(len(arr), arr.shape[-2], arr.shape[-1])
    h, w = arr.shape[1:]
    rows = -(-len(arr) // cols)
    grid = np.zeros((rows * (h + pad) - pad, cols * (w + pad) - pad), dtype=np.uint8)
    for i, img in enumerate(arr):
        r, c = divmod(i, cols)
        grid[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = \
            np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    return grid


def preview_grid(model: nn.Module, per_digit: int = 8, seed: int = 1234) -> np.ndarray:
    """Ten rows (digits 0-9) of fixed-seed samples: the same z at every epoch."""
    was_training = model.training
    model.eval()
    images = sample(model, list(range(model.config.num_classes)), seed, per_digit)
    model.train(was_training)
    return image_grid(images, cols=per_digit)
