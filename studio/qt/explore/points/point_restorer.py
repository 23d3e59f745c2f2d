"""Back to the explorer point an exported PNG was made at.

Every PNG the studio exports names its generator by the weights' sha256 and holds
the latent vector itself, so opening it can restore the exact point, once the
generator with those weights is found: one in memory, a bundled default, a recent
generator or a checkpoint in the library (sidecars are plain JSON: no torch here).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.core.model_library import LibraryError, read_entry
from studio.qt.base.notifier import Notifier
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.generator_store import GeneratorStore, LoadedGenerator


class PointRestorer(QObject):
    restored = Signal(str)  # the file whose point is now shown

    def __init__(self, store: GeneratorStore, state: ExplorerState, notifier: Notifier,
                 candidates: Callable[[], Iterable[Path]], parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._store = store
        self._state = state
        self._notifier = notifier
        self._candidates = candidates  # checkpoint paths worth looking at, best first
        self._waiting: tuple[str, Callable[[LoadedGenerator], None]] | None = None
        store.generator_changed.connect(self._on_store_generator_changed)
        store.generator_failed.connect(self._on_store_generator_failed)

    def restore(self, provenance, name: str) -> None:
        """Show `provenance`'s point, loading its generator first when needed."""
        self.when_ready(provenance.weights_sha256, provenance.model_name, name,
                        lambda generator: self._apply(generator, provenance, name))

    def when_ready(self, sha: str, model_name: str, name: str,
                   apply: Callable[[LoadedGenerator], None], hint: Path | None = None) -> bool:
        """Call `apply` with the generator whose weights hash to `sha`, loading it first
        (from `hint` when its weights match, else wherever it is found); False, with a
        message saying how to bring it back, when it is nowhere."""
        current = self._store.generator
        if current is not None and current.sha256 == sha:
            apply(current)
            return True
        loaded = self._store.loaded_with(sha)
        path = loaded.path if loaded is not None else self._find(sha, hint)
        if path is None:
            self._notifier.error(
                f"{name}: it was made with {model_name} (weights {sha[:12]}…), which is not "
                f"among the bundled models, recent generators or the library; open that "
                f"checkpoint (Ctrl+Shift+O), then open {name} again")
            return False
        self._waiting = (sha, apply)
        self._store.load(path)
        return True

    def _find(self, sha: str, hint: Path | None = None) -> Path | None:
        for path in itertools.chain([hint] if hint is not None else [], self._candidates()):
            try:
                if read_entry(path).sha256 == sha:
                    return Path(path)
            except LibraryError:
                continue  # a broken or vanished checkpoint is simply not the one
        return None

    def _apply(self, generator: LoadedGenerator, provenance, name: str) -> None:
        z = np.asarray(provenance.latent, np.float32)  # [d]
        if z.shape != (generator.latent_dim,) or not 0 <= provenance.digit < \
                generator.num_classes:
            self._notifier.error(f"{name}: its point does not fit {generator.name} "
                                 f"({len(z)} latent values, digit {provenance.digit})")
            return
        coords = z @ generator.directions  # [d]: the slider values whose z is exactly this one
        self._state.set_point(coords, int(provenance.digit), f"Open {name}")
        self._notifier.info(f"Restored the point of {name}: {generator.name}, digit "
                            f"{provenance.digit}")
        self.restored.emit(name)

    def _on_store_generator_changed(self, generator: LoadedGenerator) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and generator.sha256 == waiting[0]:
            waiting[1](generator)

    def _on_store_generator_failed(self, message: str) -> None:
        self._waiting = None
