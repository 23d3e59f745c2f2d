"""Choosing where torch runs: `auto` takes a GPU when one is there."""

from __future__ import annotations

import torch

from studio.ml.errors import StudioError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = name.split(":")[0]
    if kind not in DEVICE_CHOICES[1:]:
        raise StudioError(f"device {name!r}: choose one of {', '.join(DEVICE_CHOICES)}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise StudioError(f"device {name!r}: no CUDA GPU is visible to this torch build "
                          f"({torch.__version__}); use --device cpu or install a CUDA build")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise StudioError(f"device {name!r}: Apple MPS is not available here; use --device cpu")
    return torch.device(name)


def available_devices() -> list[tuple[str, str]]:
    """(value for resolve_device, label for a menu): the CPU first, then each GPU."""
    devices = [("cpu", "CPU")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            devices.append((f"cuda:{i}", f"GPU {i}: {torch.cuda.get_device_name(i)}"))
    if torch.backends.mps.is_available():
        devices.append(("mps", "Apple GPU (MPS)"))
    return devices
