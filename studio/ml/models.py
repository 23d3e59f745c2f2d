"""The three model kinds the studio knows, each built from its config dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch.nn as nn

from studio.ml.classifier import Classifier, ClassifierConfig
from studio.ml.gan import ConditionalGAN, GANConfig
from studio.ml.vae import ConditionalVAE, VAEConfig


@dataclass(frozen=True)
class ModelKind:
    name: str  # "cnn", "vae" or "gan": the word used on the CLI and in sidecars
    title: str
    config_cls: type
    model_cls: type[nn.Module]


KINDS: dict[str, ModelKind] = {
    "cnn": ModelKind("cnn", "CNN recognizer", ClassifierConfig, Classifier),
    "vae": ModelKind("vae", "conditional VAE", VAEConfig, ConditionalVAE),
    "gan": ModelKind("gan", "conditional GAN", GANConfig, ConditionalGAN),
}


def config_from_dict(kind: str, values: dict[str, Any]) -> Any:
    """Raise ValueError naming the first field that does not belong to this kind's config."""
    cls = KINDS[kind].config_cls
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(f"unknown {kind} config field {unknown[0]!r}")
    for key, value in values.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(
                f"{kind} config field {key!r} must be a non-negative number, got {value!r}")
    return cls(**values)


def build_model(kind: str, config: Any | None = None) -> nn.Module:
    spec = KINDS[kind]
    return spec.model_cls(config if config is not None else spec.config_cls())
