"""Regression test for PySide6-Essentials 6.12.0 aborting Python 3.11 on signal emission.

6.12.0 dropped a reference to `True` each time a Signal(bool) reached a Python slot,
and after about a thousand emissions the interpreter died with
"Fatal Python error: bool_dealloc". The workers bridge emits bools and objects all the
time, so pyproject.toml pins PySide6-Essentials below 6.12 and this test guards it.

It runs in a subprocess: a fatal abort there becomes a failed test showing Python's
stderr instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

N = 100_000

SCRIPT = textwrap.dedent(f"""
    import sys
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        flag = Signal(bool)
        payload = Signal(object)

    app = QCoreApplication.instance() or QCoreApplication([])
    seen = {{"true": 0, "false": 0, "objects": 0, "wrong": 0}}

    def on_flag(value):
        if value is True:
            seen["true"] += 1
        elif value is False:
            seen["false"] += 1
        else:
            seen["wrong"] += 1

    def on_payload(value):
        if value is None or isinstance(value, (bool, dict)):
            seen["objects"] += 1
        else:
            seen["wrong"] += 1

    emitter = Emitter()
    emitter.flag.connect(on_flag)
    emitter.payload.connect(on_payload)
    refs_before = sys.getrefcount(True)
    record = {{"step": 1}}
    for i in range({N}):
        emitter.flag.emit(i % 2 == 0)
        emitter.payload.emit((True, False, None, record)[i % 4])
    app.processEvents()
    print("pyside", pyside_version)
    print("counts", seen["true"], seen["false"], seen["objects"], seen["wrong"])
    print("true_refs", refs_before, sys.getrefcount(True))
""")


def test_many_bool_and_object_signals_reach_python_slots():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 0, report
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines.get("counts") == f"{N // 2} {N // 2} {N} 0", report
    # a slot that leaks or over-releases `True` shows up as drift in its refcount
    # (immortal objects on 3.12+ report a constant, which passes as well)
    before, after = (int(v) for v in lines["true_refs"].split())
    assert abs(after - before) < 100, report
