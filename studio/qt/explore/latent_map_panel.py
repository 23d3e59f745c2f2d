"""The latent map's controls: which two directions, how far the map reaches, how many cells."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.qt.explore.latent_map_view import LatentMapView, cell_offset


class OddSpinBox(QSpinBox):
    """A spin box that only settles on odd numbers, so the map always has a centre."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSingleStep(2)
        self.valueChanged.connect(self._on_self_value_changed)

    def validate(self, text: str, pos: int) -> object:
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Acceptable and self.valueFromText(text) % 2 == 0:
            state = QValidator.State.Intermediate  # Enter or leaving the box rounds it
        return state, text, pos

    def fixup(self, text: str) -> str:
        try:
            value = int(text.removesuffix(self.suffix()).strip())
        except ValueError:
            return super().fixup(text)
        return str(self._odd(value))

    def _odd(self, value: int) -> int:
        if value % 2 == 0:
            value = value + 1 if value + 1 <= self.maximum() else value - 1
        return min(max(value, self.minimum()), self.maximum())

    def _on_self_value_changed(self, value: int) -> None:
        if value % 2 == 0:
            self.setValue(self._odd(value))  # set from code: round it here


class LatentMapPanel(QWidget):
    """The map and what it shows: two directions, how far it reaches, how many cells."""

    settings_changed = Signal(int, int, float, int)  # across, down, span, size
    cell_clicked = Signal(int, int)  # row, col

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = LatentMapView()
        self.view.cell_clicked.connect(self.cell_clicked)
        self.view.describe_cell = self._describe_cell
        self.across_box = QComboBox()
        self.across_box.setToolTip("The direction the map walks along from left to right")
        self.down_box = QComboBox()
        self.down_box.setToolTip("The direction the map walks along from top to bottom")
        self.span_box = QDoubleSpinBox()
        self.span_box.setRange(0.5, 3.0)
        self.span_box.setSingleStep(0.25)
        self.span_box.setDecimals(2)
        self.span_box.setValue(2.0)
        self.span_box.setSuffix(" σ")
        self.span_box.setKeyboardTracking(False)
        self.span_box.setToolTip("How far the map reaches along each direction")
        self.size_box = OddSpinBox()
        self.size_box.setRange(3, 11)
        self.size_box.setValue(7)
        self.size_box.setKeyboardTracking(False)
        self.size_box.setToolTip("Cells along each side of the map (odd, so the current "
                                 "point sits in the middle)")
        self._across, self._down = 0, 1
        self.set_directions(["direction 1", "direction 2"])
        self.across_box.currentIndexChanged.connect(self._on_across_box_changed)
        self.down_box.currentIndexChanged.connect(self._on_down_box_changed)
        self.span_box.valueChanged.connect(self._emit_settings)
        self.size_box.valueChanged.connect(self._on_size_box_changed)

        controls = QGridLayout()
        for column, (text, box) in enumerate((("Across", self.across_box),
                                              ("Down", self.down_box))):
            self._add_labelled(controls, 0, 2 * column, text, box)
        self._add_labelled(controls, 1, 0, "Span", self.span_box)
        self._add_labelled(controls, 1, 2, "Size", self.size_box)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)

    @staticmethod
    def _add_labelled(grid: QGridLayout, row: int, column: int, text: str,
                      box: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(box)
        label.setToolTip(box.toolTip())
        grid.addWidget(label, row, column)
        grid.addWidget(box, row, column + 1)

    # ---- settings ----------------------------------------------------------------
    def set_directions(self, labels: list[str]) -> None:
        """Name the directions the combos offer; keeps the choice where it still fits.

        Emits nothing: whoever changes the directions computes the new map anyway.
        """
        n = len(labels)
        across = self._across if self._across < n else 0
        down = self._down if self._down < n and self._down != across else (
            1 if across == 0 and n > 1 else 0)
        for box, index in ((self.across_box, across), (self.down_box, down)):
            box.blockSignals(True)
            box.clear()
            box.addItems(labels)
            box.setCurrentIndex(index if n else -1)
            box.blockSignals(False)
        self.down_box.setEnabled(n > 1)
        self._across, self._down = across, down

    def set_view(self, across: int, down: int, span: float) -> None:
        """A project's map: two different directions the combos offer, and the span."""
        n = self.across_box.count()
        if across < n and down < n and across != down:
            for box, index in ((self.across_box, across), (self.down_box, down)):
                box.blockSignals(True)
                box.setCurrentIndex(index)
                box.blockSignals(False)
            self._across, self._down = across, down
        self.span_box.setValue(span)  # emits settings_changed: the map is redrawn

    def across(self) -> int:
        return self._across

    def down(self) -> int:
        return self._down

    def span(self) -> float:
        return float(self.span_box.value())

    def grid_size(self) -> int:
        """Cells along each side (odd). Named so as not to hide QWidget.size()."""
        return self.size_box.value()

    def set_cells(self, images: np.ndarray | None) -> None:
        self.view.set_cells(images)

    def set_placeholder(self, text: str) -> None:
        self.view.set_placeholder(text)

    # ---- slots -------------------------------------------------------------------
    def _on_across_box_changed(self, index: int) -> None:
        if index < 0:
            return
        if index == self._down:  # the same direction twice: swap them
            self._set_silently(self.down_box, self._across)
            self._down = self._across
        self._across = index
        self._emit_settings()

    def _on_down_box_changed(self, index: int) -> None:
        if index < 0:
            return
        if index == self._across:
            self._set_silently(self.across_box, self._down)
            self._across = self._down
        self._down = index
        self._emit_settings()

    def _on_size_box_changed(self, value: int) -> None:
        if value % 2:  # the box rounds even values and calls again
            self._emit_settings()

    def _emit_settings(self) -> None:
        self.settings_changed.emit(self._across, self._down, self.span(), self.grid_size())

    @staticmethod
    def _set_silently(box: QComboBox, index: int) -> None:
        box.blockSignals(True)
        box.setCurrentIndex(index)
        box.blockSignals(False)

    def _describe_cell(self, row: int, col: int) -> str:
        rows, cols = self.view.grid_shape()
        dx = cell_offset(col, cols, self.span())
        dy = cell_offset(row, rows, self.span())
        return (f"{self.across_box.currentText()} {dx:+.2f} σ, "
                f"{self.down_box.currentText()} {dy:+.2f} σ: click to go there")
