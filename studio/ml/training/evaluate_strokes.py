"""How well a stroke model draws: class fidelity, completion, negative log-likelihood per point.

- class fidelity: digits drawn at the default temperature, rasterized
  (`rasterize_strokes`) and read by the recognizer: the share read as the digit asked for;
- completion: each test digit's first 40% of points given as a prefix, the rest drawn by
  the model, the whole rasterized: the share read as the test digit's label;
- negative log-likelihood per point of the held-out test drawings, in nats, with the
  offsets' density in pixels (so the figure does not depend on the model's normalization):
  every real point's offset and pen state plus each drawing's end, over the real points.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.ml.models.stroke_mixture import offset_log_prob, split_mixture
from studio.ml.pen.pen_sampler import DEFAULT_TEMPERATURE, sample_digits, sample_strokes, start_row
from studio.ml.strokes.stroke_dataset import StrokeSet
from studio.ml.strokes.stroke_format import Strokes, from_stroke3, stroke3_to_stroke5
from studio.ml.strokes.stroke_raster import rasterize_strokes

PREFIX_SHARE = 0.4


def stroke_tensors(strokes: StrokeSet) -> tuple[torch.Tensor, torch.Tensor]:
    """A stroke set as padded stroke-5 rows [N, T, 5] in pixels (T: the longest + 1, the
    end row repeated as padding) and labels [N]."""
    t = int(strokes.lengths().max()) + 1
    rows = np.stack([stroke3_to_stroke5(strokes.stroke3(i), t) for i in range(len(strokes))])
    return torch.from_numpy(rows), torch.from_numpy(strokes.labels)


@torch.no_grad()
def read_drawings(judge: nn.Module, drawings: list[Strokes]) -> np.ndarray:
    """The recognizer's digit for each drawing, rasterized as the recognizer sees digits."""
    images = torch.from_numpy(np.stack([rasterize_strokes(s) for s in drawings]))[:, None]
    device = next(judge.parameters()).device
    return judge(images.to(device)).argmax(1).cpu().numpy()


def stroke_class_fidelity(model: nn.Module, judge: nn.Module, per_digit: int = 20,
                          seed: int = 0, temperature: float = DEFAULT_TEMPERATURE) -> float:
    """Share of drawn digits (per_digit of each of 0-9) the judge reads as the one asked."""
    wanted = np.repeat(np.arange(10), per_digit)
    drawings = sample_digits(model, wanted.tolist(), temperature=temperature, seed=seed)
    return float((read_drawings(judge, drawings) == wanted).mean())


def stroke_completion(model: nn.Module, judge: nn.Module, test: StrokeSet, count: int = 200,
                      seed: int = 0, temperature: float = DEFAULT_TEMPERATURE) -> float:
    """Share of completed test digits (the first 40% of points given) read as their label.

    The prefix keeps the pen down at its last point when the digit's stroke goes on
    there, and lifted when the cut falls at the end of a stroke, as the artist's pen was.
    """
    pick = np.random.default_rng(seed).choice(len(test), min(count, len(test)), replace=False)
    drawings = []
    for i in pick:
        rows = test.stroke3(int(i))
        cut = max(1, int(round(PREFIX_SHARE * len(rows))))
        head = rows[:cut].copy()
        lifted = bool(head[-1, 2])
        head[-1, 2] = 1.0  # as polylines, the prefix's last stroke ends at the cut
        drawings.append(sample_strokes(model, int(test.labels[i]), seed=seed + int(i),
                                       temperature=temperature, prefix=from_stroke3(head),
                                       continue_last=not lifted))
    return float((read_drawings(judge, drawings) == test.labels[pick]).mean())


@torch.no_grad()
def stroke_nll(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Nats per point of padded stroke-5 rows x [N, T, 5] (pixels), labels y [N]."""
    was_training = model.training
    model.eval()
    scale = model.config.offset_scale
    device = next(model.parameters()).device
    total, points = 0.0, 0
    for xb, yb in zip(x.split(500), y.split(500), strict=True):
        xb, yb = xb.to(device).clone(), yb.to(device)
        xb[..., :2] /= scale
        inputs = torch.cat([start_row(len(xb), device)[:, None], xb[:, :-1]], dim=1)
        mix = split_mixture(model(inputs, yb))
        real = xb[..., 4] < 0.5  # [B, T]
        counted = torch.cat([torch.ones_like(real[:, :1]), real[:, :-1]], dim=1)  # + end row
        offsets = -(offset_log_prob(mix, xb[..., :2]) - 2 * np.log(scale)) * real
        pen = F.cross_entropy(mix.pen_logits.transpose(1, 2), xb[..., 2:].argmax(-1),
                              reduction="none") * counted
        total += float(offsets.sum() + pen.sum())
        points += int(real.sum())
    model.train(was_training)
    return total / max(1, points)


def sample_ms(model: nn.Module, repeats: int = 10, seed: int = 0) -> float:
    """Median milliseconds to draw one whole digit with `sample_strokes`."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        sample_strokes(model, i % 10, seed=seed + i)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def evaluate_stroke_model(model: nn.Module, judge: nn.Module, test: StrokeSet,
                          per_digit: int = 20, completions: int = 200,
                          seed: int = 0) -> dict[str, float]:
    """The stroke model's report in `studio evaluate`."""
    x, y = stroke_tensors(test)
    return {
        "class_fidelity": stroke_class_fidelity(model, judge, per_digit, seed),
        "completion": stroke_completion(model, judge, test, completions, seed),
        "nll_per_point": stroke_nll(model, x, y),
        "sample_ms": sample_ms(model, seed=seed),
    }
