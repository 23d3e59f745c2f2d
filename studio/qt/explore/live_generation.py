"""The generated image follows the point: every edit asks, the newest answer shows.

Decoding a point and reading it back with the recognizer take a millisecond or two,
but a slider drag asks hundreds of times a second, so requests go through a
LatestWins runner: one in flight, one waiting, stale answers dropped. The same job
scores the image, so the artist sees the moment a variation stops reading as its
digit.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import LatestWins
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.latent_jobs import generate
from studio.qt.sketch.recognizer_store import LoadedClassifier


class LiveGeneration(QObject):
    generated = Signal(int, object)  # (request number, latent_jobs.Generated)

    def __init__(self, state: ExplorerState, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._notifier = notifier
        self._classifier: LoadedClassifier | None = None
        self._runner = LatestWins(self, what="Generating the image")
        self._runner.returned.connect(self._on_runner_returned)
        self._runner.errored.connect(self._on_runner_errored)
        self.last_request = 0  # newest point's request number (the benchmark reads it)
        state.point_changed.connect(self.refresh)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def set_classifier(self, loaded: LoadedClassifier | None) -> None:
        self._classifier = loaded
        self.refresh()

    def refresh(self) -> None:
        state = self._state
        if state.generator is None:
            return
        self.last_request = self._runner.submit(generate, state.generator, state.coords.copy(),
                                                state.digit, self._classifier)

    def close(self) -> None:
        self._runner.close()

    def _on_runner_returned(self, number: int, generated) -> None:
        self.generated.emit(number, generated)

    def _on_runner_errored(self, number: int, error: Exception) -> None:
        self._notifier.error(f"Could not generate the image: {error}")
