"""Does a drawing look like a digit at all? A Mahalanobis novelty score on CNN features.

A softmax always sums to one, so a scribble, a filled blob or a grid still gets a
"digit", often with high confidence. Following Lee et al. 2018 ("A Simple Unified
Framework for Detecting Out-of-Distribution Samples and Adversarial Attacks"), we fit
one Gaussian per class with a shared (tied) covariance to the classifier's features of
the training digits, and call an input unlike a digit when its Mahalanobis distance to
the nearest class mean is larger than real, unseen digits ever get.

Features: the penultimate 128-d vector alone misses filled shapes (a filled disc sits
near the mean of "0"; 40% of discs flagged) and lets through a fifth of random
scribbles. Lee et al. pool features from several depths; adding the mean-pooled output
of the last 14x14 block (64-d) to the penultimate one brings discs to 86%, scribbles
from 78% to 86% and random lines from 78% to 88%, with no drawn digit flagged and the
same 0.5% of real digits. Earlier blocks mostly measure stroke thickness and flag thin
pens, so they stay out. `body_features` computes both in one pass, so recognition runs
the network's body once for the probabilities and for this score.

The features belong to one trained classifier: refit when the recognizer changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import ImageSet
from studio.ml.models.classifier import Classifier

# The threshold is this quantile of the distances of real digits the fit never saw:
# a genuine new digit is called unlike a digit about 1 time in 200.
QUANTILE = 0.995
RIDGE = 1e-3  # added to the covariance's diagonal, times its mean variance
# Batches whose activations fit in cache: on a 2-core CPU 128 images per batch fit the
# bundled set in ~1.2 s, 500 per batch in ~2.2 s.
BATCH = 128


def body_features(classifier: Classifier,
                  x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(penultimate [N, 4w] for the head, likeness features [N, 6w]) from one body pass.

    x is [N, 1, 28, 28] in [0, 1]. The likeness features are the mean-pooled input of
    the body's last max-pool (the last 14x14 block, [N, 2w]) followed by the penultimate
    features, so `classifier.head(penultimate)` gives exactly the classifier's logits.
    """
    h = x
    before_last_pool = None
    for layer in classifier.body:
        if isinstance(layer, nn.MaxPool2d):
            before_last_pool = h.mean(dim=(2, 3))  # [N, 2w] (14x14 for the default body)
        h = layer(h)
    penultimate = h.mean(dim=(2, 3))  # [N, 4w], what classifier.features returns
    if before_last_pool is None:
        return penultimate, penultimate
    return penultimate, torch.cat([before_last_pool, penultimate], dim=1)  # [N, 6w]


@torch.no_grad()
def likeness_features(classifier: Classifier, images: np.ndarray,
                      batch_size: int = BATCH) -> np.ndarray:
    """Float64 [N, D] likeness features of uint8 [N, 28, 28] images (MNIST convention)."""
    # Batch statistics would make each image's features depend on its batch; switch to
    # eval only when needed, so the usual call (a loaded model) writes no model state.
    was_training = classifier.training
    if was_training:
        classifier.eval()
    device = next(classifier.parameters()).device
    out = []
    try:
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(images[start:start + batch_size]).to(device)
            x = batch.float().div_(255.0)[:, None]  # [B, 1, 28, 28]
            out.append(body_features(classifier, x)[1].double().cpu())
    finally:
        if was_training:
            classifier.train()
    if not out:
        raise ValueError("no images to compute features of")
    return torch.cat(out).numpy()


@dataclass(frozen=True)
class DigitLikeness:
    """Class means and one tied precision matrix of likeness features, plus a threshold.

    `features` arguments are what `body_features(...)[1]` or `likeness_features` give.
    """

    means: np.ndarray  # [C, D] float64, one per class present in the training set
    precision: np.ndarray  # [D, D] float64, inverse of the tied covariance (with ridge)
    threshold: float  # distances above this are unlike a digit

    @classmethod
    def fit(cls, classifier: Classifier, train: ImageSet, calibration: ImageSet,
            batch_size: int = BATCH) -> DigitLikeness:
        """Fit the Gaussians on `train`, the threshold on `calibration`.

        `calibration` must be digits that neither the classifier nor the Gaussians saw
        (the bundled test split). Training digits sit closer to the means than new
        digits do (both the network and the fit were made on them), so a threshold
        taken from their scores would call many genuine new digits scribbles.
        """
        return cls.from_features(likeness_features(classifier, train.images, batch_size),
                                 train.labels,
                                 likeness_features(classifier, calibration.images, batch_size))

    @classmethod
    def from_features(cls, features: np.ndarray, labels: np.ndarray,
                      calibration: np.ndarray, quantile: float = QUANTILE) -> DigitLikeness:
        """The same fit from precomputed features: [N, D] with labels [N], and [M, D]."""
        features = np.asarray(features, dtype=np.float64)
        classes = np.unique(labels)
        means = np.stack([features[labels == c].mean(axis=0) for c in classes])  # [C, D]
        centred = features - means[np.searchsorted(classes, labels)]  # [N, D]
        cov = centred.T @ centred / len(features)  # [D, D], tied across classes
        d = cov.shape[0]
        cov += RIDGE * np.trace(cov) / d * np.eye(d)
        precision = np.linalg.inv(cov)
        precision = (precision + precision.T) / 2  # exactly symmetric despite round-off
        unfinished = cls(means, precision, threshold=np.inf)
        threshold = float(np.quantile(unfinished.score(calibration), quantile))
        return cls(means, precision, threshold)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Float64 [N]: Mahalanobis distance from each [N, D] row to its nearest class mean."""
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or f.shape[1] != self.means.shape[1]:
            raise ValueError(f"expected likeness features [N, {self.means.shape[1]}] "
                             f"(novelty.body_features), got {f.shape}")
        # (f - m)' P (f - m) expanded, so no [N, C, D] difference tensor is built.
        fp = f @ self.precision  # [N, D]
        sq = ((fp * f).sum(axis=1)[:, None] - 2.0 * fp @ self.means.T
              + ((self.means @ self.precision) * self.means).sum(axis=1)[None])  # [N, C]
        return np.sqrt(np.maximum(sq.min(axis=1), 0.0))

    def oddness(self, features: np.ndarray) -> np.ndarray:
        """Float64 [N]: distance over the threshold; above 1 is unlike a digit.

        Cutting touching digits weighs candidate parts by it: a half of a 0 is a shape
        the net reads confidently yet lies far from any digit.
        """
        return self.score(features) / self.threshold

    def is_digit_like(self, features: np.ndarray) -> np.ndarray:
        """Bool [N]: True where the distance is within the calibrated threshold."""
        return self.score(features) <= self.threshold
