"""The explorer's first control row: which generator, and which digit it draws.

A view only: it shows the choices and says what the artist asked for.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QToolButton,
    QWidget,
)

OPEN_ITEM = "Open generator…"


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
            # No generator loaded: nothing selected, so the list never names a model
            # the explorer does not have.
            self.models.setCurrentIndex(self._paths.index(active) if active in self._paths
                                        else -1)

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
