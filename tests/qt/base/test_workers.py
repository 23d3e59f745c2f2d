"""LatestWins: one job in flight, only the newest waiting, nothing shown out of order."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PySide6")

from studio.qt.base.workers import LatestWins, run_in_pool


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
