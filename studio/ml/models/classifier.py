"""The digit recognizer: a small all-convolutional CNN.

Smaller than the pytorch/examples MNIST Net (no 9216x128 dense layer) so that it runs
in about a millisecond on one CPU core, which live recognition needs, and trains
faster to the same accuracy (benchmarks/training.py). Global average pooling also
gives the 128-d penultimate features that the FID in evaluate.py is computed on.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class ClassifierConfig:
    num_classes: int = 10
    width: int = 32  # channels of the first block; doubled twice
    dropout: float = 0.2


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            _block(1, w), _block(w, w), nn.MaxPool2d(2),  # [N, w, 14, 14]
            _block(w, 2 * w), _block(2 * w, 2 * w), nn.MaxPool2d(2),  # [N, 2w, 7, 7]
            _block(2 * w, 4 * w),  # [N, 4w, 7, 7]
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(4 * w, config.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features, [N, 4w]; x is [N, 1, 28, 28] in [0, 1]."""
        return self.body(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N, num_classes] for x [N, 1, 28, 28] in [0, 1], white ink on black."""
        return self.head(self.dropout(self.features(x)))

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self(x), dim=1)
