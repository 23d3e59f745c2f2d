"""What a run shows while it trains: loss curves, per-epoch metrics and sample grids.

The curves are pyqtgraph (fast enough to redraw a few times a second for runs of
any length); they get a point per report, which the loop sends every quarter
second, never per step. The sample grid uses the same fixed seed at every epoch,
so the artist watches the same digits take shape.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ml.training.progress import Progress
from studio.qt.base.qimage_arrays import array_to_gray

CURVE_COLOURS = ("#3b82f6", "#f97316", "#10b981", "#e11d48", "#8b5cf6")
LOSS_TITLES = {"loss": "loss", "d_loss": "discriminator", "g_loss": "generator",
               "recon": "reconstruction", "kl": "KL", "neg_elbo": "negative ELBO"}
METRIC_TITLES = {"accuracy": "Accuracy", "test_loss": "Test loss", "neg_elbo": "Neg. ELBO",
                 "class_fidelity": "Class fidelity", "recon": "Reconstruction", "kl": "KL"}
PERCENT = {"accuracy", "class_fidelity"}


class LossChart(pg.PlotWidget):
    """One curve per loss the recipe reports, against optimizer steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumHeight(160)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "step")
        self.setLabel("left", "loss")
        self.getPlotItem().setMenuEnabled(False)
        self.legend = self.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 200))
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._points: dict[str, tuple[list[float], list[float]]] = {}

    def add(self, progress: Progress) -> None:
        for name, value in progress.losses.items():
            if name not in self._curves:
                colour = CURVE_COLOURS[len(self._curves) % len(CURVE_COLOURS)]
                self._curves[name] = self.plot([], [], pen=pg.mkPen(colour, width=2),
                                               name=LOSS_TITLES.get(name, name))
                self._points[name] = ([], [])
            xs, ys = self._points[name]
            xs.append(progress.step)
            ys.append(value)
            self._curves[name].setData(xs, ys)

    def points(self, name: str) -> tuple[list[float], list[float]]:
        return self._points.get(name, ([], []))

    def reset(self) -> None:
        for curve in self._curves.values():
            self.removeItem(curve)
        self.legend.clear()
        self._curves.clear()
        self._points.clear()


class MetricsTable(QTableWidget):
    """A row per finished epoch: what the recipe measured on the test split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 1, parent)
        self.setHorizontalHeaderLabels(["Epoch"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Measured on the test split after each epoch")
        self._columns: list[str] = []

    def add(self, progress: Progress) -> None:
        for name in progress.metrics:
            if name not in self._columns:
                self._columns.append(name)
                self.setColumnCount(len(self._columns) + 1)
                self.setHorizontalHeaderItem(len(self._columns),
                                             QTableWidgetItem(METRIC_TITLES.get(name, name)))
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, _cell(str(progress.epoch)))
        for name, value in progress.metrics.items():
            text = f"{value:.1%}" if name in PERCENT else f"{value:.4g}"
            self.setItem(row, self._columns.index(name) + 1, _cell(text))
        self.scrollToBottom()

    def reset(self) -> None:
        self.setRowCount(0)
        self.setColumnCount(1)
        self._columns = []


class SampleGrid(QWidget):
    """The newest fixed-seed samples, ten rows of digits 0-9, scaled up crisply."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("Samples appear here after each epoch of a VAE or GAN.")
        self.caption.setWordWrap(True)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setMinimumSize(200, 200)
        self._grid: np.ndarray | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.image, 1)

    @property
    def grid(self) -> np.ndarray | None:
        return self._grid

    def show_preview(self, progress: Progress) -> None:
        if progress.preview is None:
            return
        self._grid = progress.preview  # [rows*28, cols*28] uint8
        self.caption.setText(f"Epoch {progress.epoch}: the same seed every epoch, "
                             f"one row per digit")
        self._rescale()

    def reset(self, caption: str) -> None:
        self._grid = None
        self.image.clear()
        self.caption.setText(caption)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._grid is None:
            return
        h, w = self._grid.shape
        room = self.image.size()
        pixmap = QPixmap.fromImage(array_to_gray(255 - self._grid))  # dark ink on paper
        k = min(room.width() // w, room.height() // h)
        if k >= 1:  # whole multiples stay crisp
            pixmap = pixmap.scaled(w * k, h * k, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.FastTransformation)
        else:  # a narrow pane: shrink smoothly rather than cut digits off
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(pixmap)


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return item
