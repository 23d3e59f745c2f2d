"""The drawing being drawn, as animation frames: every stroke in order, at a hand's pace.

A drawing the pen made (or the artist's own) is a sequence of strokes, and watching it
appear is half its charm; the animation exporter takes frames, so the strokes are
replayed into them. Each stroke takes the time its length needs at a steady speed, with
a short lift between strokes; frame k shows what was drawn by its time, and the last
frame is the whole drawing. Painted with the canvas's own stroke painter, on the pool.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtGui import QImage, QPainter

from studio.qt.base.qimage_arrays import array_to_gray, gray_to_array
from studio.qt.sketch.canvas_strokes import Stroke, paint_stroke
from studio.qt.sketch.sketch_document import RASTER_INK, RASTER_PAPER, SIDE

SPEED = 1100.0  # document pixels per second: a canvas-sized digit in most of a second
LIFT_SECONDS = 0.12
HOLD_SECONDS = 0.8  # the finished drawing stays a moment before a loop starts again
FRAME_SIDE = 256  # frames are the document halved: plenty for a GIF, a quarter the memory


def drawing_seconds(strokes: list[Stroke]) -> float:
    """How long `drawing_frames` plays: the drawing at its pace, then a moment's hold."""
    return (float(_schedule(strokes)[-1][-1]) if strokes else 0.0) + HOLD_SECONDS


def drawing_frames(strokes: list[Stroke], base: np.ndarray | None, count: int) -> np.ndarray:
    """Float32 [count, FRAME_SIDE, FRAME_SIDE] ink coverage in [0, 1]: the drawing over
    `base` (uint8 [SIDE, SIDE] or None) as it is drawn; the last frame is all of it."""
    schedule = _schedule(strokes)
    end = drawing_seconds(strokes)
    done = array_to_gray(base) if base is not None else _blank()  # finished strokes
    frames = np.zeros((count, FRAME_SIDE, FRAME_SIDE), np.float32)
    current = 0  # strokes before this one are in `done`
    for k in range(count):
        now = end * k / max(count - 1, 1)
        while current < len(strokes) and schedule[current][-1] <= now:
            _paint(done, strokes[current])
            current += 1
        frame = done
        if current < len(strokes):
            drawn = int((schedule[current] <= now).sum())
            if drawn:
                frame = done.copy()
                _paint(frame, replace(strokes[current], points=strokes[current].points[:drawn]))
        frames[k] = _halved(gray_to_array(frame))
    return frames


def _schedule(strokes: list[Stroke]) -> list[np.ndarray]:
    """Per stroke, float64 [n]: the second each of its points is drawn."""
    out, clock = [], 0.0
    for stroke in strokes:
        xy = np.array([(x, y) for x, y, _ in stroke.points], np.float64).reshape(-1, 2)
        steps = np.linalg.norm(np.diff(xy, axis=0), axis=1) if len(xy) > 1 else np.zeros(0)
        times = clock + np.concatenate([[0.0], np.cumsum(steps)]) / SPEED
        out.append(times)
        clock = float(times[-1]) + LIFT_SECONDS
    return out


def _blank() -> QImage:
    image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
    image.fill(0)
    return image


def _paint(image: QImage, stroke: Stroke) -> None:
    painter = QPainter(image)
    paint_stroke(painter, stroke, RASTER_INK, RASTER_PAPER)
    painter.end()


def _halved(raster: np.ndarray) -> np.ndarray:
    """Uint8 [SIDE, SIDE] -> float32 [SIDE / 2, SIDE / 2] in [0, 1], by 2x2 means."""
    f = SIDE // FRAME_SIDE
    return raster.reshape(FRAME_SIDE, f, FRAME_SIDE, f).mean(axis=(1, 3)) / 255.0
