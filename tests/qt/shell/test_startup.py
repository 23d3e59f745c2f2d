"""Start-up as a user sees it: the window paints before torch loads, and stays quiet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

ROOT = Path(__file__).resolve().parents[1]


def launch(tmp_path: Path, quit_after: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys; from pathlib import Path; from studio.qt.shell.app import run; "
            f"sys.exit(run(data_dir=Path({str(tmp_path)!r}), quit_after={quit_after!r}))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_first_paint_comes_before_torch_and_start_up_is_quiet(tmp_path):
    proc = launch(tmp_path, "models")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", f"terminal warnings at start-up:\n{proc.stderr}"
    first_paint = [line for line in proc.stdout.splitlines() if line.startswith("first_paint")]
    assert first_paint and first_paint[0].endswith("torch_imported=False")
    log = (tmp_path / "studio.log").read_text()
    assert "Recognizer ready: Default" in log


def test_a_broken_settings_file_does_not_stop_start_up(tmp_path):
    (tmp_path / "settings.json").write_text("{oops")
    proc = launch(tmp_path, "first-paint")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert (tmp_path / "settings.json.bad").read_text() == "{oops"
    assert "using default settings" in (tmp_path / "studio.log").read_text()
