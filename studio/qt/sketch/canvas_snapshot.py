"""The canvas as a project keeps it, and back: strokes as vectors, the base, the brush.

Capturing runs on the GUI thread at every autosave, so it only copies references
(points are tuples, a stroke's list is copied) and leaves encoding to the pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF

from studio.core.project.project_manifest import BaseRecord, CanvasRecord, StrokeRecord
from studio.qt.sketch.canvas_strokes import Stroke
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import BaseSource, SketchDocument

_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


@dataclass(frozen=True)
class CanvasCapture:
    """The canvas at one moment, by reference: the document replaces its stroke list on
    every change and never edits a finished stroke, so nothing here changes later."""

    strokes: list[Stroke]
    base: np.ndarray | None  # uint8 [SIDE, SIDE] coverage
    source: BaseSource | None
    brush_size: float
    erasing: bool
    selection: tuple[float, float, float, float] | None

    def record(self) -> CanvasRecord:
        """The manifest's canvas (runs on the pool: 2,000 strokes take tens of ms)."""
        # The point lists are shared, not copied: Stroke.add already holds every sample
        # to what a project may keep, and copying 80,000 points woke the garbage
        # collector for tens of milliseconds with the GIL held.
        strokes = [StrokeRecord(s.width, s.erase, s.points) for s in self.strokes if s.points]
        base = None
        if self.base is not None:
            source = self.source
            suffix = source.suffix if source and _SUFFIX.fullmatch(source.suffix) else ".img"
            base = BaseRecord(name=(source.name if source else "Image")[:1000] or "Image",
                              source=f"source{suffix}" if source else None)
        return CanvasRecord(strokes=strokes, base=base, brush_size=self.brush_size,
                            erasing=self.erasing, selection=self.selection)


def capture_canvas(document: SketchDocument, canvas: SketchCanvas) -> CanvasCapture:
    """Cheap enough for the GUI thread at every autosave: references, no copies."""
    rect = canvas.selection.rect
    selection = None if rect is None else (rect.x(), rect.y(), rect.width(), rect.height())
    return CanvasCapture(document.strokes, document.base, document.base_source,
                         canvas.brush_size, canvas.erasing, selection)


def strokes_of(record: CanvasRecord) -> list[Stroke]:
    """The canvas's strokes from a project's record (safe to run on the pool)."""
    return [Stroke(width=s.width, erase=s.erase, points=[tuple(p) for p in s.points])
            for s in record.strokes]


def restore_canvas(document: SketchDocument, canvas: SketchCanvas, record: CanvasRecord,
                   base: np.ndarray | None, source: bytes | None,
                   raster: np.ndarray | None, strokes: list[Stroke] | None = None) -> None:
    """Put a project's canvas back; the undo history starts from it. `raster` (the
    document's raster as saved) is shown as it is instead of painting every stroke."""
    strokes = strokes_of(record) if strokes is None else strokes
    kept = None
    if base is not None and record.base is not None and source is not None \
            and record.base.source is not None:
        kept = BaseSource(record.base.name, source, record.base.source[len("source"):])
    document.restore(base if record.base is not None else None, strokes, kept, raster)
    canvas.set_brush_size(record.brush_size)
    canvas.set_erasing(record.erasing)
    canvas.selection.clear()
    if record.selection is not None:
        canvas.selection.rect = QRectF(*record.selection)
        canvas.selection.changed.emit()

