"""Where a worker's error goes when its caller does not handle it: the notifier, once.

A job on the pool that raises has nobody to raise to: superqt hands the exception
to the worker's `errored` signal, and an unconnected signal drops it. So every
worker error either goes to the handler its caller gave, or here, where the app
installed its notifier once (as napari routes its workers' errors to its
notification manager). The notifier shows it and writes it to the log; before a
notifier is installed, or after its window is gone, the error goes to the
"studio" log with its traceback. Either way it is reported exactly once: a caller
that handles its errors is never reported here as well.
"""

from __future__ import annotations

import logging
import traceback
import weakref
from typing import Protocol


class ErrorSink(Protocol):
    """What reports an error to the user: studio.qt.base.notifier.Notifier."""

    def error(self, message: str, details: str = "") -> None: ...


_sink: weakref.ReferenceType[ErrorSink] | None = None


def report_worker_errors_to(sink: ErrorSink | None) -> None:
    """Send unhandled worker errors to `sink` from now on (the app's notifier); None: the log.

    Held weakly: a closed window's notifier does not live on for the errors of the
    next window (tests open many).
    """
    global _sink
    _sink = None if sink is None else weakref.ref(sink)


def report_worker_error(what: str, error: BaseException) -> None:
    """Report that `what` (e.g. "Listing the training devices") failed with `error`.

    Called on the GUI thread, for workers whose caller did not handle the error.
    """
    message = f"{what} failed: {error}"
    details = "".join(traceback.format_exception(error))
    sink = _sink() if _sink is not None else None
    if sink is not None:
        try:
            sink.error(message, details)
            return
        except RuntimeError:  # its C++ object was deleted with its window
            pass
    logging.getLogger("studio").error("%s\n%s", message, details)


def job_description(fn: object) -> str:
    """A name for a job in messages when its caller gave none: "Background job devices"."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"Background job {name.lstrip('_')}"
