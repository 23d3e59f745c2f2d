"""Where the pen's strokes go on the canvas, and when each point is drawn.

A stroke model draws in a 28x28 field with a few points per stroke (the stroke data is
simplified that way). On the canvas a digit is a few hundred pixels tall, so the
strokes are placed in a square of the document, smoothed into a curve through those
points (Catmull-Rom), and timed at a hand's pace: a steady speed along each stroke and
a short lift between strokes. Plain numpy, no Qt: the animator only plays the times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.export.pen_paths import FIELD, PEN_WIDTH, number_boxes, smooth_points

SPEED = 60.0  # field pixels per second along a stroke (a digit takes most of a second)
LIFT_SECONDS = 0.12  # between two strokes
SPACING = 0.25  # field pixels between the drawn points of the smoothed curve
PREFIX_EPSILON = 0.5  # field pixels: the artist's points simplified like the stroke data


@dataclass(frozen=True)
class Field:
    """Where a 28x28 field lies in the document: its left, top and side, in pixels."""

    left: float
    top: float
    side: float

    def to_document(self, strokes: list[np.ndarray]) -> list[np.ndarray]:
        k = self.side / FIELD
        return [(np.asarray(s, np.float32) * k + (self.left, self.top)).astype(np.float32)
                for s in strokes]

    def to_field(self, strokes: list[np.ndarray]) -> list[np.ndarray]:
        k = FIELD / self.side
        return [((np.asarray(s, np.float32) - (self.left, self.top)) * k).astype(np.float32)
                for s in strokes]

    @property
    def pen_width(self) -> float:
        """The pen's width in document pixels."""
        return PEN_WIDTH * self.side / FIELD


def canvas_field(side: float) -> Field:
    """The whole canvas as one field: a digit drawn for the artist fills it as theirs do."""
    return Field(0.0, 0.0, float(side))


def number_fields(count: int, side: float) -> list[Field]:
    """`count` fields left to right across a canvas of `side`, centred, overlapping so the
    digits (20 of each field's 28 pixels) sit as close as handwriting puts them (the
    layout files use too: export/pen_paths)."""
    return [Field(*box) for box in number_boxes(count, side)]


def prefix_strokes(strokes: list[np.ndarray], field: Field) -> list[np.ndarray]:
    """The artist's strokes (document pixels) as the model's data: in field pixels,
    simplified like the stroke data, so a mouse's dense samples look like a pen's."""
    from studio.ml.strokes.digit_strokes import simplify

    out = []
    for stroke in field.to_field(strokes):
        points = simplify(stroke, PREFIX_EPSILON) if len(stroke) > 2 else stroke
        out.append(np.round(points * 64) / 64)  # the stroke data's 1/64-pixel grid
    return [s.astype(np.float32) for s in out if len(s)]


def smooth_curve(points: np.ndarray, spacing: float) -> np.ndarray:
    """Float32 [m, 2]: a Catmull-Rom curve through `points` [n, 2], a point every
    `spacing` or so; the given points are on it (the curve the SVG export writes)."""
    return smooth_points(points, spacing, max_steps=10_000).astype(np.float32)


@dataclass(frozen=True)
class TimedStroke:
    points: np.ndarray  # float32 [m, 2] document pixels, smoothed
    times: np.ndarray  # float64 [m] seconds from the start of the drawing, rising


def timed_strokes(strokes: list[np.ndarray], field: Field,
                  start: float = 0.0) -> list[TimedStroke]:
    """The strokes (field pixels) placed in `field` and timed at a hand's pace."""
    out, clock = [], start
    for stroke in strokes:
        curve = smooth_curve(stroke, SPACING)  # [m, 2] field pixels
        steps = np.linalg.norm(np.diff(curve, axis=0), axis=1) if len(curve) > 1 else []
        times = clock + np.concatenate([[0.0], np.cumsum(steps)]) / SPEED
        out.append(TimedStroke(field.to_document([curve])[0], times))
        clock = float(times[-1]) + LIFT_SECONDS
    return out


def duration(strokes: list[TimedStroke]) -> float:
    """Seconds until the last point of the last stroke is drawn."""
    return float(strokes[-1].times[-1]) if strokes else 0.0
