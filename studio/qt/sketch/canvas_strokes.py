"""Strokes as data, and the one function that paints them, so every surface agrees.

The canvas keeps strokes as points (not pixels) in the document's fixed coordinate
system. The same points are painted twice: into the fixed-size raster the network
reads, and into the on-screen cache at the screen's own resolution, which is why the
drawing looks sharp on any window size or high-DPI screen while what the network
sees never depends on either.

A stroke is smoothed by drawing quadratic curves through the midpoints of its
samples (control point = sample), the usual trick that turns a jagged polyline of
mouse samples into a smooth line without lagging behind the pointer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from studio.core.project.project_manifest import COORDINATE_RANGE, MAX_POINTS

MIN_STEP = 0.75  # document pixels; closer samples add nothing but jaggies
MIN_PRESSURE_WIDTH = 0.25  # share of the brush width at zero pen pressure


@dataclass
class Stroke:
    width: float  # brush diameter in document pixels at full pressure
    erase: bool = False
    points: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y, pressure)

    def add(self, x: float, y: float, pressure: float = 1.0) -> bool:
        """Append a sample; False when it is too close to the last one to matter.

        Samples are held to what a project may keep (far beyond the paper) and a
        pressure of NaN counts as full, so a stroke can always be saved as it is.
        """
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        low, high = COORDINATE_RANGE
        x, y = min(max(x, low), high), min(max(y, low), high)
        pressure = 1.0 if math.isnan(pressure) else pressure
        if len(self.points) >= MAX_POINTS:
            return False
        if self.points:
            px, py, _ = self.points[-1]
            if (x - px) ** 2 + (y - py) ** 2 < MIN_STEP ** 2:
                return False
        self.points.append((x, y, min(max(pressure, 0.0), 1.0)))
        return True

    def segment_count(self, finished: bool) -> int:
        """Segments of the smoothed path; the last one exists only once the stroke ends."""
        n = len(self.points)
        if n <= 1:
            return n if finished else 0  # a lone sample is a dot, drawn on release
        return n if finished else n - 1


def segment_bounds(stroke: Stroke, first: int, last: int) -> QRectF:
    """Document-space rectangle that segments first..last-1 can touch."""
    lo = max(first - 1, 0)
    pts = stroke.points[lo:last + 1]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    pad = stroke.width / 2 + 2
    return QRectF(min(xs) - pad, min(ys) - pad,
                  max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)


def paint_segments(painter: QPainter, stroke: Stroke, first: int, last: int,
                   ink: QColor, paper: QColor, finished: bool) -> None:
    """Paint segments first..last-1 of `stroke` (ink, or paper for the eraser)."""
    color = paper if stroke.erase else ink
    pts = stroke.points
    n = len(pts)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if n == 1 and finished and first == 0:
        x, y, p = pts[0]
        d = _width(stroke, p)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(x, y), d / 2, d / 2)
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for k in range(first, last):
        path, pressure = _segment(pts, k)
        pen = QPen(color, _width(stroke, pressure), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)


def paint_strokes(painter: QPainter, strokes: list[Stroke], ink: QColor, paper: QColor) -> None:
    """Paint finished strokes in order (later ones, erasers included, on top)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in strokes:
        paint_stroke(painter, stroke, ink, paper)


def paint_stroke(painter: QPainter, stroke: Stroke, ink: QColor, paper: QColor) -> None:
    """Paint a finished stroke whole: one path per run of segments of the same width.

    Segment by segment (as while drawing) a 2,000-stroke drawing took 1.6 s to paint;
    as runs it takes a fraction of that. Widths are held to quarter pixels so a pen's
    slowly changing pressure still makes long runs. A finished stroke is always
    painted this way (the document repaints it whole when it ends), so a drawing
    reopened or undone paints to exactly the same pixels as it had.
    """
    pts = stroke.points
    n = len(pts)
    if n == 1:
        paint_segments(painter, stroke, 0, 1, ink, paper, True)
        return
    pen = QPen(paper if stroke.erase else ink, 1.0, Qt.PenStyle.SolidLine,
               Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    path, width = QPainterPath(QPointF(pts[0][0], pts[0][1])), None
    for k in range(n):
        w = round(_width(stroke, _pressure(pts, k)) * 4) / 4
        if w != width:
            if width is not None:
                pen.setWidthF(width)
                painter.setPen(pen)
                painter.drawPath(path)
                path = QPainterPath(path.currentPosition())
            width = w
        _extend(path, pts, k)
    pen.setWidthF(width)
    painter.setPen(pen)
    painter.drawPath(path)


def _width(stroke: Stroke, pressure: float) -> float:
    return stroke.width * (MIN_PRESSURE_WIDTH + (1.0 - MIN_PRESSURE_WIDTH) * pressure)


def _mid(a: tuple[float, float, float], b: tuple[float, float, float]) -> QPointF:
    return QPointF((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _pressure(pts: list[tuple[float, float, float]], k: int) -> float:
    """The pressure segment k is drawn with (as _segment says)."""
    n = len(pts)
    if k == 0:
        return (pts[0][2] + pts[1][2]) / 2
    if k == n - 1:
        return (pts[n - 2][2] + pts[n - 1][2]) / 2
    return pts[k][2]


def _extend(path: QPainterPath, pts: list[tuple[float, float, float]], k: int) -> None:
    """Segment k's geometry (as _segment draws it) appended to a path ending where it starts."""
    n = len(pts)
    if k == 0:
        path.lineTo(_mid(pts[0], pts[1]))
    elif k == n - 1:
        path.lineTo(QPointF(pts[n - 1][0], pts[n - 1][1]))
    else:
        path.quadTo(QPointF(pts[k][0], pts[k][1]), _mid(pts[k], pts[k + 1]))


def _segment(pts: list[tuple[float, float, float]], k: int) -> tuple[QPainterPath, float]:
    """Segment k: a line into the first midpoint, curves between midpoints, a line out."""
    n = len(pts)
    path = QPainterPath()
    if k == 0:
        line = QLineF(QPointF(pts[0][0], pts[0][1]), _mid(pts[0], pts[1]))
        path.moveTo(line.p1())
        path.lineTo(line.p2())
        return path, (pts[0][2] + pts[1][2]) / 2
    if k == n - 1:  # the tail, drawn when the stroke ends
        path.moveTo(_mid(pts[n - 2], pts[n - 1]))
        path.lineTo(QPointF(pts[n - 1][0], pts[n - 1][1]))
        return path, (pts[n - 2][2] + pts[n - 1][2]) / 2
    path.moveTo(_mid(pts[k - 1], pts[k]))
    path.quadTo(QPointF(pts[k][0], pts[k][1]), _mid(pts[k], pts[k + 1]))
    return path, pts[k][2]
