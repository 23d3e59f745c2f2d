"""The model kinds the studio knows, each built from its config dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch.nn as nn

from studio.ml.models.classifier import Classifier, ClassifierConfig
from studio.ml.models.gan import ConditionalGAN, GANConfig
from studio.ml.models.sidecar import check_config
from studio.ml.models.stroke_lstm import StrokeLSTM, StrokeLSTMConfig
from studio.ml.models.stroke_transformer import StrokeTransformer, StrokeTransformerConfig
from studio.ml.models.vae import ConditionalVAE, VAEConfig


@dataclass(frozen=True)
class ModelKind:
    name: str  # "cnn", "vae", "gan", "strokes-lstm"...: the word on the CLI and in sidecars
    title: str
    config_cls: type
    model_cls: type[nn.Module]


KINDS: dict[str, ModelKind] = {
    "cnn": ModelKind("cnn", "CNN recognizer", ClassifierConfig, Classifier),
    "vae": ModelKind("vae", "conditional VAE", VAEConfig, ConditionalVAE),
    "gan": ModelKind("gan", "conditional GAN", GANConfig, ConditionalGAN),
    "strokes-lstm": ModelKind("strokes-lstm", "stroke LSTM", StrokeLSTMConfig, StrokeLSTM),
    "strokes-transformer": ModelKind("strokes-transformer", "stroke Transformer",
                                     StrokeTransformerConfig, StrokeTransformer),
}
STROKE_KINDS = ("strokes-lstm", "strokes-transformer")  # draw pen strokes (studio.ml.pen)


def config_from_dict(kind: str, values: dict[str, Any]) -> Any:
    """Check every field against the config's dataclass (sidecar.check_config: whole
    numbers stay whole and sizes stay sane), so a bad sidecar is refused before any
    tensor is allocated. Raises ValueError naming the offending field."""
    cls = KINDS[kind].config_cls
    check_config(kind, values, {f.name: type(f.default) for f in dataclasses.fields(cls)})
    return cls(**values)


def build_model(kind: str, config: Any | None = None) -> nn.Module:
    spec = KINDS[kind]
    return spec.model_cls(config if config is not None else spec.config_cls())
