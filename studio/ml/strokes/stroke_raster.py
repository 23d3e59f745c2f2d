"""Strokes drawn back into a digit image, with a pen like MNIST's.

The recognizer reads images, not strokes, so every measure of stroke quality (the
derived data, a model's samples, a completion) goes through this one rasterizer:
round-capped, round-joined lines `PEN_WIDTH` digit pixels wide, drawn `SUPERSAMPLE`
times larger with Pillow and averaged down, which gives MNIST's soft anti-aliased
edges instead of Pillow's hard one-pixel steps.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from studio.ml.strokes.stroke_format import FIELD, Strokes

PEN_WIDTH = 2.6  # digit pixels; MNIST's ink is about this wide at half intensity
SUPERSAMPLE = 4


def rasterize_strokes(strokes: Strokes, size: int = 28, width: float = PEN_WIDTH) -> np.ndarray:
    """Strokes in field pixels -> float32 [size, size] ink in [0, 1], white on black.

    `size` scales the 28-pixel field (56 draws it twice as large); `width` is in field
    pixels. Points outside the field are clipped by the image edge.
    """
    big = size * SUPERSAMPLE
    k = big / FIELD  # big-image pixels per field pixel
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    radius = width * k / 2
    for stroke in strokes:
        # Pillow's integer pixel i covers [i, i + 1), so a field point lands at p * k - 0.5
        xy = [(float(x) * k - 0.5, float(y) * k - 0.5) for x, y in np.asarray(stroke)]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=max(1, round(2 * radius)), joint="curve")
        for x, y in (xy[0], xy[-1]) if len(xy) > 1 else xy:  # round caps (or a dot)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    small = canvas.resize((size, size), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0
