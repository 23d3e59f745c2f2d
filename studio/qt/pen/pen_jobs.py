"""What the pen asks of a stroke model, as jobs for the pool: torch stays off the GUI thread.

Each job takes the loaded model and plain values and returns strokes in the 28x28
field's pixels; placing them on the canvas is the caller's. Kept apart from the
controller so the compare view runs the same jobs without knowing the window.
"""

from __future__ import annotations

import numpy as np

from studio.qt.pen.pen_store import LoadedPen


def draw_digit(pen: LoadedPen, digit: int, temperature: float, seed: int) -> list[np.ndarray]:
    """Runs in the pool: one drawing of `digit`, strokes in field pixels."""
    from studio.ml.pen.pen_sampler import sample_strokes

    return sample_strokes(pen.model, digit, temperature=temperature, seed=seed)


def finish_strokes(pen: LoadedPen, digit: int, temperature: float, seed: int,
                   prefix: list[np.ndarray]) -> list[np.ndarray]:
    """Runs in the pool: the strokes that continue `prefix` toward `digit` (field pixels)."""
    from studio.ml.pen.pen_sampler import sample_strokes

    drawn = sample_strokes(pen.model, digit, temperature=temperature, seed=seed, prefix=prefix)
    return drawn[len(prefix):]


def write_digits(pen: LoadedPen, digits: str, temperature: float,
                 seed: int) -> list[list[np.ndarray]]:
    """Runs in the pool: each digit's strokes (field pixels), in one hand."""
    from studio.ml.pen.pen_sampler import write_number

    return write_number(pen.model, digits, style_seed=seed, temperature=temperature)
