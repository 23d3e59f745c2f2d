"""Which marks on a page are strokes: specks and what comes in from the border are not.

Ink found on a photographed page (`paper_ink`) holds more than the strokes: dust and
JPEG ringing make specks, and the table, a shadow or a darker page edge come in from
the border. They are told apart by shape, per connected component: specks are small
next to the picture and to the largest mark; a page edge lies along the border or
covers much of the picture. A number written close to the top of a photo may touch
such an edge; the edge is peeled off along the border and what it held is looked at
again, so the digits stay while the edge goes.
"""

from __future__ import annotations

import math

import numpy as np

LABEL_SIDE = 256  # components are found on a copy at most this many pixels long
MIN_AREA = 5e-4  # components smaller than this share of the picture are specks
MIN_SHARE = 0.04  # ... and so are those under this share of the largest component
BORDER_CONTACT = 0.4  # touching the border along this share of its length: page edge
HUGE = 0.25  # a component over this share of the picture is a shadow or the table
EDGE_BAND = 0.5  # rows along the border covered over this share are a page edge's band


def stroke_mask(mask: np.ndarray) -> np.ndarray:
    """Float32 [H, W], 1 where a pixel of `mask` [H, W] bool belongs to a stroke.

    Components are found on a max-pooled copy at most LABEL_SIDE long, so the cost
    does not grow with the picture.
    """
    h, w = mask.shape
    factor = max(1, math.ceil(max(h, w) / LABEL_SIDE))
    small = _max_pool(mask, factor)  # [h', w'] bool
    runs = _runs(small)
    labels = _connect(runs, small.shape[1])
    keep, edge = _judge(runs, labels, small.shape)  # [components] bool each
    kept = _paint(runs, keep[labels], small.shape)  # [h', w'] bool
    if edge.any():  # strokes may hang on a page edge: look again inside it
        edges = _paint(runs, edge[labels], small.shape)  # [h', w'] bool
        top, bottom = _band(edges.mean(axis=1)), _band(edges.mean(axis=1)[::-1])
        left, right = _band(edges.mean(axis=0)), _band(edges.mean(axis=0)[::-1])
        inner = edges[top:small.shape[0] - bottom, left:small.shape[1] - right]
        if inner.size and top + bottom + left + right:
            runs = _runs(inner)
            labels = _connect(runs, inner.shape[1])
            again, _ = _judge(runs, labels, inner.shape, largest=_largest(kept))
            kept[top:small.shape[0] - bottom, left:small.shape[1] - right] |= \
                _paint(runs, again[labels], inner.shape)
    full = np.repeat(np.repeat(kept, factor, axis=0), factor, axis=1)[:h, :w]
    return full.astype(np.float32)


def label_map(mask: np.ndarray) -> np.ndarray:
    """Int32 [H, W]: the 8-connected components of `mask` [H, W] bool, 1..k (0 = none)."""
    runs = _runs(mask)
    rows, starts, ends = runs
    labels = _connect(runs, mask.shape[1]).astype(np.int32) + 1  # [runs]
    marks = np.zeros((mask.shape[0], mask.shape[1] + 1), np.int32)
    np.add.at(marks, (rows, starts), labels)  # runs are disjoint: each row sums back
    np.add.at(marks, (rows, ends), -labels)
    return np.cumsum(marks, axis=1, dtype=np.int32)[:, :-1]


def _band(cover: np.ndarray) -> int:
    """How many rows (or columns) from the border are covered across most of the page.

    `cover` [n] is each row's covered share, from the border inwards.
    """
    bare = np.flatnonzero(cover < EDGE_BAND)
    return int(bare[0]) if len(bare) else len(cover)


def _largest(kept: np.ndarray) -> float:
    """The pixel count of the largest component of `kept` [h, w] bool (0 when none)."""
    runs = _runs(kept)
    labels = _connect(runs, kept.shape[1])
    if labels.size == 0:
        return 0.0
    return float(np.bincount(labels, runs[2] - runs[1]).max())


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


def _judge(runs: tuple[np.ndarray, np.ndarray, np.ndarray], labels: np.ndarray,
           shape: tuple[int, int], largest: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Bool [components] twice: which look like strokes, and which like a page's edge.

    `largest` is the largest stroke found before, when looking again: a speck is small
    next to it too.
    """
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
        return candidates, page_edge
    return candidates & (area >= MIN_SHARE * max(area[candidates].max(), largest)), page_edge


def _paint(runs: tuple[np.ndarray, np.ndarray, np.ndarray], chosen: np.ndarray,
           shape: tuple[int, int]) -> np.ndarray:
    """Bool [h, w]: the pixels of the chosen runs."""
    rows, starts, ends = runs
    marks = np.zeros((shape[0], shape[1] + 1), np.int32)
    np.add.at(marks, (rows[chosen], starts[chosen]), 1)
    np.add.at(marks, (rows[chosen], ends[chosen]), -1)
    return np.cumsum(marks, axis=1)[:, :-1] > 0
