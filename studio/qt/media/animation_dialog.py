"""Export a keyframe morph, a latent walk or a drawing being drawn as GIF, APNG, WebP,
MP4 or WebM.

The caller hands over the frames it has (an array [F, H, W] of ink coverage) or a
function that makes `count` frames (for paths that can be sampled at any density);
the artist picks the frame rate and the length in seconds, and the frames are
resampled to fit. A video carries the sound inside it, an image animation gets a WAV
beside it. Writing runs on the pool (animation_writer.py) with a progress bar; Cancel
stops a video at its next frame and leaves no file (closing the dialog cancels too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.export.animation import MAX_ANIMATION_SIZE, MAX_FPS, MAX_FRAMES
from studio.export.images import INK, PAPER
from studio.qt.base.workers import run_in_pool
from studio.qt.media.animation_writer import AnimationJob, Frames, Sound, write_animation
from studio.qt.media.export_dialog import (
    ColourButton,
    PathChooser,
    report_failure,
    save_file_chooser,
)

FORMATS = {"GIF": (".gif", "GIF animation (*.gif)"),
           "APNG": (".png", "Animated PNG (*.png *.apng)"),
           "WebP": (".webp", "WebP animation (*.webp)"),
           "MP4": (".mp4", "MP4 video, H.264 and AAC (*.mp4)"),
           "WebM": (".webm", "WebM video, VP9 and Opus (*.webm)")}
VIDEO = ("MP4", "WebM")


class _Progress(QObject):
    """Emitted from the pool thread; the dialog's slot runs on the GUI thread (queued)."""

    advanced = Signal(int, int)  # frames done, frames in all


class AnimationExportDialog(QDialog):
    """Frame rate, length, looping, size, format and colours for one animation."""

    export_finished = Signal(bool)  # True: written to last_path; False: failed (message shown)

    def __init__(self, frames: Frames, notifier, parent: QWidget | None = None,
                 choose_path: PathChooser | None = None, title: str = "Morph",
                 sound_writer: Callable[[], Sound] | None = None, provenance=None,
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self._frames = frames
        self._notifier = notifier
        self._title = title
        self._folder = Path.home()
        self._choose = choose_path or save_file_chooser(self, lambda: self._folder)
        self.last_path: Path | None = None
        self._writing: Path | None = None
        self.sound_path: Path | None = None
        self._sound_writer = sound_writer  # asked on the GUI thread, at export time
        self._provenance = provenance  # carried by the formats that have a place for it
        self._metadata = metadata  # a video's container tags
        self._cancel = threading.Event()  # set by Cancel; the writer polls it per frame
        self._closing = False  # closed while writing: close once the writer has stopped
        self._progress = _Progress(self)
        self._progress.advanced.connect(self._on_progress)
        self.with_sound = QCheckBox()
        self.with_sound.setToolTip("The frames sonified over the animation's length, with the "
                                   "Sound panel's settings, so the two play in step")
        self.with_sound.setVisible(sound_writer is not None)

        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        self.quality = QSpinBox()
        self.quality.setRange(0, 100)
        self.quality.setValue(75)
        self.quality.setToolTip("Video quality: 0 is the smallest file, 100 the best picture "
                                "(constant quality: H.264 CRF 40 to 12, VP9 CRF 50 to 10)")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1.0, MAX_FPS)
        self.fps.setDecimals(1)
        self.fps.setValue(24.0)
        self.fps.setSuffix(" fps")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.1, MAX_FRAMES / 1.0)
        self.seconds.setDecimals(2)
        self.seconds.setSuffix(" s")
        given = len(frames) if isinstance(frames, np.ndarray) else 48
        self.seconds.setValue(max(0.1, given / 24.0))
        self.loop = QCheckBox("Loop forever")
        self.loop.setChecked(True)
        self.size = QSpinBox()
        self.size.setRange(16, MAX_ANIMATION_SIZE)
        self.size.setValue(256)
        self.size.setSuffix(" px")
        self.smooth = QCheckBox("Smooth upscaling")
        self.smooth.setChecked(True)
        self.ink = ColourButton(INK, "Ink colour")
        self.paper = ColourButton(PAPER, "Background colour")
        self.transparent = QCheckBox("Transparent background")
        self.summary = QLabel()

        form = QFormLayout()
        for label, widget in (("Format", self.format), ("Quality", self.quality),
                              ("Frame rate", self.fps),
                              ("Length", self.seconds), ("", self.loop), ("Size", self.size),
                              ("", self.smooth), ("Ink", self.ink), ("Background", self.paper),
                              ("", self.transparent), ("", self.with_sound),
                              ("", self.summary), ("", self.progress)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.rejected.connect(self._on_cancel_clicked)
        self.export_button.clicked.connect(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.fps.valueChanged.connect(self._summarize)
        self.seconds.valueChanged.connect(self._summarize)
        self.transparent.toggled.connect(self._fit_format)
        self.format.currentTextChanged.connect(self._fit_format)
        self._summarize()
        self._fit_format()

    @property
    def busy(self) -> bool:
        return not self.export_button.isEnabled()

    def _fit_format(self) -> None:
        """Video: quality, no loop flag, no transparency, sound inside; images: the rest."""
        video = self.format.currentText() in VIDEO
        self.quality.setEnabled(video)
        self.loop.setEnabled(not video)
        self.transparent.setEnabled(not video)
        self.paper.setEnabled(video or not self.transparent.isChecked())
        self.with_sound.setText("With its sound, inside the video" if video
                                else "Also write its sound (WAV, same name)")

    def frame_count(self) -> int:
        return max(1, round(self.seconds.value() * self.fps.value()))

    def _summarize(self) -> None:
        self.summary.setText(f"{self.frame_count()} frames")

    def export(self) -> None:
        """Ask for a file name, render the frames and write; on failure stay open."""
        fmt = self.format.currentText()
        suffix, file_filter = FORMATS[fmt]
        path = self._choose(f"Export {self._title} as {fmt}", file_filter)
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() not in (suffix, ".apng" if fmt == "APNG" else suffix):
            path = path.with_name(path.name + suffix)
        self._folder = path.parent
        count = self.frame_count()
        if count > MAX_FRAMES:
            self._notifier.error(f"{path}: {count} frames is more than {MAX_FRAMES}; "
                                 f"shorten it or lower the frame rate")
            self.export_finished.emit(False)
            return
        video = fmt in VIDEO
        sound = self._sound_writer() if self._sound_writer is not None \
            and self.with_sound.isChecked() else None
        job = AnimationJob(
            path, count, self.fps.value(), loop=self.loop.isChecked(), size=self.size.value(),
            smooth=self.smooth.isChecked(), ink=self.ink.colour(),
            background=self.paper.colour() if video or not self.transparent.isChecked()
            else None, quality=self.quality.value(), sound=sound,
            provenance=self._provenance, metadata=self._metadata if video else None)
        self._writing = path
        self._set_busy(True, video)
        emitter, cancel = self._progress, self._cancel

        def progress(done: int, total: int) -> None:  # on the pool thread
            try:
                emitter.advanced.emit(done, total)
            except RuntimeError:  # the dialog is gone; the cancel flag stops the writer
                cancel.set()

        run_in_pool(write_animation, self._frames, job, progress, cancel.is_set,
                    on_returned=self._on_writer_returned, on_errored=self._on_writer_errored)

    def cancel_export(self) -> None:
        """Stop the write at its next frame (a video); nothing is left behind."""
        if self.busy:
            self._cancel.set()
            self.cancel_button.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        """Esc or closing while writing: cancel the write, close once it has stopped."""
        if self.busy:
            self._closing = True
            self.cancel_export()
            return
        super().reject()

    def _on_cancel_clicked(self) -> None:
        """While writing, Cancel stops the write and the dialog stays; otherwise it closes."""
        if self.busy:
            self.cancel_export()
        else:
            self.reject()

    def closeEvent(self, event) -> None:
        if self.busy:
            self._closing = True
            self.cancel_export()
            event.ignore()
            return
        super().closeEvent(event)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_writer_returned(self, written: tuple[Path, Path | None, int]) -> None:
        path, self.sound_path, count = written
        self._done()
        self.last_path = path
        sound = f" and {self.sound_path.name}" if self.sound_path else ""
        self._notifier.info(f"Exported {path}{sound} ({count} frames at "
                            f"{self.fps.value():g} fps)")
        self.export_finished.emit(True)
        self.accept()

    def _on_writer_errored(self, error: Exception) -> None:
        from studio.export.video import Cancelled

        self._done()
        if isinstance(error, Cancelled):
            self._notifier.info(f"Export cancelled: {self._writing} was not written")
        else:
            report_failure(self._notifier, error)
        self.export_finished.emit(False)
        if self._closing:
            super().reject()

    def _set_busy(self, busy: bool, determinate: bool = False) -> None:
        self.export_button.setEnabled(not busy)
        self.export_button.setText("Exporting…" if busy else "Export…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.progress.setVisible(busy)
        self.progress.setRange(0, 1 if determinate else 0)  # 0, 0: busy, no fraction
        self.progress.setValue(0)
        if busy:
            self._cancel.clear()

    def _done(self) -> None:
        self._set_busy(False)

