"""Back to the explorer point (or the morph) an exported file was made at.

Every picture, animation and video the studio exports names its generator by the
weights' sha256 and holds the latent vector itself, so opening it can restore the
exact point, once the generator with those weights is found: one in memory, a bundled
default, a recent generator or a checkpoint in the library (sidecars are plain JSON:
no torch here).

A morph's record also holds its keyframes, speed and loop: they replace the keyframe
strip's content (the strip has no undo; the message says how many were replaced, and
the project's autosave still has them). Their thumbnails are decoded on the pool, so
`restored` is emitted once the strip shows them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.core.latent_points import LatentPoint
from studio.core.model_library import LibraryError, read_entry
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.generator_store import GeneratorStore, LoadedGenerator
from studio.qt.explore.points.keyframe_strip import KeyframeStrip
from studio.qt.explore.points.point_shelf import point_thumbnail


def render_thumbnails(generator: LoadedGenerator, coords: np.ndarray,
                      digits: list[int]) -> np.ndarray:
    """Runs in the pool: the keyframes decoded, uint8 [K, 28, 28] (as the strip shows)."""
    from studio.ml.latent.latent_frames import one_hot, render_points

    images = render_points(generator, coords, one_hot(digits, generator.num_classes))
    return np.rint(np.clip(images, 0, 1) * 255).astype(np.uint8)


class PointRestorer(QObject):
    restored = Signal(str)  # the file whose point is now shown

    def __init__(self, store: GeneratorStore, state: ExplorerState, notifier: Notifier,
                 candidates: Callable[[], Iterable[Path]], parent: QObject | None = None,
                 keyframes: KeyframeStrip | None = None) -> None:
        super().__init__(parent)
        self._keyframes = keyframes  # where a morph's keyframes go back to
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
        animation = provenance.animation
        morph = animation.keyframes if animation is not None and animation.kind == "morph" \
            else ()
        points = [(k.latent, k.digit) for k in (provenance, *morph)]
        for latent, digit in points:
            if len(latent) != generator.latent_dim or not 0 <= digit < generator.num_classes:
                self._notifier.error(f"{name}: its point does not fit {generator.name} "
                                     f"({len(latent)} latent values, digit {digit})")
                return
        # [K+1, d]: the slider values whose z is exactly each recorded one
        coords = np.asarray([z for z, _ in points], np.float32) @ generator.directions
        self._state.set_point(coords[0], int(provenance.digit), f"Open {name}")
        if not morph or self._keyframes is None:
            what = "a walk around " if animation is not None and not morph else ""
            self._notifier.info(f"Restored the point of {name}: {what}{generator.name}, "
                                f"digit {provenance.digit}")
            self.restored.emit(name)
            return
        digits = [int(k.digit) for k in morph]
        run_in_pool(render_thumbnails, generator, coords[1:], digits,
                    on_returned=lambda images: self._show_keyframes(
                        generator, coords[1:], digits, images, animation, name),
                    on_errored=lambda e: self._notifier.error(
                        f"{name}: its keyframes could not be drawn: {e}"))

    def _show_keyframes(self, generator: LoadedGenerator, coords: np.ndarray,
                        digits: list[int], images: np.ndarray, animation, name: str) -> None:
        """The morph's keyframes replace the strip's, with its speed and loop."""
        strip = self._keyframes
        shown = self._state.generator
        if shown is None or shown.sha256 != generator.sha256:
            return  # another generator was chosen meanwhile: its strip is not this one
        replaced = len(strip.keyframes())
        strip.list.clear_all()
        for i, (c, digit, image) in enumerate(zip(coords, digits, images, strict=True), 1):
            point = LatentPoint(generator.sha256, generator.name, generator.kind, digit,
                                tuple(float(v) for v in c), image.tobytes().hex(),
                                datetime.now(UTC).isoformat(timespec="seconds"))
            strip.add_keyframe(point, point_thumbnail(point), f"{i}: {digit}")
        if animation.seconds_per_segment is not None:
            strip.speed.setValue(animation.seconds_per_segment)
        strip.looping.setChecked(animation.loop)
        instead = f", replacing the {replaced} that were there" if replaced else ""
        self._notifier.info(f"Restored the morph of {name}: {generator.name}, "
                            f"{len(digits)} keyframes{instead}")
        self.restored.emit(name)

    def _on_store_generator_changed(self, generator: LoadedGenerator) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and generator.sha256 == waiting[0]:
            waiting[1](generator)

    def _on_store_generator_failed(self, message: str) -> None:
        self._waiting = None
