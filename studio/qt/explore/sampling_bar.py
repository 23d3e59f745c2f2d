"""The explorer's second control row: how new points are drawn (seed, truncation or temperature).

A view only: it shows the values and says what the artist asked for.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

SPREAD_NAMES = {
    "gan": ("Truncation", "Truncation ψ for new draws: values beyond ±ψ σ are redrawn. "
                          "Lower gives cleaner, more typical digits; higher, more variety"),
    "vae": ("Temperature", "Temperature for new draws: the prior's σ is scaled by it. "
                           "Lower gives cleaner, more typical digits; higher, more variety"),
}


class SamplingBar(QWidget):
    randomize_clicked = Signal()
    reset_clicked = Signal()
    seed_entered = Signal(int)
    spread_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.randomize = QPushButton("Randomize")
        self.randomize.setToolTip("A new random point; locked sliders keep their values (R)")
        self.randomize.clicked.connect(self.randomize_clicked)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to the centre of the latent space; locked sliders stay "
                              "(Shift+R)")
        self.reset.clicked.connect(self.reset_clicked)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("Seed of the random point: the same seed gives the same point")
        self.seed.valueChanged.connect(self.seed_entered)
        self.spread_label = QLabel()
        self.spread = QDoubleSpinBox()
        self.spread.setRange(0.1, 2.0)
        self.spread.setSingleStep(0.1)
        self.spread.setDecimals(2)
        self.spread.valueChanged.connect(self.spread_changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.randomize, self.reset, QLabel("Seed"), self.seed,
                       self.spread_label, self.spread):
            layout.addWidget(widget)
        layout.addStretch(1)

    def set_seed(self, seed: int) -> None:
        with QSignalBlocker(self.seed):
            self.seed.setValue(seed)

    def set_spread(self, kind: str, value: float) -> None:
        name, tip = SPREAD_NAMES[kind]
        self.spread_label.setText(name)
        for widget in (self.spread_label, self.spread):
            widget.setToolTip(tip)
        with QSignalBlocker(self.spread):
            self.spread.setValue(value)
