"""Vector export: the ink's outline traced into smooth closed Bézier paths.

For print at any size and for pen plotters, the coverage is enlarged bicubically (as
the app shows it), cut at `threshold` by marching squares with linear interpolation
(sub-pixel outlines, holes included), lightly simplified (Douglas-Peucker) and
smoothed by turning the remaining points into a Catmull-Rom spline written as cubic
Béziers. One path with fill-rule evenodd keeps the holes of 0, 6, 8 and 9 open
without caring which way each outline runs. A provenance record, when given, goes
into the document's `<metadata>` (export/provenance_xml).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from studio.export.images import (
    INK,
    Colour,
    check_colour,
    check_size,
    coverage,
    enlarge,
    output_shape,
    write,
)
from studio.export.provenance import ExportError, Provenance
from studio.export.provenance_xml import svg_metadata

WORK_SIDE = 1024  # trace small images enlarged up to this many pixels on the longest side
SIMPLIFY = 0.2  # Douglas-Peucker tolerance in working pixels: invisible, 3-5x fewer points

# Marching-squares segments per case; corner bits tl=8, tr=4, br=2, bl=1 (set = ink),
# edges 0=top 1=right 2=bottom 3=left. Saddles 5 and 10 depend on the cell centre.
_SEGMENTS = {1: [(3, 2)], 2: [(2, 1)], 3: [(3, 1)], 4: [(0, 1)], 6: [(0, 2)], 7: [(0, 3)],
             8: [(0, 3)], 9: [(0, 2)], 11: [(0, 1)], 12: [(3, 1)], 13: [(2, 1)], 14: [(3, 2)]}
_SADDLES = {(5, True): [(0, 3), (2, 1)], (5, False): [(0, 1), (3, 2)],
            (10, True): [(0, 1), (3, 2)], (10, False): [(0, 3), (2, 1)]}


def contours(field: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Closed outlines of `field > threshold`, each [K, 2] (x, y) in pixel-centre units."""
    f = np.pad(field.astype(np.float64), 1)  # a blank border closes every outline
    rows, cols = f.shape
    inside = f > threshold
    case = (inside[:-1, :-1] * 8 + inside[:-1, 1:] * 4 + inside[1:, 1:] * 2
            + inside[1:, :-1] * 1)
    centre = (f[:-1, :-1] + f[:-1, 1:] + f[1:, 1:] + f[1:, :-1]) / 4 > threshold
    n_h = rows * (cols - 1)  # horizontal edges (r, c)-(r, c+1) get ids r*(cols-1)+c
    pairs = []
    for (key, segments) in list(_SEGMENTS.items()) + list(_SADDLES.items()):
        mask = (case == key[0]) & (centre == key[1]) if isinstance(key, tuple) else case == key
        r, c = np.nonzero(mask)
        edge_ids = (r * (cols - 1) + c, (r * cols + c + 1) + n_h,
                    (r + 1) * (cols - 1) + c, (r * cols + c) + n_h)
        for a, b in segments:
            pairs.append(np.stack([edge_ids[a], edge_ids[b]], axis=1))
    pairs = np.concatenate(pairs)
    neighbours: dict[int, list[int]] = {}
    for a, b in pairs.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    loops, seen = [], set()
    for start in neighbours:
        if start in seen:
            continue
        loop, previous, here = [start], None, start
        seen.add(start)
        while True:
            a, b = neighbours[here]
            step = b if a == previous else a
            if step == start or step in seen:
                break
            loop.append(step)
            seen.add(step)
            previous, here = here, step
        if len(loop) >= 3:
            loops.append(_points(np.array(loop), f, threshold, rows, cols, n_h))
    return loops


def _points(ids: np.ndarray, f: np.ndarray, threshold: float, rows: int, cols: int,
            n_h: int) -> np.ndarray:
    """Where each crossed edge meets the threshold, linearly interpolated, minus the pad."""
    horizontal = ids < n_h
    r = np.where(horizontal, ids // (cols - 1), (ids - n_h) // cols)
    c = np.where(horizontal, ids % (cols - 1), (ids - n_h) % cols)
    r2, c2 = r + ~horizontal, c + horizontal
    v0, v1 = f[r, c], f[r2, c2]
    t = (threshold - v0) / np.where(v1 == v0, 1.0, v1 - v0)
    return np.stack([c + t * horizontal - 1, r + t * ~horizontal - 1], axis=1)


def simplify(loop: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on a closed loop, split at its first and farthest points."""
    far = int(np.argmax(((loop - loop[0]) ** 2).sum(axis=1)))
    if far == 0:
        return loop[:1]
    first = _douglas_peucker(loop[:far + 1], tolerance)
    second = _douglas_peucker(np.concatenate([loop[far:], loop[:1]]), tolerance)
    return np.concatenate([first[:-1], second[:-1]])


def _douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    keep = np.zeros(len(points), bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        d = b - a
        seg = points[i + 1:j] - a
        length = np.hypot(*d)
        dist = (np.abs(d[0] * seg[:, 1] - d[1] * seg[:, 0]) / length if length > 0
                else np.hypot(seg[:, 0], seg[:, 1]))
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return points[keep]


def bezier_path(loop: np.ndarray) -> str:
    """A closed smooth curve through `loop` as SVG cubic Bézier commands.

    Catmull-Rom style: the tangent at each point bisects its two neighbours'
    directions, and each control point lies a third of its segment along it. Scaling
    by the segment's own length (not the neighbours' distance, as uniform Catmull-Rom
    does) keeps a long straight run beside short ones from overshooting into a kink.
    """
    p = loop
    nxt = np.roll(p, -1, axis=0)
    step = nxt - p  # segment i runs from p[i] to p[i+1]
    length = np.maximum(np.hypot(step[:, 0], step[:, 1]), 1e-9)[:, None]
    unit = step / length
    tangent = unit + np.roll(unit, 1, axis=0)  # incoming + outgoing direction
    norm = np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    tangent = np.where(norm > 1e-9, tangent / np.maximum(norm, 1e-9), unit)
    c1 = p + tangent * length / 3.0
    c2 = nxt - np.roll(tangent, -1, axis=0) * length / 3.0
    parts = [f"M{p[0, 0]:.2f} {p[0, 1]:.2f}"]
    for a, b, e in zip(c1, c2, nxt, strict=True):
        parts.append(f"C{a[0]:.2f} {a[1]:.2f} {b[0]:.2f} {b[1]:.2f} {e[0]:.2f} {e[1]:.2f}")
    return "".join(parts) + "Z"


def _hex(colour: Colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def trace_svg(image: np.ndarray, size: int, ink: Colour = INK, background: Colour | None = None,
              threshold: float = 0.5, title: str = "",
              provenance: Provenance | None = None) -> str:
    """The ink of `image` as an SVG document `size` units on its longest side, with
    `provenance` in its metadata (ExportError when the record cannot be written)."""
    size = check_size(size)
    ink = check_colour(ink, "ink")
    background = None if background is None else check_colour(background, "background")
    if not 0.0 < threshold < 1.0:
        raise ExportError(f"threshold {threshold!r}: choose a number between 0 and 1")
    cov = coverage(image)
    width, height = output_shape(cov.shape, size)
    factor = max(1, min(8, WORK_SIDE // max(cov.shape)))
    work = enlarge(cov, cov.shape[1] * factor, cov.shape[0] * factor, smooth=True)
    scale = np.array([width / work.shape[1], height / work.shape[0]])
    paths = []
    for loop in contours(work, threshold):
        points = simplify(loop, SIMPLIFY)
        if len(points) >= 3:
            paths.append(bezier_path((points + 0.5) * scale))  # pixel centres sit at +0.5
    body = []
    if title:
        body.append(f"<title>{escape(title)}</title>")
    try:
        body.append(svg_metadata(provenance))
    except ValueError as e:
        raise ExportError(f"provenance cannot be written into the SVG ({e})") from e
    if background is not None:
        body.append(f'<rect width="{width}" height="{height}" fill="{_hex(background)}"/>')
    if paths:
        body.append(f'<path fill="{_hex(ink)}" fill-rule="evenodd" d="{"".join(paths)}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">' + "".join(body) + "</svg>\n")


def save_svg(path: Path, text: str) -> Path:
    """Write an SVG document to `path`, all or nothing."""
    path = Path(path)
    write(path, text.encode("utf-8"))
    return path
