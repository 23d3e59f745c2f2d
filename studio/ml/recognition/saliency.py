"""Where the recognizer looks: a SmoothGrad saliency map over the 28x28 it was given.

The plain input gradient of a logit is speckled, because a ReLU network's gradient
jumps from pixel to pixel, so we follow SmoothGrad (Smilkov et al. 2017) and average
the gradient over a few noisy copies of the input. All copies go through in one
batch: the map costs one forward and one backward pass of a small batch, a few
milliseconds on a CPU, so the sketch panel can redraw it while the pen moves.

The map is the positive part of that smoothed gradient times the input (gradient x
input, Shrikumar et al. 2016): the ink that speaks for the target. The absolute
gradient alone was tried first and rejected: for this CNN it is as large on empty
paper near the digit as on the strokes (mean 0.42 against 0.36 over 100 test
digits), because adding ink almost anywhere would change the answer, which reads as
noise over a drawing. Gradient x input is zero where there is no ink, lights the
strokes that decide the class, and still differs clearly between two targets.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from studio.ml.models.classifier import Classifier

SAMPLES = 12  # noisy copies, all in one batch
NOISE = 0.1  # std of the added noise, in ink units (the input spans 0..1)
BLUR_SIGMA = 1.0  # pixels; joins the per-pixel gradients into regions a user can read
PERCENTILE = 99.0  # this percentile of the map becomes 1, so one hot pixel can't wash it out
SEED = 0  # fixed noise: the same drawing always gets the same map, so it never flickers


def saliency_map(classifier: Classifier, seen: np.ndarray, target: int) -> np.ndarray:
    """Float32 [28, 28] in [0, 1]: how much each inked pixel raises the logit of `target`.

    `seen` is the 28x28 the network was given (float32 in [0, 1], as `to_mnist` makes
    it). Works inside or outside torch.no_grad(); gradients are taken with respect to
    the input only, so the model's parameters get no .grad and keep their flags.
    """
    if not 0 <= target < classifier.config.num_classes:
        raise ValueError(f"target {target} is not a class of this model "
                         f"(0..{classifier.config.num_classes - 1})")
    device = next(classifier.parameters()).device
    noise = torch.randn((SAMPLES, 1, *seen.shape),
                        generator=torch.Generator().manual_seed(SEED))  # [S, 1, 28, 28]
    x = torch.from_numpy(np.asarray(seen, dtype=np.float32))  # [28, 28]
    noisy = (x + NOISE * noise).to(device).requires_grad_(True)  # [S, 1, 28, 28]

    # Dropout and batch statistics would make the map depend on the batch of noisy
    # copies; switch to eval only when needed, so the usual call writes no model state.
    was_training = classifier.training
    if was_training:
        classifier.eval()
    try:
        with torch.enable_grad():
            logits = classifier(noisy)  # [S, num_classes]
            (grad,) = torch.autograd.grad(logits[:, target].sum(), noisy)  # [S, 1, 28, 28]
    finally:
        if was_training:
            classifier.train()

    with torch.no_grad():
        evidence = (grad.mean(dim=0) * x.to(device)).clamp(min=0.0)  # [1, 28, 28]
        smooth = F.conv2d(evidence[None], _gaussian(BLUR_SIGMA, device),
                          padding="same")  # [1, 1, 28, 28]
        out = smooth[0, 0].cpu().numpy()  # [28, 28]
    top = float(np.percentile(out, PERCENTILE))
    if not top > 0.0:  # no ink speaks for the target: say "nowhere", not NaN
        return np.zeros(out.shape, dtype=np.float32)
    return np.clip(out / top, 0.0, 1.0).astype(np.float32)


def _gaussian(sigma: float, device: torch.device) -> torch.Tensor:
    """Normalized 2-D Gaussian kernel [1, 1, K, K] reaching 2 sigma each side."""
    radius = max(1, round(2 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32, device=device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    k = g[:, None] * g[None, :]  # [K, K]
    return (k / k.sum())[None, None]
