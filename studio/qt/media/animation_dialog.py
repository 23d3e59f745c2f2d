"""Export a keyframe morph or latent walk as GIF, APNG or WebP.

The caller hands over the frames it has (an array [F, H, W] of ink coverage) or a
function that makes `count` frames (for paths that can be sampled at any density);
the artist picks the frame rate and the length in seconds, and the frames are
resampled to fit. Writing is studio.export.save_animation's job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.export import resample_frames, save_animation
from studio.export.animation import MAX_ANIMATION_SIZE, MAX_FPS, MAX_FRAMES
from studio.export.images import INK, PAPER
from studio.qt.base.workers import run_in_pool
from studio.qt.media.export_dialog import (
    ColourButton,
    PathChooser,
    report_failure,
    save_file_chooser,
)

FORMATS = {"GIF": (".gif", "GIF animation (*.gif)"),
           "APNG": (".png", "Animated PNG (*.png *.apng)"),
           "WebP": (".webp", "WebP animation (*.webp)")}
Frames = np.ndarray | Callable[[int], np.ndarray]
# (wav path, frames [F, H, W], seconds) -> the WAV written, in step with the animation
SoundWriter = Callable[[Path, np.ndarray, float], Path]


class AnimationExportDialog(QDialog):
    """Frame rate, length, looping, size, format and colours for one animation."""

    export_finished = Signal(bool)  # True: written to last_path; False: failed (message shown)

    def __init__(self, frames: Frames, notifier, parent: QWidget | None = None,
                 choose_path: PathChooser | None = None, title: str = "Morph",
                 sound_writer: Callable[[], SoundWriter] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self._frames = frames
        self._notifier = notifier
        self._title = title
        self._folder = Path.home()
        self._choose = choose_path or save_file_chooser(self, lambda: self._folder)
        self.last_path: Path | None = None
        self.sound_path: Path | None = None
        self._sound_writer = sound_writer  # asked on the GUI thread, at export time
        self.with_sound = QCheckBox("Also write its sound (WAV, same name)")
        self.with_sound.setToolTip("The frames sonified over the animation's length, with the "
                                   "Sound panel's settings, so the two play in step")
        self.with_sound.setVisible(sound_writer is not None)

        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
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
        for label, widget in (("Format", self.format), ("Frame rate", self.fps),
                              ("Length", self.seconds), ("", self.loop), ("Size", self.size),
                              ("", self.smooth), ("Ink", self.ink), ("Background", self.paper),
                              ("", self.transparent), ("", self.with_sound),
                              ("", self.summary)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.fps.valueChanged.connect(self._summarize)
        self.seconds.valueChanged.connect(self._summarize)
        self.transparent.toggled.connect(lambda on: self.paper.setEnabled(not on))
        self._summarize()

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
        self.export_button.setEnabled(False)
        self.export_button.setText("Exporting…")
        run_in_pool(_write_animation, self._frames, count, path, self.fps.value(),
                    self.loop.isChecked(), self.size.value(), self.smooth.isChecked(),
                    self.ink.colour(),
                    None if self.transparent.isChecked() else self.paper.colour(),
                    self._sound_writer() if self._sound_writer is not None
                    and self.with_sound.isChecked() else None,
                    on_returned=self._on_writer_returned, on_errored=self._on_writer_errored)

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
        self._done()
        report_failure(self._notifier, error)
        self.export_finished.emit(False)

    def _done(self) -> None:
        self.export_button.setEnabled(True)
        self.export_button.setText("Export…")


def _write_animation(frames: Frames, count: int, path: Path, fps: float, loop: bool, size: int,
                     smooth: bool, ink: tuple[int, int, int],
                     background: tuple[int, int, int] | None,
                     write_sound: SoundWriter | None) -> tuple[Path, Path | None, int]:
    """Runs in the pool (a long WebP takes seconds): frames, animation, then its sound."""
    frames = resample_frames(frames, count) if isinstance(frames, np.ndarray) else frames(count)
    save_animation(path, frames, fps, loop=loop, size=size, smooth=smooth, ink=ink,
                   background=background)
    sound = write_sound(path.with_suffix(".wav"), frames, count / fps) if write_sound else None
    return path, sound, count
