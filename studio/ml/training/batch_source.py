"""Where the loop's batches come from: tensors already on the device, or disk per batch.

The bundled 5,000 digits (and anything under lazy_images.LAZY_BYTES) are turned into
one float tensor on the device once, and a batch is an index into it: the fastest path,
unchanged. A `LazyImages` training set is gathered batch by batch instead, through a
DataLoader whose workers decode image files in parallel with the training step (a
memory map needs no workers: its reads are page-cache copies).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from studio.ml.data.digit_datasets import ImageSet
from studio.ml.data.lazy_images import LazyImages

WORKERS_ENV = "STUDIO_DATA_WORKERS"


def to_tensors(images: ImageSet, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.asarray(images.images)).to(device).float().div_(255).unsqueeze(1)
    return x, torch.from_numpy(images.labels).to(device)  # [N, 1, 28, 28], [N]


class TensorBatches:
    """Batches indexed out of tensors that are whole on the device."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y  # [N, ...], [N]

    def __len__(self) -> int:
        return len(self.x)

    def epoch(self, batches: Sequence[torch.Tensor]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for idx in batches:
            idx = idx.to(self.x.device)
            yield self.x[idx], self.y[idx]


class _Batch(Dataset):
    """One item per index batch: the DataLoader's worker reads a whole batch at once."""

    def __init__(self, images: LazyImages, labels: np.ndarray,
                 batches: Sequence[torch.Tensor]) -> None:
        self.images, self.labels, self.batches = images, labels, batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = self.batches[i].numpy()
        return torch.from_numpy(self.images.take(idx)), torch.from_numpy(self.labels[idx])


class LazyBatches:
    """Batches read from disk (memory map or image decoding) as the loop reaches them."""

    def __init__(self, images: ImageSet, device: torch.device, processes: int = 1) -> None:
        assert isinstance(images.images, LazyImages)
        self.images, self.labels, self.device = images.images, images.labels, device
        self.workers = data_workers(self.images.decodes, processes)

    def __len__(self) -> int:
        return len(self.labels)

    def epoch(self, batches: Sequence[torch.Tensor]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        loader = DataLoader(_Batch(self.images, self.labels, batches), batch_size=None,
                            shuffle=False, num_workers=self.workers,
                            pin_memory=self.device.type == "cuda",
                            prefetch_factor=2 if self.workers else None,
                            generator=torch.Generator())  # its seed draw spares the global RNG

        for pixels, labels in loader:  # [b, 28, 28] uint8, [b] int64
            x = pixels.to(self.device, non_blocking=True).float().div_(255).unsqueeze(1)
            yield x, labels.to(self.device, non_blocking=True)


def data_workers(decodes: bool, processes: int = 1) -> int:
    """DataLoader workers: none for a memory map; for decoding, the cores this process
    has to itself beyond its training thread (STUDIO_DATA_WORKERS overrides), at most 4."""
    if WORKERS_ENV in os.environ:
        return max(0, int(os.environ[WORKERS_ENV]))
    if not decodes:
        return 0
    return max(0, min(4, (os.cpu_count() or 1) // max(1, processes) - 1))


def batch_source(images: ImageSet, device: torch.device,
                 processes: int = 1) -> TensorBatches | LazyBatches:
    if isinstance(images.images, LazyImages):
        return LazyBatches(images, device, processes)
    return TensorBatches(*to_tensors(images, device))
