"""Favorite latent points: thumbnails the artist keeps, saved in the data folder.

The shelf writes favorites.json after every change (atomically), so a crash never
loses more than the change in progress; a damaged file is set aside with a message
and the shelf starts empty.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.core.latent_points import LatentPoint, load_points, save_points
from studio.qt.base.notifier import Notifier
from studio.qt.widgets.thumbnail_list import ThumbnailList


def point_title(point: LatentPoint) -> str:
    return f"{point.digit} · {point.generator_name.removeprefix('Default ')}"


class PointShelf(QObject):
    point_activated = Signal(object)  # LatentPoint

    def __init__(self, path: Path | None, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._notifier = notifier
        self.view = ThumbnailList()
        self.view.set_placeholder("No favorites yet: press F to keep the current point")
        self.view.setToolTip("Favorite points: click one to go back to it, Delete removes it")
        self.view.payload_activated.connect(self.point_activated)
        self._loading = False
        if path is not None:
            self._load(path)
        self.view.items_changed.connect(self._on_view_items_changed)

    def points(self) -> list[LatentPoint]:
        return list(self.view.payloads())

    def add(self, point: LatentPoint) -> None:
        self.view.add(point, point_thumbnail(point), point_title(point))

    def _load(self, path: Path) -> None:
        points, problem = load_points(path)
        if problem:
            self._notifier.warning(problem)
        self._loading = True
        for point in points:
            self.add(point)
        self._loading = False

    def _on_view_items_changed(self) -> None:
        if self._path is None or self._loading:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            save_points(self.points(), self._path)
        except Exception as e:
            self._notifier.error(f"Could not save the favorites to {self._path}: {e}")


def point_thumbnail(point: LatentPoint) -> np.ndarray:
    return np.frombuffer(point.thumbnail, np.uint8).reshape(28, 28)
