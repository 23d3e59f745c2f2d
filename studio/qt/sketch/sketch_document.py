"""The drawing as a document: strokes over an optional base image, with undo.

This is the model behind the canvas widget. It owns the fixed-size raster the
network reads (SIDE x SIDE, white ink on black, like MNIST) and an undo stack of
whole strokes, clears and opened images. Views listen to its signals and keep
their own on-screen caches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QUndoCommand, QUndoStack

from studio.qt.base.qimage_arrays import array_to_gray, gray_to_array
from studio.qt.sketch.canvas_strokes import Stroke, paint_segments, paint_stroke, paint_strokes

SIDE = 512  # document pixels; what the network sees never depends on the window


@dataclass(frozen=True)
class BaseSource:
    """An opened picture as it came in: its name and its file's bytes (PNG for a paste)."""

    name: str
    data: bytes
    suffix: str  # ".png", ".jpg", ...
RASTER_INK = QColor(255, 255, 255)
RASTER_PAPER = QColor(0, 0, 0)


class SketchDocument(QObject):
    changed = Signal()  # the raster changed (also on every segment during a stroke)
    stroke_painted = Signal(object, int, int, bool)  # (stroke, first, last, finished)
    reset = Signal()  # strokes or base image replaced: views repaint from scratch

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base: np.ndarray | None = None  # uint8 [SIDE, SIDE] ink coverage, or None
        self.base_source: BaseSource | None = None  # the picture the base was made from
        self.strokes: list[Stroke] = []
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self._raster = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self._raster.fill(0)
        self._live: Stroke | None = None
        self._live_painted = 0  # segments of the live stroke already in the raster
        self._before_live: QImage | None = None  # the raster before the live stroke

    # ---- reading -------------------------------------------------------------------
    @property
    def live_stroke(self) -> Stroke | None:
        return self._live

    def is_blank(self) -> bool:
        """True when nothing was ever drawn or opened (erased ink is decided by the raster)."""
        return self.base is None and not self.strokes and self._live is None

    def snapshot(self) -> np.ndarray:
        """A copy of the raster, uint8 [SIDE, SIDE], white ink on black."""
        return gray_to_array(self._raster)

    # ---- drawing -------------------------------------------------------------------
    def begin_stroke(self, x: float, y: float, pressure: float, width: float,
                     erase: bool = False) -> None:
        if self._live is not None:
            self.end_stroke()
        self._live = Stroke(width=width, erase=erase)
        self._live.add(x, y, pressure)
        self._live_painted = 0
        self._before_live = self._raster.copy()  # 256 KB; repainted onto when it ends

    def extend_stroke(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._live is None or not self._live.add(x, y, pressure):
            return
        self._paint_live(finished=False)

    def end_stroke(self) -> None:
        stroke = self._live
        if stroke is None:
            return
        self._paint_live(finished=True)
        self._live = None
        self.undo_stack.push(_AddStroke(self, stroke))

    def clear(self) -> None:
        if self._live is not None:
            self.end_stroke()
        if not self.is_blank():
            self.undo_stack.push(_Replace(self, None, "Clear Canvas"))

    def erased_area(self) -> np.ndarray:
        """Uint8 [SIDE, SIDE]: where the eraser went since the drawing was last replaced.

        Repair treats this as the damaged part to fill in; everything else is known.
        """
        return _painted(None, [s for s in self.strokes if s.erase], RASTER_INK)

    def unerased(self) -> np.ndarray:
        """Uint8 [SIDE, SIDE]: the drawing as it would be without the eraser strokes.

        Its extent is the whole digit's, which frames a repair: the ink left after
        erasing half a digit would otherwise be scaled up to fill the field.
        """
        return _painted(self.base, [s for s in self.strokes if not s.erase], RASTER_PAPER)

    def place_image(self, ink: np.ndarray, name: str = "Image", verb: str = "Open",
                    source: BaseSource | None = None) -> None:
        """Replace the drawing with `ink` (uint8 [SIDE, SIDE] coverage), undoably;
        `source` is the picture it came from, kept at full resolution for a project."""
        if ink.shape != (SIDE, SIDE) or ink.dtype != np.uint8:
            raise ValueError(f"expected uint8 [{SIDE}, {SIDE}] ink, got {ink.dtype} {ink.shape}")
        if self._live is not None:
            self.end_stroke()
        self.undo_stack.push(_Replace(self, ink.copy(), f"{verb} {name}", source))

    def restore(self, base: np.ndarray | None, strokes: list[Stroke],
                source: BaseSource | None = None, raster: np.ndarray | None = None) -> None:
        """Replace everything with a project's content; its undo history starts here.

        `raster` (uint8 [SIDE, SIDE]) is what these strokes painted when they were saved:
        taken as it is, it saves painting them all again (a second for 2,000 strokes).
        """
        self._live, self._before_live = None, None
        self.undo_stack.clear()
        if raster is None or raster.shape != (SIDE, SIDE) or raster.dtype != np.uint8:
            self._set_content(base, strokes, source)
            return
        self.base = base
        self.base_source = source if base is not None else None
        self.strokes = strokes
        self._raster = array_to_gray(raster)
        self.reset.emit()
        self.changed.emit()

    # ---- internals -----------------------------------------------------------------
    def _paint_live(self, finished: bool) -> None:
        stroke = self._live
        last = stroke.segment_count(finished)
        first = self._live_painted
        if last <= first:
            return
        if finished and self._before_live is not None:
            # The stroke whole, as a re-render paints it, over the raster before it:
            # what the network sees no longer depends on how the stroke was painted.
            self._raster, self._before_live = self._before_live, None
            painter = QPainter(self._raster)
            paint_stroke(painter, stroke, RASTER_INK, RASTER_PAPER)
        else:
            painter = QPainter(self._raster)
            paint_segments(painter, stroke, first, last, RASTER_INK, RASTER_PAPER, finished)
        painter.end()
        self._live_painted = last
        self.stroke_painted.emit(stroke, first, last, finished)
        self.changed.emit()

    def _set_content(self, base: np.ndarray | None, strokes: list[Stroke],
                     source: BaseSource | None = None) -> None:
        self.base = base
        self.base_source = source if base is not None else None
        self.strokes = strokes
        self._rerender()
        self.reset.emit()
        self.changed.emit()

    def _rerender(self) -> None:
        self._raster.fill(0)
        painter = QPainter(self._raster)
        if self.base is not None:
            painter.drawImage(0, 0, array_to_gray(self.base))
        paint_strokes(painter, self.strokes, RASTER_INK, RASTER_PAPER)
        painter.end()


def _painted(base: np.ndarray | None, strokes: list[Stroke], eraser: QColor) -> np.ndarray:
    """Strokes over `base` on a fresh raster, erasers painted in `eraser`: uint8 [SIDE, SIDE]."""
    raster = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
    raster.fill(0)
    painter = QPainter(raster)
    if base is not None:
        painter.drawImage(0, 0, array_to_gray(base))
    paint_strokes(painter, strokes, RASTER_INK, eraser)
    painter.end()
    return gray_to_array(raster)


class _AddStroke(QUndoCommand):
    """A finished stroke; it is already painted when pushed, so the first redo only records."""

    def __init__(self, doc: SketchDocument, stroke: Stroke) -> None:
        super().__init__("Eraser Stroke" if stroke.erase else "Stroke")
        self._doc = doc
        self._stroke = stroke
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            self._doc.strokes = [*self._doc.strokes, self._stroke]
            return
        doc = self._doc
        doc._set_content(doc.base, [*doc.strokes, self._stroke], doc.base_source)

    def undo(self) -> None:
        doc = self._doc
        doc._set_content(doc.base, doc.strokes[:-1], doc.base_source)


class _Replace(QUndoCommand):
    """Clear, or open an image: the whole drawing is swapped and kept for undo."""

    def __init__(self, doc: SketchDocument, base: np.ndarray | None, text: str,
                 source: BaseSource | None = None) -> None:
        super().__init__(text)
        self._doc = doc
        self._after = (base, [], source)
        self._before = (doc.base, list(doc.strokes), doc.base_source)

    def redo(self) -> None:
        self._doc._set_content(*self._after)

    def undo(self) -> None:
        self._doc._set_content(*self._before)
