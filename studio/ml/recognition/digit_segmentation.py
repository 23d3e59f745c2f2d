"""Finding the digits' ink: connected pieces, joined where they lie above one another.

A number ("4721") drawn or scanned in one image is several digits; the CNN reads one.
The ink's connected pieces are found, specks dropped, and the strokes of one digit (the
two strokes of a 4, the bar of a 5 or of a crossed 7: they lie above one another, so
their columns overlap much) joined. Only overlap, never mere closeness, joins pieces: a
thin 1 beside a 7 is close but separate. Digits that touch stay one piece here;
`digit_cuts` cuts them, asking the recognizer where.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.ml.data.paper_marks import label_map

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in ink-map pixels; x1 and y1 exclusive

INK_THRESHOLD = 0.2  # coverage above this is a stroke
LABEL_SIDE = 256  # the mask is reduced to at most this long side before labelling
SPECK_SHARE = 0.04  # a piece with less ink area than this share of the largest is a speck
SPECK_SIDE = 0.25  # ...or one whose longer side is under this share of the largest's height
SAME_DIGIT_OVERLAP = 0.5  # x-overlap over the narrower piece's width that joins two pieces
INSIDE_MARGIN = 0.15  # ...and a tall one's middle this share of the wider's width inside it
TALL_SHARE = 0.6  # a piece at least this share of the other's height is tall
PAD = 2  # zero pixels around a digit's crop, so its border reads as background


@dataclass(frozen=True, eq=False)
class Piece:
    """Part of the ink: a box, and which of the labelled pixels in it are this piece's."""

    box: Box
    mask: np.ndarray  # [h, w] bool over the box: this piece's labelled pixels
    labels: frozenset[int]  # component labels (in the label map) its ink comes from

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def find_pieces(ink: np.ndarray) -> tuple[np.ndarray, list[Piece]]:
    """The label map [H, W] int32 (0 = background) and the ink's pieces, left to right."""
    labels = label_components(ink > INK_THRESHOLD)
    pieces = _merge_stacked(_drop_specks(_component_pieces(labels)), labels)
    return labels, sorted(pieces, key=lambda p: (p.box[0] + p.box[2], p.box[1]))


def tighten(piece: Piece, mask: np.ndarray) -> Piece | None:
    """The piece restricted to `mask` ([h, w] over its box), with a tight box; None if empty."""
    mask = mask & piece.mask
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    x0, y0 = piece.box[0], piece.box[1]
    return Piece((x0 + c0, y0 + r0, x0 + c1, y0 + r1), mask[r0:r1, c0:c1], piece.labels)


def crop(ink: np.ndarray, labels: np.ndarray, piece: Piece) -> np.ndarray:
    """Float32 [h + 2 PAD, w + 2 PAD]: the piece's own ink in its box, on a black margin.

    Faint ink around strokes (below the threshold) belongs to the piece when it lies next
    to its own pixels; labelled ink that is not its own (another piece reaching into the
    box, or the other side of a cut) is left out.
    """
    x0, y0, x1, y1 = piece.box
    others = (labels[y0:y1, x0:x1] > 0) & ~piece.mask
    near = _dilate(piece.mask)
    out = np.where(near & ~others, ink[y0:y1, x0:x1], 0.0).astype(np.float32)
    return np.pad(out, PAD)


def label_components(mask: np.ndarray) -> np.ndarray:
    """8-connected components of `mask` [H, W] bool, as an int32 label map (0 = none).

    Large masks are labelled at a reduced size (a reduced pixel is on when any of its
    block is) and the labels stretched back, so the cost stays that of LABEL_SIDE.
    """
    h, w = mask.shape
    f = max(1, -(-max(h, w) // LABEL_SIDE))  # ceil division
    small = mask
    if f > 1:
        padded = np.zeros((-(-h // f) * f, -(-w // f) * f), bool)
        padded[:h, :w] = mask
        small = padded.reshape(padded.shape[0] // f, f, padded.shape[1] // f, f).any(axis=(1, 3))
    small_labels = label_map(small)  # [h / f, w / f]
    if f == 1:
        return small_labels
    big = np.repeat(np.repeat(small_labels, f, axis=0), f, axis=1)[:h, :w]
    return np.where(mask, big, 0).astype(np.int32)


def _component_pieces(labels: np.ndarray) -> list[tuple[Piece, int]]:
    """Each component as a piece, with its pixel count."""
    ys, xs = np.nonzero(labels)
    if len(ys) == 0:
        return []
    lab = labels[ys, xs]
    k = int(lab.max()) + 1
    area = np.bincount(lab, minlength=k)
    x0 = np.full(k, 1 << 30)
    y0 = np.full(k, 1 << 30)
    x1 = np.zeros(k, np.int64)
    y1 = np.zeros(k, np.int64)
    np.minimum.at(x0, lab, xs)
    np.minimum.at(y0, lab, ys)
    np.maximum.at(x1, lab, xs + 1)
    np.maximum.at(y1, lab, ys + 1)
    out = []
    for i in range(1, k):
        if area[i] > 0:
            box = (int(x0[i]), int(y0[i]), int(x1[i]), int(y1[i]))
            mask = labels[box[1]:box[3], box[0]:box[2]] == i
            out.append((Piece(box, mask, frozenset({i})), int(area[i])))
    return out


def _drop_specks(pieces: list[tuple[Piece, int]]) -> list[Piece]:
    """Pieces with little ink, or small both ways, next to the largest piece are specks."""
    if not pieces:
        return []
    largest, area_max = max(pieces, key=lambda pa: pa[1])
    side = SPECK_SIDE * largest.height
    return [p for p, area in pieces
            if area >= SPECK_SHARE * area_max and max(p.width, p.height) >= side]


def _merge_stacked(pieces: list[Piece], labels: np.ndarray) -> list[Piece]:
    """Join pieces whose columns overlap by more than SAME_DIGIT_OVERLAP of the narrower."""
    pieces = sorted(pieces, key=lambda p: p.box[0])
    merged = True
    while merged:
        merged = False
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces)):
                if _same_digit(pieces[i], pieces[j]):
                    pieces[i] = _join(pieces[i], pieces[j], labels)
                    del pieces[j]
                    merged = True
                    break
            if merged:
                break
    return pieces


def _same_digit(a: Piece, b: Piece) -> bool:
    """Much column overlap; for a tall narrower piece, also its middle well inside the other.

    The second test keeps a thin 1 that leans into its neighbour's box apart: its own
    width is so small that a little overlap is already half of it. Short pieces (the
    bar of a 5 or a 7) join on overlap alone.
    """
    narrow, wide = (a, b) if a.width <= b.width else (b, a)
    overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    if overlap <= SAME_DIGIT_OVERLAP * narrow.width:
        return False
    if narrow.height < TALL_SHARE * wide.height:
        return True
    middle = (narrow.box[0] + narrow.box[2]) / 2
    margin = INSIDE_MARGIN * wide.width
    return wide.box[0] + margin < middle < wide.box[2] - margin


def _join(a: Piece, b: Piece, labels: np.ndarray) -> Piece:
    box = (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]),
           max(a.box[2], b.box[2]), max(a.box[3], b.box[3]))
    both = a.labels | b.labels
    mask = np.isin(labels[box[1]:box[3], box[0]:box[2]], list(both))
    return Piece(box, mask, both)


def _dilate(mask: np.ndarray, steps: int = 2) -> np.ndarray:
    """8-neighbourhood dilation of a bool mask [h, w], `steps` times."""
    out = mask
    for _ in range(steps):
        p = np.pad(out, 1)
        out = (p[:-2, :-2] | p[:-2, 1:-1] | p[:-2, 2:] | p[1:-1, :-2] | p[1:-1, 1:-1]
               | p[1:-1, 2:] | p[2:, :-2] | p[2:, 1:-1] | p[2:, 2:])
    return out
