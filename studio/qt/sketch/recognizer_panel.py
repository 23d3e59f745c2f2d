"""The recognizer panel: the answer, all ten probabilities, what the net sees, where it looks.

A view only: it shows what LiveRecognition and the RecognizerStore report, and tells the
window what the user asked for through its signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from studio.qt.sketch.recognizer_store import LoadedClassifier
from studio.qt.widgets.digit_view import DigitView
from studio.qt.widgets.probability_bars import ProbabilityBars

OPEN_ITEM = "Open checkpoint…"


class RecognizerPanel(QWidget):
    saliency_toggled = Signal(bool)
    classifier_chosen = Signal(object)  # Path, or None for the default model
    open_classifier_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models = QComboBox()
        self.models.setToolTip("Which classifier recognizes the drawing")
        self.models.activated.connect(self._on_models_activated)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)

        self.digit = QLabel("")
        font = QFont(self.font())
        font.setPointSize(56)
        font.setBold(True)
        self.digit.setFont(font)
        self.digit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit.setMinimumWidth(90)
        self.verdict = QLabel("Loading the recognizer…")
        self.verdict.setWordWrap(True)
        self.bars = ProbabilityBars()
        self.seen = DigitView("nothing yet", smooth=False, side=140, minimum=84)
        self.seen.setToolTip("The 28x28 image the network reads: your drawing cropped, "
                             "scaled into 20x20 and centred by its mass, as in MNIST")
        self.where = QCheckBox("Where it looks")
        self.where.setToolTip("Overlay the pixels that most change the answer (SmoothGrad "
                              "saliency) on the canvas (W)")
        self.where.toggled.connect(self.saliency_toggled)

        answer = QHBoxLayout()
        answer.addWidget(self.digit)
        answer.addWidget(self.verdict, 1)
        seen_row = QHBoxLayout()
        seen_box = QVBoxLayout()
        seen_box.addWidget(QLabel("What the network sees"))
        seen_box.addWidget(self.seen)
        seen_row.addLayout(seen_box)
        seen_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.models)
        layout.addWidget(self.busy)
        layout.addLayout(answer)
        layout.addWidget(self.bars)
        layout.addLayout(seen_row)
        layout.addWidget(self.where)
        layout.addStretch(1)
        self.set_choices([], None)
        self.show_loading("Default")

    # ---- model choice --------------------------------------------------------------
    def set_choices(self, recent: list[str], current: Path | None) -> None:
        """Fill the model list: the default, recently opened checkpoints, and Open…"""
        self.models.blockSignals(True)
        self.models.clear()
        self.models.addItem("Default (bundled)", "")
        for path in recent:
            self.models.addItem(Path(path).name, str(path))
            self.models.setItemData(self.models.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        self.models.addItem(OPEN_ITEM, OPEN_ITEM)
        index = 0 if current is None else max(self.models.findData(str(current)), 0)
        self.models.setCurrentIndex(index)
        self.models.blockSignals(False)

    def _on_models_activated(self, index: int) -> None:
        data = self.models.itemData(index)
        if data == OPEN_ITEM:
            self.open_classifier_requested.emit()
        else:
            self.classifier_chosen.emit(Path(data) if data else None)

    # ---- states --------------------------------------------------------------------
    def show_loading(self, name: str) -> None:
        self.busy.show()
        self.models.setEnabled(False)
        self._show_nothing(f"Loading the recognizer ({name})…")

    def show_model(self, loaded: LoadedClassifier) -> None:
        self.busy.hide()
        self.models.setEnabled(True)
        acc = f", {100 * loaded.accuracy:.1f}% on its test set" if loaded.accuracy else ""
        self.models.setToolTip(f"{loaded.path}{acc}")
        self._show_nothing("Draw a digit")

    def show_failure(self, message: str, have_model: bool) -> None:
        self.busy.hide()
        self.models.setEnabled(True)
        if not have_model:
            self._show_nothing("No recognizer: choose or open a classifier checkpoint above.")
        self.verdict.setToolTip(message)

    def show_recognition(self, number: int, recognition) -> None:
        """Recognition from studio.ml.recognition.recognize, or None for a blank canvas."""
        if recognition is None or recognition.digit is None:
            self._show_nothing("Draw a digit", tag=number)
            return
        r = recognition
        self.seen.set_array(r.seen)
        if r.unsure:
            self.digit.setText("?")
            self.digit.setEnabled(False)
            why = ("this does not look like a digit" if r.unlike_digit
                   else f"maybe {r.digit} ({100 * r.confidence:.0f}%)")
            self.verdict.setText(f"Unsure: {why}")
        else:
            self.digit.setText(str(r.digit))
            self.digit.setEnabled(True)
            self.verdict.setText(f"{100 * r.confidence:.0f}% sure")
        self.bars.set_values(r.probabilities, tag=number, muted=r.unsure)

    def show_number(self, number: int, reading) -> None:
        """Several digits (a NumberReading): the number, and how sure of each digit."""
        digits = reading.digits
        self.digit.setText(reading.number)
        self.digit.setEnabled(not reading.unsure)
        parts = [f"{d.recognition.digit}{'?' if d.recognition.unsure else ''} "
                 f"{100 * d.recognition.confidence:.0f}%" for d in digits]
        self.verdict.setText(f"{len(digits)} digits: " + " · ".join(parts))
        self.verdict.setToolTip("Each digit with how sure the recognizer is of it; "
                                "? marks an unsure one")
        self.bars.set_values(None, tag=number)
        self.seen.set_array(None)

    @property
    def shown_digit(self) -> str:
        return self.digit.text()

    def _show_nothing(self, message: str, tag: int = 0) -> None:
        self.digit.setText("")
        self.verdict.setText(message)
        self.bars.set_values(None, tag=tag)
        self.seen.set_array(None)
