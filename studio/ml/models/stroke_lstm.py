"""StrokeLSTM: a Sketch-RNN-style decoder that draws a digit as pen strokes.

At every step the LSTM reads the previous stroke-5 row (normalized offsets and the
one-hot pen state) next to an embedding of the digit asked for, and its output
parametrizes the next row: a mixture of bivariate Gaussians over (dx, dy) and three pen
states (stroke_mixture.py). Sketch-RNN's decoder is conditioned on a latent z from an
encoder; here the condition is just the digit, so the model's randomness is all in the
sampling.

Offsets are divided by `offset_scale` (the training offsets' standard deviation, in
pixels, kept in the config) before they enter, as Sketch-RNN normalizes its data; the
sampler (studio/ml/pen/pen_sampler.py) multiplies them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from studio.ml.models.stroke_mixture import mixture_size

LSTMState = tuple[torch.Tensor, torch.Tensor]  # (h, c), each [layers, B, hidden]


@dataclass(frozen=True)
class StrokeLSTMConfig:
    num_classes: int = 10
    hidden: int = 256
    layers: int = 1
    embed: int = 32  # digit embedding fed at every step
    mixtures: int = 10  # Gaussian components of the offset distribution
    max_points: int = 64  # the most rows the sampler draws (the data has at most 22)
    offset_scale: float = 4.0  # pixels per normalized unit; set from the training data
    dropout: float = 0.1  # on the LSTM's output, while training


class StrokeLSTM(nn.Module):
    def __init__(self, config: StrokeLSTMConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.digit = nn.Embedding(c.num_classes, c.embed)
        self.lstm = nn.LSTM(5 + c.embed, c.hidden, num_layers=c.layers, batch_first=True)
        self.drop = nn.Dropout(c.dropout)
        self.head = nn.Linear(c.hidden, mixture_size(c.mixtures))

    def forward(self, inputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """inputs [B, T, 5] (start row, then the drawing's rows), y [B] ->
        mixture params [B, T, 6M + 3]; step t predicts row t + 1."""
        cond = self.digit(y)[:, None, :].expand(-1, inputs.shape[1], -1)  # [B, T, embed]
        out, _ = self.lstm(torch.cat([inputs, cond], dim=-1))  # [B, T, hidden]
        return self.head(self.drop(out))

    def start(self, y: torch.Tensor) -> LSTMState:
        """The empty state for a batch of digits y [B]."""
        c = self.config
        zeros = torch.zeros(c.layers, len(y), c.hidden, device=y.device)
        return zeros, zeros.clone()

    def step(self, row: torch.Tensor, y: torch.Tensor,
             state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """One row [B, 5] in -> params [B, 6M + 3] for the next row, and the new state."""
        x = torch.cat([row, self.digit(y)], dim=-1)[:, None, :]  # [B, 1, 5 + embed]
        out, state = self.lstm(x, state)  # [B, 1, hidden]
        return self.head(out[:, 0]), state
