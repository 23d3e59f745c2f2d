"""The explorer's work on the pool: decode points, score them, maps, morphs, encode, repair.

Plain functions of plain values, run through `run_in_pool` or `LatestWins`; torch is
imported inside them, never on the GUI thread. Coordinates are slider values: the
generator's basis turns them into latent vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.ml.latent.latent_frames import LoadedGenerator, one_hot, render_points
from studio.qt.sketch.recognizer_store import LoadedClassifier


@dataclass(frozen=True)
class Generated:
    image: np.ndarray  # float32 [28, 28] in [0, 1]
    digit: int
    coords: np.ndarray  # float32 [d]
    recognition: Any  # studio.ml.recognition.recognize.Recognition, or None without a recognizer


@dataclass(frozen=True)
class Encoded:
    coords: np.ndarray  # float32 [d], the sketch's latent point as slider values
    digit: int
    seen: np.ndarray  # float32 [28, 28]: the sketch as the encoder read it


def generate(generator: LoadedGenerator, coords: np.ndarray, digit: int,
             classifier: LoadedClassifier | None) -> Generated:
    """One point decoded and read back by the recognizer (~1-2 ms on CPU)."""
    image = render_points(generator, coords[None], one_hot([digit], generator.num_classes))[0]
    recognition = None
    if classifier is not None:
        from studio.ml.recognition.recognize import recognize

        recognition = recognize(classifier.model, image, likeness=classifier.likeness)
    return Generated(image, digit, coords, recognition)


def render_map(generator: LoadedGenerator, center: np.ndarray, digit: int, across: int,
               down: int, size: int, span: float) -> np.ndarray:
    """A size x size grid around `center` along two directions: float32 [size, size, 28, 28]."""
    from studio.ml.latent.latent_paths import map_coords

    grid = map_coords(center, across, down, size, span)  # [size, size, d]
    flat = grid.reshape(size * size, -1)
    images = render_points(generator, flat, one_hot([digit] * len(flat), generator.num_classes))
    return images.reshape(size, size, 28, 28)


def encode_sketch(vae: LoadedGenerator, raster: np.ndarray, digit: int | None) -> Encoded:
    """The canvas through recognition's preprocessing, then the VAE's encoder."""
    import torch

    from studio.ml.data.preprocess import to_mnist
    from studio.ml.errors import StudioError
    from studio.ml.latent.vae_tools import encode

    seen = to_mnist(raster)
    if seen is None:
        raise StudioError("the canvas is empty: draw a digit to encode")
    mu, chosen = encode(vae.model, seen, digit)
    coords = vae.basis.to_coords(torch.from_numpy(np.asarray(mu, np.float32))).numpy()
    return Encoded(coords.astype(np.float32), int(chosen), seen)  # may pass +-3: kept exact


@dataclass(frozen=True)
class Repaired:
    result: Any  # studio.ml.latent.vae_tools.CanvasRepair
    vae: LoadedGenerator
    coords: np.ndarray  # float32 [d]: the repaired digit's point, as the VAE's slider values
    before: Any  # Recognition of the damaged digit, or None without a recognizer
    after: Any  # Recognition of the repaired digit


def within_drawing(hole: np.ndarray, unerased: np.ndarray, margin: int = 8) -> np.ndarray:
    """The erased area clipped to the box of the drawing before erasing (uint8 [H, W]).

    Repair frames the digit by its ink and hole together; an eraser swept far past the
    digit would otherwise shrink the digit into a corner of the 28x28 field.
    """
    rows = np.flatnonzero(unerased.max(axis=1) > 0)
    cols = np.flatnonzero(unerased.max(axis=0) > 0)
    clipped = np.zeros_like(hole)
    if len(rows) == 0:
        return clipped
    top, bottom = max(rows[0] - margin, 0), rows[-1] + 1 + margin
    left, right = max(cols[0] - margin, 0), cols[-1] + 1 + margin
    clipped[top:bottom, left:right] = hole[top:bottom, left:right]
    return clipped


def repair_sketch(vae: LoadedGenerator, raster: np.ndarray, hole: np.ndarray,
                  unerased: np.ndarray, classifier: LoadedClassifier | None) -> Repaired:
    """Fill the erased area of the canvas from what remains, and read both versions."""
    import torch

    from studio.ml.latent.vae_tools import repair_canvas
    from studio.ml.recognition.recognize import recognize

    result = repair_canvas(vae.model, raster, within_drawing(hole, unerased), None, unerased)
    coords = vae.basis.to_coords(torch.from_numpy(np.asarray(result.repair.z, np.float32)))
    before = after = None
    if classifier is not None:
        before = recognize(classifier.model, result.repair.before, classifier.likeness)
        after = recognize(classifier.model, result.repair.after, classifier.likeness)
    return Repaired(result, vae, coords.numpy().astype(np.float32), before, after)
