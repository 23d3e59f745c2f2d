"""Which stroke model the pen draws with, loaded on the pool, never on the GUI thread.

Two models ship (the LSTM and the Transformer); the artist picks one, or any stroke
checkpoint from disk, and the compare view asks for both. Each is loaded once and kept,
so switching back is instant. A bad checkpoint, or one of another kind, leaves the pen
as it was and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.ml.training.train_settings import spare_one_core
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool

PEN_KINDS = {"strokes-lstm": "LSTM", "strokes-transformer": "Transformer"}


@dataclass(frozen=True)
class LoadedPen:
    name: str  # what the artist sees: "LSTM", "Transformer" or the file name
    kind: str  # "strokes-lstm" or "strokes-transformer"
    path: Path
    model: Any  # StrokeLSTM or StrokeTransformer, eval mode, CPU


def load_pen(path: Path, name: str) -> LoadedPen:
    """Runs in the pool. Raises CheckpointError for a file that is not a stroke model."""
    import torch

    from studio.ml.errors import CheckpointError
    from studio.ml.models.checkpoints import load_checkpoint, read_info
    from studio.ml.models.model_kinds import KINDS

    torch.set_num_threads(spare_one_core())
    info = read_info(path)
    if info.kind not in PEN_KINDS:
        raise CheckpointError(f"{path}: this is a {KINDS[info.kind].title} checkpoint, not a "
                              f"stroke model: the pen needs a strokes-lstm or "
                              f"strokes-transformer checkpoint")
    model = load_checkpoint(path, expected_kind=info.kind, device="cpu").model.eval()
    for p in model.parameters():  # shared by every drawing job on the pool
        p.requires_grad_(False)
    return LoadedPen(name, info.kind, Path(path), model)


class PenStore(QObject):
    pen_loading = Signal(str)  # name
    pen_changed = Signal(object)  # the active LoadedPen
    pen_failed = Signal(str)  # message naming the file and the problem

    def __init__(self, default_paths: dict[str, Path], notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.default_paths = {k: Path(default_paths[k]) for k in PEN_KINDS if k in default_paths}
        self.pen: LoadedPen | None = None
        self._notifier = notifier
        self._loaded: dict[Path, LoadedPen] = {}
        self._waiting: dict[Path, list[Callable[[LoadedPen], None]]] = {}
        self._wanted: Path | None = None  # what the artist chose last, loading or not

    def choose(self, which: str | Path) -> None:
        """Draw with a shipped kind ("strokes-lstm") or a checkpoint file from now on."""
        path = self.default_paths[which] if which in PEN_KINDS else Path(which)
        self._wanted = path
        self.with_pen(path, self._on_chosen_ready)

    def with_pen(self, which: str | Path, on_ready: Callable[[LoadedPen], None]) -> None:
        """Call `on_ready` with that model, loading it on the pool first if needed."""
        path = self.default_paths[which] if which in PEN_KINDS else Path(which)
        if path in self._loaded:
            on_ready(self._loaded[path])
            return
        waiting = self._waiting.setdefault(path, [])
        waiting.append(on_ready)
        if len(waiting) > 1:
            return  # already loading
        name = next((PEN_KINDS[k] for k, p in self.default_paths.items() if p == path),
                    path.stem)
        self.pen_loading.emit(name)
        run_in_pool(load_pen, path, name, what=f"Loading the pen {name}",
                    on_returned=self._on_loader_returned,
                    on_errored=lambda error, path=path: self._on_loader_errored(path, error))

    def set_pen(self, pen: LoadedPen) -> None:
        """Draw with an already loaded model (tests, a model trained in this session)."""
        self._loaded[pen.path] = pen
        self._wanted = pen.path
        self._on_chosen_ready(pen)

    def _on_chosen_ready(self, pen: LoadedPen) -> None:
        if pen.path == self._wanted:
            self.pen = pen
            self.pen_changed.emit(pen)

    def _on_loader_returned(self, pen: LoadedPen) -> None:
        self._loaded[pen.path] = pen
        for on_ready in self._waiting.pop(pen.path, []):
            on_ready(pen)

    def _on_loader_errored(self, path: Path, error: Exception) -> None:
        self._waiting.pop(path, None)
        message = f"Could not load the pen from {path}: {error}"
        self._notifier.error(message)
        self.pen_failed.emit(message)
        if self.pen is not None:
            self._wanted = self.pen.path
