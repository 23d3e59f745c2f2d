"""Wild pictures of whole numbers: bundled test digits side by side, as photos and scans.

Reading a number means cutting its ink into digits first, and the hard case is digits
that touch: people write them close, and a pen joins them. The single-digit wild set
(`wild_digits`) cannot measure that, so here numbers of 2 to 6 test digits (never seen
in training) are pasted into one strip, gaps drawn so that many neighbours overlap or
touch, and the strip goes through the same six conditions. One module, one concern: the
strips and the set; the conditions stay in `wild_digits`. Seeded: the same numbers and
pictures on every machine and every run.
"""

from __future__ import annotations

import numpy as np

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.data.wild_digits import CONDITIONS, wild_picture

MIN_DIGITS, MAX_DIGITS = 2, 6  # digits in a number, drawn uniformly
GAPS = (-2, 4)  # columns between two digits' ink, both ends included; negative: overlap
JITTER = 2  # each digit moves up or down by at most this many rows
INK_LEVEL = 40  # a column with a pixel above this (of 255) holds ink
MARGIN = 4  # black columns left and right of the strip, as MNIST leaves around a digit
_NUMBERS_STREAM = 1_000  # the seed's stream for choosing numbers, apart from conditions'


def number_strip(digits28: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Uint8 [28, S], S >= 28: MNIST digits (each uint8 [28, 28], white ink on black)
    written left to right as one number.

    Each digit is cropped to its ink columns, then pasted `GAPS` columns after the one
    before (a negative gap overlaps their boxes, so the two often touch), moved up or
    down by up to `JITTER` rows; where ink meets ink, the brighter wins (max).
    """
    if not digits28:
        raise ValueError("a number needs at least one digit")
    crops = [_ink_columns(d) for d in digits28]  # each [28, w]
    gaps = [int(rng.integers(GAPS[0], GAPS[1] + 1)) for _ in crops[1:]]
    shifts = [int(rng.integers(-JITTER, JITTER + 1)) for _ in crops]
    lefts = [MARGIN]  # where each crop starts in the strip
    for crop, gap in zip(crops[:-1], gaps, strict=True):
        lefts.append(lefts[-1] + crop.shape[1] + gap)
    width = max(lefts[-1] + crops[-1].shape[1] + MARGIN, 28)
    centre = (width - (lefts[-1] + crops[-1].shape[1] + MARGIN)) // 2  # short ones: middle
    strip = np.zeros((28, width), np.uint8)  # [28, S]
    for crop, left, shift in zip(crops, lefts, shifts, strict=True):
        x0 = left + centre
        region = strip[:, x0:x0 + crop.shape[1]]  # [28, w], a view
        np.maximum(region, _shift_rows(crop, shift), out=region)
    return strip


def wild_number_set(per_condition: int = 200,
                    seed: int = 0) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """Per condition (CONDITIONS, in order): `per_condition` pictures of numbers (RGB
    uint8 [H, W, 3]) and what each says ("4721"; a leading 0 may occur).

    The numbers and their strips are the same in every condition, so conditions differ
    only in how the picture is made; each condition draws its pictures from its own
    seeded stream. Lengths are uniform in 2..6; digits come from the bundled test split
    only, chosen at random.
    """
    test = bundled_mnist().test
    pick = np.random.default_rng([seed, _NUMBERS_STREAM])
    strips: list[np.ndarray] = []  # each uint8 [28, S]
    labels: list[str] = []
    for _ in range(per_condition):
        length = int(pick.integers(MIN_DIGITS, MAX_DIGITS + 1))
        chosen = pick.integers(0, len(test), size=length)  # [length] indices into the split
        strips.append(number_strip([test.images[i] for i in chosen], pick))
        labels.append("".join(str(int(test.labels[i])) for i in chosen))
    out: dict[str, tuple[list[np.ndarray], list[str]]] = {}
    for index, condition in enumerate(CONDITIONS):
        rng = np.random.default_rng([seed, _NUMBERS_STREAM, index])
        out[condition] = ([wild_picture(s, condition, rng) for s in strips], list(labels))
    return out


def _ink_columns(digit28: np.ndarray) -> np.ndarray:
    """Uint8 [28, w]: the digit's columns from its first to its last holding ink (all
    28 when it has none)."""
    cols = np.flatnonzero(digit28.max(axis=0) > INK_LEVEL)  # [k] columns with ink
    if len(cols) == 0:
        return digit28
    return digit28[:, cols[0]:cols[-1] + 1]


def _shift_rows(crop: np.ndarray, shift: int) -> np.ndarray:
    """Crop [28, w] moved down by `shift` rows (up when negative), black coming in."""
    if shift == 0:
        return crop
    moved = np.zeros_like(crop)  # [28, w]
    if shift > 0:
        moved[shift:] = crop[:-shift]
    else:
        moved[:shift] = crop[-shift:]
    return moved
