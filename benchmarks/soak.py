"""Resident memory over a long session: draw, explore, morph, export and switch tabs
while a GAN trains, for N minutes, on the real window.

A studio left open for an afternoon must not grow: every cycle here draws a digit
(with "where it looks" on every other time), explores random points, adds keyframes
and plays the morph, exports the canvas as a PNG through the export dialog and
switches tabs, while the Train tab trains a GAN on the bundled digits the whole time.
What a cycle makes is thrown away again (canvas cleared, keyframes removed), so the
working set should be flat once caches and pools are warm. Resident memory is read
from /proc every few seconds.
Last line: {"minutes", "cycles", "rss_mb_after_warmup", "rss_mb_end", "rss_mb_max",
"growth_after_warmup" (end / after warm-up - 1), "samples": [[seconds, MB], ...]}.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

from _replay import studio_window, wait_for
from PySide6.QtCore import QElapsedTimer
from PySide6.QtWidgets import QApplication

from studio.qt.base.simulated_hand import draw_digit

DIGITS = "07142"


def rss_mb() -> float:
    """Resident set size of this process, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def pump(ms: float) -> None:
    """Run the event loop for `ms` milliseconds, as a user's pause would."""
    clock = QElapsedTimer()
    clock.start()
    while clock.elapsed() < ms:
        QApplication.processEvents()
        time.sleep(0.002)


def start_training(window, epochs: int) -> None:
    trainer = window.training.trainer
    form = trainer.form
    form.set_kind("gan")
    form.set_data("bundled")
    form.epochs.setValue(epochs)
    form.device_box.setCurrentIndex(form.device_box.findData("cpu"))
    trainer.panel.buttons["start"].click()


def cycle(window, n: int, out: Path) -> None:
    """One round of what an artist does; everything it adds is removed again."""
    window.show_canvas()
    window.saliency_action.setChecked(n % 2 == 1)
    draw_digit(window.canvas, DIGITS[n % len(DIGITS)])
    pump(400)
    window.media.choose_path = lambda title, file_filter: out
    window.media.dialog = None
    window.media.export_image_action.trigger()
    wait_for(lambda: window.media.dialog is not None)
    dialog = window.media.dialog
    done = []
    dialog.export_finished.connect(lambda *args: done.append(True))
    dialog.export()
    wait_for(lambda: bool(done))
    dialog.close()
    window.document.clear()
    window.saliency_action.setChecked(False)
    window.show_explorer()
    wait_for(lambda: window.explorer.state.generator is not None, 60_000)
    workspace = window.explorer.workspace
    state = window.explorer.state
    for k in range(4):
        state.set_digit((n + k) % 10)
        state.randomize(1000 * n + k)
        pump(150)
        workspace.keyframe_action.trigger()
    workspace.keyframes.speed.setValue(0.2)
    workspace.keyframes.toggle_play()
    pump(1200)
    if workspace.keyframes.is_playing():
        workspace.keyframes.toggle_play()
    workspace.keyframes.clear.click()  # the Clear button, as the artist would
    window.show_trainer()
    pump(500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="minutes before the baseline")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    args = parser.parse_args()
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    cycles = 0
    with tempfile.TemporaryDirectory() as scratch, studio_window(1280, 860) as window:
        out = Path(scratch) / "canvas.png"
        window.show_trainer()
        start_training(window, epochs=10_000)
        next_sample = 0.0
        while (elapsed := time.monotonic() - start) < args.minutes * 60:
            cycle(window, cycles, out)
            cycles += 1
            if elapsed >= next_sample:
                samples.append((round(elapsed, 1), round(rss_mb(), 1)))
                print(f"{elapsed:7.1f} s  cycle {cycles:4d}  rss {samples[-1][1]:7.1f} MB",
                      flush=True)
                next_sample = elapsed + args.every
        window.training.trainer.close()
    after = [mb for t, mb in samples if t >= args.warmup * 60] or [samples[-1][1]]
    print(json.dumps({"minutes": args.minutes, "cycles": cycles,
                      "rss_mb_after_warmup": after[0], "rss_mb_end": after[-1],
                      "rss_mb_max": max(mb for _, mb in samples),
                      "growth_after_warmup": round(after[-1] / after[0] - 1, 3),
                      "samples": samples}))


if __name__ == "__main__":
    main()
