"""Process start to the window's first paint, against `python -c "import torch"`.

The studio must paint before torch is imported (models load on the thread pool
afterwards), so its start-up should cost well under a bare torch import. Both are
timed from just before the process is spawned, alternating, several times, with the
medians compared. The app reports the wall-clock time of its first paint on stdout
(studio.qt.shell.app.run's quit_after="first-paint"). Runs offscreen unless a display is
set. Last line: {"first_paint_s": x, "import_torch_s": y, "ratio": x / y}.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 5


def first_paint_s(data_dir: str) -> float:
    code = ("import sys; from pathlib import Path; from studio.qt.shell.app import run; "
            f"sys.exit(run(data_dir=Path({data_dir!r}), quit_after='first-paint'))")
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in env else "xcb")
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("first_paint"))
    if not line.endswith("torch_imported=False"):
        raise SystemExit(f"torch was imported before the first paint: {line}")
    return float(line.split()[1]) - start


def import_torch_s() -> float:
    start = time.time()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=120)
    return time.time() - start


def main() -> None:
    paint, torch_import = [], []
    with tempfile.TemporaryDirectory() as data_dir:
        first_paint_s(data_dir)  # warm the file cache for both, untimed
        import_torch_s()
        for _ in range(RUNS):
            paint.append(first_paint_s(data_dir))
            torch_import.append(import_torch_s())
    p, t = statistics.median(paint), statistics.median(torch_import)
    print(f"first paint   median {p:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in paint)})")
    print(f"import torch  median {t:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in torch_import)})")
    print(json.dumps({"first_paint_s": round(p, 3), "import_torch_s": round(t, 3),
                      "ratio": round(p / t, 3)}))


if __name__ == "__main__":
    main()
