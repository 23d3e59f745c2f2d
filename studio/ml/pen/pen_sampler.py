"""Drawing with a stroke model: a digit, the rest of a started drawing, a whole number.

Sampling runs one stroke-5 row at a time with the model's cached state (the LSTM's
(h, c), the Transformer's keys and values), so a digit of ~10-20 points costs that many
small steps. Every draw takes its randomness from a local `torch.Generator` seeded by
the caller, never torch's global generator: the same model, seed, temperature and
prefix always give the same strokes, whatever else the process is doing.

Strokes come back in the format of studio/ml/strokes/stroke_format.py: a list of
float32 [n, 2] polylines (x, y) in the 28x28 digit field's pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn as nn

from studio.ml.errors import StudioError
from studio.ml.models.stroke_mixture import sample_mixture
from studio.ml.strokes.stroke_format import Strokes, check_strokes, from_stroke5, to_stroke5

DEFAULT_TEMPERATURE = 0.6


class DigitStringError(StudioError, ValueError):
    """A number to write holds characters that are not digits."""


def start_row(batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Sketch-RNN's start token: no movement, pen down; [batch, 5]."""
    row = torch.zeros(batch, 5, device=device)
    row[:, 2] = 1.0
    return row


@torch.inference_mode()
def sample_strokes(model: nn.Module, digit: int, *, temperature: float = DEFAULT_TEMPERATURE,
                   seed: int = 0, prefix: Sequence[np.ndarray] | None = None,
                   continue_last: bool = True, max_points: int | None = None) -> Strokes:
    """One drawing of `digit` by a stroke model (StrokeLSTM or StrokeTransformer).

    prefix: strokes the artist already drew (polylines in field pixels). They are fed
    through the model first and the drawing continues from them; the result's first
    len(prefix) strokes are the prefix's own points, unchanged, and the new strokes
    follow (so `result[len(prefix):]` is the continuation). continue_last: the pen is
    still down at the prefix's last point, so the model may carry on that stroke; the
    first new stroke then starts at that point. max_points: the most new points
    (default: the model's max_points, less the prefix).
    """
    cap = model.config.max_points
    kept: Strokes = []
    prefix_rows = np.zeros((0, 5), np.float32)
    if prefix:
        kept = check_strokes(list(prefix), "the strokes to continue")
        prefix_rows = to_stroke5(kept)[:-1]  # [P, 5] without the end row
        if continue_last:
            prefix_rows[-1, 2:] = (1.0, 0.0, 0.0)  # the pen stays down
        if len(prefix_rows) >= cap:
            raise StudioError(f"the strokes to continue have {len(prefix_rows)} points; this "
                              f"model draws at most {cap}")
    budget = cap - len(prefix_rows) if max_points is None else min(max_points,
                                                                    cap - len(prefix_rows))
    rows = _draw(model, [digit], temperature, seed, prefix_rows, budget)[0]
    new = from_stroke5(np.concatenate([prefix_rows, rows]))
    if not kept:
        return new
    # Cut the continuation off the prefix's points: count them through the new polylines.
    points = np.concatenate(new)[len(prefix_rows):]  # [n_new, 2] the new points
    if len(points) == 0:
        return kept
    stroke_ends = np.cumsum([len(s) for s in new])
    start = len(prefix_rows)
    continued: Strokes = []
    for end, stroke in zip(stroke_ends, new, strict=True):
        begin = end - len(stroke)
        if end <= start:
            continue
        part = stroke[max(0, start - begin):]
        if begin < start:  # the last prefix stroke carried on: start at its last point
            part = np.concatenate([kept[-1][-1:], part])
        continued.append(part.astype(np.float32))
    return kept + continued


@torch.inference_mode()
def sample_digits(model: nn.Module, digits: Sequence[int], *,
                  temperature: float = DEFAULT_TEMPERATURE, seed: int = 0) -> list[Strokes]:
    """One drawing per entry of `digits`, sampled as one batch (for evaluation and
    previews: the same seed gives the same list, but not what `sample_strokes` draws)."""
    rows = _draw(model, list(digits), temperature, seed, np.zeros((0, 5), np.float32),
                 model.config.max_points)
    return [from_stroke5(r) for r in rows]


def write_number(model: nn.Module, digits: str, *, style_seed: int = 0,
                 temperature: float = DEFAULT_TEMPERATURE) -> list[Strokes]:
    """Each character of `digits` drawn in its own 28x28 field, left to right.

    One consistent hand: every digit is drawn at the same temperature from the same
    seed, so the random draws behind each (which mixture component, how far from its
    mean) are the same stream; what a seed makes of one digit's size, slant and
    looseness it tends to make of the others. The same digit twice is drawn the same
    way. Placing the fields side by side is the caller's. Refuses (DigitStringError, a
    ValueError) a string with anything but 0-9 in it, naming the characters.
    """
    bad = sorted({ch for ch in digits if ch not in "0123456789"})
    if bad:
        raise DigitStringError(f"{digits!r}: only digits can be written; not digits: "
                               + ", ".join(repr(ch) for ch in bad))
    if not digits:
        raise DigitStringError("no digits to write")
    return [sample_strokes(model, int(ch), temperature=temperature, seed=style_seed)
            for ch in digits]


def _draw(model: nn.Module, digits: list[int], temperature: float, seed: int,
          prefix: np.ndarray, budget: int) -> list[np.ndarray]:
    """Sample stroke-5 rows [n_i, 5] in pixels (ending with the end row) for each digit,
    all after the same prefix rows [P, 5] (pixels)."""
    if not np.isfinite(temperature) or temperature <= 0:
        raise StudioError(f"temperature must be a number above 0, got {temperature}")
    classes = model.config.num_classes
    wrong = [d for d in digits if not 0 <= int(d) < classes]
    if wrong:
        raise StudioError(f"digit {wrong[0]}: this model draws 0 to {classes - 1}")
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        scale = model.config.offset_scale
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        y = torch.tensor(digits, dtype=torch.long, device=device)  # [B]
        state = model.start(y)
        params, state = model.step(start_row(len(digits), device), y, state)
        given = torch.from_numpy(prefix).to(device)
        given[:, :2] /= scale
        for row in given:  # the artist's points, fed as if the model had drawn them
            params, state = model.step(row.expand(len(digits), 5), y, state)
        out: list[torch.Tensor] = []
        ended = torch.zeros(len(digits), dtype=torch.bool)
        for i in range(budget):
            row = sample_mixture(params.cpu(), temperature, gen, first=i == 0 and not len(prefix))
            row[ended] = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0])
            out.append(row)
            ended |= row[:, 4] > 0.5
            if bool(ended.all()) or i == budget - 1:
                break
            params, state = model.step(row.to(device), y, state)
    finally:
        model.train(was_training)
    rows = torch.stack(out, dim=1).numpy() if out else np.zeros((len(digits), 0, 5), np.float32)
    rows[..., :2] *= scale
    end = np.zeros((len(digits), 1, 5), np.float32)
    end[..., 4] = 1.0
    return list(np.concatenate([rows, end], axis=1))  # a drawing cut at the budget ends too
