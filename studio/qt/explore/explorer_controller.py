"""The latent explorer's controller: its models, actions and wiring.

The window owns one of these. It holds the generator store, the explorer's state,
the live generation, the canvas bridge and the workspace, and gives the window the
actions for its Explore menu. The generator loads the first time the workspace is
shown (or the sketch is encoded), so start-up costs nothing.

It is handed only the parts it uses (settings, notifier, the sketch's document, the
recognizer's answer, a parent widget), and says what happened through signals;
which workspace to show then is the window's decision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from studio.core.settings import Settings
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.explore.canvas_bridge import CanvasBridge
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.explorer_workspace import ExplorerWorkspace
from studio.qt.explore.generator_store import GENERATOR_KINDS, GeneratorStore, LoadedGenerator
from studio.qt.explore.latent_jobs import Repaired
from studio.qt.explore.live_generation import LiveGeneration
from studio.qt.explore.points.point_shelf import PointShelf
from studio.qt.explore.repair_dialog import RepairDialog
from studio.qt.sketch.recognizer_store import LoadedClassifier
from studio.qt.sketch.sketch_document import SketchDocument

GENERATOR_FILTER = "Studio checkpoints (*.safetensors);;All files (*)"


class ExplorerController(QObject):
    """The Explore workspace and what joins it to the sketch.

    `recognized_digit` is asked when the sketch is encoded (the digit to condition on);
    `parent` gets the actions (so their keys work anywhere in it) and the dialogs;
    `show_dialogs` False keeps the repair dialog hidden (tests).
    """

    sketch_encoded = Signal()  # the explorer moved to the drawing's point
    sent_to_canvas = Signal()  # the generated digit is on the canvas now
    repair_explored = Signal()  # the explorer moved to a repaired drawing's point

    def __init__(self, settings: Settings, notifier: Notifier, document: SketchDocument,
                 recognized_digit: Callable[[], int | None], default_paths: dict[str, Path],
                 data_dir: Path | None, parent: QWidget, show_dialogs: bool = True) -> None:
        super().__init__(parent)
        self._parent = parent
        self._settings = settings
        self._recognized_digit = recognized_digit
        self._show_dialogs = show_dialogs
        self.store = GeneratorStore(
            {k: p for k, p in default_paths.items() if k in GENERATOR_KINDS},
            data_dir / "latent_directions" if data_dir else None, notifier, self)
        self.state = ExplorerState(self)
        self.live = LiveGeneration(self.state, notifier, self)
        self.bridge = CanvasBridge(document, self.store, self.state, notifier, self)
        self.shelf = PointShelf(data_dir / "favorites.json" if data_dir else None, notifier, self)
        self.workspace = ExplorerWorkspace(self.state, self.live, self.shelf, notifier)
        self.repair_dialog: RepairDialog | None = None
        self._build_actions()
        self._connect()

    def _action(self, text: str, keys: list[str], slot, tip: str) -> QAction:
        action = make_action(self._parent, text, keys, slot, tip)
        self._parent.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.encode_action = self._action(
            "&Encode Sketch", ["Ctrl+E"], self._on_encode_triggered,
            "Send the drawing through the VAE's encoder and explore around it")
        self.send_action = self._action(
            "&Send to Canvas", ["Ctrl+T"], self._on_send_triggered,
            "Put the generated digit on the canvas to draw over it")
        self.repair_action = self._action(
            "Re&pair Sketch", ["Ctrl+R"], self._on_repair_triggered,
            "Fill in the part of the digit you erased, from what remains of it")
        self.open_action = self._action(
            "Open &Generator…", ["Ctrl+Shift+O"], self._on_open_triggered,
            "Use a GAN or VAE checkpoint (.safetensors) in the explorer")
        for action in (self.repair_action, self.send_action, self.encode_action):
            button = QPushButton(action.text().replace("&", ""))
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            self.workspace.add_button(button)
        for action in self.workspace.explore_actions():
            self._parent.addAction(action)

    def canvas_actions(self) -> list[QAction]:
        """Encode, Send and Repair: the actions that join the explorer and the canvas."""
        return [self.encode_action, self.send_action, self.repair_action]

    def _connect(self) -> None:
        self.store.generator_changed.connect(self._on_store_generator_changed)
        self.store.generator_loading.connect(self._on_store_generator_loading)
        self.store.generator_failed.connect(self._on_store_generator_failed)
        self.bridge.repaired.connect(self._on_bridge_repaired)
        self.bridge.busy_changed.connect(self.workspace.generator_bar.set_busy)
        self.bridge.encoded.connect(self._on_bridge_encoded)
        bar = self.workspace.generator_bar
        bar.generator_chosen.connect(self.store.load)
        bar.open_requested.connect(self._on_open_triggered)
        self._sync_choices()

    # ---- window hooks --------------------------------------------------------------
    def set_classifier(self, loaded: LoadedClassifier | None) -> None:
        """The recognizer changed: live generation and the bridge read digits with it."""
        self.live.set_classifier(loaded)
        self.bridge.set_classifier(loaded)

    def on_shown(self) -> None:
        """The workspace became visible: load the generator the first time."""
        if self.store.generator is None and not self.store.loading:
            self.load_initial_generator()

    def load_initial_generator(self) -> None:
        """The generator the settings name (a bundled kind or a file still there), else the GAN."""
        active = self._settings.active_generator
        if active in GENERATOR_KINDS:
            self.store.load_default(active)
        elif Path(active).exists():
            self.store.load(Path(active))
        else:
            self.store.load_default("gan")

    def close(self) -> None:
        """The window is closing: stop the workspace's workers, close the repair dialog."""
        self.workspace.close_workers()
        if self.repair_dialog is not None:
            self.repair_dialog.close()

    # ---- slots ---------------------------------------------------------------------
    def _on_store_generator_loading(self, name: str) -> None:
        self.workspace.generator_bar.set_busy(True)
        if self.state.generator is None:
            self.workspace.reads.setText(f"Loading {name} and finding its directions…")

    def _on_store_generator_changed(self, generator: LoadedGenerator) -> None:
        self.workspace.generator_bar.set_busy(self.bridge.busy)
        if self.state.generator is not generator:
            self.state.set_generator(generator)
        default = self.store.default_kind(generator.path)
        self._settings.active_generator = default or str(generator.path)
        if default is None:
            self._settings.remember_generator(str(generator.path))
        self._sync_choices()

    def _on_store_generator_failed(self, message: str) -> None:
        self.workspace.generator_bar.set_busy(self.bridge.busy)
        if self.state.generator is None:
            self.workspace.reads.setText("No generator: choose or open a GAN or VAE checkpoint")
        self._sync_choices()

    def _sync_choices(self) -> None:
        entries = [(self.store.default_name(k), p) for k, p in self.store.default_paths.items()]
        entries += [(Path(p).stem, Path(p)) for p in self._settings.recent_generators]
        current = self.store.generator
        self.workspace.generator_bar.set_choices(entries, current.path if current else None)

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open Generator Checkpoint",
                                              self._settings.last_open_dir, GENERATOR_FILTER)
        if path:
            self._settings.last_open_dir = str(Path(path).parent)
            self.store.load(Path(path))
        else:
            self._sync_choices()

    def _on_encode_triggered(self) -> None:
        self.bridge.encode(self._recognized_digit())

    def _on_bridge_encoded(self, encoded) -> None:
        self.sketch_encoded.emit()

    def _on_send_triggered(self) -> None:
        shown = self.workspace.last_generated
        self.bridge.send_to_canvas(None if shown is None else shown.image,
                                   self.state.digit)
        if shown is not None:
            self.sent_to_canvas.emit()

    def _on_repair_triggered(self) -> None:
        self.bridge.repair()

    def _on_bridge_repaired(self, repaired: Repaired) -> None:
        if self.repair_dialog is not None:  # one repair dialog at a time, the old one freed
            self.repair_dialog.close()
            self.repair_dialog.deleteLater()
        dialog = RepairDialog(repaired, self._parent)
        dialog.apply_requested.connect(self.bridge.apply_repair)
        dialog.explore_requested.connect(self._on_dialog_explore_requested)
        self.repair_dialog = dialog
        if self._show_dialogs:
            dialog.show()

    def _on_dialog_explore_requested(self, repaired: Repaired) -> None:
        self.bridge.explore_repair(repaired)
        self.repair_explored.emit()
