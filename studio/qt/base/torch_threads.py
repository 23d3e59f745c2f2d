"""Torch's intra-op thread count for jobs on shared pool threads.

Torch's thread count belongs to the thread that sets it, and pool threads are reused
by every kind of job: each job sets it, or one left at the default (all cores)
competes with training and the GUI (repairs were 15x slower that way).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from studio.ml.training.train_settings import spare_one_core


def set_torch_threads(threads: int | None) -> None:
    """Give this thread `threads` intra-op threads (None: all cores but one).

    Does nothing before torch is imported, nor while another thread is importing it
    (the module is in sys.modules half made then, and a job that needs torch blocks on
    the import and sets the count itself): a file job started at first paint, beside
    the model loading, once failed on the half-made module.
    """
    torch = sys.modules.get("torch")
    if torch is None or getattr(getattr(torch, "__spec__", None), "_initializing", False):
        return
    wanted = spare_one_core() if threads is None else threads
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def with_torch_threads(fn: Callable[..., Any], threads: int | None = None) -> Callable[..., Any]:
    """`fn`, run with torch's intra-op threads set to `threads` (None: all cores but one)."""
    @functools.wraps(fn)
    def job(*args: Any, **kwargs: Any) -> Any:
        set_torch_threads(threads)
        return fn(*args, **kwargs)

    return job


def sparing_a_core(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, run with torch's intra-op threads leaving the GUI a core."""
    return with_torch_threads(fn, None)
