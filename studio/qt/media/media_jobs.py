"""What the export and listen actions render on the thread pool before any dialog opens.

Plain functions of a loaded generator and numbers, so they run off the GUI thread;
each imports torch only when called (the window starts without it).
"""

from __future__ import annotations

import numpy as np

from studio.ml.latent.latent_frames import LoadedGenerator, morph_frames, walk_frames

SHEET_PER_DIGIT = 8


def render_sheet(generator: LoadedGenerator, seed: int) -> np.ndarray:
    """SHEET_PER_DIGIT samples of every digit, [D, N, 28, 28] in [0, 1]."""
    from studio.ml.latent.sampling import sample

    images = sample(generator.model, list(range(generator.num_classes)), seed,
                    per_digit=SHEET_PER_DIGIT).numpy()  # [D*N, 1, 28, 28]
    return images.reshape(generator.num_classes, SHEET_PER_DIGIT, 28, 28)


def render_morph(generator: LoadedGenerator, points: np.ndarray, digits: list[int],
                 frames_per_segment: int, loop: bool) -> np.ndarray:
    """The morph through the keyframes' points, [F, 28, 28]."""
    return morph_frames(generator, points, digits, frames_per_segment, loop)


def render_walk(generator: LoadedGenerator, center: np.ndarray, digit: int, frames: int,
                seed: int) -> np.ndarray:
    """A closed walk around the explorer's point, [F, 28, 28]."""
    return walk_frames(generator, center, digit, frames, seed)
