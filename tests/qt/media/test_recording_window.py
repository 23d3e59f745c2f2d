"""A recording opened into the window: its spectrogram on the canvas as one undoable step,
the Sound panel linked to it (an unedited canvas plays the recording back), the eraser
heard, and a bad file leaving the canvas as it was."""

from __future__ import annotations

import struct

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("av")

WAIT_MS = 20_000
RATE = 44100


def wav(path, samples: np.ndarray) -> None:
    data = (samples * 32767).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt "
                     + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data))
                     + data)


@pytest.fixture
def window(tmp_path, open_studio):
    w = open_studio(tmp_path / "data", size=(1280, 860))
    yield w
    w.close()


def test_a_wav_opens_as_its_spectrogram_and_the_panel_hears_it_through_the_recording(
        qtbot, window, tmp_path):
    t = np.arange(2 * RATE) / RATE
    samples = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    samples[RATE:RATE + 88] += 0.5  # a click
    path = tmp_path / "take.wav"
    wav(path, samples)
    window._on_canvas_file_dropped(path)  # the route a drop and File > Import take
    qtbot.waitUntil(lambda: window.recordings.recording is not None, timeout=WAIT_MS)
    document, sound = window.document, window.media.sound
    assert document.base is not None and document.base.max() == 255
    assert document.undo_stack.count() == 1  # one step: Ctrl+Z takes it off again
    qtbot.waitUntil(lambda: not sound.busy and sound.samples is not None, timeout=WAIT_MS)
    assert sound.settings().duration_s == pytest.approx(2.0)
    assert np.abs(sound.samples - samples).max() < 1e-3  # the recording itself, not GL
    document.begin_stroke(256, 0, 1.0, 40, erase=True)  # erase the middle columns
    document.extend_stroke(256, 511)
    document.end_stroke()
    qtbot.waitUntil(lambda: not sound.busy and sound.image is not None
                    and sound.image[:, 256].max() == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not sound.busy and sound.samples is not None
                    and np.abs(sound.samples[RATE - 200:RATE + 200]).max() < 0.05,
                    timeout=WAIT_MS)
    assert np.abs(sound.samples[:RATE // 2] - samples[:RATE // 2]).max() < 1e-3
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.base is None and window.recordings.recording is None


def test_a_bad_recording_is_named_and_the_canvas_is_unchanged(qtbot, window, tmp_path):
    path = tmp_path / "broken.flac"
    path.write_bytes(b"fLaC not really")
    window._on_canvas_file_dropped(path)
    qtbot.waitUntil(lambda: any("broken.flac" in n.message for n in window.notifier.notices),
                    timeout=WAIT_MS)
    assert window.document.is_blank() and window.document.undo_stack.count() == 0
