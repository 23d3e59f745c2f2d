"""The drawing at the screen's resolution, as the canvas shows it; big ones made on the pool.

Painting every stroke again (after a resize, an undo, opening a project) costs about
0.4 ms a stroke: instant for a digit, most of a second for a 2,000-stroke piece. Up to
SYNC_POINTS points it is done at once on the GUI thread as before; beyond, the canvas
shows the document's own 512 x 512 raster scaled up straight away and the sharp image
is painted on the pool (QPainter on a QImage is safe off the GUI thread), then swapped
in, with whatever was drawn meanwhile painted on top.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from studio.qt.base.qimage_arrays import tint
from studio.qt.base.workers import run_in_pool
from studio.qt.sketch.canvas_strokes import Stroke, paint_segments, paint_strokes
from studio.qt.sketch.sketch_document import SIDE, SketchDocument

SYNC_POINTS = 20_000  # about 150 ms of painting on this 2-core machine


class CanvasCache(QObject):
    sharpened = Signal()  # the sharp image arrived from the pool: repaint the canvas

    def __init__(self, document: SketchDocument, ink: QColor, paper: QColor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.ink, self.paper = ink, paper
        self.image: QImage | None = None
        self._generation = 0  # bumped whenever the drawing is replaced: late results drop
        self._pending: tuple[int, int] | None = None  # (generation, pixels) being painted

    def invalidate(self) -> None:
        """The drawing was replaced (undo, clear, open) or the widget resized."""
        self.image = None
        self._generation += 1
        self._pending = None

    def fits(self, pixels: int) -> bool:
        return self.image is not None and abs(self.image.width() - pixels) <= 1

    def rebuild(self, pixels: int, dpr: float) -> None:
        """A cache of `pixels` square: painted now, or scaled now and sharpened on the pool."""
        doc = self.document
        strokes = list(doc.strokes)
        if sum(len(s.points) for s in strokes) <= SYNC_POINTS:
            self.image = render(pixels, dpr, doc.base, strokes, self.ink, self.paper)
            self._paint_live()
            return
        self.image = _scaled(doc.snapshot(), pixels, dpr, self.ink, self.paper)
        if self._pending != (self._generation, pixels):
            self._pending = (self._generation, pixels)
            generation = self._generation
            run_in_pool(render, pixels, dpr, doc.base, strokes, self.ink, self.paper,
                        what="Painting the drawing",
                        on_returned=lambda image: self._on_render_returned(
                            generation, strokes, image))

    def paint_segments(self, stroke: Stroke, first: int, last: int, finished: bool) -> None:
        """New segments of the live stroke, painted into the cache as they come."""
        if self.image is None:
            return
        painter = self._painter()
        paint_segments(painter, stroke, first, last, self.ink, self.paper, finished)
        painter.end()

    def _on_render_returned(self, generation: int, strokes: list[Stroke], image: QImage) -> None:
        if generation != self._generation or self.image is None \
                or image.width() != self.image.width():
            return  # the drawing or the size changed meanwhile; a newer render is due
        self._pending = None
        self.image = image
        now = self.document.strokes  # strokes finished since the render began go on top
        if len(now) >= len(strokes) and all(a is b for a, b in zip(now, strokes, strict=False)):
            painter = self._painter()
            paint_strokes(painter, now[len(strokes):], self.ink, self.paper)
            painter.end()
        self._paint_live()
        self.sharpened.emit()

    def _paint_live(self) -> None:
        live = self.document.live_stroke
        if live is not None and self.image is not None:
            self.paint_segments(live, 0, live.segment_count(False), False)

    def _painter(self) -> QPainter:
        return _cache_painter(self.image)


def render(pixels: int, dpr: float, base, strokes: list[Stroke], ink: QColor,
           paper: QColor) -> QImage:
    """The drawing painted at `pixels` square (runs on the GUI thread or the pool)."""
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(paper)
    painter = _cache_painter(image)
    if base is not None:
        painter.drawImage(QRectF(0, 0, SIDE, SIDE), tint(base, ink, paper))
    paint_strokes(painter, strokes, ink, paper)
    painter.end()
    return image


def _scaled(raster, pixels: int, dpr: float, ink: QColor, paper: QColor) -> QImage:
    """The document's raster (white ink on black) as the canvas colours it, scaled up."""
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    painter = _cache_painter(image)
    painter.drawImage(QRectF(0, 0, SIDE, SIDE), tint(raster, ink, paper))
    painter.end()
    return image


def _cache_painter(image: QImage) -> QPainter:
    """A painter in document coordinates (0..SIDE) on a cache image."""
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    scale = image.width() / image.devicePixelRatio() / SIDE
    painter.scale(scale, scale)
    return painter
