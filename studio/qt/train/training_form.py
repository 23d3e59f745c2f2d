"""The choices behind a training run: model kind, data, and the recipe's numbers.

Every field starts at the studio's own recipe for the kind (the one that trained
the bundled models), so Start gives a good model without touching anything. The
form reads nothing from disk and imports no torch; the trainer turns its answers
into a run on the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.ml.training.train_settings import DEFAULTS, TrainSettings, default_settings

KIND_LABELS = {"cnn": "Recognizer (CNN)", "vae": "Conditional VAE", "gan": "Conditional GAN",
               "strokes-lstm": "Stroke LSTM (the pen)",
               "strokes-transformer": "Stroke Transformer (the pen)"}
BUNDLED = "bundled"
MINE = "mine"  # the artist's own labelled drawings
CHOOSE = "choose"  # item that opens a folder dialog


class TrainingForm(QWidget):
    kind_changed = Signal(str)
    resume_cancelled = Signal()
    changed = Signal()  # any field of the form (a project keeps them)

    def __init__(self, my_drawings: Path | None = None,
                 choose_folder: Callable[[str], Path | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._my_drawings = my_drawings
        self._choose_folder = choose_folder or self._ask_folder
        self._folders: list[str] = []
        self._my_count = 0
        self.resume_from: Path | None = None

        self.kind_box = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind_box.addItem(label, kind)
        self.kind_box.setToolTip("Which model to train")
        self.data_box = QComboBox()
        self.data_box.setToolTip("What to learn from: the 5,000 bundled MNIST digits, your own "
                                 "labelled drawings, or a folder of IDX files or of class "
                                 "subfolders with images")
        self.epochs = _spin(1, 10_000, "Passes over the training data")
        self.batch = _spin(8, 4096, "Images per optimizer step")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1.0)
        self.lr.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr.setToolTip("Learning rate: lower it if the loss explodes")
        self.latent = _spin(0, 512, "Size of the latent space the explorer's sliders move in")
        self.latent.setSpecialValueText("—")  # 0: the recognizer has no latent space
        self.seed = _spin(0, 2**31 - 1, "The same seed and settings give the same model")
        self.device_box = QComboBox()
        self.device_box.addItem("CPU", "cpu")
        self.device_box.setToolTip("Where to train; GPUs appear here when torch can see one")
        self.reset_button = QPushButton("Defaults")
        self.reset_button.setToolTip("Put the studio's recipe for this kind back")
        self.resume_label = QLabel()
        self.resume_label.setWordWrap(True)
        self.resume_label.setStyleSheet("color: palette(highlight);")
        self.forget_button = QPushButton("Start Fresh")
        self.forget_button.setToolTip("Train a new model instead of continuing this one")
        self.resume_row = QWidget()
        row = QHBoxLayout(self.resume_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.resume_label, 1)
        row.addWidget(self.forget_button)
        self.resume_row.hide()

        form = QFormLayout()
        form.addRow("Model", self.kind_box)
        form.addRow("Data", self.data_box)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.lr)
        form.addRow("Latent size", self.latent)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.resume_row)
        layout.addLayout(form)
        layout.addWidget(self.reset_button)
        self._fill_data_choices(BUNDLED)
        self._show_defaults("cnn")
        self.kind_box.currentIndexChanged.connect(self._on_kind_box_changed)
        self.data_box.activated.connect(self._on_data_box_activated)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.forget_button.clicked.connect(self._on_forget_button_clicked)
        for spin in (self.epochs, self.batch, self.lr, self.seed, self.latent):
            spin.valueChanged.connect(self.changed)
        for box in (self.kind_box, self.data_box, self.device_box):
            box.currentIndexChanged.connect(self.changed)

    # ---- what the form says --------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.kind_box.currentData()

    def settings(self) -> TrainSettings:
        return replace(DEFAULTS[self.kind], epochs=self.epochs.value(),
                       batch_size=self.batch.value(), lr=self.lr.value(), seed=self.seed.value(),
                       device=self.device_box.currentData(),
                       latent_dim=None if not _has_latent(self.kind) else self.latent.value())

    def data_spec(self) -> str:
        """"bundled" or a folder path, as studio.ml.data.dataset_loader.load_data reads it."""
        value = self.data_box.currentData()
        if value == MINE:
            return str(self._my_drawings)
        return value

    def data_label(self) -> str:
        return self.data_box.currentText()

    # ---- changing it ---------------------------------------------------------------
    def set_kind(self, kind: str) -> None:
        self.kind_box.setCurrentIndex(self.kind_box.findData(kind))

    def set_data(self, spec: str) -> None:
        """Select "bundled", the artist's drawings, or a folder (added when new)."""
        if self._my_drawings is not None and spec == str(self._my_drawings):
            spec = MINE
        elif spec not in (BUNDLED, MINE) and spec not in self._folders:
            self._folders.insert(0, spec)
        self._fill_data_choices(spec)

    def set_my_drawings_count(self, count: int) -> None:
        self._my_count = count
        index = self.data_box.findData(MINE)
        if index >= 0:
            self.data_box.setItemText(index, f"My drawings ({count})")

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        current = self.device_box.currentData()
        self.device_box.clear()
        for value, label in devices:
            self.device_box.addItem(label, value)
        gpu = next((i for i, (value, _) in enumerate(devices) if value != "cpu"), None)
        keep = self.device_box.findData(current)
        self.device_box.setCurrentIndex(gpu if gpu is not None and current == "cpu" else
                                        max(keep, 0))

    def set_resume(self, path: Path | None, kind: str = "", epoch: int = 0,
                   latent_dim: int | None = None) -> None:
        """Continue `path` (a library checkpoint) instead of starting a new model."""
        self.resume_from = path
        self.resume_row.setVisible(path is not None)
        if path is None:
            self.kind_box.setEnabled(True)
            default = DEFAULTS[self.kind].latent_dim
            self.latent.setMinimum(0 if default is None else 1)
            self.latent.setValue(default or 0)
            self.latent.setEnabled(_has_latent(self.kind))
            return
        self.set_kind(kind)
        self.latent.setMinimum(0)
        self.latent.setValue(latent_dim or 0)
        self.kind_box.setEnabled(False)
        self.latent.setEnabled(False)  # part of the saved model, not a choice any more
        self.resume_label.setText(f"Continuing <b>{path.stem}</b> from epoch {epoch}: "
                                  f"Epochs is how many more to train.")

    def set_running(self, running: bool) -> None:
        for widget in (self.kind_box, self.data_box, self.epochs, self.batch, self.lr,
                       self.latent, self.seed, self.device_box, self.reset_button,
                       self.forget_button):
            widget.setEnabled(not running)
        if not running:
            self.kind_box.setEnabled(self.resume_from is None)
            self.latent.setEnabled(_has_latent(self.kind) and self.resume_from is None)

    # ---- slots ---------------------------------------------------------------------
    def _on_kind_box_changed(self, index: int) -> None:
        self._show_defaults(self.kind)
        self.kind_changed.emit(self.kind)

    def _on_reset_button_clicked(self) -> None:
        self._show_defaults(self.kind)

    def _on_forget_button_clicked(self) -> None:
        self.set_resume(None)
        self.resume_cancelled.emit()

    def _on_data_box_activated(self, index: int) -> None:
        if self.data_box.itemData(index) != CHOOSE:
            return
        folder = self._choose_folder("Choose a Folder of Training Data")
        if folder is None:
            self._fill_data_choices(self._folders[0] if self._folders else BUNDLED)
        else:
            self.set_data(str(folder))

    def _show_defaults(self, kind: str) -> None:
        d = default_settings(kind)
        self.epochs.setValue(d.epochs)
        self.batch.setValue(d.batch_size)
        self.lr.setValue(d.lr)
        self.seed.setValue(d.seed)
        if self.resume_from is None:
            self.latent.setMinimum(0 if d.latent_dim is None else 1)
            self.latent.setValue(d.latent_dim or 0)
        self.latent.setEnabled(_has_latent(kind) and self.resume_from is None)

    def _fill_data_choices(self, selected: str) -> None:
        self.data_box.blockSignals(True)
        self.data_box.clear()
        self.data_box.addItem("Bundled MNIST (5,000 digits)", BUNDLED)
        if self._my_drawings is not None:
            self.data_box.addItem(f"My drawings ({self._my_count})", MINE)
        for folder in self._folders:
            self.data_box.addItem(Path(folder).name or folder, folder)
            self.data_box.setItemData(self.data_box.count() - 1, folder,
                                      Qt.ItemDataRole.ToolTipRole)
        self.data_box.addItem("Choose Folder…", CHOOSE)
        self.data_box.setCurrentIndex(max(0, self.data_box.findData(selected)))
        self.data_box.blockSignals(False)

    def _ask_folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, title)
        return Path(folder) if folder else None


def _spin(low: int, high: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setToolTip(tip)
    box.setGroupSeparatorShown(True)
    return box


def _has_latent(kind: str) -> bool:
    """The VAE and GAN have a latent size to choose; the recognizer and the pen do not."""
    return DEFAULTS[kind].latent_dim is not None
