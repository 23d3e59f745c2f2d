"""A digit's ink thinned to a one-pixel skeleton: the line the pen's centre travelled.

MNIST keeps no pen trajectories, only anti-aliased ink about two pixels wide, so the
stroke data starts from the ink's centre line. The 28x28 image is first enlarged
(bilinear, `SCALE` times): thinning on the coarse grid leaves staircases and merges
nearby strokes, while at twice the size the centre line follows the curve. Tiny
enclosed holes (where thick ink nearly closed on itself, common in MNIST's 0s, 6s and
8s) are filled first, or thinning would turn each into a loop the pen never drew.

Thinning is Zhang-Suen (1984), written as whole-array numpy steps: each pass looks at
every pixel's eight neighbours at once, so a digit thins in well under a millisecond
and the app needs neither scipy nor scikit-image.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SCALE = 2  # skeleton grid pixels per digit pixel
INK_THRESHOLD = 0.4  # ink above this share of full white (after enlarging) is pen
MIN_HOLE_AREA = 2.5  # enclosed background smaller than this (digit pixels^2) is filled


def ink_mask(image: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """uint8 [28, 28] white-on-black digit -> bool [28*scale, 28*scale] ink, small holes filled."""
    h, w = image.shape
    big = Image.fromarray(np.asarray(image, dtype=np.uint8)).resize(
        (w * scale, h * scale), Image.Resampling.BILINEAR)
    ink = np.asarray(big) > INK_THRESHOLD * 255  # [H, W]
    return fill_small_holes(ink, MIN_HOLE_AREA * scale * scale)


def fill_small_holes(ink: np.ndarray, max_area: float) -> np.ndarray:
    """bool [H, W] ink with enclosed background regions under `max_area` pixels filled."""
    background = ~ink
    outside = np.zeros_like(ink)
    outside[0, :], outside[-1, :], outside[:, 0], outside[:, -1] = (
        background[0, :], background[-1, :], background[:, 0], background[:, -1])
    while True:  # grow the outside through 4-connected background until it stops
        grown = outside.copy()
        grown[1:] |= outside[:-1]
        grown[:-1] |= outside[1:]
        grown[:, 1:] |= outside[:, :-1]
        grown[:, :-1] |= outside[:, 1:]
        grown &= background
        if np.array_equal(grown, outside):
            break
        outside = grown
    holes = background & ~outside
    if not holes.any():
        return ink
    filled = ink.copy()
    for component in _components(holes):
        if len(component) < max_area:
            rows, cols = zip(*component, strict=True)
            filled[list(rows), list(cols)] = True
    return filled


def zhang_suen(ink: np.ndarray) -> np.ndarray:
    """bool [H, W] -> bool [H, W] skeleton one pixel wide (Zhang & Suen, CACM 27(3), 1984)."""
    skeleton = np.pad(ink.astype(bool), 1)  # a frame of background so every pixel has 8 neighbours
    while True:
        changed = False
        for first in (True, False):
            p = _neighbours(skeleton)  # [8, H, W]: P2 (north) clockwise to P9 (north-west)
            count = p.sum(axis=0)  # B(P1): ink neighbours
            transitions = (~p & np.roll(p, -1, axis=0)).sum(axis=0)  # A(P1): 0 -> 1 around
            n, e, s, w = p[0], p[2], p[4], p[6]
            # first pass: P2*P4*P6 == 0 and P4*P6*P8 == 0; second: P2*P4*P8 and P2*P6*P8
            keep_corner = (~(n & e & s) & ~(e & s & w)) if first else (~(n & e & w) & ~(n & s & w))
            core = skeleton[1:-1, 1:-1]
            remove = core & (count >= 2) & (count <= 6) & (transitions == 1) & keep_corner
            if remove.any():
                core[remove] = False
                changed = True
        if not changed:
            return skeleton[1:-1, 1:-1].copy()


def skeletonize(image: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """uint8 [28, 28] digit -> bool [28*scale, 28*scale] one-pixel centre line of its ink."""
    return zhang_suen(ink_mask(image, scale))


def _neighbours(padded: np.ndarray) -> np.ndarray:
    """bool [H+2, W+2] padded image -> bool [8, H, W], P2..P9 clockwise from north."""
    h, w = padded.shape[0] - 2, padded.shape[1] - 2
    offsets = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    return np.stack([padded[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr, dc in offsets])


def _components(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    """4-connected components of a (small, sparse) bool mask, as pixel lists."""
    seen = np.zeros_like(mask)
    out = []
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack, component = [start], []
        while stack:
            r, c = stack.pop()
            component.append((int(r), int(c)))
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if (0 <= rr < mask.shape[0] and 0 <= cc < mask.shape[1] and mask[rr, cc]
                        and not seen[rr, cc]):
                    seen[rr, cc] = True
                    stack.append((rr, cc))
        out.append(component)
    return out
