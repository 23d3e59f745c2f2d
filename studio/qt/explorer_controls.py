"""The explorer's two control rows: which generator and digit; how points are drawn.

Views only: they show values and say what the artist asked for.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

OPEN_ITEM = "Open generator…"
SPREAD_NAMES = {
    "gan": ("Truncation", "Truncation ψ for new draws: values beyond ±ψ σ are redrawn. "
                          "Lower gives cleaner, more typical digits; higher, more variety"),
    "vae": ("Temperature", "Temperature for new draws: the prior's σ is scaled by it. "
                           "Lower gives cleaner, more typical digits; higher, more variety"),
}


class GeneratorBar(QWidget):
    generator_chosen = Signal(object)  # Path
    open_requested = Signal()
    digit_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models = QComboBox()
        self.models.setToolTip("Which generator to explore: the default GAN or VAE, or a "
                               "checkpoint you trained or opened (Ctrl+Shift+O)")
        self.models.setMinimumContentsLength(16)
        self.models.activated.connect(self._on_models_activated)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumSize(80, 8)
        self.busy.setTextVisible(False)
        self.busy.setToolTip("Working…")
        self.busy.hide()
        self.digits = QButtonGroup(self)
        self.digits.idClicked.connect(self.digit_chosen)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Generator"))
        layout.addWidget(self.models)
        layout.addWidget(self.busy)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Digit"))
        self._digit_layout = QHBoxLayout()
        self._digit_layout.setSpacing(1)
        layout.addLayout(self._digit_layout)
        layout.addStretch(1)
        self._paths: list[Path] = []
        self.set_num_classes(10)

    def set_choices(self, entries: list[tuple[str, Path]], active: Path | None) -> None:
        """(name, checkpoint path) pairs; the active one is selected."""
        with QSignalBlocker(self.models):
            self.models.clear()
            self._paths = [path for _, path in entries]
            for name, path in entries:
                self.models.addItem(name)
                self.models.setItemData(self.models.count() - 1, str(path),
                                        Qt.ItemDataRole.ToolTipRole)
            self.models.addItem(OPEN_ITEM)
            if active in self._paths:
                self.models.setCurrentIndex(self._paths.index(active))

    def set_num_classes(self, count: int) -> None:
        for button in self.digits.buttons():
            self.digits.removeButton(button)
            button.deleteLater()
        for digit in range(count):
            button = QToolButton()
            button.setText(str(digit))
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(f"Generate {digit}s ({digit})" if digit < 10 else f"Class {digit}")
            self.digits.addButton(button, digit)
            self._digit_layout.addWidget(button)

    def set_digit(self, digit: int) -> None:
        button = self.digits.button(digit)
        if button is not None:
            button.setChecked(True)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def _on_models_activated(self, index: int) -> None:
        if index >= len(self._paths):
            self.open_requested.emit()
        else:
            self.generator_chosen.emit(self._paths[index])


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
