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

BACKGROUND_SIDE = 96  # the paper is estimated on a copy about this many pixels long
CLOSING_SHARE = 1 / 6  # strokes narrower than this share of the picture are filled in
MIN_FLOOR = 0.05  # darkening below this is paper, however clean the picture
NOISE_SIGMAS = 5.0  # and so is darkening within this many noise deviations of the paper
MIN_CONTRAST = 0.1  # strokes must darken the paper at least this much
LINE_SPAN = 0.6  # a row inked over this share of the width is a ruled line
LINE_THICKNESS = 1 / 40  # ... if it is at most this share of the height thick (+2 px)
LABEL_SIDE = 256  # components are found on a copy at most this many pixels long
MIN_AREA = 5e-4  # components smaller than this share of the picture are specks
MIN_SHARE = 0.04  # ... and so are those under this share of the largest component
BORDER_CONTACT = 0.4  # touching the border along this share of its length: page edge
HUGE = 0.25  # a component over this share of the picture is a shadow or the table


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
    return ink * _stroke_mask(ink > 0.0)


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


def _stroke_mask(mask: np.ndarray) -> np.ndarray:
    """Float32 [H, W], 1 where a pixel belongs to a component that looks like a stroke.

    Components are found on a max-pooled copy at most LABEL_SIDE long, so the cost
    does not grow with the picture. Specks are small next to the picture and to the
    largest component; the page's edge or a shadow comes in from the border, lying
    along it or covering much of the picture.
    """
    h, w = mask.shape
    factor = max(1, math.ceil(max(h, w) / LABEL_SIDE))
    small = _max_pool(mask, factor)  # [h', w'] bool
    runs = _runs(small)
    labels = _connect(runs, small.shape[1])
    keep = _keep(runs, labels, small.shape)  # [components] bool
    kept = _paint(runs, keep[labels], small.shape)  # [h', w'] bool
    full = np.repeat(np.repeat(kept, factor, axis=0), factor, axis=1)[:h, :w]
    return full.astype(np.float32)


def _max_pool(mask: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return mask
    h, w = mask.shape
    hp, wp = -(-h // factor) * factor, -(-w // factor) * factor
    padded = np.zeros((hp, wp), bool)
    padded[:h, :w] = mask
    return padded.reshape(hp // factor, factor, wp // factor, factor).any(axis=(1, 3))


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of True: row, first column, column after the last; row-major."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)  # [h, w + 1]
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    return rows, starts, ends


def _connect(runs: tuple[np.ndarray, np.ndarray, np.ndarray], width: int) -> np.ndarray:
    """Int [runs]: component index 0..k-1 of each run, 8-connected across rows.

    Runs in a row are sorted and disjoint, so the runs of the row above that touch a
    run form one contiguous range, found by two binary searches; the union is then a
    vectorized min-label propagation with pointer jumping.
    """
    rows, starts, ends = runs
    n = rows.size
    if n == 0:
        return np.zeros(0, np.int64)
    stride = width + 2
    start_keys, end_keys = rows * stride + starts, rows * stride + ends
    first = np.searchsorted(end_keys, (rows - 1) * stride + starts, side="left")
    after = np.searchsorted(start_keys, (rows - 1) * stride + ends, side="right")
    counts = np.maximum(after - first, 0)
    below = np.repeat(np.arange(n), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    above = np.repeat(first, counts) + offsets
    parent = np.arange(n)
    while True:
        low = np.minimum(parent[above], parent[below])
        np.minimum.at(parent, parent[above], low)
        np.minimum.at(parent, parent[below], low)
        while True:  # pointer jumping until every run points at its root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent[above], parent[below]):
            break
    return np.unique(parent, return_inverse=True)[1].ravel()


def _keep(runs: tuple[np.ndarray, np.ndarray, np.ndarray], labels: np.ndarray,
          shape: tuple[int, int]) -> np.ndarray:
    """Bool [components]: which components look like strokes (see `_stroke_mask`)."""
    rows, starts, ends = runs
    h, w = shape
    k = int(labels.max()) + 1 if labels.size else 0
    lengths = ends - starts
    area = np.bincount(labels, lengths, minlength=k)
    top, bottom = np.full(k, h), np.full(k, -1)
    left, right = np.full(k, w), np.full(k, -1)
    np.minimum.at(top, labels, rows)
    np.maximum.at(bottom, labels, rows)
    np.minimum.at(left, labels, starts)
    np.maximum.at(right, labels, ends - 1)
    on_edge_row = (rows == 0) | (rows == h - 1)
    contact = lengths * on_edge_row + (starts == 0) + (ends == w)
    contact = np.bincount(labels, contact, minlength=k)
    longest = np.maximum(bottom - top + 1, right - left + 1)
    page_edge = (contact >= BORDER_CONTACT * longest) | (area >= HUGE * h * w)
    big_enough = area >= max(MIN_AREA * h * w, 1.0)
    candidates = big_enough & ~page_edge
    if not candidates.any():
        return candidates
    return candidates & (area >= MIN_SHARE * area[candidates].max())


def _paint(runs: tuple[np.ndarray, np.ndarray, np.ndarray], chosen: np.ndarray,
           shape: tuple[int, int]) -> np.ndarray:
    """Bool [h, w]: the pixels of the chosen runs."""
    rows, starts, ends = runs
    marks = np.zeros((shape[0], shape[1] + 1), np.int32)
    np.add.at(marks, (rows[chosen], starts[chosen]), 1)
    np.add.at(marks, (rows[chosen], ends[chosen]), -1)
    return np.cumsum(marks, axis=1)[:, :-1] > 0
