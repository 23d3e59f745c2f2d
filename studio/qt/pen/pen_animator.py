"""The pen drawing on the canvas at a hand's pace: real strokes, one undo step.

What the pen draws must be the artist's to edit, so it goes into the document through
the same begin/extend/end calls a mouse makes, and the recognizer reads it while it
appears. A timer on the GUI thread adds the points whose time has come (a few per
frame, so no frame stalls); the whole drawing is one undo macro, so Ctrl+Z takes it
away at once. While it plays, the canvas ignores the mouse.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from studio.qt.pen.pen_motion import TimedStroke
from studio.qt.sketch.sketch_document import SketchDocument

FRAME_MS = 16


class PenAnimator(QObject):
    started = Signal()
    finished = Signal(bool)  # True when every stroke was drawn, False when stopped early

    def __init__(self, document: SketchDocument, canvas: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._canvas = canvas
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._clock = QElapsedTimer()
        self._strokes: list[TimedStroke] = []
        self._width = 1.0
        self._stroke = 0  # the stroke being drawn
        self._point = 0  # points of it drawn so far
        document.reset.connect(self._on_document_reset)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, strokes: list[TimedStroke], width: float, label: str) -> None:
        """Draw `strokes` (document pixels, timed) with a pen `width` wide, as one undo
        step called `label`. A drawing still playing is finished first."""
        self.finish_now()
        if not strokes:
            return
        self._strokes, self._width = strokes, width
        self._stroke = self._point = 0
        self._document.undo_stack.beginMacro(label)
        self._canvas.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self._clock.start()
        self._timer.start()
        self.started.emit()

    def finish_now(self) -> None:
        """Draw what is left at once (another drawing starts, the window closes)."""
        if self.playing:
            self._advance(float("inf"))
            self._end(True)

    def stop(self) -> None:
        """Stop where the pen is; what it drew stays, as one undo step."""
        if self.playing:
            if self._document.live_stroke is not None:
                self._document.end_stroke()
            self._end(False)

    def _on_timer_timeout(self) -> None:
        if self._advance(self._clock.elapsed() / 1000.0):
            self._end(True)

    def _advance(self, now: float) -> bool:
        """Draw every point due by `now` (seconds); True once all are drawn."""
        doc = self._document
        while self._stroke < len(self._strokes):
            stroke = self._strokes[self._stroke]
            due = int((stroke.times <= now).sum())
            if due == 0:
                return False
            if self._point == 0:
                x, y = stroke.points[0]
                doc.begin_stroke(float(x), float(y), 1.0, self._width)
                self._point = 1
            for x, y in stroke.points[self._point:due]:
                doc.extend_stroke(float(x), float(y))
            self._point = max(self._point, due)
            if self._point < len(stroke.points):
                return False
            doc.end_stroke()
            self._stroke, self._point = self._stroke + 1, 0
        return True

    def _end(self, complete: bool) -> None:
        self._timer.stop()
        self._document.undo_stack.endMacro()
        self._canvas.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self._strokes = []
        self.finished.emit(complete)

    def _on_document_reset(self) -> None:
        """A project opened or the canvas was replaced: the drawing has nowhere to go."""
        if self.playing:
            self._end(False)
