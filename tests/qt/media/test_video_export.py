"""Video from the window: the morph, the walk and the drawing as MP4 or WebM with their
sound inside, written on the pool with a progress bar, and Cancel that leaves nothing."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("PySide6")

from studio.qt.base.simulated_hand import draw_digit

WAIT_MS = 30_000


def open_dialog(qtbot, window, action, path: Path):
    window.media.choose_path = lambda title, file_filter: path
    window.media.dialog = None
    action.trigger()
    qtbot.waitUntil(lambda: window.media.dialog is not None, timeout=WAIT_MS)
    return window.media.dialog


def streams(path: Path) -> tuple[dict[str, str], int, float, float]:
    """Codec by stream kind, frames decoded, picture and sound seconds."""
    with av.open(str(path)) as c:
        kinds = {s.type: s.codec_context.name for s in c.streams}
        times = [f.time for f in c.decode(video=0)]
        c.seek(0)
        samples = sum(f.samples for f in c.decode(audio=0))
        rate = c.streams.audio[0].rate
    return kinds, len(times), times[-1] + (times[1] - times[0]), samples / rate


def test_the_morph_exports_as_an_mp4_with_its_sound_inside(qtbot, window, tmp_path):
    workspace, state = window.explorer.workspace, window.explorer.state
    for seed in (1, 2):
        state.randomize(seed)
        workspace.keyframe_action.trigger()
    out = tmp_path / "morph.mp4"
    dialog = open_dialog(qtbot, window, window.media.export_morph_action, out)
    dialog.format.setCurrentText("MP4")
    assert dialog.quality.isEnabled() and not dialog.transparent.isEnabled()
    assert "inside the video" in dialog.with_sound.text()
    dialog.fps.setValue(20)
    dialog.seconds.setValue(1.5)
    dialog.size.setValue(96)
    dialog.with_sound.setChecked(True)
    seen = []
    dialog.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS) as finished:
        dialog.export()
        assert dialog.progress.isVisible() and dialog.busy
    assert finished.args == [True] and dialog.last_path == out
    kinds, frames, picture, sound = streams(out)
    assert kinds == {"video": "h264", "audio": "aac"} and frames == 30
    assert picture == pytest.approx(1.5, abs=1e-3) and abs(sound - picture) <= 1 / 20
    assert not out.with_suffix(".wav").exists()  # the sound is inside
    assert seen and max(seen) == 30
    assert window.media.export_choices.animation.format == "MP4"


def test_the_drawing_exports_as_a_webm(qtbot, window, tmp_path):
    window.show_canvas()
    draw_digit(window.canvas, "7")
    out = tmp_path / "drawing.webm"
    dialog = open_dialog(qtbot, window, window.media.export_drawing_action, out)
    dialog.format.setCurrentText("WebM")
    dialog.fps.setValue(10)
    dialog.seconds.setValue(1.0)
    dialog.size.setValue(64)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS):
        dialog.export()
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "vp9" and not c.streams.audio
        assert sum(1 for _ in c.decode(video=0)) == 10


def test_a_walk_in_a_video_keeps_a_transparent_choice_out(qtbot, window, tmp_path):
    out = tmp_path / "walk.webm"
    dialog = open_dialog(qtbot, window, window.media.export_walk_action, out)
    dialog.transparent.setChecked(True)
    dialog.format.setCurrentText("WebM")  # a video has no transparency: paper is used
    dialog.fps.setValue(12)
    dialog.seconds.setValue(1.0)
    dialog.size.setValue(48)
    dialog.with_sound.setChecked(True)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS) as finished:
        dialog.export()
    assert finished.args == [True]
    kinds, frames, picture, sound = streams(out)
    assert kinds == {"video": "vp9", "audio": "opus"} and frames == 12
    assert abs(sound - picture) <= 1 / 12
    with av.open(str(out)) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24")  # [H, W, 3]
    assert np.median(first) > 200  # the paper, not black


def test_cancel_stops_a_video_and_leaves_no_file(qtbot, window, tmp_path):
    cancelled = tmp_path / "cancelled.webm"
    dialog = open_dialog(qtbot, window, window.media.export_walk_action, cancelled)
    dialog.format.setCurrentText("WebM")
    dialog.fps.setValue(30)
    dialog.seconds.setValue(20.0)  # long enough to be cancelled on its way
    dialog.size.setValue(256)
    dialog.progress.valueChanged.connect(lambda v: v >= 2 and dialog.cancel_button.click())
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS) as finished:
        dialog.export()
    assert finished.args == [False] and dialog.isVisible() and not dialog.busy
    assert not cancelled.exists() and not list(tmp_path.glob(".cancelled*"))
    assert "cancelled" in window.notifier.notices[-1].message
