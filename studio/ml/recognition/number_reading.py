"""Reading whole numbers: the ink cut into digits, each digit read by the recognizer.

The CNN reads one digit in a 28x28, so a number ("4721") drawn or scanned in one image
would be read as a single blurred digit. `digit_segmentation` finds the digits' pieces
of ink; each piece is read, and a piece that may hold several touching digits (wide
for its height, or doubtful) is cut where the recognizer reads the parts best
(`digit_cuts`). All pieces are read in one batch, and all the candidate parts in a
second one, so a number costs two passes of the network whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from studio.ml.data.preprocess import ink_coverage
from studio.ml.models.classifier import Classifier
from studio.ml.recognition.digit_cuts import CutOptions, choose_cut, cut_options
from studio.ml.recognition.digit_segmentation import Box, Piece, crop, find_pieces
from studio.ml.recognition.novelty import DigitLikeness
from studio.ml.recognition.recognize import ReadingMemo, Recognition, recognize, recognize_many

MAY_BE_SEVERAL = 0.95  # a piece this wide for the digits' height may be touching digits
PAIR_WIDTH = 0.7  # ...and a doubtful one this wide (a 1 against an 8 is no wider than a 0)
ONE_DIGIT_ASPECT = 1.0  # pieces together no wider than this for their height may be one


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
                whole: Recognition | None = None, split_alone: bool = True,
                memo: ReadingMemo | None = None) -> NumberReading:
    """Segment `image` (anything `recognize` takes) into digits and read each one.

    With one digit found, the answer is `recognize` on the whole image, exactly. The
    live canvas passes what it already has, so one digit costs what it did: `ink`
    (float32 [H, W], when the image is known to be white ink on black) and `whole`
    (`recognize` on the whole image, used as is when one digit is found). With
    `split_alone` False a lone piece of ink is cut only when it reads doubtful: while a
    pen moves, a half-drawn digit is often wide. A `memo` keeps the digits that did not
    change since the last reading from passing through the network again.
    """
    ink = ink_coverage(image) if ink is None else ink  # [H, W] float32 in [0, 1] or None
    if ink is None or not ink.any():
        return NumberReading([])
    labels, pieces = find_pieces(ink)
    if not pieces:
        return NumberReading([])
    if len(pieces) == 1:
        answers = [whole if whole is not None else recognize(classifier, image, likeness)]
    else:  # one forward pass for all the pieces
        answers = recognize_many(classifier, [crop(ink, labels, p) for p in pieces], likeness,
                                 memo)
    typical = float(np.median([p.height for p in pieces]))
    cautious = len(pieces) == 1 and not split_alone
    options = {i: cut_options(p) for i, (p, a) in enumerate(zip(pieces, answers, strict=True))
               if _may_be_several(p, a, typical, cautious)}
    parts = [part for o in options.values() for part in o.parts]
    readings = iter(recognize_many(classifier, [crop(ink, labels, p) for p in parts], likeness,
                                   memo) if parts else [])
    read: list[ReadDigit] = []
    for i, (piece, answer) in enumerate(zip(pieces, answers, strict=True)):
        if i not in options:
            read.append(ReadDigit(piece.box, answer))
            continue
        o: CutOptions = options[i]
        chosen = choose_cut(o, answer, [next(readings) for _ in o.parts], likeness is not None)
        if cautious and any(r.unsure for _, r in chosen):
            chosen = [(piece, answer)]  # a scribble's parts are no surer than the scribble
        read += [ReadDigit(part.box, r) for part, r in chosen]
    return _one_broken_digit(classifier, image, likeness, pieces, read, whole) \
        or NumberReading(read)


def _may_be_several(piece: Piece, answer: Recognition, typical: float, cautious: bool) -> bool:
    """Worth cutting: wide for the digits' height, or wide enough and doubtful."""
    height = max(piece.height, typical)
    doubtful = answer.unsure and piece.width >= PAIR_WIDTH * height
    return doubtful if cautious else doubtful or piece.width >= MAY_BE_SEVERAL * height


def _one_broken_digit(classifier: Classifier, image: np.ndarray | Image.Image,
                      likeness: DigitLikeness | None, pieces: list[Piece],
                      read: list[ReadDigit], whole: Recognition | None) -> NumberReading | None:
    """One digit drawn in broken ink (a 0 with a gap), read whole; None when it is not.

    Separate pieces that together are no wider than a digit and read doubtfully one by
    one are one digit when the whole reads confidently.
    """
    if len(pieces) < 2 or len(read) < 2 or not any(d.recognition.unsure for d in read):
        return None
    x0, y0 = min(d.box[0] for d in read), min(d.box[1] for d in read)
    x1, y1 = max(d.box[2] for d in read), max(d.box[3] for d in read)
    if x1 - x0 >= ONE_DIGIT_ASPECT * (y1 - y0):
        return None
    whole = whole if whole is not None else recognize(classifier, image, likeness)
    return None if whole.unsure else NumberReading([ReadDigit((x0, y0, x1, y1), whole)])


def segment_digits(ink: np.ndarray) -> list[Box]:
    """Boxes of the digits' pieces in an ink coverage map [H, W] (1 = ink), left to right.

    Touching digits are one piece here: cutting them takes the recognizer (`read_number`).
    """
    return [p.box for p in find_pieces(np.asarray(ink, dtype=np.float32))[1]]
