"""Cutting touching digits apart where the recognizer reads the parts best.

Two digits that touch ("18" written quickly, a scan's thick ink) are one piece of ink.
The narrowest column is a poor guide to where one ends: a 1 leaning on an 8 touches it
along a slant, and a wide 2 or 5 alone is as wide as a touching pair. So cutting is
over-segmentation checked by recognition (as in classic handwritten-numeral readers):
candidate cuts are paths from top to bottom through the least ink near the thin
columns (a seam may slant around a curve, a straight column cannot), every run of
parts between two cuts is read in one batch, and the reading whose parts are most
believable wins. A part is believable when the net is sure of it and its shape fits
the digit it reads as (a "1" is narrow, a "0" round): the width-for-height of each
digit in the bundled training digits is a prior, so a wide 2 stays one digit while an
"18" of the same width becomes two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.ml.recognition.digit_segmentation import Piece, tighten
from studio.ml.recognition.recognize import Recognition

# log(width / height) of each digit's ink in the bundled training digits: mean and spread
ASPECT_MEAN = np.array([-0.1, -0.84, -0.05, -0.21, -0.22, -0.05, -0.33, -0.24, -0.26, -0.37])
ASPECT_SPREAD = np.array([0.18, 0.46, 0.22, 0.21, 0.2, 0.25, 0.22, 0.22, 0.21, 0.19])

MIN_PART = 0.1  # a cut leaves at least this share of the height on each side (a thin 1)
CUT_SPACING = 0.12  # candidate cuts lie at least this share of the height apart
CUTS_PER_HEIGHT = 2.0  # cheapest candidate cuts per height of width
GRID = 0.2  # ...and one every this share of the height (a thick junction is not cheap)
GRID_BAND = 0.06  # ...which strays at most this share of the height from its column
BAND = 0.25  # a cut's path strays at most this share of the height from its column
STRIDE = 0.04  # paths start this share of the height apart
SLANT_COST = 0.1  # what a sideways step of a path costs, in pixels of ink crossed
MAX_PART_ASPECT = 1.4  # a part wider than this for the height is no single digit
MIN_PART_INK = 0.04  # ...nor one with less than this share of the piece's ink
SHORT_PART = 0.6  # a part shorter than this share of the piece's height is a fragment
SHORT_COST = 6.0  # what a fragment costs per share of height it lacks (log units)
ODD_COST = 6.0  # what a part costs per squared oddness (1 = as far from digits as unlike)
SHAPE_WEIGHT = 1.0  # how much a part's shape counts against the net's confidence
DIGIT_BONUS = 1.0  # what each digit earns: higher cuts more eagerly
BLIND_BONUS = -1.0  # ...without a likeness fit, fragments are not seen for what they are


@dataclass(frozen=True, eq=False)
class CutOptions:
    """A piece, the candidate cuts through it, and the parts between every two of them."""

    piece: Piece
    spans: list[tuple[int, int]]  # (first cut, last cut) of each part; 0 is the left edge
    parts: list[Piece]  # one per span, except the whole piece (read already)
    edges: int  # number of cut positions, both edges included


def cut_options(piece: Piece) -> CutOptions:
    """The parts to read for `piece`: every run between candidate cuts that may be a digit."""
    h, w = piece.mask.shape
    seams = [np.zeros(h, np.int64)] + _seams(piece.mask, h) + [np.full(h, w, np.int64)]
    columns = np.arange(w)[None, :]  # [1, w]
    ink = piece.mask.sum()
    spans, parts = [], []
    for i in range(len(seams)):
        for j in range(i + 1, len(seams)):
            if i == 0 and j == len(seams) - 1:
                continue  # the whole piece
            between = (columns >= seams[i][:, None]) & (columns < seams[j][:, None])  # [h, w]
            part = tighten(piece, between)
            if part is None or part.width > MAX_PART_ASPECT * h \
                    or part.mask.sum() < MIN_PART_INK * ink:
                continue
            spans.append((i, j))
            parts.append(part)
    return CutOptions(piece, spans, parts, len(seams))


def choose_cut(options: CutOptions, whole: Recognition, readings: list[Recognition],
               judged: bool = True) -> list[tuple[Piece, Recognition]]:
    """The most believable reading of the piece: parts left to right, with their answers.

    `whole` is the whole piece's answer; `readings` answer `options.parts` in order;
    `judged` says whether they carry an oddness (read with a likeness fit).
    """
    height, bonus = options.piece.height, DIGIT_BONUS if judged else BLIND_BONUS
    scored = {(0, options.edges - 1): (options.piece, whole)}
    scored.update(zip(options.spans, zip(options.parts, readings, strict=True), strict=True))
    best = np.full(options.edges, -np.inf)  # [edges] best score of a reading up to each cut
    back = np.zeros(options.edges, np.int64)
    best[0] = 0.0
    for (i, j), (part, answer) in sorted(scored.items(), key=lambda kv: kv[0][1]):
        total = best[i] + _believable(part, answer, height) + bonus
        if total > best[j]:
            best[j], back[j] = total, i
    out, j = [], options.edges - 1
    while j > 0:
        out.append(scored[(int(back[j]), j)])
        j = int(back[j])
    return out[::-1]


def _believable(part: Piece, answer: Recognition, height: int) -> float:
    """Log-score of a part as one digit: the net's confidence, its shape, its height."""
    if answer.digit is None:
        return -np.inf
    z = (np.log(part.width / part.height) - ASPECT_MEAN) / ASPECT_SPREAD  # [10]
    shape = float(answer.probabilities[:10] @ np.exp(-0.5 * z * z))
    score = np.log(max(answer.confidence, 1e-6)) + SHAPE_WEIGHT * np.log(max(shape, 1e-30))
    score -= SHORT_COST * max(0.0, SHORT_PART - part.height / height)
    return float(score - ODD_COST * answer.oddness ** 2)


def _seams(mask: np.ndarray, height: int) -> list[np.ndarray]:
    """Candidate cuts through `mask` [h, w]: int64 [h] column per row, left to right.

    The cheapest: from each column, the path to the bottom through the least ink within
    BAND of it; the cheapest of these, apart from one another, are candidates. The cost
    is the ink crossed, not the ink in a column (two rings touch where their columns hold
    the most ink). But where two thick strokes merge along a height, every path through
    the join is dear, so paths that keep close to evenly spread columns are added.
    """
    h, w = mask.shape
    lo, hi = max(1, round(MIN_PART * height)), w - max(1, round(MIN_PART * height))
    if hi <= lo:
        return []
    starts = np.arange(lo, hi, max(1, round(STRIDE * height)))  # [K]
    paths, price = _cheapest_paths(mask, starts, max(1, round(BAND * height)))
    cheap = paths[np.argsort(price, kind="stable")[:max(1, round(CUTS_PER_HEIGHT * w / height))]]
    grid, _ = _cheapest_paths(mask, np.arange(lo, hi, max(1, round(GRID * height))),
                              max(1, round(GRID_BAND * height)))
    spacing = max(1.0, CUT_SPACING * height)
    chosen: list[np.ndarray] = []
    for path in [*cheap, *grid]:  # the cheapest first, then the evenly spread ones
        if all(abs(path.mean() - other.mean()) >= spacing for other in chosen):
            chosen.append(path)
    return sorted(chosen, key=lambda path: path.mean())


def _cheapest_paths(mask: np.ndarray, starts: np.ndarray,
                    band: int) -> tuple[np.ndarray, np.ndarray]:
    """For each start column, the top-to-bottom path through the least ink within `band`.

    Dynamic programming over rows, all starts at once. Returns the paths (int64 [K, h],
    a column per row) and the ink each crosses (float32 [K]).
    """
    h, w = mask.shape
    xs = np.clip(starts[:, None] + np.arange(-band, band + 1), 0, w - 1)  # [K, B]
    cost = mask.astype(np.float32)[:, xs]  # [h, K, B]
    k, b = xs.shape
    total = cost[0].copy()  # [K, B] least cost of a path ending here, row by row
    step = np.zeros((h, k, b), np.int8)  # -1, 0, +1: where the path came from
    edge = np.full((k, 1), np.inf, np.float32)
    for y in range(1, h):
        options = np.stack([np.concatenate([edge, total[:, :-1]], axis=1) + SLANT_COST, total,
                            np.concatenate([total[:, 1:], edge], axis=1) + SLANT_COST])
        pick = options.argmin(axis=0)  # [K, B]
        step[y] = pick - 1
        total = np.take_along_axis(options, pick[None], axis=0)[0] + cost[y]
    at = total.argmin(axis=1)  # [K] where each path leaves the bottom row
    price = total[np.arange(k), at]  # [K]
    paths = np.zeros((k, h), np.int64)
    rows = np.arange(k)
    for y in range(h - 1, -1, -1):
        paths[:, y] = xs[rows, at]
        at = at + step[y, rows, at]
    return paths, price
