"""The latent explorer's model: which generator, which digit, where in its latent space.

Views (sliders, the seed field, the map) edit the point only through this object, and
every edit is an undoable command, so Ctrl+Z walks back through slider drags, random
draws, encodes and map clicks as it walks back through strokes on the canvas. A drag
of one slider is one command however many values it passed through.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.export.provenance import MAX_ABS_VALUE
from studio.qt.explore.generator_store import LoadedGenerator

SLIDER_RANGE = 3.0  # sliders span +-3 sigma of the prior
POINT_LIMIT = MAX_ABS_VALUE  # sigmas; as far as a record the studio reads may go
DEFAULT_SPREAD = {"gan": 0.8, "vae": 1.0}  # truncation psi for a GAN, temperature for a VAE
_MERGE_ID = 1


class ExplorerState(QObject):
    generator_changed = Signal(object)  # LoadedGenerator
    point_changed = Signal()  # digit or coords changed
    locks_changed = Signal()
    seed_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generator: LoadedGenerator | None = None
        self.digit = 0
        self.coords = np.zeros(0, np.float32)  # [d] slider values, in sigmas
        self.locks: set[int] = set()
        self.seed = 0
        self.spread = dict(DEFAULT_SPREAD)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)

    # ---- reading -------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.generator is not None

    @property
    def kind(self) -> str:
        return self.generator.kind if self.generator else "gan"

    def label_weights(self) -> np.ndarray:
        """One-hot [num_classes] for the current digit."""
        k = self.generator.num_classes if self.generator else 10
        return np.eye(k, dtype=np.float32)[self.digit]

    # ---- editing -------------------------------------------------------------------
    def set_generator(self, generator: LoadedGenerator, coords: np.ndarray | None = None,
                      digit: int | None = None) -> None:
        """Switch models; the point is redrawn from the seed unless one is given.

        The undo history is per model (its coordinates mean nothing to another one).
        """
        self.generator = generator
        self.locks = set()
        self.undo_stack.clear()
        if digit is not None:
            self.digit = digit
        self.digit = min(self.digit, generator.num_classes - 1)
        self.coords = finite_point(coords if coords is not None else self._random(self.seed))
        self.generator_changed.emit(generator)
        self.locks_changed.emit()
        self.point_changed.emit()

    def restore(self, digit: int, coords: np.ndarray, locks: set[int], seed: int,
                spread: dict[str, float]) -> None:
        """A project's point on the loaded generator; its undo history starts here."""
        self.undo_stack.clear()
        self.locks = {i for i in locks if i < len(coords)}
        self.seed = int(seed)
        self.spread = dict(spread)
        self.seed_changed.emit(self.seed)
        self.locks_changed.emit()
        self._apply(min(int(digit), self.generator.num_classes - 1), coords)

    def set_coord(self, index: int, value: float, gesture: int = 0) -> None:
        """One slider's value; edits with the same (index, gesture) merge into one undo step."""
        if not self.ready:
            return
        coords = self.coords.copy()
        coords[index] = value
        coords = finite_point(coords)
        if coords[index] == self.coords[index]:
            return
        self._push(_SetPoint(self, self.digit, coords, "Move Slider", (index, gesture)))

    def set_point(self, coords: np.ndarray, digit: int | None = None,
                  text: str = "Move Point") -> None:
        if not self.ready:
            return
        coords = np.asarray(coords, np.float32)
        if coords.shape != self.coords.shape:
            raise ValueError(f"expected {self.coords.shape[0]} coordinates, got {coords.shape}")
        self._push(_SetPoint(self, self.digit if digit is None else digit, finite_point(coords),
                             text))

    def set_digit(self, digit: int) -> None:
        if self.ready and digit != self.digit:
            self._push(_SetPoint(self, digit, self.coords.copy(), f"Digit {digit}"))

    def set_lock(self, index: int, locked: bool) -> None:
        (self.locks.add if locked else self.locks.discard)(index)
        self.locks_changed.emit()

    def set_spread(self, value: float) -> None:
        self.spread[self.kind] = float(value)

    def randomize(self, seed: int | None = None) -> None:
        """A new point from `seed` (a fresh one when None); locked sliders keep their values."""
        if seed is None:
            seed = int(np.random.default_rng().integers(0, 2**31 - 1))
        self.seed = int(seed)
        self.seed_changed.emit(self.seed)
        if self.ready:
            self._push(_SetPoint(self, self.digit, self._keep_locked(self._random(self.seed)),
                                 f"Seed {self.seed}"))

    def reset(self) -> None:
        """Back to the centre of the latent space (the prior's mean), locks kept."""
        if self.ready:
            zero = np.zeros_like(self.coords)
            self._push(_SetPoint(self, self.digit, self._keep_locked(zero), "Reset"))

    # ---- internals -----------------------------------------------------------------
    def _random(self, seed: int) -> np.ndarray:
        from studio.ml.latent.latent_paths import random_coords  # numpy only: no torch here

        dim = self.generator.latent_dim if self.generator else 0
        return random_coords(dim, seed, self.spread[self.kind], truncate=self.kind == "gan")

    def _keep_locked(self, coords: np.ndarray) -> np.ndarray:
        coords = np.asarray(coords, np.float32).copy()
        for i in self.locks:
            coords[i] = self.coords[i]
        return coords

    def _push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def _apply(self, digit: int, coords: np.ndarray) -> None:
        self.digit = digit
        self.coords = finite_point(coords)
        self.point_changed.emit()


class _SetPoint(QUndoCommand):
    def __init__(self, state: ExplorerState, digit: int, coords: np.ndarray, text: str,
                 merge_key: tuple[int, int] | None = None) -> None:
        super().__init__(text)
        self._state = state
        self._before = (state.digit, state.coords.copy())
        self._after = (digit, coords)
        self._merge_key = merge_key

    def id(self) -> int:
        return _MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _SetPoint) or other._merge_key != self._merge_key:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        self._state._apply(*self._after)

    def undo(self) -> None:
        self._state._apply(*self._before)


def finite_point(coords: np.ndarray) -> np.ndarray:
    """`coords` as a finite float32 copy within ±POINT_LIMIT.

    Points arrive from files (restored PNGs, favorites) and from computations that can
    overflow; NaN would reach the sliders, the image and a saved favorite, so it becomes
    0 (the prior's mean) and anything beyond what a file may hold is held at the limit.
    Points beyond the sliders' ±SLIDER_RANGE but within it (an unusual encoded sketch, a
    restored export) are kept exactly: the sliders show them at their ends.
    """
    coords = np.nan_to_num(np.asarray(coords, np.float32), nan=0.0, posinf=POINT_LIMIT,
                           neginf=-POINT_LIMIT)
    return np.clip(coords, -POINT_LIMIT, POINT_LIMIT).astype(np.float32)
