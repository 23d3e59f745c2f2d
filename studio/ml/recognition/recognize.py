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
    """The latest answers by the image they were read from, for one classifier and fit.

    While a number is written, only the digit under the pen changes between two
    readings; the others' crops are the same arrays and need neither fitting into the
    28x28 nor the network again. Thread-safe; the oldest answers go first.
    """

    def __init__(self, size: int = 64) -> None:
        self._answers: OrderedDict[tuple, Recognition] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def _key(image: np.ndarray) -> tuple:
        return image.shape, image.dtype.str, image.tobytes()

    def get(self, image: np.ndarray | Image.Image) -> Recognition | None:
        if not isinstance(image, np.ndarray):
            return None
        key = self._key(image)
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
            return self._answers.get(key)

    def put(self, image: np.ndarray | Image.Image, answer: Recognition) -> None:
        if not isinstance(image, np.ndarray):
            return
        with self._lock:
            self._answers[self._key(image)] = answer
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
    out: list[Recognition | None] = [memo.get(im) if memo is not None else None
                                     for im in images]
    todo = [i for i, answer in enumerate(out) if answer is None]
    fitted = {i: fit_to_mnist(images[i]) for i in todo}
    k = classifier.config.num_classes
    inked = [i for i in todo if fitted[i] is not None]
    for i in todo:
        if fitted[i] is None:
            out[i] = Recognition(None, np.zeros(k, np.float32), None)
    if inked:
        device = next(classifier.parameters()).device
        x = torch.from_numpy(np.stack([fitted[i].image for i in inked])).to(device)[:, None]
        with torch.no_grad():  # x [n, 1, 28, 28]
            penultimate, traits = body_features(classifier, x)  # [n, 4w], [n, 6w]
            probs = F.softmax(classifier.head(classifier.dropout(penultimate)),
                              dim=1).cpu().numpy()  # [n, k]
        odd = (np.zeros(len(inked)) if likeness is None
               else likeness.oddness(traits.double().cpu().numpy()))  # [n]
        for i, p, oddness in zip(inked, probs, odd, strict=True):
            f = fitted[i]
            out[i] = Recognition(int(p.argmax()), p.astype(np.float32), f.image, f,
                                 bool(oddness > 1.0), float(oddness))
    if memo is not None:
        for i in todo:
            memo.put(images[i], out[i])
    return out  # type: ignore[return-value]
