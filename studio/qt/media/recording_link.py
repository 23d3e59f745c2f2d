"""Recordings on the canvas: a WAV, FLAC or OGG opened as its spectrogram, heard through it.

Opening decodes the file and makes its picture on the pool (studio.audio.recording_sound)
and places the picture on the canvas as one undoable step, like an imported image; a bad
file leaves the canvas as it was and says why. The recording stays linked while the
canvas's base picture is the one it placed: the Sound panel then renders the canvas, with
every brush and eraser stroke on it, through the recording's own phase (resynthesize), so
listening plays the recording as edited rather than an inversion of a 512-pixel picture.
While linked, the panel follows the canvas a moment after each change. Changing the
range, rate or duration in the panel, or replacing the canvas, unlinks it: the picture
is then sonified like any other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from studio.audio.audio_errors import AudioError
from studio.audio.audio_files import AUDIO_SUFFIXES, is_audio_path
from studio.audio.recording_sound import Recording, open_recording
from studio.audio.sonify import SonifySettings
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.media.sound_panel import SoundPanel
from studio.qt.sketch.sketch_document import SIDE, SketchDocument

RECORDING_FILTER = "Recordings (" + " ".join(f"*{s}" for s in AUDIO_SUFFIXES) + ")"
FOLLOW_MS = 300  # after the last canvas change, the panel takes the edited picture
DURATION_STEP = 0.051  # the panel shows seconds to one decimal


class RecordingLink(QObject):
    opened = Signal(str)  # name of the recording placed on the canvas
    failed = Signal(str)  # message

    def __init__(self, document: SketchDocument, panel: SoundPanel, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._panel = panel
        self._notifier = notifier
        self._recording: Recording | None = None
        self._ink: np.ndarray | None = None  # the base picture the recording placed
        self._in_flight = 0
        panel.linked_recording = self.recording_for
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._on_follow_timeout)
        document.changed.connect(self._follow.start)

    @staticmethod
    def handles(path: Path) -> bool:
        """True for a file this opens (by suffix), so the window routes it here."""
        return is_audio_path(path)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    @property
    def recording(self) -> Recording | None:
        """The linked recording, while the canvas still holds its picture."""
        if self._recording is None or self._document.base is None:
            return None
        if not np.array_equal(self._document.base, self._ink):
            return None
        return self._recording

    def open_file(self, path: Path) -> None:
        """Decode `path` and make its picture on the pool; place it when ready."""
        try:
            settings = self._panel.settings().check()
        except AudioError as e:  # a panel setting out of range: reported, nothing opened
            self._report(f"{Path(path).name}: {e}")
            return
        self._in_flight += 1
        run_in_pool(open_recording, Path(path), settings, SIDE, SIDE,
                    on_returned=self._on_open_returned, on_errored=self._on_open_errored)

    def recording_for(self, image: np.ndarray, settings: SonifySettings) -> Recording | None:
        """The recording `image` should be heard through: the linked one when `image` is
        its picture's size and the settings still draw the picture's mapping."""
        recording = self.recording
        if recording is None or np.shape(image) != recording.picture.shape:
            return None
        own = recording.settings
        if (settings.rate, settings.low_hz, settings.high_hz, settings.dynamic_range_db) != (
                own.rate, own.low_hz, own.high_hz, own.dynamic_range_db):
            return None
        if abs(settings.duration_s - own.duration_s) > DURATION_STEP:
            return None
        return recording

    def _on_open_returned(self, recording: Recording) -> None:
        self._in_flight -= 1
        ink = np.rint(recording.picture * 255).astype(np.uint8)
        self._document.place_image(ink, recording.name)
        self._recording, self._ink = recording, ink
        self._follow.stop()
        self._panel.set_image(self._canvas(), recording.name,
                              duration_s=recording.settings.duration_s)
        self._notifier.info(f"Opened {recording.name} ({recording.settings.duration_s:.1f} s) "
                            "into the canvas as its spectrogram: paint or erase, then listen "
                            "in the Sound panel (Ctrl+Z to undo)")
        self.opened.emit(recording.name)

    def _on_open_errored(self, error: Exception) -> None:
        self._in_flight -= 1
        self._report(str(error))

    def _report(self, message: str) -> None:
        self._notifier.error(f"Could not open the recording. {message}. The canvas is "
                             "unchanged.")
        self.failed.emit(message)

    def _on_follow_timeout(self) -> None:
        """The panel takes the edited canvas while it is listening to the recording."""
        recording = self.recording
        if recording is None or self._panel.image is None:
            return
        if self.recording_for(self._panel.image, self._panel.settings()) is recording:
            self._panel.set_image(self._canvas(), recording.name)

    def _canvas(self) -> np.ndarray:
        return self._document.snapshot().astype(np.float32) / 255
