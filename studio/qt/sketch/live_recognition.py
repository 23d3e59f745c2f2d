"""Recognition while drawing: every change of the canvas asks, the newest answer shows.

Each change of the document snapshots its raster (a 256 KB copy, tens of
microseconds) and submits it through a LatestWins runner, so at most one
recognition runs and one waits, and the panel never shows an answer older than the
one it shows. A blank canvas shows nothing at once, without asking the network.

"Where it looks" runs on a second LatestWins channel, fed by each answer: saliency
costs several times a recognition (a batch forward and backward), and inside the
same job it made the bars lag (stroke to bars p50 25 ms instead of 6 ms in
benchmarks/recognition.py). Apart, the bars keep their pace and the overlay
follows as fast as it can.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import LatestWins
from studio.qt.sketch.recognizer_store import LoadedClassifier
from studio.qt.sketch.sketch_document import SketchDocument

ONE_DIGIT_WIDTH = 0.9  # ink narrower than this for its height, read confidently, is a digit


def recognize_snapshot(loaded: LoadedClassifier, raster: np.ndarray, full: bool = True):
    """Runs in the pool; returns studio.ml.recognition.number_reading.NumberReading.

    One digit is read exactly as it always was: the whole drawing, recognized. Ink no
    wider than a digit that reads confidently is taken as one without looking further
    (most requests while drawing are this). Not `full` (the pen is moving on a single
    digit) the whole drawing is the answer too: a half-drawn digit is often wide or
    doubtful, and reading it as a number cost the bars their pace (stroke to bars p95
    33 ms instead of 14 in benchmarks/recognition.py). Wider ink is segmented first,
    and several digits are read in one batch without the whole-drawing pass.
    """
    from studio.ml.recognition.number_reading import NumberReading, ReadDigit, read_number
    from studio.ml.recognition.recognize import recognize

    half = raster[::2, ::2]  # [SIDE / 2, SIDE / 2]: enough to find digits, 4x less to label
    rows, cols = np.flatnonzero(half.any(axis=1)), np.flatnonzero(half.any(axis=0))
    if len(rows) == 0:
        return NumberReading([])
    box = (int(cols[0]) * 2, int(rows[0]) * 2, int(cols[-1]) * 2 + 2, int(rows[-1]) * 2 + 2)
    whole = None
    if not full or box[2] - box[0] < ONE_DIGIT_WIDTH * (box[3] - box[1]):
        whole = recognize(loaded.model, raster, likeness=loaded.likeness)
        if whole.digit is None:
            return NumberReading([])
        if not full or not whole.unsure:
            return NumberReading([ReadDigit(box, whole)])
    ink = half.astype(np.float32) * (1 / 255)  # the canvas is white ink on black
    reading = read_number(loaded.model, raster, loaded.likeness, ink=ink, whole=whole,
                          split_alone=False, memo=loaded.memo)
    return NumberReading([ReadDigit(tuple(2 * v for v in d.box), d.recognition)
                          for d in reading.digits])


def saliency_of(loaded: LoadedClassifier, recognition):
    """Runs in the pool: (recognition, float32 [28, 28] saliency for its digit)."""
    from studio.ml.recognition.saliency import saliency_map

    return recognition, saliency_map(loaded.model, recognition.seen, recognition.digit)


class LiveRecognition(QObject):
    recognized = Signal(int, object)  # (request number, NumberReading; None for a blank canvas)
    looked = Signal(object, object)  # (Recognition, saliency [28, 28]) for the newest answer

    def __init__(self, document: SketchDocument, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notifier = notifier
        self._classifier: LoadedClassifier | None = None
        self._with_saliency = False
        self._runner = LatestWins(self, what="Recognizing the drawing")
        self._runner.returned.connect(self._on_runner_returned)
        self._runner.errored.connect(self._on_runner_errored)
        self._saliency = LatestWins(self, what="Where it looks")
        self._saliency.returned.connect(self._on_saliency_returned)
        self._saliency.errored.connect(self._on_runner_errored)
        self.last_request = 0  # request number of the newest canvas state (benchmarks read it)
        self._several = False  # the newest answer read several digits
        document.changed.connect(self.refresh)
        document.undo_stack.indexChanged.connect(self.refresh)  # a stroke ended: read it all

    @property
    def busy(self) -> bool:
        return self._runner.busy or self._saliency.busy

    @property
    def classifier(self) -> LoadedClassifier | None:
        return self._classifier

    def set_classifier(self, loaded: LoadedClassifier | None) -> None:
        self._classifier = loaded
        self._runner.invalidate()  # an answer from the old model must not show
        self.refresh()

    def set_saliency_enabled(self, enabled: bool) -> None:
        if enabled != self._with_saliency:
            self._with_saliency = enabled
            self.refresh()

    def refresh(self) -> None:
        """Ask about the document as it is now."""
        if self._document.is_blank():
            self.last_request = self._runner.invalidate()
            self._saliency.invalidate()
            self.recognized.emit(self.last_request, None)
            return
        if self._classifier is None:
            return  # the panel says "loading"; the model's arrival calls refresh again
        full = self._document.live_stroke is None or self._several
        self.last_request = self._runner.submit(recognize_snapshot, self._classifier,
                                                self._document.snapshot(), full)

    def close(self) -> None:
        self._runner.close()
        self._saliency.close()

    def _on_runner_returned(self, number: int, reading) -> None:
        self._several = reading is not None and len(reading.digits) > 1
        self.recognized.emit(number, reading)
        single = reading.single if reading is not None else None
        if single is None or single.digit is None:
            self._saliency.invalidate()  # where it looks: for one digit
        elif self._with_saliency:
            self._saliency.submit(saliency_of, self._classifier, single)

    def _on_saliency_returned(self, number: int, result: tuple) -> None:
        if self._with_saliency:
            self.looked.emit(*result)

    def _on_runner_errored(self, number: int, error: Exception) -> None:
        self._notifier.error(f"Recognition failed: {error}")
