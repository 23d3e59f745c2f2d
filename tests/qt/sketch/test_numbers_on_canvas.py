"""Numbers written on the canvas with real mouse events read as numbers, digit by digit,
with a box over each digit; one digit looks as it always did."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from studio.qt.base.simulated_hand import draw_digit, draw_number

WAIT_MS = 20_000
DIGITS = "01247"  # the digits the simulated hand can write


@pytest.fixture
def window(qtbot, tmp_path, open_studio):
    w = open_studio(tmp_path / "data", size=(1100, 760))
    yield w
    w.close()


def read(qtbot, window, number: str) -> str:
    window.document.clear()
    window.canvas.set_brush_size(4 + 40 / len(number))
    draw_number(window.canvas, number)
    qtbot.waitUntil(lambda: not window.recognition.busy, timeout=WAIT_MS)
    qtbot.wait(30)
    return window.recognizer.shown_digit


def test_numbers_of_two_to_six_digits_read_left_to_right(qtbot, window):
    rng = np.random.default_rng(0)
    numbers = ["".join(rng.choice(list(DIGITS), size=n)) for n in (2, 3, 4, 5, 6) * 4]
    right = [read(qtbot, window, number) == number for number in numbers]
    misread = [n for n, ok in zip(numbers, right, strict=True) if not ok]
    assert sum(right) / len(right) >= 0.95, misread
    boxes = window.canvas.digit_boxes.boxes
    assert len(boxes) == 6 and all(b[0].width() > 0 for b in boxes)
    xs = [b[0].center().x() for b in boxes]
    assert xs == sorted(xs), "the boxes go left to right"
    assert "6 digits" in window.recognizer.verdict.text()
    window.boxes_action.trigger()  # the toggle hides them
    assert not window.canvas.digit_boxes.visible


def test_one_digit_shows_as_it_always_did(qtbot, window):
    draw_digit(window.canvas, "7")
    qtbot.waitUntil(lambda: not window.recognition.busy, timeout=WAIT_MS)
    qtbot.wait(30)
    assert window.recognizer.shown_digit == "7"
    assert window.canvas.digit_boxes.boxes == []
    assert "digits" not in window.recognizer.verdict.text()
