"""Running work on the thread pool: one-off jobs and "latest wins" live inference.

Workers are superqt's FunctionWorker (QRunnables whose signals are delivered on the
GUI thread). Workers never touch widgets; they return values, and the slots that
receive them run on the GUI thread.
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker, WorkerBase, create_worker

from studio.ml.training.train_settings import spare_one_core


def sparing_a_core(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, run with torch's intra-op threads set to leave the GUI a core.

    Torch's thread count belongs to the thread that sets it, and pool threads are
    reused by every kind of job: each job sets it, or one left at the default (all
    cores) competes with training and the GUI (repairs were 15x slower that way).
    """
    @functools.wraps(fn)
    def job(*args: Any, **kwargs: Any) -> Any:
        torch = sys.modules.get("torch")  # jobs that import torch first set it themselves
        if torch is not None and torch.get_num_threads() != spare_one_core():
            torch.set_num_threads(spare_one_core())
        return fn(*args, **kwargs)

    return job


def run_in_pool(fn: Callable[..., Any], *args: Any,
                on_returned: Callable[[Any], None] | None = None,
                on_errored: Callable[[Exception], None] | None = None,
                **kwargs: Any) -> FunctionWorker:
    """Start `fn(*args, **kwargs)` on the global pool; callbacks run on the GUI thread."""
    worker = create_worker(sparing_a_core(fn), *args, _start_thread=False,
                           _ignore_errors=True, **kwargs)
    if on_returned is not None:
        worker.returned.connect(on_returned)
    if on_errored is not None:
        worker.errored.connect(on_errored)
    worker.start()
    return worker


def wait_for_workers(msecs: int = 5000) -> bool:
    """Ask every worker to quit and wait for the pool to drain; False on timeout."""
    for worker in list(WorkerBase._worker_set):
        worker.quit()
    return QThreadPool.globalInstance().waitForDone(msecs)


class LatestWins(QObject):
    """At most one job in flight and one waiting; a new request replaces the waiting one.

    Live views (recognition while drawing, images following a slider) ask far more
    often than the pool can answer. Queueing every request would make the view lag
    further and further behind; instead only the newest request waits, and results
    arrive in request order. A result is dropped when it is older than one already
    delivered or when `invalidate()` was called after its request (the canvas was
    cleared, the model changed): what is shown never goes back in time.
    """

    returned = Signal(int, object)  # (request number, result) for fresh results only
    errored = Signal(int, object)  # (request number, exception)
    idle = Signal()  # nothing in flight and nothing waiting

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._numbers = itertools.count(1)
        self._waiting: tuple[int, Callable[..., Any], tuple] | None = None
        self._in_flight: FunctionWorker | None = None
        self._in_flight_number = 0
        self._delivered = 0  # newest request number delivered or invalidated
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._in_flight is not None or self._waiting is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Ask for `fn(*args)` on the pool; returns the request number."""
        number = next(self._numbers)
        if self._closed:
            return number
        self._waiting = (number, fn, args)
        if self._in_flight is None:
            self._start_waiting()
        return number

    def invalidate(self) -> int:
        """Drop the waiting request and any result not yet delivered; returns a request number
        that counts as delivered, so callers can tag what they showed instead."""
        number = next(self._numbers)
        self._waiting = None
        self._delivered = number
        if self._in_flight is None:
            self.idle.emit()
        return number

    def close(self) -> None:
        """Stop accepting requests (the owner is going away); the job in flight finishes."""
        self._closed = True
        self._waiting = None

    def _start_waiting(self) -> None:
        number, fn, args = self._waiting
        self._waiting = None
        worker = create_worker(sparing_a_core(fn), *args, _start_thread=False,
                               _ignore_errors=True)
        # Bound slots of this QObject, so the calls are queued onto the GUI thread.
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        worker.finished.connect(self._on_worker_finished)
        self._in_flight = worker
        self._in_flight_number = number
        worker.start()

    def _on_worker_returned(self, result: object) -> None:
        number = self._in_flight_number
        if number > self._delivered and not self._closed:
            self._delivered = number
            self.returned.emit(number, result)

    def _on_worker_errored(self, error: Exception) -> None:
        number = self._in_flight_number
        if number > self._delivered and not self._closed:
            self._delivered = number
            self.errored.emit(number, error)

    def _on_worker_finished(self) -> None:
        self._in_flight = None
        if self._waiting is not None and not self._closed:
            self._start_waiting()
        else:
            self.idle.emit()
