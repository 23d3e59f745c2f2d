"""What the export and listen actions render on the thread pool before any dialog opens.

Plain functions of a loaded generator and numbers, so they run off the GUI thread;
each imports torch only when called (the window starts without it).
"""

from __future__ import annotations

import numpy as np

from studio.qt.explore.generator_store import LoadedGenerator

SHEET_PER_DIGIT = 8
WALK_RADIUS = 0.8  # sigmas each of the walk's directions swings


def render_sheet(generator: LoadedGenerator, seed: int) -> np.ndarray:
    """SHEET_PER_DIGIT samples of every digit, [D, N, 28, 28] in [0, 1]."""
    from studio.ml.latent.sampling import sample

    images = sample(generator.model, list(range(generator.num_classes)), seed,
                    per_digit=SHEET_PER_DIGIT).numpy()  # [D*N, 1, 28, 28]
    return images.reshape(generator.num_classes, SHEET_PER_DIGIT, 28, 28)


def render_morph(generator: LoadedGenerator, points: np.ndarray, digits: list[int],
                 frames_per_segment: int, loop: bool) -> np.ndarray:
    """The morph through the keyframes' points, [F, 28, 28]."""
    from studio.qt.explore.latent_jobs import morph_frames

    return morph_frames(generator, points, digits, frames_per_segment, loop)


def render_walk(generator: LoadedGenerator, center: np.ndarray, digit: int, frames: int,
                seed: int) -> np.ndarray:
    """A closed walk around the explorer's point, [F, 28, 28]."""
    from studio.ml.latent.latent_paths import walk_coords
    from studio.qt.explore.latent_jobs import one_hot, render_points

    coords = walk_coords(center, frames, seed, radius=WALK_RADIUS)  # [F, d]
    return render_points(generator, coords, one_hot([digit] * frames, generator.num_classes))
