"""Running the shared training loop as one of several torchrun processes.

`studio train` is started unchanged under `torchrun --nproc-per-node N`; torchrun says so
through RANK, WORLD_SIZE and LOCAL_RANK, and this module turns that into a process group
(gloo on CPUs, NCCL on GPUs), DistributedDataParallel wrappers and the few collectives
the loop needs. Without those variables every call here is a no-op on one process, so the
laptop path never imports or waits on torch.distributed.

The process group has a timeout (STUDIO_DIST_TIMEOUT_S, default 300 s) so that a rank that
died is noticed at the next collective instead of hanging the others forever; torchrun
then stops the rest of the group and the last checkpoint, written atomically, is intact.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn

from studio.ml.errors import TrainingError
from studio.ml.torch_device import resolve_device

TIMEOUT_ENV = "STUDIO_DIST_TIMEOUT_S"


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher setting its variables) started this process."""
    return all(k in os.environ for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Only this process writes checkpoints, progress bars and logs."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        """`module` in DistributedDataParallel when several processes train, else itself.

        DDP averages gradients across ranks in backward, so each optimizer step sees the
        gradient of the whole global batch, as a single process would.
        """
        if not self.active:
            return module
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's disjoint, equal part of one global index batch [B] -> [B / N]."""
        if not self.active:
            return batch
        per_rank = len(batch) // self.world_size
        return batch[self.rank * per_rank:(self.rank + 1) * per_rank]

    def sum_across(self, sums: dict[str, float], count: int) -> tuple[dict[str, float], int]:
        """Loss sums and step counts added over all ranks (an all_reduce of one vector)."""
        if not self.active:
            return sums, count
        names = sorted(sums)
        vector = torch.tensor([sums[n] for n in names] + [float(count)], dtype=torch.float64)
        vector = vector.to(_collective_device())
        dist.all_reduce(vector)
        values = vector.cpu().tolist()
        return dict(zip(names, values[:-1], strict=True)), int(values[-1])

    def barrier(self) -> None:
        """Wait for every rank: after rank 0's checkpoint, nobody runs an epoch ahead."""
        if self.active:
            dist.barrier()


def _collective_device() -> torch.device:
    backend = dist.get_backend() if dist.is_initialized() else "gloo"
    return torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" \
        else torch.device("cpu")


def start(device_name: str) -> tuple[DistContext, torch.device]:
    """Join torchrun's process group if launched by it; return the context and this
    rank's device (cuda:LOCAL_RANK on GPUs, one process per GPU)."""
    if not launched_by_torchrun():
        return DistContext(), resolve_device(device_name)
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ["LOCAL_RANK"])
    device = resolve_device(device_name)
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise TrainingError(f"device {device_name!r}: distributed training runs on CUDA GPUs "
                            "or CPUs; use --device cuda or --device cpu")
    if world > 1 and not dist.is_initialized():
        timeout = timedelta(seconds=float(os.environ.get(TIMEOUT_ENV, "300")))
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=timeout)
        # torchrun stops the other workers with SIGTERM when one fails; as an interrupt it
        # unwinds through the checkpoint writer's cleanup, so no staged file is left behind.
        signal.signal(signal.SIGTERM, _interrupt)
    return DistContext(rank, world, local), device


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop() -> None:
    """Leave the process group (at the end of a run, or after an error)."""
    if dist.is_initialized():
        dist.destroy_process_group()
