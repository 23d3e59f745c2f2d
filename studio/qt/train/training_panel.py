"""The Train workspace: the run's form and controls, its live charts, and the library.

A view only: it shows what the Trainer tells it and emits what the artist asked
for. Buttons mirror actions (with shortcuts) that the window also puts in its
Train menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ml.training.progress import Progress
from studio.qt.train.training_charts import LossChart, MetricsTable, SampleGrid
from studio.qt.train.training_form import TrainingForm
from studio.qt.train.training_run import describe


class TrainingPanel(QWidget):
    def __init__(self, form: TrainingForm, library: QWidget, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.form = form
        self.library = library
        self.buttons: dict[str, QToolButton] = {}
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel("Choose a model and data, then Start.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = LossChart()
        self.metrics = MetricsTable()
        self.samples = SampleGrid()

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.addWidget(self.form)
        self._button_row = QHBoxLayout()
        left.addLayout(self._button_row)
        self._explore_row = QHBoxLayout()
        left.addLayout(self._explore_row)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addStretch(1)
        controls.setMinimumWidth(280)
        controls.setMaximumWidth(380)

        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.chart)
        charts.addWidget(self.metrics)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 1)
        run = QSplitter(Qt.Orientation.Horizontal)
        run.addWidget(controls)
        run.addWidget(charts)
        run.addWidget(self.samples)
        run.setStretchFactor(1, 3)
        run.setStretchFactor(2, 2)
        run.setSizes([300, 420, 320])  # samples at full size in a 1280-wide window
        shelf = QGroupBox("Model Library")
        QVBoxLayout(shelf).addWidget(self.library)
        whole = QSplitter(Qt.Orientation.Vertical)
        whole.addWidget(run)
        whole.addWidget(shelf)
        whole.setStretchFactor(0, 3)
        whole.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(whole)

    def add_button(self, name: str, action, explore_row: bool = False) -> QToolButton:
        """A button that triggers `action` and follows its text, tip and enabled state."""
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        (self._explore_row if explore_row else self._button_row).addWidget(button)
        self.buttons[name] = button
        return button

    # ---- what the trainer shows ----------------------------------------------------
    def start_run(self, what: str, caption: str) -> None:
        self.chart.reset()
        self.metrics.reset()
        self.samples.reset(caption)
        self.progress.setValue(0)
        self.status.setText(what)

    def show_progress(self, progress: Progress) -> None:
        self.progress.setValue(round(1000 * progress.fraction))
        self.status.setText(describe(progress))
        if progress.event == "step":
            self.chart.add(progress)

    def show_epoch(self, progress: Progress) -> None:
        self.chart.add(progress)
        self.metrics.add(progress)
        self.samples.show_preview(progress)

    def show_message(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b91c1c;" if error else "")
