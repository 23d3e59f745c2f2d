"""Playing a morph through keyframes: frames decoded on the pool, shown on a timer.

A whole path decodes in milliseconds, so it is rendered once up front and then
played at a steady frame rate: a timer that waited on a decode per frame would
stutter whenever the pool is busy with recognition.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from studio.ml.latent.latent_frames import LoadedGenerator, morph_frames
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool

FPS = 30


def _numbered_frames(number: int, *args: object) -> tuple[int, np.ndarray]:
    """Runs in the pool; the number tells a stale path from the one still wanted."""
    return number, morph_frames(*args)


class MorphPlayer(QObject):
    frame_shown = Signal(object, int, int)  # (image float32 [28, 28], index, frame count)
    finished = Signal()  # the last frame of a path without loop was shown
    stopped = Signal()  # playback ended for any reason (finished, stop, failure)

    def __init__(self, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._frames: np.ndarray | None = None  # [F, 28, 28]
        self._index = 0
        self._loop = False
        self._requests = itertools.count(1)
        self._wanted = 0  # the request whose frames may play
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(1000 / FPS))
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def playing(self) -> bool:
        return self._wanted != 0

    @property
    def frames(self) -> np.ndarray | None:
        return self._frames

    def play(self, generator: LoadedGenerator, points: np.ndarray, digits: list[int],
             seconds_per_segment: float, loop: bool) -> None:
        self.stop()
        self._loop = loop
        number = next(self._requests)
        self._wanted = number
        frames_per_segment = max(2, round(seconds_per_segment * FPS))
        run_in_pool(_numbered_frames, number, generator, points, digits, frames_per_segment,
                    loop, on_returned=self._on_frames_ready, on_errored=self._on_frames_errored)

    def stop(self) -> None:
        was_playing = self.playing
        self._timer.stop()
        self._wanted = 0
        if was_playing:
            self.stopped.emit()

    def _on_frames_ready(self, result: tuple[int, np.ndarray]) -> None:
        number, frames = result
        if number != self._wanted:
            return  # stopped, or a newer play was asked for
        self._frames = frames
        self._index = 0
        self._show_next()
        if self.playing:
            self._timer.start()

    def _on_frames_errored(self, error: Exception) -> None:
        self._notifier.error(f"Could not play the morph: {error}")
        self.stop()

    def _on_timer_timeout(self) -> None:
        self._show_next()

    def _show_next(self) -> None:
        frames = self._frames
        self.frame_shown.emit(frames[self._index], self._index, len(frames))
        self._index += 1
        if self._index < len(frames):
            return
        if self._loop:
            self._index = 0
        else:
            self.finished.emit()
            self.stop()
