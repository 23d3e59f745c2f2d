"""Export a picture (canvas, generated digit, sample sheet, a selection) as PNG or SVG.

The dialog only gathers choices and shows what the file will look like; drawing the
file is studio.export's job, so the CLI and the tests get the very same pictures.
A failed export (unwritable folder, full disk) is reported through the notifier and
the dialog stays open with every choice intact, so the artist can pick another place.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.export import (
    ExportError,
    Provenance,
    crop_to_ink,
    render,
    save_png,
    save_svg,
    trace_svg,
)
from studio.export.images import INK, PAPER
from studio.ml.errors import StudioError
from studio.qt.base.qimage_arrays import array_to_rgba
from studio.qt.base.workers import run_in_pool

PathChooser = Callable[[str, str], "Path | None"]
PREVIEW = 240
FILTERS = {"PNG": "PNG image (*.png)", "SVG": "SVG vector drawing (*.svg)"}


def save_file_chooser(parent: QWidget | None, start: Callable[[], Path]) -> PathChooser:
    """A choose_path backed by QFileDialog, starting in the folder last used."""
    def choose(title: str, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, title, str(start()), file_filter)
        return Path(name) if name else None
    return choose


class ColourButton(QPushButton):
    """A button showing a colour swatch; clicking it opens QColorDialog."""

    def __init__(self, colour: tuple[int, int, int], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self.set_colour(colour)
        self.clicked.connect(self._pick)

    def colour(self) -> tuple[int, int, int]:
        return self._colour

    def set_colour(self, colour: tuple[int, int, int]) -> None:
        self._colour = tuple(int(c) for c in colour)
        hex_ = "#{:02x}{:02x}{:02x}".format(*self._colour)
        self.setText(hex_)
        self.setStyleSheet(f"QPushButton {{ background: {hex_}; color: "
                           f"{'white' if sum(self._colour) < 384 else 'black'}; }}")

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(*self._colour), self, self._title)
        if chosen.isValid():
            self.set_colour((chosen.red(), chosen.green(), chosen.blue()))


class ExportDialog(QDialog):
    """Choices for one picture export, a live preview and an Export… button."""

    export_finished = Signal(bool)  # True: written to last_path; False: failed (message shown)

    def __init__(self, sources: dict[str, np.ndarray],
                 provenance: dict[str, Provenance | None], notifier,
                 parent: QWidget | None = None,
                 choose_path: PathChooser | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export image")
        self._sources = dict(sources)
        self._provenance = dict(provenance)
        self._notifier = notifier
        self._folder = Path.home()
        self._choose = choose_path or save_file_chooser(self, lambda: self._folder)
        self.last_path: Path | None = None

        self.source = QComboBox()
        self.source.addItems(list(self._sources))
        self.format = QComboBox()
        self.format.addItems(list(FILTERS))
        self.size = QSpinBox()
        self.size.setRange(16, 8192)
        self.size.setSingleStep(64)
        self.size.setValue(1024)
        self.size.setSuffix(" px")
        self.smooth = QComboBox()
        self.smooth.addItems(["Smooth", "Crisp pixels"])
        self.ink = ColourButton(INK, "Ink colour")
        self.paper = ColourButton(PAPER, "Background colour")
        self.transparent = QCheckBox("Transparent")
        self.crop = QCheckBox("Crop to ink")
        self.crop.setToolTip("Export only the drawing's bounding box, with a small margin")
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("QLabel { background: #808080; }")  # shows transparency

        paper_row = QHBoxLayout()
        paper_row.addWidget(self.paper)
        paper_row.addWidget(self.transparent)
        form = QFormLayout()
        form.addRow("Source", self.source)
        form.addRow("", self.crop)
        form.addRow("Format", self.format)
        form.addRow("Size", self.size)
        form.addRow("Upscaling", self.smooth)
        form.addRow("Ink", self.ink)
        form.addRow("Background", paper_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.export)
        body = QHBoxLayout()
        body.addLayout(form)
        body.addWidget(self.preview)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)

        for combo in (self.source, self.format, self.smooth):
            combo.currentIndexChanged.connect(self.update_preview)
        for box in (self.transparent, self.crop):
            box.toggled.connect(self.update_preview)
        self.transparent.toggled.connect(lambda on: self.paper.setEnabled(not on))
        self.ink.clicked.connect(self.update_preview)
        self.paper.clicked.connect(self.update_preview)
        self.format.currentTextChanged.connect(
            lambda text: self.smooth.setEnabled(text == "PNG"))
        self.export_button.setEnabled(bool(self._sources))
        self.update_preview()

    def image(self) -> np.ndarray | None:
        """The chosen source, cropped when asked: what the file will show."""
        image = self._sources.get(self.source.currentText())
        if image is None:
            return None
        return crop_to_ink(image) if self.crop.isChecked() else image

    def background(self) -> tuple[int, int, int] | None:
        return None if self.transparent.isChecked() else self.paper.colour()

    def update_preview(self) -> None:
        image = self.image()
        if image is None:
            self.preview.setText("Nothing to export")
            return
        try:
            picture = render(image, PREVIEW, self.smooth.currentIndex() == 0 or
                             self.format.currentText() == "SVG",
                             self.ink.colour(), self.background())
        except ExportError as e:
            self.preview.setText(str(e))
            return
        rgba = np.asarray(picture.convert("RGBA"))
        self.preview.setPixmap(QPixmap.fromImage(array_to_rgba(rgba)))

    def export(self) -> None:
        """Ask for a file name, then render and write on the pool (an 8192-px PNG takes
        seconds); `export_finished` says how it went. On failure the dialog stays open."""
        image = self.image()
        if image is None:
            return
        fmt = self.format.currentText()
        path = self._choose(f"Export {self.source.currentText()} as {fmt}", FILTERS[fmt])
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() != f".{fmt.lower()}":
            path = path.with_name(path.name + f".{fmt.lower()}")
        self._folder = path.parent
        self._set_busy(True)
        run_in_pool(_write_picture, fmt, image, path, self.size.value(),
                    self.smooth.currentIndex() == 0, self.ink.colour(), self.background(),
                    self._provenance.get(self.source.currentText()),
                    self.source.currentText(), on_returned=self._on_writer_returned,
                    on_errored=self._on_writer_errored)

    def _set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.export_button.setText("Exporting…" if busy else "Export…")

    def _on_writer_returned(self, path: Path) -> None:
        self._set_busy(False)
        self.last_path = path
        self._notifier.info(f"Exported {path}")
        self.export_finished.emit(True)
        self.accept()

    def _on_writer_errored(self, error: Exception) -> None:
        self._set_busy(False)
        report_failure(self._notifier, error)
        self.export_finished.emit(False)


def _write_picture(fmt: str, image: np.ndarray, path: Path, size: int, smooth: bool,
                   ink: tuple[int, int, int], background: tuple[int, int, int] | None,
                   provenance: Provenance | None, title: str) -> Path:
    """Runs in the pool: render and write all or nothing."""
    if fmt == "PNG":
        return save_png(path, render(image, size, smooth, ink, background), provenance)
    return save_svg(path, trace_svg(image, size, ink, background, title=title,
                                    provenance=provenance))


def report_failure(notifier, error: Exception) -> None:
    """A StudioError is the user's to fix and says so; anything else is a bug: details."""
    if isinstance(error, StudioError):
        notifier.error(str(error))
    else:
        notifier.error(f"Export failed: {error!r}",
                       "".join(traceback.format_exception(error)))
