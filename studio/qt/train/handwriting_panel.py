"""The "My Handwriting" panel: keep drawings as labelled examples, review them, teach.

A view only: it shows the examples and the fine-tune's progress that the
HandwritingTeacher hands it, and reports what the user did through its signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.handwriting import DIGITS, MIN_TO_TEACH, Example
from studio.ml.training.progress import Progress
from studio.qt.train.training_run import describe
from studio.qt.widgets.thumbnail_list import ThumbnailList


class HandwritingPanel(QWidget):
    digit_clicked = Signal(int)  # keep the drawing as an example of this digit
    examples_deleted = Signal(list)  # [Path]: the user removed these from the list
    teach_clicked = Signal()
    stop_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._running = False
        intro = QLabel("Draw a digit, then press its key (or button) to keep it as an "
                       "example of your handwriting.")
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setSpacing(2)
        self.digit_buttons: list[QToolButton] = []
        self.count_labels: list[QLabel] = []
        for d in DIGITS:
            button = QToolButton()
            button.setText(str(d))
            button.setToolTip(f"Keep the drawing as an example of {d} (key {d})")
            button.setMinimumWidth(28)
            button.clicked.connect(lambda _checked=False, d=d: self._on_digit_button_clicked(d))
            count = QLabel("0")
            count.setAlignment(Qt.AlignmentFlag.AlignCenter)
            count.setToolTip(f"Examples of {d} kept so far")
            row, column = 2 * (d // 5), d % 5  # two rows of five keep the dock narrow
            grid.addWidget(button, row, column)
            grid.addWidget(count, row + 1, column)
            self.digit_buttons.append(button)
            self.count_labels.append(count)

        self.examples = ThumbnailList()
        self.examples.set_placeholder("Your kept examples appear here; select one and "
                                      "press Delete to remove it")
        self.examples.items_changed.connect(self._on_examples_items_changed)
        self._shown: list[Path] = []

        self.teach = QPushButton("Teach Recognizer")
        self.teach.clicked.connect(self.teach_clicked)
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop teaching; the recognizer stays as it was")
        self.stop.clicked.connect(self.stop_clicked)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_text = QLabel("")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        run_row = QHBoxLayout()  # the dock is narrow: the progress bar gets its own line
        run_row.addWidget(self.teach, 1)
        run_row.addWidget(self.stop)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.examples)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.set_running(False)
        self.show_examples([])

    # ---- what the teacher shows ------------------------------------------------------
    def show_examples(self, examples: list[Example]) -> None:
        """Replace the list and the counts with `examples` (sorted by label, then time)."""
        counts = dict.fromkeys(DIGITS, 0)
        for example in examples:
            counts[example.label] += 1
        for d in DIGITS:
            self.count_labels[d].setText(str(counts[d]))
        self.examples.blockSignals(True)
        self.examples.clear_all()
        for example in examples:
            self.examples.add(example.path, example.image, str(example.label))
        self.examples.blockSignals(False)
        self._shown = [e.path for e in examples]
        self._update_teach(len(examples))

    def set_running(self, running: bool) -> None:
        self._running = running
        self.progress.setVisible(running)
        self.stop.setVisible(running)
        self.stop.setEnabled(running)
        self.progress_text.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.progress_text.setText("Starting…")
            self.result.setText("")
        self._update_teach(len(self._shown))

    def show_progress(self, progress: Progress) -> None:
        self.progress.setValue(round(1000 * progress.fraction))
        self.progress_text.setText(describe(progress))

    def show_stopping(self) -> None:
        self.stop.setEnabled(False)
        self.progress_text.setText("Stopping…")

    def show_result(self, text: str) -> None:
        self.result.setStyleSheet("")
        self.result.setText(text)

    def show_error(self, text: str) -> None:
        self.result.setStyleSheet("color: #c0392b;")
        self.result.setText(text)

    @property
    def count(self) -> int:
        return len(self._shown)

    # ---- internals -----------------------------------------------------------------
    def _update_teach(self, count: int) -> None:
        enough = count >= MIN_TO_TEACH
        self.teach.setEnabled(enough and not self._running)
        if self._running:
            self.teach.setToolTip("Teaching now…")
        elif enough:
            self.teach.setToolTip(f"Fine-tune the recognizer on your {count} examples mixed "
                                  "with the bundled digits (a few seconds), and make it "
                                  "the active recognizer")
        else:
            self.teach.setToolTip(f"Keep at least {MIN_TO_TEACH} examples first "
                                  f"(you have {count})")

    def _on_digit_button_clicked(self, digit: int) -> None:
        self.digit_clicked.emit(digit)

    def _on_examples_items_changed(self) -> None:
        left = set(self.examples.payloads())
        removed = [path for path in self._shown if path not in left]
        self._shown = [path for path in self._shown if path in left]
        if removed:
            self.examples_deleted.emit(removed)
