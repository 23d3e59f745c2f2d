"""The pen in the window: it draws a digit, finishes the artist's strokes, writes a number."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from studio.qt.base.simulated_hand import draw_polyline, sample

WAIT_MS = 20_000


@pytest.fixture(scope="session")
def lstm_pen():
    from studio.ml.models.default_models import default_model_path
    from studio.qt.pen.pen_store import load_pen

    return load_pen(default_model_path("strokes-lstm"), "LSTM")


@pytest.fixture
def window(qtbot, tmp_path, open_studio, lstm_pen):
    w = open_studio(tmp_path / "data", size=(1100, 760))
    w.pen.store.set_pen(lstm_pen)
    yield w
    w.close()


def settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.pen.animator.playing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.recognition.busy, timeout=WAIT_MS)
    qtbot.wait(30)


def choose(window, digit: int | None) -> None:
    window.pen.panel.digit.setCurrentIndex(window.pen.panel.digit.findData(digit))


def test_draw_for_me_draws_the_digit_stroke_by_stroke_as_one_undo_step(qtbot, window):
    choose(window, 7)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.pen.animator.playing, timeout=WAIT_MS)
    assert window.canvas.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    settle(qtbot, window)
    assert not window.canvas.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    assert window.document.strokes, "the pen drew real strokes"
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.text(0) == "Draw 7"
    assert window.recognizer.shown_digit == "7"
    assert window.pen.panel.seed.value() == 1  # the next drawing will differ
    window.undo_action.trigger()
    assert window.document.is_blank()


def test_tab_offers_the_rest_esc_dismisses_enter_keeps(qtbot, window):
    paper = window.canvas.paper_rect()
    bar = [(0.3, 0.2), (0.7, 0.2)]  # the top of a 7, drawn by the artist's hand
    draw_polyline(window.canvas, sample(bar, paper))
    first = [tuple(p) for p in window.document.strokes[0].points]
    choose(window, 7)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: window.canvas.ghost.shown, timeout=WAIT_MS)
    assert window.pen.actions["keep"].isEnabled()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.canvas.ghost.shown
    qtbot.keyClick(window.canvas, Qt.Key.Key_Tab)  # another offer
    qtbot.waitUntil(lambda: window.canvas.ghost.shown, timeout=WAIT_MS)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not window.canvas.ghost.shown
    assert len(window.document.strokes) > 1
    assert [tuple(p) for p in window.document.strokes[0].points] == first  # theirs, untouched
    assert window.document.undo_stack.text(window.document.undo_stack.count() - 1) \
        == "Finish My Stroke"
    assert window.recognizer.shown_digit == "7"
    window.undo_action.trigger()  # the whole offer goes in one step
    assert len(window.document.strokes) == 1


def test_an_offer_for_a_drawing_since_changed_is_dropped(qtbot, window):
    paper = window.canvas.paper_rect()
    draw_polyline(window.canvas, sample([(0.3, 0.2), (0.7, 0.2)], paper))
    choose(window, 7)
    window.pen.actions["finish"].trigger()
    draw_polyline(window.canvas, sample([(0.5, 0.5), (0.5, 0.6)], paper))  # drawn meanwhile
    qtbot.waitUntil(lambda: not window.recognition.busy, timeout=WAIT_MS)
    qtbot.wait(300)
    assert not window.canvas.ghost.shown


def test_a_typed_number_is_written_left_to_right(qtbot, window):
    window.pen_dock.raise_()
    number = window.pen.panel.number
    number.setFocus()
    qtbot.keyClicks(number, "20x26")  # the field takes digits only
    assert number.text() == "2026"
    qtbot.keyClick(number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.pen.animator.playing, timeout=WAIT_MS)
    settle(qtbot, window)
    assert window.document.undo_stack.text(0) == "Write 2026"
    boxes = window.canvas.digit_boxes.boxes
    assert len(boxes) == 4
    assert window.recognizer.shown_digit == "2026"


def test_a_checkpoint_of_another_kind_is_refused_by_name(tmp_path):
    from studio.ml.errors import CheckpointError
    from studio.ml.models.default_models import default_model_path
    from studio.qt.pen.pen_store import load_pen

    with pytest.raises(CheckpointError, match="not a stroke model"):
        load_pen(default_model_path("cnn"), "cnn")
