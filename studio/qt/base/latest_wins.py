"""Live inference, "latest wins": one job in flight, one waiting, stale answers dropped.

Live views (recognition while drawing, images following a slider) ask far more often
than the pool can answer. Queueing every request would make the view lag further and
further behind; instead only the newest request waits, and results arrive in request
order.

The jobs run in one loop on the global pool that drains the waiting slot: a request
that arrives while a job runs is taken by the same loop the moment the job ends,
with no trip through the GUI thread, and the loop ends when nothing waits (so it
holds no pool thread between strokes and the pool's waitForDone still covers it).
A QRunnable per request, as before, cost ~1.7 ms per frame before the job even
started: superqt starts workers from a 1 ms single-shot timer, and the next job
could only start after the previous one's `finished` reached the GUI thread
(benchmarks/latent.py, start->run p50 1.74 ms against a 3.8 ms job; 0.12 ms from
request to job with the loop, and slider frame p95 / model work from ~3.7 to ~2).
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMetaMethod, QObject, QThreadPool, Signal

from studio.qt.base.torch_threads import set_torch_threads
from studio.qt.base.worker_errors import report_worker_error

Request = tuple[int, Callable[..., Any], tuple]  # (request number, job, its arguments)


class _Slot:
    """The one waiting request, shared by the GUI thread and the loop (under its lock).

    `looping` is True from the moment a loop is asked for until that loop, finding
    the slot empty, decides to end: a request put in meanwhile is the loop's.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: Request | None = None
        self._looping = False
        self._closed = False

    @property
    def waiting(self) -> bool:
        return self._waiting is not None

    def put(self, request: Request) -> Request | None:
        """Make `request` the waiting one while a loop runs; with no loop running, return
        it: it is in flight from now on, the first job of a new loop."""
        with self._lock:
            if self._closed:
                return None
            if self._looping:
                self._waiting = request
                return None
            self._looping = True
            return request

    def take(self) -> Request | None:
        """The waiting request, or None and the loop ends (called by the loop only)."""
        with self._lock:
            request, self._waiting = self._waiting, None
            if request is None:
                self._looping = False
            return request

    def abandon(self) -> None:
        """The loop ended abnormally: nothing waits for it, and none runs."""
        with self._lock:
            self._waiting = None
            self._looping = False

    def drop(self) -> None:
        with self._lock:
            self._waiting = None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._waiting = None


class _Mailbox(QObject):
    """Carries the loop's messages to the GUI thread; one queued connection keeps their
    order. Not parented to its LatestWins, so a loop still running when the owner is
    deleted posts into a live object (and its messages go nowhere)."""

    posted = Signal(object)  # ("returned" | "errored", number, value) or ("ended", 0, None)


def _drain(first: Request, slot: _Slot, mailbox: _Mailbox, threads: int) -> None:
    """Runs on a pool thread: `first`, then the slot's request, newest only, until it is empty."""
    set_torch_threads(threads)
    request: Request | None = first
    try:
        while request is not None:
            number, fn, args = request
            try:
                message = ("returned", number, fn(*args))
            except Exception as error:  # reported on the GUI thread, never here
                message = ("errored", number, error)
            mailbox.posted.emit(message)
            del message  # the result lives on in the GUI thread only
            request = slot.take()
    finally:
        if request is not None:  # left by something no job catches (SystemExit, ...)
            slot.abandon()  # a later request starts a new loop instead of waiting forever
        mailbox.posted.emit(("ended", 0, None))


class LatestWins(QObject):
    """At most one job in flight and one waiting; a new request replaces the waiting one.

    A result is dropped when it is older than one already delivered or when
    `invalidate()` was called after its request (the canvas was cleared, the model
    changed): what is shown never goes back in time. An error goes to `errored`
    when something is connected to it, otherwise to the app's notifier as "<what>
    failed: ..."; an error of a dropped request goes to the log.

    Jobs run with one torch thread: batch-1 inference on these small nets gains
    nothing from more, and two live channels (bars and saliency) run side by side.
    """

    returned = Signal(int, object)  # (request number, result) for fresh results only
    errored = Signal(int, object)  # (request number, exception)
    idle = Signal()  # nothing in flight and nothing waiting

    def __init__(self, parent: QObject | None = None, what: str = "A live update",
                 torch_threads: int = 1) -> None:
        super().__init__(parent)
        self._what = what
        self._threads = torch_threads
        self._numbers = itertools.count(1)
        self._slot = _Slot()
        self._mailbox = _Mailbox()
        self._mailbox.posted.connect(self._on_mailbox_posted)
        self._loops = 0  # loops started whose "ended" has not reached the GUI thread
        self._delivered = 0  # newest request number delivered or invalidated
        self._closed = False

    @property
    def busy(self) -> bool:
        """A job runs, waits, or has a result on its way to the GUI thread."""
        return self._loops > 0 or self._slot.waiting

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Ask for `fn(*args)` on the pool; returns the request number."""
        number = next(self._numbers)
        first = None if self._closed else self._slot.put((number, fn, args))
        if first is not None:
            self._loops += 1
            QThreadPool.globalInstance().start(
                functools.partial(_drain, first, self._slot, self._mailbox, self._threads))
        return number

    def invalidate(self) -> int:
        """Drop the waiting request and any result not yet delivered; returns a request number
        that counts as delivered, so callers can tag what they showed instead."""
        number = next(self._numbers)
        self._slot.drop()
        self._delivered = number
        if self._loops == 0:
            self.idle.emit()
        return number

    def close(self) -> None:
        """Stop accepting requests (the owner is going away); the job in flight finishes."""
        self._closed = True
        self._slot.close()

    def _on_mailbox_posted(self, message: tuple[str, int, Any]) -> None:
        kind, number, value = message
        if kind == "ended":
            self._loops -= 1
            if self._loops == 0 and not self._slot.waiting:
                self.idle.emit()
            return
        fresh = number > self._delivered and not self._closed
        if fresh:
            self._delivered = number
        if kind == "returned":
            if fresh:
                self.returned.emit(number, value)
        elif not fresh:
            logging.getLogger("studio").warning(  # nobody waits for it: logged, not shown
                "%s failed for a request no longer wanted (a newer one was answered, or it "
                "was cleared or closed): %s", self._what, value, exc_info=value)
        elif self.isSignalConnected(QMetaMethod.fromSignal(self.errored)):
            self.errored.emit(number, value)
        else:
            report_worker_error(self._what, value)
