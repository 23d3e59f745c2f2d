"""Reading whole numbers: the ink cut into digits, each digit read by the recognizer.

The CNN reads one digit in a 28x28, so a number ("4721") drawn or scanned in one image
would be read as a single blurred digit. Segmentation first finds the ink's connected
pieces, joins the strokes that belong to one digit (the two strokes of a 4, the bar of
a 5 or of a crossed 7: they lie above one another, so their columns overlap much) and
cuts a piece much wider than a digit where the fewest ink is (digits that touch). Only
overlap, never mere closeness, joins pieces: a thin 1 beside a 7 is close but separate.
Each digit's own ink is then read through `recognize`, so all its rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from studio.ml.data.preprocess import ink_coverage
from studio.ml.models.classifier import Classifier
from studio.ml.recognition.novelty import DigitLikeness
from studio.ml.recognition.recognize import Recognition, recognize, recognize_many

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in ink-map pixels; x1 and y1 exclusive

INK_THRESHOLD = 0.2  # coverage above this is a stroke
LABEL_SIDE = 256  # the mask is reduced to at most this long side before labelling
SPECK_SHARE = 0.04  # a piece with less ink area than this share of the largest is a speck
SPECK_SIDE = 0.25  # ...or one whose longer side is under this share of the largest's height
SAME_DIGIT_OVERLAP = 0.5  # x-overlap over the narrower piece's width that joins two pieces
INSIDE_MARGIN = 0.15  # ...and a tall one's middle this share of the wider's width inside it
TALL_SHARE = 0.6  # a piece at least this share of the other's height is tall
TOO_WIDE = 1.3  # a piece wider than this times the typical height of several holds more
TOO_WIDE_ALONE = 1.4  # ...a lone piece, this times its own (wide single digits exist)
DIGIT_ASPECT = 0.75  # typical digit width over height, to guess how many digits touch
CUT_WINDOW = 0.35  # the cut is searched this share of a digit's width around the guess
ONE_DIGIT_ASPECT = 1.0  # pieces together no wider than this for their height may be one
PAIR_WIDTH = 0.7  # an unsure piece at least this wide for its height may be two digits
SURE_HALVES = 0.9  # ...and is, when both halves read at least this confidently
PAD = 2  # zero pixels around a digit's crop, so its border reads as background


@dataclass(frozen=True)
class _Piece:
    """Part of the ink: some connected components, limited to a column range."""

    box: Box
    labels: frozenset[int]  # component labels (in the label map) whose ink it holds

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class ReadDigit:
    box: Box  # where the digit's ink lies in the image's ink coverage map
    recognition: Recognition


@dataclass(frozen=True)
class NumberReading:
    digits: list[ReadDigit]  # left to right; empty when there is no ink

    @property
    def number(self) -> str | None:
        """The digits left to right as a string; None when nothing was read."""
        if not self.digits:
            return None
        return "".join(str(d.recognition.digit) for d in self.digits)

    @property
    def single(self) -> Recognition | None:
        """The one recognition when exactly one digit was found."""
        return self.digits[0].recognition if len(self.digits) == 1 else None

    @property
    def unsure(self) -> bool:
        return any(d.recognition.unsure for d in self.digits)


def read_number(classifier: Classifier, image: np.ndarray | Image.Image,
                likeness: DigitLikeness | None = None, *, ink: np.ndarray | None = None,
                whole: Recognition | None = None, split_alone: bool = True) -> NumberReading:
    """Segment `image` (anything `recognize` takes) into digits and read each one.

    With one digit found, the answer is `recognize` on the whole image, exactly. A digit
    read unsure that is wide enough to be two touching digits (a 1 against an 8 is no
    wider than a 0) gets a second look: cut where the ink is thinnest, it becomes two
    digits when both halves read confidently.

    The live canvas passes what it already has, so one digit costs what it did: `ink`
    (float32 [H, W], when the image is known to be white ink on black) and `whole`
    (`recognize` on the whole image, used as is when one digit is found). With
    `split_alone` False one connected stroke is cut only by the second look: while a
    pen moves, the half-drawn bar of a 7 is wide enough to be cut into six.
    """
    ink = ink_coverage(image) if ink is None else ink  # [H, W] float32 in [0, 1] or None
    if ink is None or not ink.any():
        return NumberReading([])
    labels, pieces = _segment(ink, split_alone)
    if not pieces:
        return NumberReading([])
    height = float(np.median([p.height for p in pieces]))
    if len(pieces) == 1:
        answers = [whole if whole is not None else recognize(classifier, image, likeness)]
    else:  # one forward pass for all the digits
        answers = recognize_many(classifier, [_crop(ink, labels, p) for p in pieces], likeness)
    read: list[ReadDigit] = []
    for piece, answer in zip(pieces, answers, strict=True):
        split = _second_look(classifier, ink, labels, piece, answer, height, likeness)
        read += split or [ReadDigit(piece.box, answer)]
    x0, y0 = min(d.box[0] for d in read), min(d.box[1] for d in read)
    x1, y1 = max(d.box[2] for d in read), max(d.box[3] for d in read)
    one_ink = len({frozenset(p.labels) for p in pieces}) == 1  # all cut from one stroke
    if len(read) > 1 and any(d.recognition.unsure for d in read) \
            and (one_ink or x1 - x0 < ONE_DIGIT_ASPECT * (y1 - y0)):
        # One stroke cut by its width (a broad 0) into doubtful parts is one digit; so is
        # ink broken into pieces no wider than a digit (a 0 with a gap) when the whole
        # reads as one digit with confidence.
        whole = whole if whole is not None else recognize(classifier, image, likeness)
        if one_ink or not whole.unsure:
            return NumberReading([ReadDigit((x0, y0, x1, y1), whole)])
    return NumberReading(read)


def _second_look(classifier: Classifier, ink: np.ndarray, labels: np.ndarray, piece: _Piece,
                 whole: Recognition, height: float,
                 likeness: DigitLikeness | None) -> list[ReadDigit] | None:
    """Two confident digits from an unsure, wide piece cut at its thinnest column; or None."""
    if not whole.unsure or piece.width < PAIR_WIDTH * max(height, piece.height):
        return None
    x0, y0, x1, y1 = piece.box
    inside = np.isin(labels[y0:y1, x0:x1], list(piece.labels))  # [h, w] bool
    profile = inside.sum(axis=0)  # [w] ink pixels per column
    lo, hi = int(piece.width * 0.25), int(np.ceil(piece.width * 0.75))
    cut = lo + int(np.argmin(profile[lo:hi]))
    halves = [_restrict(piece, inside, 0, cut), _restrict(piece, inside, cut, piece.width)]
    if halves[0] is None or halves[1] is None:
        return None
    read = [ReadDigit(h.box, recognize(classifier, _crop(ink, labels, h), likeness))
            for h in halves]
    worst = min(r.recognition.confidence for r in read)
    if worst < SURE_HALVES or any(r.recognition.unsure for r in read):
        return None
    return read


def segment_digits(ink: np.ndarray) -> list[Box]:
    """Boxes of the digits in an ink coverage map [H, W] (1 = ink), left to right."""
    return [p.box for p in _segment(np.asarray(ink, dtype=np.float32))[1]]


# --- segmentation ------------------------------------------------------------------------


def _segment(ink: np.ndarray, split_alone: bool = True) -> tuple[np.ndarray, list[_Piece]]:
    """The label map [H, W] int32 (0 = background) and the digits as pieces, left to right."""
    labels = _label_components(ink > INK_THRESHOLD)
    pieces = _drop_specks(_component_pieces(labels))
    if not pieces:
        return labels, []
    pieces = _merge_stacked(pieces)
    typical = float(np.median([p.height for p in pieces]))
    out: list[_Piece] = []
    for piece in pieces:
        if len(pieces) == 1:
            out += _split_wide(labels, piece, piece.height, TOO_WIDE_ALONE) if split_alone \
                else [piece]
        else:
            out += _split_wide(labels, piece, typical, TOO_WIDE)
    return labels, sorted(out, key=lambda p: (p.box[0] + p.box[2], p.box[1]))


def _label_components(mask: np.ndarray) -> np.ndarray:
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
    small_labels = _label_runs(small)  # [h / f, w / f]
    if f == 1:
        return small_labels
    big = np.repeat(np.repeat(small_labels, f, axis=0), f, axis=1)[:h, :w]
    return np.where(mask, big, 0).astype(np.int32)


def _label_runs(mask: np.ndarray) -> np.ndarray:
    """Union-find over the horizontal runs of each row; runs touch across rows diagonally too."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)  # [H, W + 1]
    rows_s, starts = np.nonzero(edges == 1)  # run starts, row-major order
    _, ends = np.nonzero(edges == -1)  # exclusive run ends, same order
    n = len(starts)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(rows_s, np.arange(h + 1))  # runs of row r: [first[r], first[r+1])
    for r in range(1, h):
        a, a_end = int(row_first[r - 1]), int(row_first[r])
        b, b_end = a_end, int(row_first[r + 1])
        while a < a_end and b < b_end:  # two sorted lists of runs, merged like a zip
            if starts[a] <= ends[b] and starts[b] <= ends[a]:  # overlap, diagonals included
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            if ends[a] < ends[b]:
                a += 1
            else:
                b += 1
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    ids = np.unique(roots, return_inverse=True)[1].astype(np.int32) + 1  # [runs] 1..k
    labels = np.zeros((h, w), np.int32)
    for row, x0, x1, label in zip(rows_s, starts, ends, ids, strict=True):
        labels[row, x0:x1] = label
    return labels


def _component_pieces(labels: np.ndarray) -> list[tuple[_Piece, int]]:
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
    return [(_Piece((int(x0[i]), int(y0[i]), int(x1[i]), int(y1[i])), frozenset({i})),
             int(area[i])) for i in range(1, k) if area[i] > 0]


def _drop_specks(pieces: list[tuple[_Piece, int]]) -> list[_Piece]:
    """Pieces with little ink, or small both ways, next to the largest piece are specks."""
    if not pieces:
        return []
    largest, area_max = max(pieces, key=lambda pa: pa[1])
    side = SPECK_SIDE * largest.height
    return [p for p, area in pieces
            if area >= SPECK_SHARE * area_max and max(p.width, p.height) >= side]


def _merge_stacked(pieces: list[_Piece]) -> list[_Piece]:
    """Join pieces whose columns overlap by more than SAME_DIGIT_OVERLAP of the narrower."""
    pieces = sorted(pieces, key=lambda p: p.box[0])
    merged = True
    while merged:
        merged = False
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces)):
                if _same_digit(pieces[i], pieces[j]):
                    pieces[i] = _join(pieces[i], pieces[j])
                    del pieces[j]
                    merged = True
                    break
            if merged:
                break
    return pieces


def _same_digit(a: _Piece, b: _Piece) -> bool:
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


def _join(a: _Piece, b: _Piece) -> _Piece:
    box = (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]),
           max(a.box[2], b.box[2]), max(a.box[3], b.box[3]))
    return _Piece(box, a.labels | b.labels)


def _split_wide(labels: np.ndarray, piece: _Piece, height: float,
                too_wide: float) -> list[_Piece]:
    """Cut a piece wider than a digit into digits at the columns with least ink, recursively."""
    height = max(height, piece.height)
    if piece.width <= too_wide * height:
        return [piece]
    x0, y0, x1, y1 = piece.box
    inside = np.isin(labels[y0:y1, x0:x1], list(piece.labels))  # [h, w] bool
    profile = inside.sum(axis=0)  # [w] ink pixels per column
    count = max(2, round(piece.width / (DIGIT_ASPECT * height)))
    guess = piece.width / count  # where the first digit should end
    lo = max(1, int(guess * (1 - CUT_WINDOW)))
    hi = min(piece.width - 1, int(np.ceil(guess * (1 + CUT_WINDOW))) + 1)
    if lo >= hi:
        return [piece]
    cut = lo + int(np.argmin(profile[lo:hi]))
    left = _restrict(piece, inside, 0, cut)
    right = _restrict(piece, inside, cut, piece.width)
    if left is None or right is None:
        return [piece]
    return [left, *_split_wide(labels, right, height, too_wide)]


def _restrict(piece: _Piece, inside: np.ndarray, c0: int, c1: int) -> _Piece | None:
    """The piece's ink in its columns [c0, c1), with a tight box; None when empty."""
    rows = np.flatnonzero(inside[:, c0:c1].any(axis=1))
    cols = np.flatnonzero(inside[:, c0:c1].any(axis=0))
    if len(rows) == 0:
        return None
    x0, y0 = piece.box[0], piece.box[1]
    box = (x0 + c0 + int(cols[0]), y0 + int(rows[0]), x0 + c0 + int(cols[-1]) + 1,
           y0 + int(rows[-1]) + 1)
    return _Piece(box, piece.labels)


def _crop(ink: np.ndarray, labels: np.ndarray, piece: _Piece) -> np.ndarray:
    """Float32 [h + 2 PAD, w + 2 PAD]: the piece's own ink in its box, on a black margin.

    Faint ink around strokes (below the threshold) belongs to the piece when it lies next
    to its labelled pixels; ink of other pieces that reaches into the box is left out.
    """
    x0, y0, x1, y1 = piece.box
    own = np.isin(labels[y0:y1, x0:x1], list(piece.labels))  # [h, w] bool
    others = (labels[y0:y1, x0:x1] > 0) & ~own
    near = _dilate(own)
    crop = np.where(near & ~others, ink[y0:y1, x0:x1], 0.0).astype(np.float32)
    return np.pad(crop, PAD)


def _dilate(mask: np.ndarray, steps: int = 2) -> np.ndarray:
    """8-neighbourhood dilation of a bool mask [h, w], `steps` times."""
    out = mask
    for _ in range(steps):
        p = np.pad(out, 1)
        out = (p[:-2, :-2] | p[:-2, 1:-1] | p[:-2, 2:] | p[1:-1, :-2] | p[1:-1, 1:-1]
               | p[1:-1, 2:] | p[2:, :-2] | p[2:, 1:-1] | p[2:, 2:])
    return out
