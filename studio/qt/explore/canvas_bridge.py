"""Moving digits between the sketch canvas and the latent explorer.

Encode sends the drawing through recognition's preprocessing into the VAE's encoder
and puts the explorer at the point it found; Send puts a generated digit on the
canvas to draw over; Repair fills in what the eraser removed from a digit, from what
remains of it. All three need a VAE or a canvas snapshot, never a widget, and run
on the pool.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.generator_store import GeneratorStore, LoadedGenerator
from studio.qt.explore.latent_jobs import Encoded, Repaired, encode_sketch, repair_sketch
from studio.qt.sketch.recognizer_store import LoadedClassifier
from studio.qt.sketch.sketch_document import SIDE, SketchDocument

MIN_HOLE_PIXELS = 64  # of the 512x512 canvas: less than a dab of the eraser is no hole


class CanvasBridge(QObject):
    encoded = Signal(object)  # Encoded, after the explorer moved to it
    repaired = Signal(object)  # latent_jobs.Repaired, for the before/after view
    busy_changed = Signal(bool)

    def __init__(self, document: SketchDocument, store: GeneratorStore, state: ExplorerState,
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._store = store
        self._state = state
        self._notifier = notifier
        self._classifier: LoadedClassifier | None = None
        self._jobs = 0
        self._encode_request: tuple[np.ndarray, int | None] | None = None
        self._repair_request: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._vae: LoadedGenerator | None = None

    @property
    def busy(self) -> bool:
        return self._jobs > 0

    def set_classifier(self, loaded: LoadedClassifier | None) -> None:
        self._classifier = loaded

    # ---- encode --------------------------------------------------------------------
    def encode(self, digit_hint: int | None = None) -> None:
        """Explore the drawing: the recognizer's answer (if any) picks the VAE's label."""
        if self._document.is_blank():
            self._notifier.warning("Nothing to encode: draw a digit on the canvas first.")
            return
        self._encode_request = (self._document.snapshot(), digit_hint)
        self._store.with_vae(self._encode_with)

    def _encode_with(self, vae: LoadedGenerator) -> None:
        raster, hint = self._encode_request
        self._vae = vae
        self._start()
        run_in_pool(encode_sketch, vae, raster, hint,
                    on_returned=self._on_encode_returned, on_errored=self._on_job_errored)

    def _on_encode_returned(self, encoded: Encoded) -> None:
        self._finish()
        if self._state.generator is not self._vae:
            self._store.set_generator(self._vae)
        self._state.set_point(encoded.coords, encoded.digit, "Encode Sketch")
        self._notifier.info(f"Encoded the sketch as a {encoded.digit} in {self._vae.name}.")
        self.encoded.emit(encoded)

    # ---- send ----------------------------------------------------------------------
    def send_to_canvas(self, image: np.ndarray | None, digit: int) -> None:
        """Place a generated 28x28 digit on the canvas, framed as an opened image (undoable)."""
        if image is None:
            self._notifier.warning("No generated image yet: choose a generator first.")
            return
        from studio.ml.data.canvas_ink import image_to_ink  # numpy and Pillow only
        from studio.ml.errors import StudioError

        try:
            ink = image_to_ink(np.asarray(image, np.float32), SIDE)
        except StudioError as e:
            self._notifier.warning(f"Could not send the image to the canvas: {e}")
            return
        self._document.place_image(ink, f"Generated {digit}", verb="Place")

    # ---- repair --------------------------------------------------------------------
    def repair(self) -> None:
        """Fill in what the eraser removed; the result waits for the artist's approval."""
        hole = self._document.erased_area()
        if self._document.is_blank() or np.count_nonzero(hole > 76) < MIN_HOLE_PIXELS:
            self._notifier.warning("Nothing to repair: erase the damaged part of a digit "
                                   "with the eraser (E), then Repair fills it in.")
            return
        self._repair_request = (self._document.snapshot(), hole, self._document.unerased())
        self._store.with_vae(self._repair_with)

    def _repair_with(self, vae: LoadedGenerator) -> None:
        raster, hole, unerased = self._repair_request
        self._start()
        run_in_pool(repair_sketch, vae, raster, hole, unerased, self._classifier,
                    on_returned=self._on_repair_returned, on_errored=self._on_job_errored)

    def _on_repair_returned(self, repaired: Repaired) -> None:
        self._finish()
        self.repaired.emit(repaired)

    def apply_repair(self, repaired: Repaired) -> None:
        self._document.place_image(repaired.result.canvas, "Repair", verb="Apply")

    def explore_repair(self, repaired: Repaired) -> None:
        if self._state.generator is not repaired.vae:
            self._store.set_generator(repaired.vae)
        self._state.set_point(repaired.coords, repaired.result.repair.digit, "Repaired Digit")

    # ---- bookkeeping ---------------------------------------------------------------
    def _start(self) -> None:
        self._jobs += 1
        self.busy_changed.emit(True)

    def _finish(self) -> None:
        self._jobs -= 1
        self.busy_changed.emit(self._jobs > 0)

    def _on_job_errored(self, error: Exception) -> None:
        self._finish()
        self._notifier.error(str(error) if type(error).__module__.startswith("studio.")
                             else f"The explorer job failed: {error}")
