"""The Pen panel: which model draws, which digit, how freely, and the pen's commands.

A view only: it shows the choices and the state the PenController reports, and tells
it what the artist asked for through its signals. The buttons are the controller's
actions, so each one shows its shortcut in its tooltip and greys out with it.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QAction, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.qt.pen.pen_store import PEN_KINDS

GUESS = "The recognizer's guess"
MAX_NUMBER = 12  # digits written at once; more would be too small to read on the canvas


class PenPanel(QWidget):
    model_chosen = Signal(str)  # a PEN_KINDS key
    number_entered = Signal(str)  # the artist pressed Enter in the number field

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models = QComboBox()
        for kind, title in PEN_KINDS.items():
            self.models.addItem(title, kind)
        self.models.setToolTip("Which stroke model draws: the LSTM (Sketch-RNN style) or "
                               "the Transformer (causal self-attention)")
        self.models.activated.connect(self._on_models_activated)
        self.digit = QComboBox()
        self.digit.addItem(GUESS, None)
        for d in range(10):
            self.digit.addItem(str(d), d)
        self.digit.setToolTip("The digit the pen draws, or finishes your strokes toward")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 1.5)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.6)
        self.temperature.setToolTip("How freely the pen draws: low is careful and typical, "
                                    "high is loose and surprising")
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("The hand's seed: the same seed draws the same strokes. Each "
                             "drawing moves it on by one, so the next one differs")
        self.number = QLineEdit()
        self.number.setPlaceholderText("2026")
        self.number.setMaxLength(MAX_NUMBER)
        self.number.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]*"),
                                                             self.number))
        self.number.setToolTip("Digits for the pen to write left to right in one hand; "
                               "Enter writes them")
        self.number.returnPressed.connect(self._on_number_return_pressed)
        self.state = QLabel("Loading the pen…")
        self.state.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Model", self.models)
        form.addRow("Digit", self.digit)
        form.addRow("Temperature", self.temperature)
        form.addRow("Seed", self.seed)
        grid = QGridLayout()
        for i, name in enumerate(("draw", "finish", "keep", "dismiss", "compare")):
            grid.addWidget(_button(actions[name]), i // 2, i % 2)
        write = QHBoxLayout()
        write.addWidget(self.number, 1)
        write.addWidget(_button(actions["write"]))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addWidget(QLabel("Write a number"))
        layout.addLayout(write)
        layout.addWidget(self.state)
        layout.addStretch(1)

    def chosen_digit(self) -> int | None:
        """The digit chosen in the list; None for the recognizer's guess."""
        return self.digit.currentData()

    def take_seed(self) -> int:
        """The seed to draw with now; the field moves on by one for the next drawing."""
        seed = self.seed.value()
        self.seed.setValue(seed + 1 if seed < self.seed.maximum() else 0)
        return seed

    def set_state(self, text: str) -> None:
        self.state.setText(text)

    def show_model(self, kind: str) -> None:
        index = self.models.findData(kind)
        if index >= 0:
            self.models.setCurrentIndex(index)

    def _on_models_activated(self, index: int) -> None:
        self.model_chosen.emit(self.models.itemData(index))

    def _on_number_return_pressed(self) -> None:
        if self.number.text():
            self.number_entered.emit(self.number.text())


def _button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button
