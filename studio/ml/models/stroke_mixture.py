"""The stroke models' output: a mixture of bivariate Gaussians over the pen's next offset
and three pen states, as in Sketch-RNN (Ha and Eck, 2017).

Both stroke models (stroke_lstm.py, stroke_transformer.py) end in one linear layer with
`mixture_size(M)` outputs per step, laid out as M mixture logits, M x 2 means, M x 2
log-sigmas, M correlations (before tanh) and 3 pen logits (stroke-5: down, up, end;
see studio/ml/strokes/stroke_format.py). Offsets here are in the model's normalized
units (pixels / offset_scale); the sampler converts.

Loss, as Sketch-RNN computes it: the offsets' negative log-likelihood over the real
points only (the padding after the end row moves nothing), the pen's cross-entropy
over every row including the padding, so the model learns to stay ended once ended.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

PEN_STATES = 3  # stroke-5: down, up, end
MIN_LOG_SIGMA = -7.0  # sigma >= 1e-3 normalized units, so one point never costs -inf
MAX_RHO = 0.95  # |correlation| below 1 keeps 1 - rho^2 away from 0
LOG_2PI = math.log(2 * math.pi)


def mixture_size(mixtures: int) -> int:
    """Outputs per step for M components: M logits, 2M means, 2M log-sigmas, M rhos, 3 pens."""
    return 6 * mixtures + PEN_STATES


class Mixture(NamedTuple):
    logits: torch.Tensor  # [..., M] mixture weights before softmax
    mu: torch.Tensor  # [..., M, 2] means of (dx, dy)
    log_sigma: torch.Tensor  # [..., M, 2]
    rho: torch.Tensor  # [..., M] correlation in (-MAX_RHO, MAX_RHO)
    pen_logits: torch.Tensor  # [..., 3]


def split_mixture(params: torch.Tensor) -> Mixture:
    """params [..., 6M + 3] -> the named parts of the mixture."""
    m = (params.shape[-1] - PEN_STATES) // 6
    logits, mu, log_sigma, rho, pen = params.split([m, 2 * m, 2 * m, m, PEN_STATES], dim=-1)
    shape = (*params.shape[:-1], m, 2)
    return Mixture(logits, mu.reshape(shape), log_sigma.reshape(shape).clamp(min=MIN_LOG_SIGMA),
                   MAX_RHO * torch.tanh(rho), pen)


def offset_log_prob(mix: Mixture, offsets: torch.Tensor) -> torch.Tensor:
    """log p(offsets) under the mixture; offsets [..., 2] -> [...] (normalized units)."""
    z = (offsets.unsqueeze(-2) - mix.mu) * torch.exp(-mix.log_sigma)  # [..., M, 2]
    zx, zy = z.unbind(-1)  # each [..., M]
    one_minus = 1 - mix.rho.square()  # [..., M]
    log_n = (-LOG_2PI - mix.log_sigma.sum(-1) - 0.5 * torch.log(one_minus)
             - (zx.square() + zy.square() - 2 * mix.rho * zx * zy) / (2 * one_minus))
    return torch.logsumexp(F.log_softmax(mix.logits, dim=-1) + log_n, dim=-1)


def mixture_losses(params: torch.Tensor,
                   targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """params [B, T, 6M + 3], targets [B, T, 5] stroke-5 (normalized offsets) ->
    (offset NLL summed over real points, pen cross-entropy summed over all rows,
    number of real points); the caller divides, so per-point figures add up."""
    mix = split_mixture(params)
    real = targets[..., 4] < 0.5  # [B, T]: not an end or padding row
    offset_nll = -(offset_log_prob(mix, targets[..., :2]) * real).sum()
    pen_ce = F.cross_entropy(mix.pen_logits.reshape(-1, PEN_STATES),
                             targets[..., 2:].argmax(-1).reshape(-1), reduction="sum")
    return offset_nll, pen_ce, real.sum()


def sample_mixture(params: torch.Tensor, temperature: float, generator: torch.Generator,
                   first: bool = False) -> torch.Tensor:
    """One step: params [B, 6M + 3] -> stroke-5 rows [B, 5] (normalized offsets, one-hot pen).

    Temperature as in Sketch-RNN: mixture and pen logits divided by T, sigmas scaled by
    sqrt(T), so T -> 0 draws the likeliest component's mean. `first`: the end state is
    not allowed (a drawing has at least one point)."""
    mix = split_mixture(params.float())
    t = max(float(temperature), 1e-4)
    b = params.shape[0]
    rows = torch.arange(b)
    k = torch.multinomial(F.softmax(mix.logits / t, dim=-1), 1, generator=generator)[:, 0]  # [B]
    mu, sigma = mix.mu[rows, k], torch.exp(mix.log_sigma[rows, k]) * math.sqrt(t)  # [B, 2]
    rho = mix.rho[rows, k]  # [B]
    e1, e2 = torch.randn(2, b, generator=generator)  # independent normals
    dx = mu[:, 0] + sigma[:, 0] * e1
    dy = mu[:, 1] + sigma[:, 1] * (rho * e1 + torch.sqrt(1 - rho.square()) * e2)
    pen_logits = mix.pen_logits / t
    if first:
        pen_logits = pen_logits.clone()
        pen_logits[:, 2] = -torch.inf
    pen = torch.multinomial(F.softmax(pen_logits, dim=-1), 1, generator=generator)[:, 0]
    return torch.cat([torch.stack([dx, dy], dim=1), F.one_hot(pen, PEN_STATES).float()], dim=1)
