"""What a training generator yields, and the token that pauses or stops it.

Training loops are plain generators so that the CLI, the GUI's thread pool and the
tests all drive them the same way; they check the token between steps, which is the
only place a run can safely stop (no half-applied optimizer step, no half-written file).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class RunControl:
    """Thread-safe pause / resume / cancel flags, checked by the loop between steps."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # wake a paused loop so it can see the cancel

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def checkpoint(self, poll_s: float = 0.05) -> bool:
        """Block while paused; return False once the run should stop."""
        while not self._running.wait(poll_s):
            pass
        return not self._cancelled.is_set()


@dataclass(frozen=True)
class Progress:
    """One report from a training run; small, immutable, safe to pass between threads."""

    event: str  # "step" (every few steps), "epoch" (an epoch ended), "paused" (holding
    #             between steps; yielded once per pause), "stopped" (cancelled)
    epoch: int  # 1-based epoch being trained (or just finished, for "epoch")
    epochs: int
    step: int  # optimizer steps done in total
    total_steps: int
    elapsed_s: float
    losses: dict[str, float] = field(default_factory=dict)  # running means since last report
    metrics: dict[str, float] = field(default_factory=dict)  # per-epoch evaluation
    preview: np.ndarray | None = None  # [rows*28, cols*28] uint8 fixed-seed samples
    checkpoint: Path | None = None  # written at this epoch's end

    @property
    def fraction(self) -> float:
        return self.step / max(1, self.total_steps)

    @property
    def eta_s(self) -> float | None:
        if self.step == 0:
            return None
        return self.elapsed_s * (self.total_steps - self.step) / self.step
