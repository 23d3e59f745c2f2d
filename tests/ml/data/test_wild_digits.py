"""The wild test set: each condition looks the way it says, deterministically."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.data.wild_digits import CONDITIONS, balanced_order, wild_picture, wild_test_set

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    test = bundled_mnist().test
    order = balanced_order(test.labels)[:20]  # two of each digit
    return test.images[order], test.labels[order]


def pictures(digits, condition: str, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [wild_picture(d, condition, rng) for d in digits[0]]


def luminance(picture: np.ndarray) -> np.ndarray:
    return (picture.astype(np.float32) / 255.0) @ _LUMA  # [H, W] in [0, 1]


def paper_and_contrast(g: np.ndarray) -> tuple[float, float]:
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    paper = float(np.median(border))
    return paper, paper - float(g.min())


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_condition_is_an_rgb_picture_made_the_same_from_the_same_seed(digits, condition):
    made = pictures(digits, condition)
    for picture in made:
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
        assert 64 <= picture.shape[0] <= 200 and 64 <= picture.shape[1] <= 200
        assert paper_and_contrast(luminance(picture))[1] >= 0.3  # the digit stays readable
    again = pictures(digits, condition)
    assert all(np.array_equal(a, b) for a, b in zip(made, again, strict=True))
    other = pictures(digits, condition, seed=2)
    assert any(a.shape != b.shape or not np.array_equal(a, b)
               for a, b in zip(made, other, strict=True))
    assert len({p.shape for p in made}) > 1  # sizes vary


def test_clean_is_dark_ink_on_flat_white_paper(digits):
    for picture in pictures(digits, "clean"):
        g = luminance(picture)
        paper, contrast = paper_and_contrast(g)
        assert paper > 0.98 and contrast > 0.9
        assert np.ptp(picture.astype(int), axis=2).max() <= 2  # grey, no colour


def test_photo_paper_is_lit_unevenly(digits):
    for picture in pictures(digits, "photo"):
        g = luminance(picture)
        sides = [np.median(side) for side in (g[0], g[-1], g[:, 0], g[:, -1])]
        assert max(sides) - min(sides) > 0.1  # a gradient across the page
        assert paper_and_contrast(g)[0] < 0.97  # cream or grey, not white


def bluish_rows(picture: np.ndarray) -> np.ndarray:
    f = picture.astype(np.float32) / 255.0
    bluish = (f[..., 2] - f[..., 0]) > 0.15  # [H, W]
    return np.flatnonzero(bluish.mean(axis=1) > 0.6)  # rows blue nearly across the width


def test_ruled_paper_has_blue_lines_across_it_and_clean_has_none(digits):
    for ruled, clean in zip(pictures(digits, "ruled"), pictures(digits, "clean"), strict=True):
        rows = bluish_rows(ruled)
        assert len(rows) >= 3
        assert rows.max() - rows.min() > ruled.shape[0] // 3  # spread down the page
        assert len(bluish_rows(clean)) == 0


def test_coloured_ink_has_a_hue_where_clean_ink_is_grey(digits):
    for picture in pictures(digits, "coloured_ink"):
        f = picture.astype(np.float32) / 255.0
        g = luminance(picture)
        ink = g <= np.percentile(g, 3)  # the darkest pixels: the stroke's core
        assert np.ptp(f, axis=2)[ink].mean() > 0.25  # saturated


def ink_detail(picture: np.ndarray) -> float:
    """Low for low-resolution pictures: either few distinct rows through the ink (blocky,
    nearest upscaling) or no sharp step anywhere (smooth, bilinear upscaling)."""
    g = luminance(picture)
    paper, contrast = paper_and_contrast(g)
    rows = np.flatnonzero((g < paper - contrast / 2).any(axis=1))
    band = picture[rows[0]:rows[-1] + 1]
    distinct = len(np.unique(band, axis=0)) / len(band)
    step = max(np.abs(np.diff(g, axis=0)).max(), np.abs(np.diff(g, axis=1)).max()) / contrast
    return min(distinct, step)


def test_low_resolution_has_less_detail_than_clean(digits):
    assert all(ink_detail(p) < 0.5 for p in pictures(digits, "low_resolution"))
    assert all(ink_detail(p) > 0.6 for p in pictures(digits, "clean"))


def sharpest_step(picture: np.ndarray) -> float:
    g = luminance(picture)
    step = max(np.abs(np.diff(g, axis=0)).max(), np.abs(np.diff(g, axis=1)).max())
    return step / paper_and_contrast(g)[1]


def test_blur_has_no_sharp_edge_where_clean_does(digits):
    assert all(sharpest_step(p) < 0.45 for p in pictures(digits, "blur"))
    assert all(sharpest_step(p) > 0.6 for p in pictures(digits, "clean"))


def test_unknown_condition_or_shape_is_refused(digits):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="condition"):
        wild_picture(digits[0][0], "underwater", rng)
    for shape in [(20, 20), (28, 20), (20, 56), (28, 56, 3)]:
        with pytest.raises(ValueError, match="28, 28"):
            wild_picture(np.zeros(shape, np.uint8), "clean", rng)


def test_balanced_order_takes_each_digit_in_turn():
    labels = np.array([0, 0, 0, 1, 1, 2])
    assert balanced_order(labels).tolist() == [0, 3, 5, 1, 4, 2]


def test_the_wild_set_is_the_test_split_in_every_condition():
    test = bundled_mnist().test
    wild = wild_test_set(per_condition=12, seed=0)
    assert tuple(wild) == CONDITIONS
    for made, labels in wild.values():
        assert len(made) == 12 and labels.dtype == np.int64 and labels.shape == (12,)
        assert sorted(set(labels.tolist())) == list(range(10))  # small sets hold every digit
        assert np.array_equal(labels, wild["clean"][1])
    everything = balanced_order(test.labels)  # what a full set (500 per condition) takes
    assert np.array_equal(np.sort(everything), np.arange(len(test)))


# sha256 over (shape, bytes) of wild_test_set(per_condition=5)'s pictures, taken before
# the conditions learned to draw strips of digits: square digits must draw the same.
PINNED = {
    "clean": "ea892ed84bf568f5dce7cb174b8aca8b04f9b79a8a6feed15ae844ea59fb196e",
    "photo": "c865cafebb5c2a8d4f8bc5b992ed8a379d3084ee546bcfbd4180da59e8f116e0",
    "ruled": "8589169996e144e22a566a0c918a3f7959780c61d5b1ab409ab05ebdc8ce4c4b",
    "coloured_ink": "c40206fa63fcf6dcb4f50eda9442704c2ec2f9a61610524c62946a136f749534",
    "low_resolution": "01f71a9911c930dd5f65cbf2f557a05a1ab4ae6e978bf68bdae29f3c4d3b7b8b",
    "blur": "c981a48672f878ce5cae2f5f0d5a71def5675eb7322b94a346760dffa7693656",
}


def test_square_digits_draw_exactly_the_pictures_they_always_did():
    for condition, (made, _) in wild_test_set(per_condition=5, seed=0).items():
        digest = hashlib.sha256()
        for picture in made:
            digest.update(str(picture.shape).encode())
            digest.update(picture.tobytes())
        assert digest.hexdigest() == PINNED[condition], condition
