"""The latent explorer workspace: a big generated digit, its sliders, map, keyframes, favorites.

It joins the views (generator bar, sliders, map, strips) to the ExplorerState model
and the pool jobs; it never touches torch itself. Everything the artist can do here
is also a QAction (in the Explore menu, with shortcuts) that is enabled only while
this workspace is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.latent_points import LatentPoint
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import LatestWins
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.generator_bar import GeneratorBar
from studio.qt.explore.generator_store import LoadedGenerator
from studio.qt.explore.latent_jobs import Generated, render_map
from studio.qt.explore.latent_map_panel import LatentMapPanel
from studio.qt.explore.latent_sliders import LatentSliders
from studio.qt.explore.live_generation import LiveGeneration
from studio.qt.explore.points.keyframe_strip import KeyframeStrip
from studio.qt.explore.points.morph_player import MorphPlayer
from studio.qt.explore.points.point_shelf import PointShelf, point_thumbnail
from studio.qt.explore.sampling_bar import SamplingBar
from studio.qt.widgets.digit_view import DigitView
from studio.qt.widgets.scroll_area import scrolling

READS_OK = "color: #2e9d4f;"
READS_OFF = "color: #d9822b;"


def thumbnail_bytes(image: np.ndarray) -> bytes:
    return np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8).tobytes()  # 784 bytes


class ExplorerWorkspace(QWidget):
    def __init__(self, state: ExplorerState, live: LiveGeneration, shelf: PointShelf,
                 notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.live = live
        self.shelf = shelf
        self._notifier = notifier
        self.player = MorphPlayer(notifier, self)
        self._map_runner = LatestWins(self)
        self.last_generated: Generated | None = None
        self._keyframes: dict[str, list[LatentPoint]] = {}  # per generator (weights hash)
        self._build_views()
        self._build_actions()
        self._connect()
        self.set_actions_enabled(False)

    # ---- construction --------------------------------------------------------------
    def _build_views(self) -> None:
        self.generator_bar = GeneratorBar()
        self.sampling = SamplingBar()
        self.view = DigitView(expanding=True)
        self.view.setToolTip("The generated digit, following the sliders")
        self.reads = QLabel("Loading the generator…")
        self.reads.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reads.setToolTip("What the recognizer reads in the generated image, so you see "
                              "when a variation stops reading as its digit")
        self.sliders = LatentSliders()
        self.map = LatentMapPanel()
        self.map.set_placeholder("Choose a generator to see its map")
        self.favorites = self.shelf.view
        self.keyframes = KeyframeStrip()
        self.tabs = QTabWidget()
        sliders_page = QWidget()
        column = QVBoxLayout(sliders_page)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.sampling)
        column.addWidget(scrolling(self.sliders), 1)
        self.tabs.addTab(sliders_page, "Sliders")
        self.tabs.addTab(self.map, "Map")
        self.tabs.setTabToolTip(1, "A grid of images along two directions around the current "
                                "point: click a cell to go there")

        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.view, 1)
        left_column.addWidget(self.reads)
        self.buttons = QHBoxLayout()  # the canvas's actions (encode, send, repair)
        left_column.addLayout(self.buttons)
        self.point_buttons = QHBoxLayout()  # a second row keeps the column narrow
        left_column.addLayout(self.point_buttons)
        left_column.addWidget(QLabel("Favorites"))
        left_column.addWidget(self.favorites)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.generator_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.keyframes)

    def _action(self, text: str, keys: list, slot, tip: str) -> QAction:
        return make_action(self, text, keys, slot, tip)

    def _build_actions(self) -> None:
        s = self.state
        self.randomize_action = self._action("&Randomize", ["R"], s.randomize,
                                             "A new random point; locked sliders stay")
        self.reset_action = self._action("Rese&t Point", ["Shift+R"], s.reset,
                                         "Back to the centre of the latent space")
        self.keyframe_action = self._action("Add &Keyframe", ["K"], self._on_keyframe_triggered,
                                            "Add the current point to the morph")
        self.favorite_action = self._action("Add to &Favorites", ["F"],
                                            self._on_favorite_triggered,
                                            "Keep the current point among the favorites")
        self.play_action = self._action("&Play Morph", ["Space"], self.keyframes.toggle_play,
                                        "Play or stop the morph through the keyframes")
        self.digit_actions = [self._action(f"Digit {d}", [str(d)],
                                           lambda _=False, d=d: self._on_digit_chosen(d),
                                           f"Generate {d}s") for d in range(10)]
        for label, action in (("Add Keyframe", self.keyframe_action),
                              ("Favorite", self.favorite_action)):
            button = QPushButton(label)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            self.point_buttons.addWidget(button)

    def explore_actions(self) -> list[QAction]:
        """The actions for the Explore menu, enabled only while the workspace is shown."""
        return [self.randomize_action, self.reset_action, self.keyframe_action,
                self.favorite_action, self.play_action, *self.digit_actions]

    def set_actions_enabled(self, enabled: bool) -> None:
        for action in self.explore_actions():
            action.setEnabled(enabled)

    def add_button(self, button: QPushButton) -> None:
        """Buttons of actions that live in the window (encode, send, repair)."""
        self.buttons.insertWidget(0, button)

    def _connect(self) -> None:
        s = self.state
        s.generator_changed.connect(self._on_state_generator_changed)
        s.point_changed.connect(self._on_state_point_changed)
        s.locks_changed.connect(self._on_state_locks_changed)
        s.seed_changed.connect(self.sampling.set_seed)
        self.live.generated.connect(self._on_live_generated)
        self.generator_bar.digit_chosen.connect(self._on_digit_chosen)
        self.sampling.randomize_clicked.connect(s.randomize)
        self.sampling.reset_clicked.connect(s.reset)
        self.sampling.seed_entered.connect(s.randomize)
        self.sampling.spread_changed.connect(s.set_spread)
        self.sliders.value_edited.connect(s.set_coord)
        self.sliders.lock_toggled.connect(s.set_lock)
        self.map.settings_changed.connect(self._refresh_map)
        self.map.cell_clicked.connect(self._on_map_cell_clicked)
        self.tabs.currentChanged.connect(self._refresh_map)
        self._map_runner.returned.connect(self._on_map_returned)
        self._map_runner.errored.connect(self._on_map_errored)
        self.keyframes.play_requested.connect(self._on_keyframes_play_requested)
        self.keyframes.stop_requested.connect(self.player.stop)
        self.keyframes.keyframe_activated.connect(self._go_to)
        self.keyframes.keyframes_changed.connect(self._on_keyframes_changed)
        self.player.frame_shown.connect(self._on_player_frame_shown)
        self.player.finished.connect(self._on_player_finished)
        self.player.stopped.connect(self._on_player_stopped)
        self.shelf.point_activated.connect(self._go_to)

    # ---- the point -----------------------------------------------------------------
    def _on_state_generator_changed(self, generator: LoadedGenerator) -> None:
        self.player.stop()
        basis = generator.basis
        tips = [f"{label}: changes the image by {float(e):.3f} per σ (mean pixel change)"
                for label, e in zip(basis.labels, basis.effect, strict=True)]
        self.sliders.set_axes(list(basis.labels), tips)
        self.map.set_directions(list(basis.labels))
        self.generator_bar.set_num_classes(generator.num_classes)
        self.sampling.set_spread(generator.kind, self.state.spread[generator.kind])
        self._show_keyframes(generator)
        self.reads.setText("")

    def _on_state_point_changed(self) -> None:
        self.sliders.set_values(self.state.coords)
        self.generator_bar.set_digit(self.state.digit)
        self._refresh_map()

    def _on_state_locks_changed(self) -> None:
        self.sliders.set_locks(self.state.locks)

    def _on_digit_chosen(self, digit: int) -> None:
        self.state.set_digit(digit)
        self.generator_bar.set_digit(self.state.digit)

    def _go_to(self, point: LatentPoint) -> None:
        generator = self.state.generator
        if generator is None or point.generator != generator.sha256:
            self._notifier.warning(f"That point belongs to {point.generator_name}: choose it "
                                   f"as the generator first.")
            return
        self.state.set_point(np.asarray(point.coords, np.float32), point.digit, "Go to Point")

    def _on_live_generated(self, number: int, generated: Generated) -> None:
        if self.player.playing:
            return
        self.last_generated = generated
        self.view.set_array(generated.image, number)
        self._show_reading(generated)

    def _show_reading(self, generated: Generated) -> None:
        r = generated.recognition
        if r is None:
            text, style = "No recognizer loaded", ""
        elif r.digit == generated.digit and not r.unsure:
            text, style = f"Reads as {r.digit} · {r.confidence:.0%}", READS_OK
        else:
            text, style = (f"Reads as {r.digit} · {r.confidence:.0%} · no longer a clear "
                           f"{generated.digit}", READS_OFF)
        if style != self.reads.styleSheet():  # restyling costs milliseconds per frame
            self.reads.setStyleSheet(style)
        if text != self.reads.text():
            self.reads.setText(text)

    # ---- map -----------------------------------------------------------------------
    def _refresh_map(self) -> None:
        s = self.state
        if s.generator is None or self.tabs.currentWidget() is not self.map:
            return
        self._map_runner.submit(render_map, s.generator, s.coords.copy(), s.digit,
                                self.map.across(), self.map.down(), self.map.grid_size(),
                                self.map.span())

    def _on_map_returned(self, number: int, images: np.ndarray) -> None:
        self.map.set_cells(images)

    def _on_map_errored(self, number: int, error: Exception) -> None:
        self._notifier.error(f"Could not draw the map: {error}")

    def _on_map_cell_clicked(self, row: int, col: int) -> None:
        from studio.ml.latent.latent_paths import map_coords  # numpy only

        s = self.state
        grid = map_coords(s.coords, self.map.across(), self.map.down(), self.map.grid_size(),
                          self.map.span())
        s.set_point(grid[row, col], text="Map Cell")

    # ---- keyframes and favorites ---------------------------------------------------
    def current_point(self) -> LatentPoint | None:
        s, shown = self.state, self.last_generated
        if s.generator is None or shown is None:
            return None
        thumbnail = thumbnail_bytes(shown.image).hex()
        return LatentPoint(s.generator.sha256, s.generator.name, s.generator.kind, s.digit,
                           tuple(float(v) for v in s.coords), thumbnail,
                           datetime.now(UTC).isoformat(timespec="seconds"))

    def _on_keyframe_triggered(self) -> None:
        point = self.current_point()
        if point is not None:
            number = len(self.keyframes.keyframes()) + 1
            self.keyframes.add_keyframe(point, point_thumbnail(point), f"{number}: {point.digit}")

    def _on_favorite_triggered(self) -> None:
        point = self.current_point()
        if point is not None:
            self.shelf.add(point)

    def set_keyframes(self, sha256: str, points: list[LatentPoint]) -> None:
        """A project's keyframes for the generator with these weights (shown when it is)."""
        self._keyframes[sha256] = list(points)
        if self.state.generator is not None and self.state.generator.sha256 == sha256:
            self._show_keyframes(self.state.generator)

    def _show_keyframes(self, generator: LoadedGenerator) -> None:
        points = self._keyframes.get(generator.sha256, [])
        self.keyframes.blockSignals(True)
        self.keyframes.list.clear_all()
        for i, point in enumerate(points, 1):
            self.keyframes.add_keyframe(point, point_thumbnail(point), f"{i}: {point.digit}")
        self.keyframes.blockSignals(False)

    def _on_keyframes_changed(self) -> None:
        if self.state.generator is not None:
            self._keyframes[self.state.generator.sha256] = list(self.keyframes.keyframes())

    def _on_keyframes_play_requested(self) -> None:
        points = self.keyframes.keyframes()
        if self.state.generator is None or len(points) < 2:
            return
        self.keyframes.set_playing(True)
        self.player.play(self.state.generator, np.array([p.coords for p in points], np.float32),
                         [p.digit for p in points], self.keyframes.seconds_per_segment(),
                         self.keyframes.loop())

    def _on_player_frame_shown(self, image: np.ndarray, index: int, total: int) -> None:
        self.view.set_array(image)
        self.keyframes.set_progress(index + 1, total)

    def _on_player_finished(self) -> None:
        last = self.keyframes.keyframes()[-1]
        self.state.set_point(np.asarray(last.coords, np.float32), last.digit, "Play Morph")

    def _on_player_stopped(self) -> None:
        self.keyframes.set_playing(False)

    def close_workers(self) -> None:
        self.player.stop()
        self._map_runner.close()
        self.live.close()

