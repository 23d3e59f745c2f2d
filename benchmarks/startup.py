"""Process start to the window's first paint and to a recognizer that answers, against
`python -c "import torch"`; and the explorer's tab shown to its generator ready.

The studio must paint before torch is imported (models load on the thread pool
afterwards), so its first paint should cost well under a bare torch import; the
recognizer should answer soon after (the log's "Recognizer ready" line marks the
moment). Each is timed from just before the process is spawned, alternating, several
times, with the medians compared. "Warm" runs reuse one data folder (its caches made
by an earlier run) with the disk cache warm; "fresh" runs start from an empty data
folder, as on a first launch. The explorer's generator is timed from the moment its
tab is first shown (after the recognizer is ready) to the generator's arrival, in a
warm data folder. Runs offscreen unless a display is set.
Last line: {"first_paint_s", "ready_s", "ready_fresh_data_s", "explorer_ready_s",
"import_torch_s", "ratio" (first paint / import torch), "ready_over_torch"}.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

RUNS = 5


def _studio(code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in env else "xcb")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=180, check=True)


def first_paint_s(data_dir: str) -> float:
    code = ("import sys; from pathlib import Path; from studio.qt.shell.app import run; "
            f"sys.exit(run(data_dir=Path({data_dir!r}), quit_after='first-paint'))")
    start = time.time()
    proc = _studio(code)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("first_paint"))
    if not line.endswith("torch_imported=False"):
        raise SystemExit(f"torch was imported before the first paint: {line}")
    return float(line.split()[1]) - start


def ready_s(data_dir: str) -> float:
    """Spawn to the log's "Recognizer ready" line (the app quits once models loaded)."""
    code = ("import sys; from pathlib import Path; from studio.qt.shell.app import run; "
            f"sys.exit(run(data_dir=Path({data_dir!r}), quit_after='models'))")
    start = time.time()
    _studio(code)
    lines = (Path(data_dir) / "studio.log").read_text(encoding="utf-8").splitlines()
    stamp = next(ln for ln in reversed(lines) if "Recognizer ready" in ln)[:23]
    ready = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
    if ready < start - 0.01:
        raise SystemExit(f"no new 'Recognizer ready' line in {data_dir}/studio.log")
    return ready - start


EXPLORER = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from studio.qt.shell.app import build_window

app = QApplication(sys.argv[:1])
window = build_window(Path({data_dir!r}))
shown = []

def on_generator_ready(_generator):
    print(f"explorer_ready {{time.perf_counter() - shown[0]:.4f}}", flush=True)
    window.close()

def on_recognizer_ready(_classifier):
    window.explorer.store.generator_changed.connect(on_generator_ready)
    shown.append(time.perf_counter())
    window.show_explorer()

window.store.classifier_changed.connect(on_recognizer_ready)
window.show()
sys.exit(app.exec())
"""


def explorer_ready_s(data_dir: str) -> float:
    proc = _studio(EXPLORER.format(data_dir=data_dir))
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("explorer_ready"))
    return float(line.split()[1])


def import_torch_s() -> float:
    start = time.time()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=120)
    return time.time() - start


def _runs(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s  (runs: " + ", ".join(
        f"{x:.3f}" for x in values) + ")"


def main() -> None:
    figures: dict[str, list[float]] = {k: [] for k in (
        "first_paint_s", "ready_s", "ready_fresh_data_s", "explorer_ready_s", "import_torch_s")}
    with tempfile.TemporaryDirectory() as data_dir:
        ready_s(data_dir)  # warm the file cache and the data folder's caches, untimed
        explorer_ready_s(data_dir)
        import_torch_s()
        for _ in range(RUNS):
            figures["first_paint_s"].append(first_paint_s(data_dir))
            figures["ready_s"].append(ready_s(data_dir))
            with tempfile.TemporaryDirectory() as fresh:
                figures["ready_fresh_data_s"].append(ready_s(fresh))
            figures["explorer_ready_s"].append(explorer_ready_s(data_dir))
            figures["import_torch_s"].append(import_torch_s())
    for name, values in figures.items():
        print(f"{name:20s} {_runs(values)}")
    med = {k: round(statistics.median(v), 3) for k, v in figures.items()}
    med["ratio"] = round(med["first_paint_s"] / med["import_torch_s"], 3)
    med["ready_over_torch"] = round(med["ready_s"] / med["import_torch_s"], 3)
    print(json.dumps(med))


if __name__ == "__main__":
    main()
