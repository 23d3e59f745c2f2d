"""Recovery: a studio killed with SIGKILL leaves its work; the next start offers it back.

The killed studio is a real process (tests/qt/project/killed_studio.py) that draws with
mouse events; SIGKILL comes once its autosave has reached the disk (about a second after
its last stroke; waited for, not slept, so a loaded machine cannot race it), as a crash would.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from studio.qt.project.recovery_dialog import DISCARD, RESTORE

WAIT_MS = 20_000
KILLED = Path(__file__).with_name("killed_studio.py")


def _autosaved(data_dir: Path, strokes: int) -> bool:
    """Whether the studio's recovery copy on disk holds all `strokes` it drew."""
    from studio.core.project.project_file import read_project

    copies = list((data_dir / "recovery").glob("*.lstudio"))
    return bool(copies) and len(read_project(copies[0]).manifest.canvas.strokes) == strokes


def kill_after_drawing(data_dir: Path, how: signal.Signals = signal.SIGKILL,
                       wait_for_autosave: bool = True) -> tuple[int, str]:
    """(strokes drawn, sha256 of the raster) of a studio sent `how` after drawing."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen([sys.executable, str(KILLED), str(data_dir)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()  # blocks until it has drawn (or died)
        assert line.startswith("drawn"), f"the studio did not draw: {line!r}"
        deadline = time.monotonic() + WAIT_MS / 1000
        while wait_for_autosave and not _autosaved(data_dir, int(line.split()[1])):
            assert time.monotonic() < deadline, "no autosave within 20 s of the last stroke"
            time.sleep(0.05)
        process.send_signal(how)
        code = process.wait(timeout=30)
        if how == signal.SIGTERM:
            assert code == 0, "SIGTERM closes the studio the normal way"
    finally:
        if process.poll() is None:
            process.kill()
    _, strokes, digest = line.split()
    return int(strokes), digest


def test_work_of_a_killed_studio_is_offered_and_restored(qtbot, tmp_path, open_studio):
    data = tmp_path / "data"
    strokes, digest = kill_after_drawing(data)

    window = open_studio(data)
    offers = []
    window.project.recovery.choose = lambda found: offers.append(found) or (RESTORE,
                                                                            found[0][0])
    with qtbot.waitSignal(window.project.recovery.restored, timeout=WAIT_MS):
        window.project.recovery.look()
    (recovery, thumbnail), = offers[0]
    assert thumbnail.startswith(b"\x89PNG") and recovery.info.title == "Untitled"
    assert len(window.document.strokes) == strokes
    raster = window.document.snapshot()
    assert hashlib.sha256(raster.tobytes()).hexdigest() == digest
    assert window.isWindowModified(), "recovered work is not saved work"
    assert not (data / "recovery" / f"{recovery.session}.lstudio").exists()

    window.project.recovery.choose = lambda found: pytest.fail("offered twice")
    window.project.recovery.look()  # the copy is this window's own now: no offer


def test_sigterm_writes_the_copy_at_once_before_quitting(qtbot, tmp_path, open_studio):
    """No autosave has run yet (the signal comes right after the last stroke)."""
    from studio.core.project.project_file import read_project

    data = tmp_path / "data"
    strokes, _ = kill_after_drawing(data, signal.SIGTERM, wait_for_autosave=False)
    copies = list((data / "recovery").glob("*.lstudio"))
    assert len(copies) == 1 and not list((data / "recovery").glob("*.lock"))
    assert len(read_project(copies[0]).manifest.canvas.strokes) == strokes


def test_discarding_a_recovery_removes_it_and_live_windows_are_left_alone(
        qtbot, tmp_path, open_studio):
    from studio.qt.base.simulated_hand import draw_digit

    data = tmp_path / "data"
    first = open_studio(data)
    draw_digit(first.canvas, "7")
    first.project.autosaver.write_now()
    qtbot.waitUntil(lambda: first.project.autosaver.recovery_file.exists(), timeout=WAIT_MS)
    second = open_studio(data)  # a second window on the same data folder, alive
    second.project.recovery.choose = lambda found: pytest.fail("a live window's copy")
    second.project.recovery.look()
    qtbot.wait(200)

    first.project.autosaver.close(keep=True)  # as if its process died: its lock is gone
    answered = []
    second.project.recovery.choose = lambda found: answered.append(found) or (DISCARD,
                                                                               found[0][0])
    second.project.recovery.look()
    qtbot.waitUntil(lambda: bool(answered), timeout=WAIT_MS)
    assert not first.project.autosaver.recovery_file.exists()
    assert second.document.is_blank()


def test_a_copy_discarded_while_it_is_written_does_not_come_back(qtbot, tmp_path, open_studio):
    from studio.qt.base.simulated_hand import draw_digit
    from studio.qt.base.workers import wait_for_workers

    window = open_studio(tmp_path / "data")
    draw_digit(window.canvas, "1")
    autosaver = window.project.autosaver
    autosaver.write_now()  # on the pool
    window.undo_action.trigger()  # back to the saved (empty) state: the copy must go
    qtbot.waitUntil(lambda: not autosaver.busy, timeout=10_000)
    assert not autosaver.recovery_file.exists()
    draw_digit(window.canvas, "7")
    autosaver.write_now()
    window.project.ask_unsaved = lambda _what: "discard"
    window.close()  # the pool is drained, cutting the write's reply short
    assert not autosaver.recovery_file.exists(), "a clean close leaves no copy to offer"
    assert wait_for_workers(10_000)
