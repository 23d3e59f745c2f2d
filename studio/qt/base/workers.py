"""Running work on the thread pool: one-off jobs and "latest wins" live inference.

One-off jobs are superqt's FunctionWorker (QRunnables whose signals are delivered
on the GUI thread); live inference is `LatestWins` (latest_wins.py), re-exported
here. Workers never touch widgets; they return values, and the slots that receive
them run on the GUI thread. A job's error goes to the handler its caller gave or,
when it gave none, to the app's notifier (worker_errors.py): none is dropped.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

from superqt.utils import FunctionWorker, WorkerBase, create_worker

from studio.qt.base.latest_wins import LatestWins
from studio.qt.base.torch_threads import sparing_a_core
from studio.qt.base.worker_errors import job_description, report_worker_error

__all__ = ["LatestWins", "log_worker_warning", "run_in_pool", "sparing_a_core",
           "wait_for_workers"]


def run_in_pool(fn: Callable[..., Any], *args: Any,
                on_returned: Callable[[Any], None] | None = None,
                on_errored: Callable[[Exception], None] | None = None,
                what: str | None = None,
                **kwargs: Any) -> FunctionWorker:
    """Start `fn(*args, **kwargs)` on the global pool; callbacks run on the GUI thread.

    A caller that passes `on_errored` handles the job's errors itself; otherwise an
    error is reported as "<what> failed: <error>" through the app's notifier.
    Warnings raised by the job go to the log (superqt catches them in the worker).
    """
    worker = create_worker(sparing_a_core(fn), *args, _start_thread=False,
                           _ignore_errors=True, **kwargs)
    if on_returned is not None:
        worker.returned.connect(on_returned)
    if on_errored is not None:
        worker.errored.connect(on_errored)
    else:
        worker.errored.connect(functools.partial(report_worker_error,
                                                 what or job_description(fn)))
    worker.warned.connect(log_worker_warning)
    worker.start()
    return worker


def log_worker_warning(showwarning_args: tuple) -> None:
    """A warning from a worker, as `warnings.showwarning` got it, written to the log."""
    message, category, filename, lineno = showwarning_args[:4]
    logging.getLogger("studio").warning(
        "%s", warnings.formatwarning(message, category, filename, lineno).rstrip())


def wait_for_workers(msecs: int = 5000) -> bool:
    """Ask every one-off worker to quit and wait for the pool to drain; False on timeout.

    Live loops (LatestWins) run on the same pool and end once their one waiting
    request is done; their owners close them first so nothing new is waiting.
    """
    try:
        WorkerBase.await_workers(msecs)
    except RuntimeError:  # superqt's way of saying the time ran out
        return False
    return True
