"""Workers: LatestWins (one job in flight, only the newest waiting, nothing shown out of
order), run_in_pool, and the one path every worker error takes."""

from __future__ import annotations

import logging
import sys
import threading
import time

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QCoreApplication

from studio.qt.base.notifier import Level
from studio.qt.base.workers import LatestWins, run_in_pool, wait_for_workers


def test_newer_requests_replace_the_waiting_one(qtbot):
    runner = LatestWins()
    ran: list[int] = []
    gate = threading.Event()

    def job(n: int) -> int:
        if n == 0:
            gate.wait(5)
        ran.append(n)
        return n

    shown: list[tuple[int, int]] = []
    runner.returned.connect(lambda number, result: shown.append((number, result)))
    runner.submit(job, 0)
    for n in range(1, 6):  # all arrive while job 0 is still running
        runner.submit(job, n)
    gate.set()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert ran == [0, 5], "only the running job and the newest request may run"
    assert [r for _, r in shown] == [0, 5]
    assert [n for n, _ in shown] == sorted(n for n, _ in shown)


def test_invalidate_drops_the_result_in_flight(qtbot):
    runner = LatestWins()
    gate = threading.Event()
    shown: list[object] = []
    runner.returned.connect(lambda number, result: shown.append(result))
    runner.submit(lambda: (gate.wait(5), "old")[1])
    runner.invalidate()  # e.g. the canvas was cleared while recognition ran
    gate.set()
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert shown == []


def test_errors_are_reported_with_their_request(qtbot):
    runner = LatestWins()

    def boom() -> None:
        raise ValueError("bad input")

    with qtbot.waitSignal(runner.errored, timeout=5000) as blocker:
        number = runner.submit(boom)
    assert blocker.args[0] == number
    assert isinstance(blocker.args[1], ValueError)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)


def test_closed_runner_starts_nothing_new(qtbot):
    runner = LatestWins()
    gate = threading.Event()
    ran: list[str] = []
    runner.submit(lambda: (gate.wait(5), ran.append("first")))
    runner.submit(lambda: ran.append("second"))
    runner.close()
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    time.sleep(0.05)
    assert ran == ["first"]


def test_run_in_pool_delivers_on_the_gui_thread(qtbot):
    seen: list[object] = []
    main = threading.get_ident()
    run_in_pool(threading.get_ident,
                on_returned=lambda r: seen.append((r, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    worker_thread, callback_thread = seen[0]
    assert worker_thread != main
    assert callback_thread == main


# ---- one error path: the caller's handler, or else the app's notifier ------------------

@pytest.fixture
def notifier():
    """A notifier installed as the app installs its own, logging to `workers_test`."""
    from studio.qt.base.notifier import Notifier
    from studio.qt.base.worker_errors import report_worker_errors_to

    n = Notifier(logging.getLogger("workers_test"))
    report_worker_errors_to(n)
    yield n
    report_worker_errors_to(None)


def fail(message: str) -> None:
    raise ValueError(message)


def test_an_unhandled_pool_error_reaches_the_notifier_and_the_log(qtbot, notifier, caplog):
    with caplog.at_level(logging.ERROR, logger="workers_test"):
        run_in_pool(fail, "no sheep here", what="Counting sheep")
        qtbot.waitUntil(lambda: bool(notifier.notices), timeout=5000)
    [notice] = notifier.notices
    assert notice.level is Level.ERROR
    assert notice.message == "Counting sheep failed: no sheep here"
    assert "ValueError: no sheep here" in notice.details  # the traceback, for the dialog
    assert "in fail" in notice.details
    assert [r.getMessage().splitlines()[0] for r in caplog.records] == [notice.message]


def test_a_handled_pool_error_is_not_reported_twice(qtbot, notifier):
    handled: list[Exception] = []
    run_in_pool(fail, "mine", on_errored=handled.append)
    qtbot.waitUntil(lambda: bool(handled), timeout=5000)
    QCoreApplication.processEvents()
    assert [str(e) for e in handled] == ["mine"]
    assert notifier.notices == [], "the caller reported it; the notifier must not again"


def test_without_a_notifier_an_error_goes_to_the_log(qtbot):
    from studio.qt.base.worker_errors import report_worker_errors_to

    report_worker_errors_to(None)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    log = logging.getLogger("studio")
    log.addHandler(handler)
    try:
        run_in_pool(fail, "nobody listens")
        qtbot.waitUntil(lambda: bool(records), timeout=5000)
    finally:
        log.removeHandler(handler)
    assert records[0].levelno == logging.ERROR
    assert "failed: nobody listens" in records[0].getMessage()
    assert "Traceback" in records[0].getMessage()


def warn_and_return(message: str) -> int:
    import warnings

    warnings.warn(message, RuntimeWarning, stacklevel=1)
    return 7


def test_a_pool_jobs_warning_goes_to_the_log(qtbot):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    log = logging.getLogger("studio")
    log.addHandler(handler)
    got: list[int] = []
    try:
        run_in_pool(warn_and_return, "the loss is getting large", on_returned=got.append)
        qtbot.waitUntil(lambda: bool(got) and bool(records), timeout=5000)
    finally:
        log.removeHandler(handler)
    assert got == [7], "a warning does not stop the job"
    assert records[0].levelno == logging.WARNING
    assert "RuntimeWarning: the loss is getting large" in records[0].getMessage()


def test_an_unhandled_live_error_reaches_the_notifier(qtbot, notifier):
    runner = LatestWins(what="Recognizing the drawing")
    runner.submit(fail, "bad raster")
    qtbot.waitUntil(lambda: bool(notifier.notices), timeout=5000)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert [n.message for n in notifier.notices] == [
        "Recognizing the drawing failed: bad raster"]


def test_a_handled_live_error_is_not_reported_twice(qtbot, notifier):
    runner = LatestWins(what="Recognizing the drawing")
    with qtbot.waitSignal(runner.errored, timeout=5000) as blocker:
        runner.submit(fail, "mine")
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert str(blocker.args[1]) == "mine"
    assert notifier.notices == []


def test_an_error_of_a_superseded_request_goes_to_the_log_only(qtbot, notifier):
    runner = LatestWins(what="Recognizing the drawing")
    gate = threading.Event()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("studio").addHandler(handler)
    try:
        runner.submit(lambda: (gate.wait(5), fail("old"))[1])
        runner.invalidate()  # the canvas was cleared while it ran
        gate.set()
        qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    finally:
        logging.getLogger("studio").removeHandler(handler)
    assert notifier.notices == [], "nothing shows an answer to a request already replaced"
    [record] = records
    assert "Recognizing the drawing failed" in record.getMessage(), "but it is not lost"
    assert str(record.exc_info[1]) == "old"  # with its traceback


def test_wait_for_workers_reports_a_worker_that_outlives_the_timeout(qtbot):
    gate = threading.Event()
    run_in_pool(gate.wait, 5)
    assert wait_for_workers(50) is False
    gate.set()
    assert wait_for_workers(5000) is True


def test_the_live_loop_takes_the_next_request_without_the_gui_thread(qtbot):
    """The waiting request starts as soon as the job in flight ends, even while the GUI
    thread is busy: no per-request worker waits for the event loop to be started."""
    runner = LatestWins()
    gate, second_ran = threading.Event(), threading.Event()
    runner.submit(gate.wait, 5)
    runner.submit(second_ran.set)
    gate.set()
    assert second_ran.wait(5), "the second job ran with the GUI thread never idle"
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)


class Escape(BaseException):
    """Something no job catches (like SystemExit): it ends the loop, not the channel."""


def test_a_live_loop_ended_by_an_uncaught_exception_leaves_the_channel_working(qtbot):
    runner = LatestWins()
    gate = threading.Event()

    def job(n: int) -> int:
        if n == 0:
            gate.wait(5)
            raise Escape
        return n

    shown: list[int] = []
    runner.returned.connect(lambda number, result: shown.append(result))
    with qtbot.captureExceptions() as escaped:  # Qt reports it from the pool thread
        runner.submit(job, 0)
        runner.submit(job, 1)  # waits behind job 0, whose loop ends without taking it
        with qtbot.waitSignal(runner.idle, timeout=5000):
            gate.set()
        # The pool thread reports the exception after it posted "ended": wait for it.
        qtbot.waitUntil(lambda: len(escaped) > 0, timeout=5000)
    assert [type(e[1]) for e in escaped] == [Escape]
    assert shown == [] and not runner.busy
    with qtbot.waitSignal(runner.returned, timeout=5000):
        runner.submit(job, 2)
    assert shown == [2], "a new request starts a new loop"


def test_a_job_started_while_another_thread_imports_torch_does_not_touch_it(monkeypatch):
    """sys.modules holds torch half made during its import: setting the thread count
    then raised "partially initialized module 'torch'" in a file job at start-up."""
    import types
    from importlib.machinery import ModuleSpec

    from studio.qt.base.torch_threads import set_torch_threads

    half_made = types.ModuleType("torch")
    half_made.__spec__ = ModuleSpec("torch", None)
    half_made.__spec__._initializing = True  # what the import system sets meanwhile
    monkeypatch.setitem(sys.modules, "torch", half_made)
    set_torch_threads(None)  # no get_num_threads yet: must not be called
