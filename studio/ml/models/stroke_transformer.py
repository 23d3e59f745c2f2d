"""StrokeTransformer: a small decoder-only Transformer that draws a digit as pen strokes.

The same job as StrokeLSTM (stroke_lstm.py), the same inputs and outputs: each token is
a stroke-5 row (normalized offsets and one-hot pen) projected to `width`, plus a learned
position embedding, plus the digit's embedding (the condition, added to every token);
causal self-attention (nanoGPT's pre-norm blocks) lets step t see rows 0..t only, and
the mixture head (stroke_mixture.py) parametrizes row t + 1.

Sampling runs one token at a time with a key/value cache per layer, so each new row
costs one token's attention over the rows before it, not the whole sequence again.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.ml.models.stroke_mixture import mixture_size

KVCache = list[tuple[torch.Tensor, torch.Tensor]]  # per layer (k, v), each [B, heads, t, hd]


@dataclass(frozen=True)
class StrokeTransformerConfig:
    num_classes: int = 10
    width: int = 128
    layers: int = 3
    heads: int = 4
    mixtures: int = 10  # Gaussian components of the offset distribution
    max_points: int = 64  # context: the start row and up to max_points rows
    offset_scale: float = 4.0  # pixels per normalized unit; set from the training data
    dropout: float = 0.1


class SelfAttention(nn.Module):
    def __init__(self, c: StrokeTransformerConfig) -> None:
        super().__init__()
        self.heads = c.heads
        self.qkv = nn.Linear(c.width, 3 * c.width)
        self.proj = nn.Linear(c.width, c.width)
        self.dropout = c.dropout

    def forward(self, x: torch.Tensor,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x [B, T, C] -> [B, T, C]; with `cache` (k, v of earlier tokens) x holds only
        the new tokens, which attend to all of them and to each other causally."""
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2)
                   for z in (q, k, v))  # each [B, heads, T, hd]
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        drop = self.dropout if self.training else 0.0
        # one new token may see everything cached; a whole sequence is masked causally
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=drop,
                                           is_causal=cache is None and t > 1)
        return self.proj(y.transpose(1, 2).reshape(b, t, c)), (k, v)


class Block(nn.Module):
    def __init__(self, c: StrokeTransformerConfig) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c.width), nn.LayerNorm(c.width)
        self.attn = SelfAttention(c)
        self.mlp = nn.Sequential(nn.Linear(c.width, 4 * c.width), nn.GELU(),
                                 nn.Linear(4 * c.width, c.width), nn.Dropout(c.dropout))

    def forward(self, x: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        a, kv = self.attn(self.ln1(x), cache)
        x = x + a
        return x + self.mlp(self.ln2(x)), kv


class StrokeTransformer(nn.Module):
    def __init__(self, config: StrokeTransformerConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        if c.width % c.heads:
            raise ValueError(f"width {c.width} is not a multiple of heads {c.heads}")
        self.row_in = nn.Linear(5, c.width)
        self.pos = nn.Embedding(c.max_points + 1, c.width)
        self.digit = nn.Embedding(c.num_classes, c.width)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln_f = nn.LayerNorm(c.width)
        self.head = nn.Linear(c.width, mixture_size(c.mixtures))

    def _embed(self, rows: torch.Tensor, y: torch.Tensor, start: int) -> torch.Tensor:
        """rows [B, T, 5] at positions start.. -> token embeddings [B, T, width]."""
        positions = torch.arange(start, start + rows.shape[1], device=rows.device)
        return self.drop(self.row_in(rows) + self.pos(positions) + self.digit(y)[:, None, :])

    def forward(self, inputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """inputs [B, T, 5] (start row, then the drawing's rows), y [B] ->
        mixture params [B, T, 6M + 3]; step t predicts row t + 1. T <= max_points + 1."""
        x = self._embed(inputs, y, 0)
        for block in self.blocks:
            x, _ = block(x)
        return self.head(self.ln_f(x))

    def start(self, y: torch.Tensor) -> KVCache:
        """The empty cache for a batch of digits y [B]."""
        c = self.config
        empty = torch.zeros(len(y), c.heads, 0, c.width // c.heads, device=y.device)
        return [(empty, empty) for _ in self.blocks]

    def step(self, row: torch.Tensor, y: torch.Tensor,
             state: KVCache) -> tuple[torch.Tensor, KVCache]:
        """One row [B, 5] in -> params [B, 6M + 3] for the next row, and the longer cache."""
        t = state[0][0].shape[2]  # rows already in the cache
        if t > self.config.max_points:
            raise ValueError(f"the stroke transformer sees at most {self.config.max_points} "
                             "points")
        x = self._embed(row[:, None, :], y, t)  # [B, 1, width]
        new_state: KVCache = []
        for block, cache in zip(self.blocks, state, strict=True):
            x, kv = block(x, cache)
            new_state.append(kv)
        return self.head(self.ln_f(x[:, 0])), new_state
