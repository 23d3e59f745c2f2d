"""The three model kinds the studio knows, each built from its config dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch.nn as nn

from studio.ml.models.classifier import Classifier, ClassifierConfig
from studio.ml.models.gan import ConditionalGAN, GANConfig
from studio.ml.models.vae import ConditionalVAE, VAEConfig


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


MAX_SIZE = 4096  # no config field of ours is near this; larger ones are typos or attacks


def config_from_dict(kind: str, values: dict[str, Any]) -> Any:
    """Check every field against the config's defaults: whole numbers stay whole and
    sizes stay sane, so a bad sidecar is refused before any tensor is allocated.
    Raises ValueError naming the offending field."""
    cls = KINDS[kind].config_cls
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown {kind} config field {unknown[0]!r}")
    for key, value in values.items():
        whole = isinstance(fields[key].default, int)
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            wanted = "a whole number" if whole else "a number"
            raise ValueError(f"{kind} config field {key!r} must be {wanted}, got {value!r}")
        low, high = (1, MAX_SIZE) if whole else (0.0, 0.99)
        if not low <= value <= high:
            raise ValueError(f"{kind} config field {key!r} must be between {low} and {high}, "
                             f"got {value!r}")
    return cls(**values)


def build_model(kind: str, config: Any | None = None) -> nn.Module:
    spec = KINDS[kind]
    return spec.model_cls(config if config is not None else spec.config_cls())
