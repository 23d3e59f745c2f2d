"""The pen's strokes as files: single-line SVG paths for plotters, and pictures.

A stroke model draws each digit as a few polylines in a 28x28 field. A pen plotter
wants those lines themselves, not the outline of their ink (svg.py traces outlines,
which a plotter would draw twice around every stroke), so here every stroke becomes
one open `<path>` with no fill and round caps and joins, smoothed by the same
uniform Catmull-Rom curve the window draws through the points (qt/pen/pen_motion),
written as exact cubic Béziers. The PNG is painted from that same curve, so the file,
the picture and the canvas agree.

A number's digits sit in fields laid out by the window's rule (each field NUMBER_STEP
of a field right of the last, so they overlap as handwriting does); a file keeps just
the band of those fields, `size` pixels on its longest side. Strokes may come from a
file someone edited, so `check_drawing` bounds them before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, ImageDraw

from studio.export.images import INK, PAPER, Colour, check_colour, check_size, paint
from studio.export.provenance import ExportError

FIELD = 28.0  # the stroke models' field side, in its own pixels
PEN_WIDTH = 2.4  # field pixels: the window's pen (qt/pen/pen_motion.PEN_WIDTH)
NUMBER_STEP = 0.72  # each digit's field starts this share of a field right of the last
MAX_DIGITS = 64
MAX_POINTS = 100_000  # in a whole drawing; a digit needs tens
MAX_COORD = 10_000.0  # |x|, |y| in field pixels; beyond is no drawing
MAX_STEPS = 32  # curve samples per segment at most, however long a (hostile) segment is
MAX_WORK_PIXELS = 64_000_000  # the supersampled picture's area at most (64 MB of L)
SUPERSAMPLE = 4

Drawing = list[list[np.ndarray]]  # per digit, its strokes: float32 [n, 2] field pixels
Box = tuple[float, float, float]  # a field's left, top and side, in output pixels


def check_drawing(strokes_per_field: Sequence[Sequence[object]], what: str = "drawing") -> Drawing:
    """The strokes as float32 polylines per field, or ExportError naming the problem.

    Point counts are summed before any array is built, so a million points cost nothing.
    """
    if not 1 <= len(strokes_per_field) <= MAX_DIGITS:
        raise ExportError(f"{what}: {len(strokes_per_field)} digits; draw 1 to {MAX_DIGITS}")
    total = sum(len(stroke) if hasattr(stroke, "__len__") else 1  # type: ignore[arg-type]
                for field in strokes_per_field for stroke in field)
    if total > MAX_POINTS:
        raise ExportError(f"{what}: {total:,} points, at most {MAX_POINTS:,}")
    out: Drawing = []
    for d, field in enumerate(strokes_per_field):
        strokes = []
        for s, stroke in enumerate(field):
            points = np.asarray(stroke, np.float64)
            where = f"{what}: digit {d} stroke {s}"
            if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
                raise ExportError(f"{where}: shape {points.shape}, expected [n >= 1, 2] points")
            if not np.isfinite(points).all():
                raise ExportError(f"{where}: NaN or infinite coordinates")
            if np.abs(points).max() > MAX_COORD:
                raise ExportError(f"{where}: coordinates beyond +-{MAX_COORD:,.0f}")
            strokes.append(points.astype(np.float32))
        out.append(strokes)
    return out


def number_boxes(count: int, side: float) -> list[Box]:
    """`count` fields across a square canvas of `side`, centred: the window's layout
    (qt/pen/pen_motion.number_fields), which opening a drawing into the canvas uses."""
    size = side / (NUMBER_STEP * (count - 1) + 1.0)
    top = (side - size) / 2
    return [(i * NUMBER_STEP * size, top, size) for i in range(count)]


def file_layout(count: int, size: int) -> tuple[int, int, list[Box]]:
    """(width, height, boxes) of a drawing file: the fields' band, `size` on its longest side."""
    span = NUMBER_STEP * (count - 1) + 1.0  # the band's width in fields
    field = size / span
    height = max(1, round(field))
    return size, height, [(i * NUMBER_STEP * field, 0.0, field) for i in range(count)]


def placed(strokes_per_field: Drawing, boxes: list[Box]) -> list[np.ndarray]:
    """Every stroke in output pixels, digit by digit (float64 [n, 2])."""
    out = []
    for strokes, (left, top, side) in zip(strokes_per_field, boxes, strict=True):
        k = side / FIELD
        out += [np.asarray(s, np.float64) * k + (left, top) for s in strokes]
    return out


def bezier_segments(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The uniform Catmull-Rom curve through `points` [n >= 2, 2] as cubic Béziers:
    (c1, c2, end), each [n - 1, 2], for segment i from points[i] to end[i].

    The ends are mirrored (p[-1] = 2 p[0] - p[1]), as the window's curve does, so the
    first and last segments leave and reach the end points along the stroke.
    """
    p = np.asarray(points, np.float64)
    padded = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    c1 = p[:-1] + (padded[2:-1] - padded[:-3]) / 6.0  # p1 + (p2 - p0) / 6
    c2 = p[1:] - (padded[3:] - padded[1:-2]) / 6.0  # p2 - (p3 - p1) / 6
    return c1, c2, p[1:]


def smooth_points(points: np.ndarray, spacing: float, max_steps: int = MAX_STEPS) -> np.ndarray:
    """Float64 [m, 2]: the same curve sampled about every `spacing` (the given points on
    it), at most `max_steps` samples a segment; a lone point stays one point."""
    p = np.asarray(points, np.float64)
    if len(p) < 2:
        return p
    c1, c2, end = bezier_segments(p)
    out = [p[:1]]
    for a, b, c, e in zip(p[:-1], c1, c2, end, strict=True):
        steps = int(min(max_steps, max(1, np.ceil(np.hypot(*(e - a)) / spacing))))
        t = np.linspace(0.0, 1.0, steps + 1)[1:, None]  # [steps, 1]
        u = 1.0 - t
        out.append(u ** 3 * a + 3 * u ** 2 * t * b + 3 * u * t ** 2 * c + t ** 3 * e)
    return np.concatenate(out)


def open_path(points: np.ndarray) -> str:
    """SVG path data for one stroke: M, then a C per segment, 0.01 units precise."""
    p = np.asarray(points, np.float64)
    head = f"M{p[0, 0]:.2f} {p[0, 1]:.2f}"
    if len(p) == 1:
        return head + f"L{p[0, 0]:.2f} {p[0, 1]:.2f}"  # a dot: round caps draw it
    parts = [head]
    for a, b, e in zip(*bezier_segments(p), strict=True):
        parts.append(f"C{a[0]:.2f} {a[1]:.2f} {b[0]:.2f} {b[1]:.2f} {e[0]:.2f} {e[1]:.2f}")
    return "".join(parts)


def _hex(colour: Colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def pen_svg(strokes_per_field: Drawing, size: int = 512, ink: Colour = INK,
            background: Colour | None = None, pen_width: float = PEN_WIDTH,
            title: str = "", description: str = "") -> str:
    """The drawing as an SVG `size` units on its longest side: one open path per stroke.

    `pen_width` is in field pixels; `background` None leaves the page transparent
    (a plotter draws on its own paper). `title` and `description` say what drew it.
    """
    size = check_size(size)
    ink = check_colour(ink, "ink")
    background = None if background is None else check_colour(background, "background")
    if not 0.0 < pen_width <= FIELD:
        raise ExportError(f"pen width {pen_width!r}: choose a number above 0, at most {FIELD}")
    drawing = check_drawing(strokes_per_field)
    width, height, boxes = file_layout(len(drawing), size)
    stroke_width = pen_width * boxes[0][2] / FIELD
    body = []
    if title:
        body.append(f"<title>{escape(title)}</title>")
    if description:
        body.append(f"<desc>{escape(description)}</desc>")
    if background is not None:
        body.append(f'<rect width="{width}" height="{height}" fill="{_hex(background)}"/>')
    body.append(f'<g fill="none" stroke="{_hex(ink)}" stroke-width="{stroke_width:.2f}" '
                'stroke-linecap="round" stroke-linejoin="round">')
    body += [f'<path fill="none" d="{open_path(s)}"/>' for s in placed(drawing, boxes)]
    body.append("</g>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">' + "".join(body) + "</svg>\n")


def render_drawing(strokes_per_field: Drawing, size: int = 512, ink: Colour = INK,
                   background: Colour | None = PAPER,
                   pen_width: float = PEN_WIDTH) -> Image.Image:
    """The drawing painted `size` pixels on its longest side: anti-aliased round lines
    drawn SUPERSAMPLE times larger and averaged down (less for huge sizes, to bound memory)."""
    size = check_size(size)
    ink = check_colour(ink, "ink")
    background = None if background is None else check_colour(background, "background")
    drawing = check_drawing(strokes_per_field)
    width, height, boxes = file_layout(len(drawing), size)
    factor = SUPERSAMPLE
    while factor > 1 and width * height * factor * factor > MAX_WORK_PIXELS:
        factor -= 1
    big = Image.new("L", (width * factor, height * factor), 0)
    draw = ImageDraw.Draw(big)
    field_px = boxes[0][2] * factor / FIELD  # big pixels per field pixel
    radius = pen_width * field_px / 2
    for stroke in placed(drawing, boxes):
        # Pillow's pixel i covers [i, i + 1): a point at p lands at p * factor - 0.5
        curve = smooth_points(stroke * factor - 0.5, max(1.0, radius / 2))
        xy = [(float(x), float(y)) for x, y in curve]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=max(1, round(2 * radius)), joint="curve")
        for x, y in (xy[0], xy[-1]):  # round caps (one dot for a lone point)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    if factor > 1:
        big = big.resize((width, height), Image.Resampling.BOX)
    coverage = np.asarray(big, np.float32) / 255.0
    return paint(coverage, ink, background)
