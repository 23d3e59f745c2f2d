"""Ink from a photo or scan of paper: uneven light, tinted paper and pen, ruled lines, specks.

A plain threshold against the border's level (what `preprocess` does for clean images)
fails on real photos: a gradient or a shadow is darker than the paper at the border, a
blue pen on cream paper is only a little darker in luma, ruled lines span the width,
and dust and JPEG ringing make specks. Here the paper's own colour is estimated where
each pixel lies, ink is how much darker than that paper a pixel is in any channel, and
what is left is cleaned by shape: thin lines across the page, specks, and dark regions
that come in from the border (the table, a shadow) are not strokes. Numpy and Pillow
only; a 200x200 picture takes a few milliseconds.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from studio.ml.data.paper_marks import stroke_mask

BACKGROUND_SIDE = 96  # the paper is estimated on a copy about this many pixels long
CLOSING_SHARE = 1 / 6  # strokes narrower than this share of the picture are filled in
MIN_FLOOR = 0.05  # darkening below this is paper, however clean the picture
NOISE_SIGMAS = 5.0  # and so is darkening within this many noise deviations of the paper
MIN_CONTRAST = 0.1  # strokes must darken the paper at least this much
LINE_SPAN = 0.6  # a row inked over this share of the width is a ruled line
LINE_THICKNESS = 1 / 40  # ... if it is at most this share of the height thick (+2 px)


def paper_ink(rgb: np.ndarray) -> np.ndarray:
    """Float32 [H, W] ink coverage in [0, 1] (1 = ink) of dark-on-light paper.

    `rgb` is [H, W, 3] RGB or [H, W] gray, uint8 or float in [0, 1]. Returns zeros
    when nothing on the paper looks like a stroke. The result is soft: a stroke's edge
    keeps its anti-aliasing, as the MNIST convention wants.
    """
    channels = _channels(rgb)  # [C, H, W] float32 in [0, 1]
    if channels.shape[1] == 0 or channels.shape[2] == 0:
        return np.zeros(channels.shape[1:], np.float32)
    background = _background(channels)  # [C, H, W]
    darkening = _darkening(channels, background)  # [H, W]
    ink = _soft_threshold(darkening)
    if not ink.any():
        return ink
    ink = _without_lines(ink)
    return ink * stroke_mask(ink > 0.0)


def _channels(rgb: np.ndarray) -> np.ndarray:
    """Float32 [C, H, W] in [0, 1], C = 3 for colour, 1 for gray."""
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 3):
        raise ValueError(f"expected an [H, W, 3] or [H, W] picture, got shape {a.shape}")
    if a.dtype.kind == "u":
        a = a.astype(np.float32) / np.float32(np.iinfo(a.dtype).max)
    a = np.clip(a.astype(np.float32), 0.0, 1.0)
    return np.ascontiguousarray(np.moveaxis(a, 2, 0))


def _background(channels: np.ndarray) -> np.ndarray:
    """Float32 [C, H, W]: the paper under each pixel, strokes filled in.

    A closing (max then min filter) on a reduced copy removes dark things narrower than
    its window and keeps gradients and broad shadows. One more min filter moves every
    step of the paper's level onto its bright side, so a shadow's edge, smeared by the
    upsampling, can only read lighter than the paper, never as a stroke.
    """
    _, h, w = channels.shape
    factor = max(1, math.ceil(max(h, w) / BACKGROUND_SIDE))
    small = np.stack([np.asarray(Image.fromarray(c, mode="F").reduce(factor))
                      for c in channels])  # [C, h', w'], block means: less noise
    window = max(3, round(max(small.shape[1:]) * CLOSING_SHARE) | 1)
    small = _rank(_rank(_rank(small, window, np.maximum), window, np.minimum), 3, np.minimum)
    box = (0, 0, w / factor, h / factor)
    return np.stack([np.asarray(Image.fromarray(c, mode="F").resize(
        (w, h), Image.Resampling.BILINEAR, box=box)) for c in small])  # [C, H, W]


def _rank(a: np.ndarray, window: int, pick: np.ufunc) -> np.ndarray:
    """[C, h, w] max or min filter over a window x window square (edges repeated)."""
    return _shifted(_shifted(a, window // 2, pick, axis=1), window // 2, pick, axis=2)


def _shifted(a: np.ndarray, reach: int, pick: np.ufunc, axis: int) -> np.ndarray:
    """`pick` (np.maximum or np.minimum) of `a` shifted by up to `reach` along `axis`;
    a few whole-array passes, faster than a sliding window for small reaches."""
    out = a.copy()
    n = a.shape[axis]
    for d in range(1, min(reach, n - 1) + 1):
        head, tail = [slice(None)] * a.ndim, [slice(None)] * a.ndim
        head[axis], tail[axis] = slice(0, n - d), slice(d, n)
        pick(out[tuple(tail)], a[tuple(head)], out=out[tuple(tail)])
        pick(out[tuple(head)], a[tuple(tail)], out=out[tuple(head)])
    return out


def _darkening(channels: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Float32 [H, W]: the largest relative darkening over the channels.

    Dividing by the paper makes a stroke in the shade read like one in the light; taking
    the channel where the pen differs most makes blue ink on cream (dark in red) or red
    ink (dark in green and blue) as strong as black.
    """
    ratio = channels / np.maximum(background, 1e-3)  # [C, H, W]
    return np.clip(1.0 - ratio.min(axis=0), 0.0, 1.0)


def _soft_threshold(darkening: np.ndarray) -> np.ndarray:
    """Float32 [H, W]: a linear ramp from the paper's noise up to the strokes' own contrast.

    The floor adapts to the picture's noise (median plus a multiple of its deviation,
    measured over all pixels: most of a page is paper), the top is a typical stroke
    pixel's darkening, so faint pencil and black marker both reach 1 while their edges
    stay soft.
    """
    sample = darkening[::max(1, darkening.shape[0] // 256), ::max(1, darkening.shape[1] // 256)]
    median = float(np.median(sample))
    deviation = 1.4826 * float(np.median(np.abs(sample - median)))
    floor = median + max(NOISE_SIGMAS * deviation, MIN_FLOOR)
    strong = darkening[darkening > floor]
    if strong.size == 0:
        return np.zeros_like(darkening)
    top = float(np.percentile(strong, 90))
    if top - floor < MIN_CONTRAST:
        return np.zeros_like(darkening)
    return np.clip((darkening - floor) / (top - floor), 0.0, 1.0).astype(np.float32)


def _without_lines(ink: np.ndarray) -> np.ndarray:
    """Float32 [H, W]: `ink` without ruled lines, grid lines or a margin line.

    A line is a thin band of rows (or columns) inked across most of the picture.
    Inside it only what continues from either side stays, blended across the band and
    never more than was there: a stroke crossing the line keeps its ink, a stroke whose
    edge lies on the line keeps a soft edge, and bare line is gone. What continues is
    read with the other direction's lines blanked, so a grid's crossings do not count
    as strokes.
    """
    rows, columns = _line_bands(ink), _line_bands(ink.T)
    if not rows and not columns:
        return ink
    bare_of_columns = _blank(ink.T, columns).T  # [H, W]
    bare_of_rows = _blank(ink, rows)  # [H, W]
    out = _cut(ink, rows, bare_of_columns)
    return _cut(out.T, columns, bare_of_rows.T).T


def _line_bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """[(top, bottom)]: thin bands of rows inked over LINE_SPAN of the width, one row
    either side included for the line's anti-aliased fringe.

    Only thin ink counts (no ink a few rows both above and below), so a stroke running
    along a line neither makes a band too thick to be a line nor looks like one itself.
    """
    h = ink.shape[0]
    reach = _thickest(h) // 2 + 1
    marked = ink > 0.1  # [H, W]
    thick = np.zeros_like(marked)
    thick[reach:h - reach] = marked[:h - 2 * reach] & marked[2 * reach:]
    marked &= ~thick
    near = marked.copy()
    near[1:] |= marked[:-1]  # a slightly tilted line spreads over neighbouring rows
    near[:-1] |= marked[1:]
    bands = _row_bands(near.mean(axis=1) > LINE_SPAN)
    thickest = _thickest(ink.shape[0])
    return [(top, bottom) for top, bottom in bands if bottom - top <= thickest]


def _thickest(height: int) -> int:
    """Rows a line's band may take; a thicker band is a stroke along the page (a 7's bar)."""
    return 2 + max(1, round(height * LINE_THICKNESS))


def _blank(ink: np.ndarray, bands: list[tuple[int, int]]) -> np.ndarray:
    out = ink.copy()
    for top, bottom in bands:
        out[top:bottom] = 0.0
    return out


def _cut(ink: np.ndarray, bands: list[tuple[int, int]], source: np.ndarray) -> np.ndarray:
    """Float32 [H, W]: each band of `ink` limited to what continues in `source` around it."""
    if not bands:
        return ink
    h = ink.shape[0]
    reach = _thickest(h)  # a slanted stroke moves sideways while it crosses a band
    spread = _shifted(source, reach, np.maximum, axis=1)  # [H, W]
    out = ink.copy()
    for top, bottom in bands:
        above = spread[top - 1] if top > 0 else spread[min(bottom, h - 1)]
        below = spread[bottom] if bottom < h else above
        rows = bottom - top
        weight = (np.arange(rows, dtype=np.float32)[:, None] + 1.0) / (rows + 1.0)  # [b, 1]
        across = (1.0 - weight) * above + weight * below  # [b, W]
        out[top:bottom] = np.minimum(out[top:bottom], across)
    return out


def _row_bands(flags: np.ndarray) -> list[tuple[int, int]]:
    """[(start, stop)] of each run of True in a 1-D bool array."""
    step = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(step == 1).tolist(), np.flatnonzero(step == -1).tolist(),
                    strict=True))
