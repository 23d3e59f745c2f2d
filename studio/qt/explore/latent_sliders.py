"""One row per latent direction: name, slider (+-3 sigma), exact value, lock.

A slider moves in steps of 0.01 sigma but the point it edits is exact (a random draw
or an encoded sketch is not on that grid). Each drag is measured from where it
started, so dragging away and back to the starting notch gives back the exact value,
and with it the exact image.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

from studio.qt.explore.explorer_state import SLIDER_RANGE

STEPS_PER_SIGMA = 100


def padlock_icon(closed: bool, size: int = 16) -> QIcon:
    """A small padlock (no icon theme is guaranteed on Linux, nor emoji in its fonts)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(230, 160, 40) if closed else QColor(150, 150, 150)
    p.setPen(QPen(colour, 1.6))
    shackle = QRectF(size * 0.28, size * 0.08, size * 0.44, size * 0.5)
    p.drawArc(shackle, 0, 180 * 16)
    p.drawLine(QPointF(shackle.left(), shackle.center().y()),
               QPointF(shackle.left(), size * 0.5))
    if closed:
        p.drawLine(QPointF(shackle.right(), shackle.center().y()),
                   QPointF(shackle.right(), size * 0.5))
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(size * 0.16, size * 0.46, size * 0.68, size * 0.46), 2, 2)
    p.end()
    return QIcon(pixmap)


class LatentSliders(QWidget):
    value_edited = Signal(int, float, int)  # (index, value in sigmas, gesture number)
    lock_toggled = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._rows: list[tuple[QLabel, QSlider, QDoubleSpinBox, QToolButton]] = []
        self._values = np.zeros(0, np.float32)
        # (row, exact value, notch) a drag starts from: the notch is the one the handle's
        # pixel maps back to, so dragging back to the start pixel gives the exact value
        self._anchor: tuple[int, float, int] | None = None
        self._gestures = itertools.count(1)
        self._gesture = 0
        self._icons = (padlock_icon(False), padlock_icon(True))

    # ---- public --------------------------------------------------------------------
    def set_axes(self, labels: Sequence[str], tips: Sequence[str] = ()) -> None:
        """Rebuild the rows for a generator with these directions (most effective first)."""
        for row in self._rows:
            for w in row:
                w.deleteLater()
        self._rows = []
        for i, label in enumerate(labels):
            self._rows.append(self._make_row(i, label, tips[i] if i < len(tips) else ""))
        self._values = np.zeros(len(labels), np.float32)

    def set_values(self, coords: np.ndarray) -> None:
        """Show a point without emitting anything."""
        coords = np.asarray(coords, np.float32)
        changed = (np.flatnonzero(coords != self._values) if coords.shape == self._values.shape
                   else range(len(self._rows)))
        self._values = coords.copy()
        for i in changed:  # a drag changes one row: repainting all 32 would cost frames
            _, slider, spin, _ = self._rows[i]
            with QSignalBlocker(slider), QSignalBlocker(spin):
                spin.setValue(float(self._values[i]))
                if not slider.isSliderDown():
                    slider.setValue(self._notch(float(self._values[i])))

    def set_locks(self, locks: set[int]) -> None:
        for i, (*_, lock) in enumerate(self._rows):
            with QSignalBlocker(lock):
                lock.setChecked(i in locks)
            lock.setIcon(self._icons[i in locks])

    def count(self) -> int:
        return len(self._rows)

    def slider(self, index: int) -> QSlider:
        return self._rows[index][1]

    def spin_box(self, index: int) -> QDoubleSpinBox:
        return self._rows[index][2]

    def lock_button(self, index: int) -> QToolButton:
        return self._rows[index][3]

    # ---- rows ----------------------------------------------------------------------
    def _make_row(self, i: int, label: str, tip: str) -> tuple:
        name = QLabel(label)
        name.setToolTip(tip or label)
        slider = QSlider(Qt.Orientation.Horizontal)
        notches = round(SLIDER_RANGE * STEPS_PER_SIGMA)
        slider.setRange(-notches, notches)
        slider.setPageStep(STEPS_PER_SIGMA // 2)
        slider.setToolTip(f"{label}: drag to move along this direction (±{SLIDER_RANGE:g} σ)")
        spin = QDoubleSpinBox()
        spin.setRange(-SLIDER_RANGE, SLIDER_RANGE)
        spin.setDecimals(3)
        spin.setSingleStep(0.1)
        spin.setKeyboardTracking(False)  # typing "1.5" must not jump through 1 first
        spin.setToolTip(f"{label}: type an exact value in σ")
        spin.setFixedWidth(72)
        lock = QToolButton()
        lock.setCheckable(True)
        lock.setIcon(self._icons[0])
        lock.setAutoRaise(True)
        lock.setToolTip(f"Lock {label}: Randomize and Reset leave it as it is")
        slider.sliderPressed.connect(lambda i=i: self._on_slider_pressed(i))
        slider.valueChanged.connect(lambda notch, i=i: self._on_slider_value_changed(i, notch))
        spin.valueChanged.connect(lambda v, i=i: self._on_spin_value_changed(i, v))
        lock.toggled.connect(lambda on, i=i: self._on_lock_toggled(i, on))
        for column, widget in enumerate((name, slider, spin, lock)):
            self._grid.addWidget(widget, i, column)
        return name, slider, spin, lock

    @staticmethod
    def _notch(value: float) -> int:
        return round(value * STEPS_PER_SIGMA)

    def _on_slider_pressed(self, i: int) -> None:
        self._gesture = next(self._gestures)
        self._anchor = (i, float(self._values[i]), _unmoved_notch(self._rows[i][1]))

    def _on_slider_value_changed(self, i: int, notch: int) -> None:
        slider = self._rows[i][1]
        if not (slider.isSliderDown() and self._anchor is not None and self._anchor[0] == i):
            # keyboard, wheel or a click on the groove: one step from the exact value
            self._gesture = next(self._gestures)
            self._anchor = (i, float(self._values[i]), self._notch(float(self._values[i])))
        _, exact, start = self._anchor
        value = exact if notch == start else float(np.clip(
            exact + (notch - start) / STEPS_PER_SIGMA, -SLIDER_RANGE, SLIDER_RANGE))
        self._values[i] = value
        with QSignalBlocker(self._rows[i][2]):
            self._rows[i][2].setValue(value)
        self.value_edited.emit(i, value, self._gesture)

    def _on_spin_value_changed(self, i: int, value: float) -> None:
        self._values[i] = value
        with QSignalBlocker(self._rows[i][1]):
            self._rows[i][1].setValue(self._notch(value))
        self.value_edited.emit(i, float(value), next(self._gestures))

    def _on_lock_toggled(self, i: int, on: bool) -> None:
        self._rows[i][3].setIcon(self._icons[on])
        self.lock_toggled.emit(i, on)


def _unmoved_notch(slider: QSlider) -> int:
    """The value QSlider computes for its handle's own pixel, as its drags do.

    With more notches than pixels the handle's pixel can map back to a neighbouring
    notch; QSlider reports that one as soon as the mouse moves, so a drag measures from
    it (QSlider::pixelPosToRangeValue, horizontal).
    """
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    style = slider.style()
    groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                  QStyle.SubControl.SC_SliderGroove, slider)
    handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                  QStyle.SubControl.SC_SliderHandle, slider)
    span = groove.right() - handle.width() + 1 - groove.x()
    return QStyle.sliderValueFromPosition(slider.minimum(), slider.maximum(),
                                          handle.x() - groove.x(), span, option.upsideDown)
