"""Decoding latent points into images for the explorer, with blended labels.

The explorer morphs between digits by blending label weights (a 3 fading into an 8),
which the models' own `decode(z, y)` cannot express: they take integer labels. Both
models only ever use the label through a one-hot vector or an embedding lookup, and an
embedding lookup is a one-hot vector times the embedding matrix, so a weighted label is
the same layers fed `weights @ matrix`. For one-hot weights the result is exactly the
integer decode (a product with 0s and one 1 is exact in floating point).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.ml.models.gan import ConditionalGAN
from studio.ml.models.vae import ConditionalVAE


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode for the block, restored afterwards.

    A model that is already in eval mode (every loaded checkpoint) is left untouched,
    so threads sharing it for inference never see its flags change.
    """
    was_training = model.training
    if was_training:
        model.eval()
    try:
        yield model
    finally:
        if was_training:
            model.train()


def _gan_images(gan: ConditionalGAN, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    g = gan.generator
    e = labels @ g.embed.weight  # [N, latent_dim], = embed(y) for one-hot labels
    h = g.fc(torch.cat([z, e], dim=1))  # [N, 2w*49], as Generator.hidden
    return g.body(h.view(-1, 2 * g.config.width, 7, 7))  # [N, 1, 28, 28]


def _vae_images(vae: ConditionalVAE, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    # ConditionalVAE.decode_logits with _onehot(y) -> labels and film(y) -> labels @ weight
    w = vae.config.width
    h = vae.dec_fc(torch.cat([z, labels], dim=1)).view(-1, 2 * w, 7, 7)  # [N, 2w, 7, 7]
    film = labels @ vae.film.weight  # [N, 6w]
    g1, b1, g2, b2 = film[:, :, None, None].split([2 * w, 2 * w, w, w], dim=1)
    h = F.leaky_relu(h * (1 + g1) + b1, 0.2)  # [N, 2w, 7, 7]
    h = vae.up1(h)
    h = F.leaky_relu(h * (1 + g2) + b2, 0.2)  # [N, w, 14, 14]
    return torch.sigmoid(vae.up2(h))  # [N, 1, 28, 28]


def render(model: ConditionalGAN | ConditionalVAE, z: torch.Tensor,
           labels: torch.Tensor) -> torch.Tensor:
    """z [N, d], label weights [N, K] -> images [N, 1, 28, 28] in [0, 1] on the model's device.

    Weights are used as given (a blend need not sum to one, though the models were only
    ever trained on one-hot labels, so blends far from the simplex look odd).
    """
    if not isinstance(model, ConditionalGAN | ConditionalVAE):
        raise TypeError(f"{type(model).__name__} is not a generator")
    param = next(model.parameters())
    z = torch.as_tensor(z).to(param.device, param.dtype)
    labels = torch.as_tensor(labels).to(param.device, param.dtype)
    if z.ndim != 2 or labels.ndim != 2 or len(z) != len(labels):
        raise ValueError(f"expected z [N, d] and labels [N, K], got {tuple(z.shape)} "
                         f"and {tuple(labels.shape)}")
    with torch.no_grad(), evaluating(model):
        if isinstance(model, ConditionalGAN):
            return _gan_images(model, z, labels)
        return _vae_images(model, z, labels)


def render_numpy(model: ConditionalGAN | ConditionalVAE, z: np.ndarray,
                 labels: np.ndarray) -> np.ndarray:
    """float32 [N, 28, 28] for z [N, d] and labels [N, K]; [28, 28] for one point [d], [K]."""
    single = np.ndim(z) == 1
    z_t = torch.from_numpy(np.asarray(z, dtype=np.float32).reshape(-1, np.shape(z)[-1]))
    l_t = torch.from_numpy(np.asarray(labels, dtype=np.float32).reshape(-1, np.shape(labels)[-1]))
    images = render(model, z_t, l_t)[:, 0].cpu().numpy()  # [N, 28, 28]
    return images[0] if single else images
