"""Recognition while drawing: every change of the canvas asks, the newest answer shows.

Each change of the document snapshots its raster (a 256 KB copy, tens of
microseconds) and submits it through a LatestWins runner, so at most one
recognition runs and one waits, and the panel never shows an answer older than the
one it shows. A blank canvas shows nothing at once, without asking the network.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.qt.model_store import LoadedClassifier
from studio.qt.notifier import Notifier
from studio.qt.sketch_document import SketchDocument
from studio.qt.workers import LatestWins


def recognize_snapshot(loaded: LoadedClassifier, raster: np.ndarray, with_saliency: bool):
    """Runs in the pool; returns studio.ml.recognize.Recognition."""
    from studio.ml.recognize import recognize

    return recognize(loaded.model, raster, likeness=loaded.likeness, with_saliency=with_saliency)


class LiveRecognition(QObject):
    recognized = Signal(int, object)  # (request number, Recognition or None for a blank canvas)

    def __init__(self, document: SketchDocument, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notifier = notifier
        self._classifier: LoadedClassifier | None = None
        self._with_saliency = False
        self._runner = LatestWins(self)
        self._runner.returned.connect(self._on_runner_returned)
        self._runner.errored.connect(self._on_runner_errored)
        self.last_request = 0  # request number of the newest canvas state (benchmarks read it)
        document.changed.connect(self.refresh)

    @property
    def busy(self) -> bool:
        return self._runner.busy

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
            self.recognized.emit(self.last_request, None)
            return
        if self._classifier is None:
            return  # the panel says "loading"; the model's arrival calls refresh again
        self.last_request = self._runner.submit(recognize_snapshot, self._classifier,
                                                self._document.snapshot(), self._with_saliency)

    def close(self) -> None:
        self._runner.close()

    def _on_runner_returned(self, number: int, recognition: object) -> None:
        self.recognized.emit(number, recognition)

    def _on_runner_errored(self, number: int, error: Exception) -> None:
        self._notifier.error(f"Recognition failed: {error}")
