"""A digit image turned into pen strokes: skeleton, walk, smoothing and simplification.

The walk follows pixel centres, so its strokes are staircases with a point every half
pixel: far more points than the shape needs, and jagged enough that a stroke model
would spend its capacity on pixel noise. Each stroke is smoothed a little (a few
passes of a [1, 2, 1] filter, ends and closed loops kept in place), then simplified
with Ramer-Douglas-Peucker, which keeps the fewest points that stay within
`EPSILON` of the smoothed line. Coordinates are finally rounded to 1/`QUANTUM` of a
pixel: exact in float32, so stroke-3 offsets sum back to the very same points and a
digit derived again anywhere gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from studio.ml.strokes.digit_skeleton import SCALE, skeletonize
from studio.ml.strokes.skeleton_graph import skeleton_graph
from studio.ml.strokes.skeleton_walk import walk_strokes
from studio.ml.strokes.stroke_format import Strokes, check_strokes

EPSILON = 0.5  # RDP tolerance, digit pixels
SMOOTHING_PASSES = 2
QUANTUM = 64  # coordinates are multiples of 1/QUANTUM pixel


def derive_strokes(image: np.ndarray) -> Strokes:
    """uint8 [28, 28] white-on-black digit -> its strokes (float32 [n_i, 2] each, field pixels).

    A blank image gives no strokes (an empty list), the only case where the result
    would not pass `check_strokes`.
    """
    skeleton = skeletonize(image, SCALE)
    graph = skeleton_graph(skeleton, SCALE)
    out: Strokes = []
    for path in walk_strokes(graph, SCALE):
        points = smooth(path / SCALE, SMOOTHING_PASSES)
        points = simplify(points, EPSILON)
        out.append((np.round(points * QUANTUM) / QUANTUM).astype(np.float32))
    return check_strokes(out, "derived strokes") if out else out


def smooth(points: np.ndarray, passes: int) -> np.ndarray:
    """float [n, 2] polyline -> float64 [n, 2], softened by `passes` [1, 2, 1] passes.

    The ends stay where they are; a closed polyline (first point == last) is smoothed
    around its join too, so the loop still closes where it started.
    """
    p = np.asarray(points, dtype=np.float64)
    if len(p) < 3:
        return p.copy()
    closed = bool(np.array_equal(p[0], p[-1]))
    for _ in range(passes):
        q = p.copy()
        q[1:-1] = 0.25 * p[:-2] + 0.5 * p[1:-1] + 0.25 * p[2:]
        if closed and len(p) > 3:
            q[0] = q[-1] = 0.25 * p[-2] + 0.5 * p[0] + 0.25 * p[1]
        p = q
    return p


def simplify(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker: float [n, 2] -> the subset of points within `epsilon` of it.

    Iterative (a stack of spans, no recursion limit), each span's distances computed
    in one vectorized step. A closed polyline is split at its farthest point from the
    start first, since a span whose ends coincide has no line to measure against.
    """
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    if n < 3:
        return p.copy()
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    if np.array_equal(p[0], p[-1]):
        far = int(np.argmax(np.linalg.norm(p - p[0], axis=1)))
        keep[far] = True
        stack = [(0, far), (far, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        d = _distances(p[i + 1:j], p[i], p[j])  # [j - i - 1]
        k = int(np.argmax(d))
        if d[k] > epsilon:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return p[keep]


def _distances(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each of float [m, 2] `points` to the segment a-b."""
    ab = b - a
    length2 = float(ab @ ab)
    if length2 == 0.0:
        return np.linalg.norm(points - a, axis=1)
    t = np.clip((points - a) @ ab / length2, 0.0, 1.0)  # [m]
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)
