"""Recognizing a drawing or image: preprocessing plus the classifier, in one call.

The CLI, the GUI's live recognition and the tests all go through `recognize` so that
what the net sees is the same everywhere. The live sketch panel calls it on every pen
move, so the plain call stays around a millisecond: the network's body runs once, and
both the probabilities and the novelty score are read off its features.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from studio.ml.data.preprocess import Fitted, fit_to_mnist
from studio.ml.models.classifier import Classifier
from studio.ml.recognition.novelty import DigitLikeness, body_features

# Top probability under this reads as "unsure". On the wild set (500 per condition), 0.7
# with the likeness makes 50-89% of wrong answers unsure per condition (0.6: 50-86%, and
# only 56% for low resolution) at the cost of 3-4% of right ones (0.6: 2-3%).
UNSURE_BELOW = 0.7


@dataclass(frozen=True)
class Recognition:
    digit: int | None  # None: nothing to recognize (empty drawing)
    probabilities: np.ndarray  # [num_classes] float32; zeros when digit is None
    seen: np.ndarray | None  # [28, 28] float32 in [0, 1]: what the network was given
    fitted: Fitted | None = None  # maps input coordinates onto `seen` (for overlays)
    unlike_digit: bool = False  # the features look like no digit (needs a DigitLikeness)
    oddness: float = 0.0  # distance from the nearest digit over the unlike threshold (0: none)

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max()) if self.digit is not None else 0.0

    @property
    def unsure(self) -> bool:
        """A softmax is confident about scribbles too, so novelty also makes it unsure."""
        return self.digit is not None and (self.confidence < UNSURE_BELOW or self.unlike_digit)


def recognize(classifier: Classifier, image: np.ndarray | Image.Image,
              likeness: DigitLikeness | None = None) -> Recognition:
    """Preprocess `image` (anything `to_mnist` takes) and classify it.

    With `likeness` (fitted to this classifier) the result says whether the drawing
    looks like a digit at all. Where the network looks is `saliency.saliency_map` on
    `seen`, asked for separately: it costs several recognitions, and the live panel
    runs it on its own channel so the answer never waits for it.
    """
    fitted = fit_to_mnist(image)
    if fitted is None:
        return Recognition(None, np.zeros(classifier.config.num_classes, np.float32), None)
    device = next(classifier.parameters()).device
    x = torch.from_numpy(fitted.image).to(device)[None, None]  # [1, 1, 28, 28]
    with torch.no_grad():
        penultimate, traits = body_features(classifier, x)  # [1, 4w], [1, 6w]
        logits = classifier.head(classifier.dropout(penultimate))  # as classifier(x) does
        probs = F.softmax(logits, dim=1)[0].cpu().numpy()  # [num_classes]
    digit = int(probs.argmax())
    odd = 0.0 if likeness is None else float(likeness.oddness(traits.double().cpu().numpy())[0])
    return Recognition(digit, probs, fitted.image, fitted, odd > 1.0, odd)


class ReadingMemo:
    """The latest answers by what the network was given, for one classifier and fit.

    While a number is written, only the digit under the pen changes between two
    readings; the others give the same 28x28 and need not pass through the network
    again. Thread-safe; the oldest answers go first.
    """

    def __init__(self, size: int = 64) -> None:
        self._answers: OrderedDict[bytes, tuple[np.ndarray, float]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, seen: np.ndarray) -> tuple[np.ndarray, float] | None:
        with self._lock:
            key = seen.tobytes()
            if key in self._answers:
                self._answers.move_to_end(key)
            return self._answers.get(key)

    def put(self, seen: np.ndarray, probabilities: np.ndarray, oddness: float) -> None:
        with self._lock:
            self._answers[seen.tobytes()] = (probabilities, oddness)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)


def recognize_many(classifier: Classifier, images: list[np.ndarray | Image.Image],
                   likeness: DigitLikeness | None = None,
                   memo: ReadingMemo | None = None) -> list[Recognition]:
    """`recognize` for several images in one forward pass (the digits of a number).

    Six digits one by one cost six passes of the network's body; batched they cost
    little more than one, which keeps reading a number close to reading a digit. With
    a `memo` (made for this classifier and likeness) images read before are not read
    again.
    """
    fitted = [fit_to_mnist(image) for image in images]
    k = classifier.config.num_classes
    known = [memo.get(f.image) if memo is not None and f is not None else None for f in fitted]
    new = [f for f, answer in zip(fitted, known, strict=True) if f is not None and answer is None]
    if new:
        device = next(classifier.parameters()).device
        x = torch.from_numpy(np.stack([f.image for f in new])).to(device)[:, None]  # [n, 1, 28, 28]
        with torch.no_grad():
            penultimate, traits = body_features(classifier, x)  # [n, 4w], [n, 6w]
            probs = F.softmax(classifier.head(classifier.dropout(penultimate)),
                              dim=1).cpu().numpy()  # [n, k]
        odd = (np.zeros(len(new)) if likeness is None
               else likeness.oddness(traits.double().cpu().numpy()))  # [n]
        answers = iter(zip(probs, odd, strict=True))
        for i, f in enumerate(fitted):
            if f is not None and known[i] is None:
                p, oddness = next(answers)
                known[i] = (p.astype(np.float32), float(oddness))
                if memo is not None:
                    memo.put(f.image, *known[i])
    out = []
    for f, answer in zip(fitted, known, strict=True):
        if f is None or answer is None:
            out.append(Recognition(None, np.zeros(k, np.float32), None))
            continue
        p, oddness = answer
        out.append(Recognition(int(p.argmax()), p, f.image, f, oddness > 1.0, oddness))
    return out
