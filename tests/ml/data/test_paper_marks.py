"""Which marks on a page are strokes: page edges go, the digits hanging on them stay."""

from __future__ import annotations

import numpy as np

from studio.ml.data.paper_marks import stroke_mask


def ring(mask: np.ndarray, cx: int, cy: int, r: int, width: int = 3) -> None:
    y, x = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    d = np.hypot(x - cx, y - cy)
    mask |= (d > r - width) & (d < r)


def test_digits_touching_a_dark_band_along_the_top_are_kept() -> None:
    mask = np.zeros((90, 300), bool)
    mask[:6] = True  # the page's darker edge, across the whole top
    for cx in (40, 110, 180, 250):
        ring(mask, cx, 35, 30)  # digits written high, their tops in the band
    assert stroke_mask(mask).max() > 0, "the whole picture is one page edge, wrongly"
    kept = stroke_mask(mask) > 0
    assert not kept[:4].any()  # the band is gone
    for cx in (40, 110, 180, 250):
        assert kept[60:65, cx - 2:cx + 3].any()  # each ring's bottom is still there


def test_a_shadow_from_the_border_still_goes_with_nothing_hanging_on_it() -> None:
    mask = np.zeros((90, 300), bool)
    mask[60:] = True  # a shadow across the bottom third
    ring(mask, 150, 30, 20)
    kept = stroke_mask(mask) > 0
    assert not kept[60:].any()
    assert kept[10:14, 148:153].any()


def test_a_page_edge_alone_leaves_nothing() -> None:
    mask = np.zeros((90, 300), bool)
    mask[:, :20] = True  # the table beside the page
    assert not (stroke_mask(mask) > 0).any()
