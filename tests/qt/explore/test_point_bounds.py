"""The explorer's point is always finite: no NaN or overflow reaches the window.

Coordinates come from many places (a restored PNG, a favorite, an encoded drawing, a
morph); whatever they hold, the state keeps each one finite and within ±POINT_LIMIT,
so the sliders, the image and a saved favorite stay meaningful, while points beyond
the sliders' ends (an unusual encoded sketch, a restored export) are kept exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from studio.qt.explore.explorer_state import POINT_LIMIT, SLIDER_RANGE, ExplorerState


def bad_coords(d: int) -> np.ndarray:
    coords = np.linspace(-1, 1, d).astype(np.float32)
    coords[:4] = [np.nan, np.inf, -np.inf, 1e30]
    return coords


def test_set_point_set_coord_and_set_generator_keep_the_point_finite(qtbot, gan):
    state = ExplorerState()
    state.set_generator(gan, coords=bad_coords(gan.latent_dim))
    assert np.isfinite(state.coords).all() and np.abs(state.coords).max() <= POINT_LIMIT
    state.set_point(bad_coords(gan.latent_dim))
    assert np.isfinite(state.coords).all() and np.abs(state.coords).max() <= POINT_LIMIT
    assert state.coords[3] == POINT_LIMIT and state.coords[2] == -POINT_LIMIT
    state.set_coord(5, float("nan"))
    state.set_coord(6, -1e9)
    assert np.isfinite(state.coords).all() and state.coords[6] == -POINT_LIMIT
    good = np.linspace(-2 * SLIDER_RANGE, 2 * SLIDER_RANGE, gan.latent_dim).astype(np.float32)
    state.set_point(good)
    assert np.array_equal(state.coords, good), "points beyond the sliders are kept exactly"
