"""Writes docs/stroke_sheet.png: derived pen strokes of bundled digits, pen order in colour.

One row per digit 0-9, `COLUMNS` training examples each (the first of each class in
the shipped stroke set). The source digit shows faintly behind its strokes; each
drawing's colour runs along the pen's path from red through yellow and green to blue,
and a white dot marks where each stroke starts, so pen order, lifts and closed loops
can be judged at a glance. Run from the repo root:

    .venv/bin/python benchmarks/stroke_sheet.py [OUT.png]
"""

from __future__ import annotations

import colorsys
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.strokes.stroke_dataset import bundled_strokes

COLUMNS = 8
CELL = 112  # pixels per digit (4x the 28-pixel field)
GAP = 4
OUT = Path(__file__).resolve().parents[1] / "docs" / "stroke_sheet.png"


def draw_cell(image: np.ndarray, strokes: list[np.ndarray]) -> Image.Image:
    """One digit: its image dimmed behind its strokes, coloured along the pen's path."""
    k = CELL / 28
    faint = (image.astype(np.float32) * 0.22).astype(np.uint8)
    cell = Image.fromarray(faint).resize((CELL, CELL), Image.Resampling.NEAREST).convert("RGB")
    draw = ImageDraw.Draw(cell)
    total = sum(max(len(s) - 1, 1) for s in strokes)
    done = 0
    for stroke in strokes:
        xy = [(float(x) * k, float(y) * k) for x, y in stroke]
        for a, b in zip(xy, xy[1:], strict=False):
            draw.line([a, b], fill=_hue(done / total), width=4, joint="curve")
            done += 1
    for stroke in strokes:
        x, y = float(stroke[0][0]) * k, float(stroke[0][1]) * k
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=(255, 255, 255), outline=(0, 0, 0))
    return cell


def _hue(t: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(0.7 * t, 0.9, 1.0)  # red -> yellow -> green -> blue
    return round(r * 255), round(g * 255), round(b * 255)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    images = bundled_mnist().train
    strokes = bundled_strokes()[0]
    sheet = Image.new("RGB", (COLUMNS * (CELL + GAP) + GAP, 10 * (CELL + GAP) + GAP),
                      (40, 40, 40))
    for digit in range(10):
        for col, i in enumerate(np.flatnonzero(strokes.labels == digit)[:COLUMNS]):
            cell = draw_cell(images.images[i], strokes.strokes(int(i)))
            sheet.paste(cell, (GAP + col * (CELL + GAP), GAP + digit * (CELL + GAP)))
    sheet.save(out, optimize=True)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    print(json.dumps({"sheet": str(out), "bytes": out.stat().st_size}))


if __name__ == "__main__":
    main()
