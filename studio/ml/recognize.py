"""Recognizing a drawing or image: preprocessing plus the classifier, in one call.

The CLI, the GUI's live recognition and the tests all go through `recognize` so that
what the net sees is the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from studio.ml.classifier import Classifier
from studio.ml.preprocess import to_mnist

UNSURE_BELOW = 0.6  # top probability under this reads as "unsure"


@dataclass(frozen=True)
class Recognition:
    digit: int | None  # None: nothing to recognize (empty drawing)
    probabilities: np.ndarray  # [num_classes] float32; zeros when digit is None
    seen: np.ndarray | None  # [28, 28] float32 in [0, 1]: what the network was given

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max()) if self.digit is not None else 0.0

    @property
    def unsure(self) -> bool:
        return self.digit is not None and self.confidence < UNSURE_BELOW


@torch.no_grad()
def recognize(classifier: Classifier, image: np.ndarray | Image.Image) -> Recognition:
    seen = to_mnist(image)
    if seen is None:
        return Recognition(None, np.zeros(classifier.config.num_classes, np.float32), None)
    device = next(classifier.parameters()).device
    x = torch.from_numpy(seen).to(device)[None, None]  # [1, 1, 28, 28]
    probs = classifier.probabilities(x)[0].cpu().numpy()  # [num_classes]
    return Recognition(int(probs.argmax()), probs, seen)
