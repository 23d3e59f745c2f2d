"""Batch augmentation for digits: affine jitter, stroke thickness, photo and scan damage.

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


def degrade(x: torch.Tensor, generator: torch.Generator | None = None, *, p: float = 0.5,
            ) -> torch.Tensor:
    """x [N, 1, 28, 28] in [0, 1] -> a copy where about a share `p` of the digits look
    as a photo or a scan leaves them once preprocessed: blurred, small and upscaled,
    faint, noisy, blocky like JPEG, or their pen thicker or thinner. Same shape.

    These are what survive the way from paper to the 28x28 the net reads (the
    preprocessing removes light, colour and lines, not these), so the recognizer sees
    them in training. Each degraded digit gets one or two of them, each drawn at random.
    """
    n, dev = x.shape[0], x.device
    out = x.clone()

    def picked(share: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator, device=dev) < share).view(n, 1, 1, 1)

    chosen = picked(p)
    out = torch.where(chosen & picked(0.35), _blur(out, generator), out)
    out = torch.where(chosen & picked(0.35), _low_resolution(out, generator), out)
    out = torch.where(chosen & picked(0.25), _blocky(out), out)
    out = torch.where(chosen & picked(0.3), _faint(out, generator), out)
    out = torch.where(chosen & picked(0.3), _noisy(out, generator), out)
    return out.clamp_(0.0, 1.0)


def _blur(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Gaussian blur, sigma 0.5-1.2 px per digit, then the ink's peak back to its own."""
    n = x.shape[0]
    sigma = torch.rand(n, generator=generator, device=x.device) * 0.7 + 0.5  # [N]
    r = torch.arange(-3, 4, device=x.device, dtype=x.dtype)  # [7]
    k = torch.exp(-(r[None] ** 2) / (2 * sigma[:, None] ** 2))  # [N, 7]
    k = k / k.sum(1, keepdim=True)
    # separable, one kernel per image: fold the batch into channels
    y = x.view(1, n, 28, 28)
    y = F.conv2d(F.pad(y, (3, 3, 0, 0)), k.view(n, 1, 1, 7), groups=n)
    y = F.conv2d(F.pad(y, (0, 0, 3, 3)), k.view(n, 1, 7, 1), groups=n).view(n, 1, 28, 28)
    return _peak_as(y, x)


def _low_resolution(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """The digit 8-16 px tall (as a small scan has it; the 28 px field holds it at 20)
    and back up to 28 px, blocky or smooth."""
    side = int(torch.randint(11, 23, (1,), generator=generator, device=x.device).item())
    mode = "bilinear" if side % 2 else "nearest"
    small = F.interpolate(x, size=(side, side), mode="area")
    up = F.interpolate(small, size=(28, 28), mode=mode,
                       **({"align_corners": False} if mode == "bilinear" else {}))
    return _peak_as(up, x)


def _blocky(x: torch.Tensor) -> torch.Tensor:
    """JPEG-like loss: the 4x4 block means blended in, ringing at the strokes' edges."""
    means = F.avg_pool2d(x, 4)
    blocks = F.interpolate(means, scale_factor=4, mode="nearest")
    return 0.6 * x + 0.4 * blocks


def _faint(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Weak contrast: ink at 45-90% and a gamma of 0.6-1.6."""
    n = x.shape[0]
    level = torch.rand(n, 1, 1, 1, generator=generator, device=x.device) * 0.45 + 0.45
    gamma = torch.rand(n, 1, 1, 1, generator=generator, device=x.device) + 0.6
    return level * x.clamp(min=0) ** gamma


def _noisy(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Sensor noise and a few specks, as a threshold leaves them."""
    noise = torch.randn(x.shape, generator=generator, device=x.device) * 0.06
    noise = torch.where(noise > 0.06, noise, torch.zeros_like(noise))  # what a threshold keeps
    specks = (torch.rand(x.shape, generator=generator, device=x.device) < 0.002).to(x.dtype)
    return x + noise + specks * 0.6


def _peak_as(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """y rescaled so each digit's brightest ink is as bright as in x (the preprocessing
    normalizes contrast, so blur must not read as faint ink)."""
    peak_y = y.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-6)
    peak_x = x.amax(dim=(1, 2, 3), keepdim=True)
    return y * (peak_x / peak_y)
