"""The VAE as a tool: find a sketch's latent point, and fill in an erased part of a digit.

Encoding gives the explorer's sliders a starting point that looks like the artist's
own digit. Repair treats the erased pixels as missing data: it searches for the latent
point whose image best explains the pixels that are left (maximum a posteriori under
the VAE's Bernoulli likelihood and standard-normal prior) and reads the hole off that
image. The encoder alone is a poor judge here, since it never saw holes in training;
it only supplies the starting point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from studio.ml.data.preprocess import SIZE, Fitted, fit_to_mnist, warp_to_field
from studio.ml.errors import StudioError
from studio.ml.latent.latent_render import evaluating
from studio.ml.models.vae import ConditionalVAE, negative_elbo

LEARNING_RATE = 0.1
HOLE_COVERAGE = 0.3  # a 28x28 pixel this much inside the erased area counts as unknown
# Without the undamaged drawing, the hole stands in for the missing ink when framing: it
# counts fully for the box but only this much (of the ink's peak) for the centre of mass,
# about how densely strokes fill a digit's box; at full weight a solid hole pulls the
# frame's centre into itself (canvas repairs of 100 test digits that read right: top half
# erased 39% -> 69%, left half 61% -> 75%; with `whole`, 83% and 93%).
HOLE_DENSITY = 0.2


def _image(image: np.ndarray, name: str = "image") -> np.ndarray:
    a = np.asarray(image, dtype=np.float32)
    if a.shape != (SIZE, SIZE) or not np.isfinite(a).all():
        raise ValueError(f"{name} must be a finite [28, 28] array, got shape {a.shape}")
    return np.clip(a, 0.0, 1.0)


def _candidates(vae: ConditionalVAE, digit: int | None, device: torch.device) -> torch.Tensor:
    k = vae.config.num_classes
    if digit is None:
        return torch.arange(k, device=device)
    if not 0 <= digit < k:
        raise ValueError(f"digit must be in 0..{k - 1}, got {digit}")
    return torch.tensor([digit], device=device)


def encode(vae: ConditionalVAE, image: np.ndarray, digit: int | None = None
           ) -> tuple[np.ndarray, int]:
    """The posterior mean mu [d] of an MNIST-preprocessed [28, 28] image, and its digit.

    With digit None every label is tried in one batch and the one whose decoded mu
    explains the image best (lowest negative ELBO) wins: the label is part of what the
    conditional VAE needs to reproduce the sketch, so a wrong one shows up as a worse fit.
    """
    device = next(vae.parameters()).device
    x = torch.from_numpy(_image(image)).to(device)[None, None]  # [1, 1, 28, 28]
    ys = _candidates(vae, digit, device)  # [L]
    with torch.no_grad(), evaluating(vae):
        xs = x.expand(len(ys), -1, -1, -1)  # [L, 1, 28, 28]
        mu, logvar = vae.encode(xs, ys)  # [L, d] each
        bce, kl = negative_elbo(vae.decode_logits(mu, ys), xs, mu, logvar)  # [L] each
        best = int(torch.argmin(bce + kl))
    return mu[best].cpu().numpy(), int(ys[best])


@dataclass(frozen=True)
class Repair:
    before: np.ndarray  # [28, 28] the damaged input: known pixels, hole pixels zeroed
    hole: np.ndarray  # [28, 28] bool, True where pixels are unknown
    decoded: np.ndarray  # [28, 28] the VAE's image at the found latent point
    after: np.ndarray  # [28, 28] known pixels kept, hole pixels from `decoded`
    z: np.ndarray  # [d] the latent point
    digit: int


def repair(vae: ConditionalVAE, image: np.ndarray, hole: np.ndarray, digit: int | None = None,
           steps: int = 150, seed: int = 0, restarts: int = 1) -> Repair:
    """Fill the `hole` of a [28, 28] image with the VAE's best guess; known pixels stay.

    Each candidate label starts from the encoder's mu of the damaged image, plus
    `restarts - 1` starts drawn from the prior (seeded by `seed`); with digit None the
    label is the one with the best final objective. On the bundled VAE extra restarts
    found no better repairs (80 test digits, top or left half erased), so one is the
    default. All starts are optimized together as one batch with Adam on z alone:
    gradients come from torch.autograd.grad with respect to z, so the model's
    parameters (shared with inference on other threads) are never written, not even
    their .grad.
    """
    if restarts < 1 or steps < 0:
        raise ValueError(f"need restarts >= 1 and steps >= 0, got {restarts} and {steps}")
    hole = np.asarray(hole, dtype=bool)
    if hole.shape != (SIZE, SIZE):
        raise ValueError(f"hole must be [28, 28], got shape {hole.shape}")
    before = np.where(hole, np.float32(0.0), _image(image)).astype(np.float32)
    device = next(vae.parameters()).device
    d = vae.config.latent_dim
    x = torch.from_numpy(before).to(device)[None, None]  # [1, 1, 28, 28]
    known = torch.from_numpy(~hole).to(device, torch.float32)[None, None]  # [1, 1, 28, 28]
    ys = _candidates(vae, digit, device)  # [L]
    n = len(ys)
    g = torch.Generator(device="cpu").manual_seed(seed)
    with evaluating(vae):
        with torch.no_grad():
            mu, _ = vae.encode(x.expand(n, -1, -1, -1), ys)  # [L, d]
        draws = torch.randn(restarts - 1, n, d, generator=g).to(device)  # [R-1, L, d]
        z = torch.cat([mu[None], draws]).reshape(-1, d).clone()  # [B, d], B = R*L, restart-major
        yb = ys.repeat(restarts)  # [B]

        def objective(z: torch.Tensor) -> torch.Tensor:
            """[B] negative log posterior (up to a constant): known-pixel BCE + prior."""
            logits = vae.decode_logits(z, yb)  # [B, 1, 28, 28]
            bce = F.binary_cross_entropy_with_logits(
                logits, x.expand_as(logits), reduction="none")
            return (bce * known).flatten(1).sum(1) + 0.5 * z.pow(2).sum(1)

        z.requires_grad_(True)
        opt = torch.optim.Adam([z], lr=LEARNING_RATE)
        for _ in range(steps):
            with torch.enable_grad():
                (grad,) = torch.autograd.grad(objective(z).sum(), [z])
            z.grad = grad
            opt.step()
        z = z.detach()
        with torch.no_grad():
            best = int(torch.argmin(objective(z)))
            decoded = vae.decode(z[best:best + 1], yb[best:best + 1])[0, 0].cpu().numpy()
    after = np.where(hole, decoded, before).astype(np.float32)
    return Repair(before, hole, decoded.astype(np.float32), after, z[best].cpu().numpy(),
                  int(yb[best]))


@dataclass(frozen=True)
class CanvasRepair:
    repair: Repair
    fitted: Fitted  # the frame (28x28 <-> canvas map); its image is the ink left, as fitted
    canvas: np.ndarray  # uint8 [H, W] ink: the original outside the hole, the repair inside


def repair_canvas(vae: ConditionalVAE, ink: np.ndarray, hole: np.ndarray,
                  digit: int | None = None, whole: np.ndarray | None = None) -> CanvasRepair:
    """Repair the erased part `hole` of a canvas drawing `ink` (uint8 [H, W], white on black).

    The 28x28 frame is fitted to the whole digit, ink and hole together: fitting the ink
    left would blow half a digit up to fill the box, and the VAE would see a different
    digit. The repaired 28x28 is drawn back into the hole at canvas resolution.

    `whole` (uint8 [H, W]), when known, is the drawing before it was damaged (the canvas
    without its eraser strokes): its box and centre of mass frame the digit exactly.
    Without it the hole stands in for the missing ink (see HOLE_DENSITY).
    """
    ink = np.asarray(ink)
    if ink.ndim != 2 or np.asarray(hole).shape != ink.shape:
        raise StudioError(f"repair needs a 2-D canvas and a hole of the same size, got "
                          f"{ink.shape} and {np.asarray(hole).shape}")
    h = _coverage(hole)  # [H, W] float32 in [0, 1]
    if not (h > 0).any():
        raise StudioError("nothing to repair: mark the part to fill in first")
    left = ink.astype(np.float32) / 255.0 * (1.0 - h)  # ink outside the hole, in [0, 1]
    if not (left > 0.25).any():
        raise StudioError("nothing to repair from: the canvas has no ink outside the hole")
    frame = _frame(np.maximum(left, HOLE_DENSITY * float(left.max()) * h) if whole is None
                   else np.asarray(whole, np.float32) / 255.0)
    kept = warp_to_field(left, frame)  # [28, 28] ink outside the hole
    peak = float(kept.max())
    kept = kept / peak if peak > 0 else kept  # MNIST ink peaks at white, as to_mnist does
    unknown = warp_to_field(h, frame) > HOLE_COVERAGE  # [28, 28] bool
    result = repair(vae, kept, unknown, digit)
    fill = _warp_from_field(result.after, frame, ink.shape) * min(peak, 1.0)  # [H, W]
    estimate = left + fill * h
    inside = h > 0
    painted = np.rint(np.clip(estimate, 0.0, 1.0) * 255.0).astype(np.uint8)
    canvas = np.where(inside, painted, ink).astype(np.uint8)
    return CanvasRepair(result, Fitted(kept.astype(np.float32), frame.scale, frame.offset_x,
                                       frame.offset_y), canvas)


def _frame(image: np.ndarray) -> Fitted:
    fitted = fit_to_mnist(np.pad(image, 1))  # a black frame: the hole may touch the edges
    if fitted is None:
        raise StudioError("nothing to repair from: too little ink on the canvas")
    k = fitted.scale
    return Fitted(fitted.image, k, fitted.offset_x + k, fitted.offset_y + k)  # unpadded


def _coverage(mask: np.ndarray) -> np.ndarray:
    """bool, 0/1 or 0..255 mask -> float32 coverage in [0, 1]."""
    m = np.asarray(mask)
    if m.dtype == np.bool_:
        return m.astype(np.float32)
    m = np.nan_to_num(m.astype(np.float32))
    return np.clip(m / 255.0 if m.max() > 1.0 else m, 0.0, 1.0)


def _warp_from_field(field: np.ndarray, fitted: Fitted, shape: tuple[int, ...]) -> np.ndarray:
    """[28, 28] -> float32 `shape` canvas: bilinear at each canvas pixel centre, 0 outside."""
    rows, cols = shape
    # Canvas pixel centre (x + 0.5) lands at field point k (x + 0.5) + offset; field pixel
    # centres sit at i + 0.5, so subtract 0.5 to get fractional indices.
    u = fitted.scale * (np.arange(cols) + 0.5) + fitted.offset_x - 0.5  # [W]
    v = fitted.scale * (np.arange(rows) + 0.5) + fitted.offset_y - 0.5  # [H]
    padded = np.pad(np.asarray(field, np.float32), 1)  # zeros around: ink fades at the edge
    u = np.clip(u + 1, 0, SIZE + 1)
    v = np.clip(v + 1, 0, SIZE + 1)
    u0 = np.minimum(np.floor(u).astype(int), SIZE)
    v0 = np.minimum(np.floor(v).astype(int), SIZE)
    fu, fv = (u - u0)[None, :], (v - v0)[:, None]
    a = padded[v0[:, None], u0[None, :]]
    b = padded[v0[:, None], u0[None, :] + 1]
    c = padded[v0[:, None] + 1, u0[None, :]]
    e = padded[v0[:, None] + 1, u0[None, :] + 1]
    return ((a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + e * fu) * fv).astype(np.float32)
