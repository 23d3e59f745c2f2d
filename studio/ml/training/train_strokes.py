"""The stroke models' recipe (strokes-lstm, strokes-transformer): Adam on the mixture NLL.

Both models train the same way, on the bundled digits' strokes (`bundled_strokes`),
joined by the artist's own when `--data` names their My Handwriting folder: teacher
forcing, the start row then the drawing's rows in, the next rows out; Sketch-RNN's
loss (offsets' NLL over real points, pen cross-entropy over every row); gradients
clipped at 1; the learning rate falls along a cosine over the run.

Light augmentation helps with 4,500 drawings: each batch's drawings are scaled (per
axis), sheared and rotated a little about the field's centre, which for offsets is one
2x2 matrix per drawing. Offsets are divided by one scale, the training offsets'
standard deviation, kept in the model's config so samples come back in pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import BUNDLED, Splits
from studio.ml.errors import TrainingError
from studio.ml.latent.sampling import image_grid
from studio.ml.models.model_kinds import KINDS
from studio.ml.models.stroke_mixture import mixture_losses
from studio.ml.pen.pen_sampler import sample_digits, start_row
from studio.ml.strokes.stroke_dataset import StrokeSet, bundled_strokes
from studio.ml.strokes.stroke_pngs import folder_stroke_set
from studio.ml.strokes.stroke_raster import rasterize_strokes
from studio.ml.training.evaluate_strokes import stroke_class_fidelity, stroke_nll, stroke_tensors
from studio.ml.training.train_settings import TrainSettings

ROTATE_DEG, SCALE, SHEAR = 8.0, 0.1, 0.15  # augmentation ranges (uniform, +-)
CLIP = 1.0
OWN_SHARE = 0.3  # the artist's drawings' share of the training data (--data FOLDER)
PREVIEW_SEED = 1234


def _with_own_hand(bundled: StrokeSet, folder: Path) -> StrokeSet:
    """The bundled drawings plus the artist's (My Handwriting examples that carry their
    strokes), repeated until they are OWN_SHARE of what is learnt from: a few dozen
    drawings alone teach nothing, among 4,500 others they would not be heard."""
    own, _ = folder_stroke_set(folder)
    if len(own) == 0:
        raise TrainingError(f"{folder}: no example there carries its strokes; keep drawings "
                            "from the canvas with My Handwriting, or use --data bundled")
    repeat = max(1, round(OWN_SHARE * len(bundled) / ((1 - OWN_SHARE) * len(own))))
    sets = [bundled] + [own] * repeat
    offsets, start = [np.zeros(1, np.int64)], 0
    for part in sets:
        offsets.append(part.offsets[1:] + start)
        start += part.offsets[-1]
    return StrokeSet(np.concatenate([p.rows for p in sets]), np.concatenate(offsets),
                     np.concatenate([p.labels for p in sets]))


class StrokeRecipe:
    def __init__(self, settings: TrainSettings, data: Splits, device: torch.device,
                 judge: nn.Module | None) -> None:
        train, test = bundled_strokes()
        if data.name != BUNDLED:
            train = _with_own_hand(train, Path(data.name))
        self.train_x, self.train_y = stroke_tensors(train)  # [N, T, 5] pixels, [N]
        self.test_x, self.test_y = stroke_tensors(test)
        real = self.train_x[..., 4] < 0.5
        scale = float(self.train_x[..., :2][real].std())
        config = KINDS[settings.kind].config_cls(num_classes=10, offset_scale=round(scale, 4))
        self.model = KINDS[settings.kind].model_cls(config).to(device)
        self.device = device
        self.opt = torch.optim.Adam(self.model.parameters(), lr=settings.lr)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, settings.epochs,
                                                                eta_min=settings.lr / 20)
        self.optimizers = {"opt": self.opt}
        self.gen = torch.Generator(device="cpu").manual_seed(settings.seed + 1)
        self.judge, self.seed = judge, settings.seed
        self.net: nn.Module = self.model  # what train_step runs: DDP(model) under torchrun

    def distribute(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Train through DDP(model): its backward averages gradients across ranks."""
        self.net = wrap(self.model)

    def inputs(self) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        """(train, test) as (stroke-5 rows [N, T, 5] in pixels, labels [N]) for the loop."""
        to = self.device
        return ((self.train_x.to(to), self.train_y.to(to)),
                (self.test_x.to(to), self.test_y.to(to)))

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """x [B, T, 5] stroke-5 rows in pixels, y [B]: one Adam step."""
        longest = int((x[..., 4] < 0.5).sum(1).max()) + 1  # rows up to the longest's end
        x = x[:, :longest].clone()
        x[..., :2] = torch.einsum("btj,bij->bti", x[..., :2], self._jitter(len(x)))
        x[..., :2] /= self.model.config.offset_scale
        inputs = torch.cat([start_row(len(x), x.device)[:, None], x[:, :-1]], dim=1)
        offset_nll, pen_ce, points = mixture_losses(self.net(inputs, y), x)
        offsets, pen = offset_nll / points.clamp(min=1), pen_ce / (x.shape[0] * x.shape[1])
        loss = offsets + pen
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), CLIP)
        self.opt.step()
        return {"loss": loss.detach(), "offsets": offsets.detach(), "pen": pen.detach()}

    def _jitter(self, b: int) -> torch.Tensor:
        """[B, 2, 2] random rotation @ shear @ per-axis scale."""
        u = torch.rand(b, 4, generator=self.gen) * 2 - 1  # [B, 4] in [-1, 1]
        angle = u[:, 0] * math.radians(ROTATE_DEG)
        cos, sin = torch.cos(angle), torch.sin(angle)
        rot = torch.stack([cos, -sin, sin, cos], 1).view(b, 2, 2)
        shear = torch.eye(2).repeat(b, 1, 1)
        shear[:, 0, 1] = u[:, 1] * SHEAR
        scale = torch.diag_embed(1 + u[:, 2:] * SCALE)  # [B, 2, 2]
        return (rot @ shear @ scale).to(self.device)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        self.sched.step()  # called once per epoch
        metrics = {"nll_per_point": stroke_nll(self.model, x, y)}
        if self.judge is not None:
            metrics["class_fidelity"] = stroke_class_fidelity(self.model, self.judge,
                                                              per_digit=10, seed=self.seed)
        return metrics

    def preview(self) -> np.ndarray:
        """Ten rows (digits 0-9) of four drawings each, the same seed every epoch."""
        per_digit = 4
        drawings = sample_digits(self.model, np.repeat(np.arange(10), per_digit).tolist(),
                                 seed=PREVIEW_SEED)
        return image_grid(np.stack([rasterize_strokes(s) for s in drawings]), cols=per_digit)
