"""Recognizing a drawing or image: preprocessing plus the classifier, in one call.

The CLI, the GUI's live recognition and the tests all go through `recognize` so that
what the net sees is the same everywhere. The live sketch panel calls it on every pen
move, so the plain call stays around a millisecond: the network's body runs once, and
both the probabilities and the novelty score are read off its features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from studio.ml.data.preprocess import Fitted, fit_to_mnist
from studio.ml.models.classifier import Classifier
from studio.ml.recognition.novelty import DigitLikeness, body_features

UNSURE_BELOW = 0.6  # top probability under this reads as "unsure"


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


def recognize_many(classifier: Classifier, images: list[np.ndarray | Image.Image],
                   likeness: DigitLikeness | None = None) -> list[Recognition]:
    """`recognize` for several images in one forward pass (the digits of a number).

    Six digits one by one cost six passes of the network's body; batched they cost
    little more than one, which keeps reading a number close to reading a digit.
    """
    fitted = [fit_to_mnist(image) for image in images]
    inked = [f for f in fitted if f is not None]
    k = classifier.config.num_classes
    if not inked:
        return [Recognition(None, np.zeros(k, np.float32), None) for _ in images]
    device = next(classifier.parameters()).device
    x = torch.from_numpy(np.stack([f.image for f in inked])).to(device)[:, None]  # [n, 1, 28, 28]
    with torch.no_grad():
        penultimate, traits = body_features(classifier, x)  # [n, 4w], [n, 6w]
        probs = F.softmax(classifier.head(classifier.dropout(penultimate)), dim=1).cpu().numpy()
    odd = (np.zeros(len(inked)) if likeness is None
           else likeness.oddness(traits.double().cpu().numpy()))  # [n]
    answers = iter(zip(inked, probs, odd, strict=True))
    out = []
    for f in fitted:
        if f is None:
            out.append(Recognition(None, np.zeros(k, np.float32), None))
            continue
        fit, p, oddness = next(answers)
        out.append(Recognition(int(p.argmax()), p.astype(np.float32), fit.image, fit,
                               bool(oddness > 1.0), float(oddness)))
    return out
