"""Wild numbers: test digits side by side in a strip, often touching, in every condition."""

from __future__ import annotations

import numpy as np
import pytest

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.data.wild_digits import CONDITIONS, wild_picture
from studio.ml.data.wild_numbers import INK_LEVEL, MARGIN, number_strip, wild_number_set

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@pytest.fixture(scope="module")
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    test = bundled_mnist().test
    return test.images, test.labels


def some_digits(test_digits, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    images = test_digits[0]
    return [images[i] for i in rng.integers(0, len(images), size=n)]


def ink_columns(digit: np.ndarray) -> int:
    cols = np.flatnonzero(digit.max(axis=0) > INK_LEVEL)
    return int(cols[-1] - cols[0] + 1)


def connected(mask: np.ndarray) -> bool:
    """Whether the True pixels of mask [H, W] are one 8-connected piece."""
    reached = np.zeros_like(mask)
    reached[tuple(np.argwhere(mask)[0])] = True
    while True:
        grown = np.pad(reached, 1)
        grown = np.max([grown[1 + dy:grown.shape[0] - 1 + dy, 1 + dx:grown.shape[1] - 1 + dx]
                        for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0) & mask
        if np.array_equal(grown, reached):
            return bool(np.array_equal(reached, mask))
        reached = grown


def test_a_strip_holds_every_digit_cropped_with_small_gaps(test_digits):
    for seed in range(20):
        rng = np.random.default_rng(seed)
        digits = some_digits(test_digits, rng, int(rng.integers(2, 7)))
        strip = number_strip(digits, np.random.default_rng(seed))
        assert strip.dtype == np.uint8 and strip.shape[0] == 28 and strip.shape[1] >= 28
        widths = sum(ink_columns(d) for d in digits)
        gaps = len(digits) - 1
        # gaps of -2..+4 columns between neighbours, MARGIN black columns at each end
        assert widths - 2 * gaps <= strip.shape[1] - 2 * MARGIN <= widths + 4 * gaps
        assert not strip[:, :MARGIN].any() and not strip[:, -MARGIN:].any()
        assert strip.max() == max(int(d.max()) for d in digits)  # ink combined by max


def test_a_short_number_is_widened_to_a_square_with_its_ink_in_the_middle(test_digits):
    ones = [d for d, label in zip(*test_digits, strict=True) if label == 1]
    thin = sorted(ones, key=ink_columns)[:2]  # the two thinnest 1s
    strip = number_strip(thin, np.random.default_rng(0))
    assert strip.shape == (28, 28)
    cols = np.flatnonzero(strip.max(axis=0) > INK_LEVEL)
    assert abs((cols[0] + cols[-1]) / 2 - 13.5) <= 2


def test_gaps_let_some_neighbours_touch_and_keep_others_apart(test_digits):
    touching = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        strip = number_strip(some_digits(test_digits, rng, 2), rng)
        touching += connected(strip > INK_LEVEL)
    assert 4 <= touching <= 36, touching  # the hard case is measured, not the only one


def test_the_same_seed_makes_the_same_strip_and_another_seed_another(test_digits):
    digits = some_digits(test_digits, np.random.default_rng(5), 4)
    a = number_strip(digits, np.random.default_rng(1))
    assert np.array_equal(a, number_strip(digits, np.random.default_rng(1)))
    assert any(not np.array_equal(a, number_strip(digits, np.random.default_rng(s)))
               for s in range(2, 6))


def test_an_empty_number_is_refused():
    with pytest.raises(ValueError, match="at least one digit"):
        number_strip([], np.random.default_rng(0))


def ink_aspect(mask: np.ndarray) -> float:
    """Length over breadth of the ink in mask [H, W] along its principal axes (so a
    photo's slight turn does not change it)."""
    coords = np.argwhere(mask).astype(np.float64)  # [K, 2]
    small, large = np.linalg.eigvalsh(np.cov(coords.T))
    return float(np.sqrt(large / small))


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_strip_picture_keeps_the_strips_aspect(test_digits, condition):
    rng = np.random.default_rng(3)
    for _ in range(6):
        strip = number_strip(some_digits(test_digits, rng, 6), rng)
        picture = wild_picture(strip, condition, rng)
        assert picture.dtype == np.uint8 and picture.shape[2] == 3
        assert 64 <= picture.shape[0] <= 200
        assert picture.shape[1] <= round(200 * strip.shape[1] / 28)
        g = (picture.astype(np.float32) / 255.0) @ _LUMA  # [H, W]
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        paper = float(np.median(border))
        ratio = ink_aspect(g < paper - (paper - g.min()) / 2) / ink_aspect(strip > 127)
        assert 0.8 <= ratio <= 1.25, ratio  # not squashed to fit 200 pixels wide


def test_the_number_set_is_the_same_numbers_in_every_condition():
    made = wild_number_set(per_condition=8, seed=0)
    assert tuple(made) == CONDITIONS
    labels = made["clean"][1]
    assert all(2 <= len(label) <= 6 and label.isdigit() for label in labels)
    assert len(set(labels)) > 1 and len({len(label) for label in labels}) > 1
    for pictures, these in made.values():
        assert these == labels and len(pictures) == 8
        assert all(p.dtype == np.uint8 and p.ndim == 3 for p in pictures)
    assert not np.array_equal(made["clean"][0][0], made["photo"][0][0])


def test_the_number_set_is_seeded():
    a, b = wild_number_set(per_condition=3, seed=0), wild_number_set(per_condition=3, seed=0)
    for condition in CONDITIONS:
        assert a[condition][1] == b[condition][1]
        assert all(np.array_equal(x, y) for x, y in zip(a[condition][0], b[condition][0],
                                                        strict=True))
    other = wild_number_set(per_condition=3, seed=1)
    assert other["clean"][1] != a["clean"][1]


def test_numbers_use_the_test_split_digits_only(monkeypatch):
    """Every digit comes from the test split: with a split of only 7s, every number is 7s."""
    from studio.ml.data import wild_numbers

    real = bundled_mnist()
    sevens = real.test.labels == 7

    class OnlySevens:
        test = type(real.test)(real.test.images[sevens], real.test.labels[sevens])

    monkeypatch.setattr(wild_numbers, "bundled_mnist", lambda: OnlySevens)
    labels = wild_numbers.wild_number_set(per_condition=4)["clean"][1]
    assert all(set(label) == {"7"} for label in labels)
