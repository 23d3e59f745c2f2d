"""Before and after a repair, side by side, for the artist to accept or not.

A repair is a guess; it is shown first (the damaged digit with its hole in red, the
repaired one, and what the recognizer reads in each) and changes the canvas only
when the artist applies it, as one undoable step.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from studio.qt.base.qimage_arrays import array_to_gray, array_to_rgba
from studio.qt.explore.latent_jobs import Repaired
from studio.qt.widgets.digit_view import DigitView

HOLE_RGB = np.array([220, 40, 60], np.float32)


def hole_overlay(before: np.ndarray, hole: np.ndarray) -> QImage:
    """The damaged digit in white with its unknown pixels tinted red: RGBA [28, 28]."""
    ink = np.clip(np.asarray(before, np.float32), 0, 1)[..., None] * 255.0  # [28, 28, 1]
    rgb = np.repeat(ink, 3, axis=2)
    mask = np.asarray(hole, bool)
    rgb[mask] = 0.45 * HOLE_RGB + 0.55 * rgb[mask]
    alpha = np.full(ink.shape, 255.0, np.float32)
    return array_to_rgba(np.rint(np.concatenate([rgb, alpha], axis=2)).astype(np.uint8))


def _reading(recognition) -> str:
    if recognition is None or recognition.digit is None:
        return ""
    return f"reads as {recognition.digit} ({recognition.confidence:.0%})"


class RepairDialog(QDialog):
    apply_requested = Signal(object)  # Repaired
    explore_requested = Signal(object)  # Repaired

    def __init__(self, repaired: Repaired, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Repair")
        self.repaired = repaired
        repair = repaired.result.repair
        self.before = DigitView(side=220)
        self.before.set_image(hole_overlay(repair.before, repair.hole))
        self.before.setToolTip("The damaged digit as the VAE read it; red marks the erased part")
        self.after = DigitView(side=220)
        self.after.set_image(array_to_gray(repair.after))
        self.after.setToolTip(f"Repaired with {repaired.vae.name} as a {repair.digit}: "
                              f"the kept pixels are unchanged, the red part is filled in")
        grid = QGridLayout(self)
        for column, (title, view, recognition) in enumerate(
                (("Before", self.before, repaired.before), ("After", self.after, repaired.after))):
            heading = QLabel(f"<b>{title}</b> {_reading(recognition)}")
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(heading, 0, column)
            grid.addWidget(view, 1, column)
        buttons = QDialogButtonBox()
        self.apply_button = QPushButton("Apply to Canvas")
        self.apply_button.setToolTip("Replace the drawing with the repaired one (undo with Ctrl+Z)")
        self.explore_button = QPushButton("Open in Explorer")
        self.explore_button.setToolTip("Put the latent explorer at the repaired digit's point")
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.explore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.explore_button.clicked.connect(self._on_explore_clicked)
        grid.addWidget(buttons, 2, 0, 1, 2)

    def _on_apply_clicked(self) -> None:
        self.apply_requested.emit(self.repaired)
        self.accept()

    def _on_explore_clicked(self) -> None:
        self.explore_requested.emit(self.repaired)
        self.accept()
