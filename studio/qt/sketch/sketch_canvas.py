"""The canvas widget: draws with mouse or pen into a SketchDocument and shows it.

The widget keeps its own cache of the drawing at the screen's resolution (device
pixels), painted from the same stroke data as the document's fixed raster, so it is
sharp at any size and on high-DPI screens. During a stroke only the new segment is
painted into the cache and only its rectangle is repainted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.settings import MAX_BRUSH, MIN_BRUSH
from studio.qt.sketch.canvas_cache import CanvasCache
from studio.qt.sketch.canvas_ghost import CanvasGhost
from studio.qt.sketch.canvas_selection import CanvasSelection
from studio.qt.sketch.canvas_strokes import Stroke, segment_bounds
from studio.qt.sketch.digit_boxes import DigitBoxes
from studio.qt.sketch.sketch_document import SIDE, SketchDocument

MARGIN = 10  # logical pixels around the paper


class SketchCanvas(QWidget):
    brush_changed = Signal()
    file_dropped = Signal(Path)
    image_dropped = Signal(QImage)
    first_painted = Signal()

    def __init__(self, document: SketchDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.ink = QColor(24, 24, 36)
        self.paper = QColor(250, 249, 245)
        self._brush = 44.0
        self._erase = False
        self._selecting = False
        self.selection = CanvasSelection(self)
        self.selection.changed.connect(self.update)
        self.digit_boxes = DigitBoxes(self)  # where a number's digits were read
        self.digit_boxes.changed.connect(self.update)
        self.ghost = CanvasGhost(self)  # strokes the pen offers, not yet drawn
        self.ghost.changed.connect(self.update)
        self.cache = CanvasCache(document, self.ink, self.paper, self)
        self.cache.sharpened.connect(self.update)
        self._overlay: QImage | None = None
        self._overlay_rect = QRectF()
        self._overlay_scaled: QImage | None = None  # the overlay at screen resolution
        self._hover: QPointF | None = None
        self._drawing = False
        self._painted_once = False
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # drawing focuses it: Tab, Enter, Esc
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setToolTip("Draw a digit. [ and ] change the brush, E toggles the eraser, "
                        "Ctrl+Z undoes a stroke, Delete clears. Drop an image to open it.")
        document.stroke_painted.connect(self._on_document_stroke_painted)
        document.reset.connect(self._on_document_reset)

    # ---- brush ---------------------------------------------------------------------
    @property
    def brush_size(self) -> float:
        return self._brush

    def set_brush_size(self, size: float) -> None:
        size = min(max(float(size), MIN_BRUSH), MAX_BRUSH)
        if size != self._brush:
            self._brush = size
            self.brush_changed.emit()
            self.update()

    @property
    def erasing(self) -> bool:
        return self._erase

    def set_erasing(self, erase: bool) -> None:
        if erase != self._erase:
            self._erase = erase
            self.brush_changed.emit()

    @property
    def selecting(self) -> bool:
        return self._selecting

    def set_selecting(self, selecting: bool) -> None:
        """The Select tool: drags mark a rectangle to export instead of drawing."""
        self._selecting = selecting
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # drawing focuses it: Tab, Enter, Esc
        self.update()

    def set_overlay(self, image: QImage | None, rect: QRectF | None = None) -> None:
        """Show `image` (e.g. a saliency heatmap) over the document rectangle `rect`.

        A new heatmap arrives with every saliency answer while drawing (tens a
        second): only the area it leaves and the area it covers are repainted, and it
        is scaled to the screen once, not on every paint of a stroke segment.
        """
        before = self._overlay_area()
        self._overlay = image
        self._overlay_rect = QRectF(rect) if rect is not None else QRectF()
        self._overlay_scaled = None
        self.update(before.united(self._overlay_area()).toAlignedRect().adjusted(-1, -1, 1, 1))

    def _overlay_area(self) -> QRectF:
        """Where the overlay shows, in widget coordinates (empty without one)."""
        if self._overlay is None:
            return QRectF()
        return self.to_widget(self._overlay_rect).intersected(self.paper_rect())

    def _scaled_overlay(self, target: QRectF) -> QImage:
        """The overlay smoothly scaled to `target` at the screen's resolution, kept."""
        dpr = self.devicePixelRatioF()
        size = QSize(max(round(target.width() * dpr), 1), max(round(target.height() * dpr), 1))
        if self._overlay_scaled is None or self._overlay_scaled.size() != size:
            self._overlay_scaled = self._overlay.scaled(
                size, Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            self._overlay_scaled.setDevicePixelRatio(dpr)
        return self._overlay_scaled

    def sizeHint(self) -> QSize:
        return QSize(560, 560)

    # ---- geometry ------------------------------------------------------------------
    def paper_rect(self) -> QRectF:
        """Where the document's square sits in the widget (logical pixels)."""
        side = max(min(self.width(), self.height()) - 2 * MARGIN, 1)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_document(self, pos: QPointF) -> QPointF:
        r = self.paper_rect()
        k = SIDE / r.width()
        return QPointF((pos.x() - r.x()) * k, (pos.y() - r.y()) * k)

    def to_widget(self, rect: QRectF) -> QRectF:
        r = self.paper_rect()
        k = r.width() / SIDE
        return QRectF(r.x() + rect.x() * k, r.y() + rect.y() * k,
                      rect.width() * k, rect.height() * k)

    # ---- input ---------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        if self._selecting:
            self.selection.begin(self.to_document(event.position()))
            return
        self._begin(event.position(), 1.0, self._erase)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.selection.dragging:
            self.selection.drag(self.to_document(event.position()))
            return
        self._move_hover(event.position())
        if self._drawing:
            p = self.to_document(event.position())
            self.document.extend_stroke(p.x(), p.y(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.selection.dragging:
            self.selection.end(self.to_document(event.position()))
        elif event.button() == Qt.MouseButton.LeftButton and self._drawing:
            self._end(event.position(), 1.0)

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pen input: pressure sets the width, the pen's eraser end erases."""
        pos, pressure = event.position(), event.pressure()
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
            self._begin(pos, pressure, self._erase or eraser)
        elif kind == QTabletEvent.Type.TabletMove:
            self._move_hover(pos)
            if self._drawing:
                p = self.to_document(pos)
                self.document.extend_stroke(p.x(), p.y(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease and self._drawing:
            self._end(pos, pressure)
        event.accept()  # no synthesized mouse events on top

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if files:
            self.file_dropped.emit(files[0])
        elif mime.hasImage():
            self.image_dropped.emit(QImage(mime.imageData()))
        else:
            return
        event.acceptProposedAction()

    def _begin(self, pos: QPointF, pressure: float, erase: bool) -> None:
        p = self.to_document(pos)
        if self.document.is_blank():
            self.update()  # the "Draw a digit here" hint goes away
        self._drawing = True
        self.document.begin_stroke(p.x(), p.y(), pressure, self._brush, erase)

    def _end(self, pos: QPointF, pressure: float) -> None:
        p = self.to_document(pos)
        self.document.extend_stroke(p.x(), p.y(), pressure)
        self._drawing = False
        self.document.end_stroke()

    def _move_hover(self, pos: QPointF) -> None:
        old = self._hover
        self._hover = pos
        radius = self._brush * self.paper_rect().width() / SIDE / 2 + 2
        for centre in (old, pos):
            if centre is not None:
                self.update(QRectF(centre.x() - radius, centre.y() - radius,
                                   2 * radius, 2 * radius).toAlignedRect())

    # ---- painting ------------------------------------------------------------------
    def _on_document_stroke_painted(self, stroke: Stroke, first: int, last: int,
                                    finished: bool) -> None:
        if self.cache.image is None:
            return
        self.cache.paint_segments(stroke, first, last, finished)
        self.update(self.to_widget(segment_bounds(stroke, first, last)).toAlignedRect()
                    .adjusted(-2, -2, 2, 2))

    def _on_document_reset(self) -> None:
        self.cache.invalidate()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.cache.invalidate()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        dpr = self.devicePixelRatioF()
        pixels = max(int(round(self.paper_rect().width() * dpr)), 1)
        if not self.cache.fits(pixels):
            self.cache.rebuild(pixels, dpr)  # the drawing at the screen's resolution
        painter = QPainter(self)
        paper = self.paper_rect()
        painter.drawImage(paper, self.cache.image)
        if self._overlay is not None:
            target = self.to_widget(self._overlay_rect)
            painter.setClipRect(paper)
            painter.drawImage(target.topLeft(), self._scaled_overlay(target))
            painter.setClipping(False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(paper.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self.document.is_blank():
            painter.setPen(QColor(150, 150, 160))
            painter.drawText(paper, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        if self.selection.rect is not None:
            self.selection.paint(painter, self.to_widget(self.selection.rect), paper)
        self.digit_boxes.paint(painter, self.to_widget)
        self.ghost.paint(painter, self.to_widget)
        if self._hover is not None and paper.contains(self._hover) and not self._selecting:
            radius = self._brush * paper.width() / SIDE / 2
            painter.setPen(QPen(QColor(120, 120, 140, 200), 1, Qt.PenStyle.DashLine
                                if self._erase else Qt.PenStyle.SolidLine))
            painter.drawEllipse(self._hover, radius, radius)
        painter.end()
        if not self._painted_once:
            self._painted_once = True
            self.first_painted.emit()
