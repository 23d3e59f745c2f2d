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

from studio.export import ExportError, resample_frames, save_animation
from studio.export.animation import MAX_ANIMATION_SIZE, MAX_FPS, MAX_FRAMES
from studio.export.images import INK, PAPER
from studio.ml.errors import StudioError
from studio.qt.export_dialog import ColourButton, PathChooser, save_file_chooser

FORMATS = {"GIF": (".gif", "GIF animation (*.gif)"),
           "APNG": (".png", "Animated PNG (*.png *.apng)"),
           "WebP": (".webp", "WebP animation (*.webp)")}
Frames = np.ndarray | Callable[[int], np.ndarray]
# (wav path, frames [F, H, W], seconds) -> the WAV written, in step with the animation
SoundWriter = Callable[[Path, np.ndarray, float], Path]


class AnimationExportDialog(QDialog):
    """Frame rate, length, looping, size, format and colours for one animation."""

    def __init__(self, frames: Frames, notifier, parent: QWidget | None = None,
                 choose_path: PathChooser | None = None, title: str = "Morph",
                 write_sound: SoundWriter | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self._frames = frames
        self._notifier = notifier
        self._title = title
        self._folder = Path.home()
        self._choose = choose_path or save_file_chooser(self, lambda: self._folder)
        self.last_path: Path | None = None
        self.sound_path: Path | None = None
        self._write_sound = write_sound
        self.with_sound = QCheckBox("Also write its sound (WAV, same name)")
        self.with_sound.setToolTip("The frames sonified over the animation's length, with the "
                                   "Sound panel's settings, so the two play in step")
        self.with_sound.setVisible(write_sound is not None)

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
        try:
            if count > MAX_FRAMES:
                raise ExportError(f"{path}: {count} frames is more than {MAX_FRAMES}; "
                                  f"shorten it or lower the frame rate")
            frames = (resample_frames(self._frames, count)
                      if isinstance(self._frames, np.ndarray) else self._frames(count))
            save_animation(path, frames, self.fps.value(), loop=self.loop.isChecked(),
                           size=self.size.value(), smooth=self.smooth.isChecked(),
                           ink=self.ink.colour(),
                           background=None if self.transparent.isChecked()
                           else self.paper.colour())
            if self._write_sound is not None and self.with_sound.isChecked():
                self.sound_path = self._write_sound(path.with_suffix(".wav"), frames,
                                                    count / self.fps.value())
        except StudioError as e:  # ExportError, or AudioError from the sound
            self._notifier.error(str(e))
            return
        self.last_path = path
        self._notifier.info(f"Exported {path} ({count} frames at {self.fps.value():g} fps)")
        self.accept()
