"""The main window end to end: draw with the mouse, watch the recognizer answer.

The window is built as the app builds it (build_window); the recognizer is loaded
once per module and handed over, except in the tests about loading itself.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from studio.qt.base.notifier import Level
from studio.qt.base.simulated_hand import draw_digit, draw_polyline, sample
from studio.qt.shell.app import build_window

WAIT_MS = 10_000


@pytest.fixture
def window(tmp_path, open_studio):
    w = open_studio(tmp_path / "data")
    yield w
    w.close()


def settle(qtbot, window) -> None:
    """Wait until every recognition asked for has been answered or dropped."""
    qtbot.waitUntil(lambda: not window.recognition.busy and not window.opener.busy,
                    timeout=WAIT_MS)
    QApplication.processEvents()


@pytest.mark.parametrize("digit", ["1", "0", "7"])
def test_drawn_digits_are_recognized(window, qtbot, digit):
    draw_digit(window.canvas, digit)
    settle(qtbot, window)
    panel = window.recognizer
    assert panel.shown_digit == digit, panel.verdict.text()
    assert "sure" in panel.verdict.text() and "Unsure" not in panel.verdict.text()
    assert panel.bars.values.argmax() == int(digit)
    assert panel.seen.image() is not None and panel.seen.image().width() == 28


def test_the_answer_updates_while_the_stroke_is_still_being_drawn(window, qtbot):
    paper = window.canvas.paper_rect()
    points = sample([(0.53, 0.18), (0.5, 0.5), (0.48, 0.82)], paper)
    answers: list[int] = []
    window.recognition.recognized.connect(lambda n, r: answers.append(n))
    draw_polyline(window.canvas, points, release=False, after_move=lambda: qtbot.wait(2))
    qtbot.waitUntil(lambda: window.recognizer.shown_digit == "1", timeout=WAIT_MS)
    assert window.document.live_stroke is not None, "the pen is still down"
    assert len(answers) >= 3, "several answers during one stroke"
    draw_polyline(window.canvas, points[-1:], release=True)
    settle(qtbot, window)


def test_undo_to_empty_shows_nothing(window, qtbot):
    draw_digit(window.canvas, "7")
    settle(qtbot, window)
    assert window.recognizer.shown_digit == "7"
    window.undo_action.trigger()
    settle(qtbot, window)
    panel = window.recognizer
    assert window.document.is_blank()
    assert panel.shown_digit == "" and not panel.bars.values.any()
    assert panel.seen.image() is None
    assert panel.verdict.text() == "Draw a digit"
    window.redo_action.trigger()
    settle(qtbot, window)
    assert panel.shown_digit == "7"


def test_an_answer_for_a_cleared_canvas_is_dropped(window, qtbot):
    draw_digit(window.canvas, "0")
    window.clear_action.trigger()  # before the answers for the 0 came back
    settle(qtbot, window)
    assert window.recognizer.shown_digit == ""
    assert not window.recognizer.bars.values.any()


def test_scribbles_read_as_unsure_not_as_a_digit(window, qtbot):
    rng = np.random.default_rng(3)
    paper = window.canvas.paper_rect()
    for _ in range(14):
        a, b = rng.uniform(0.1, 0.9, 2), rng.uniform(0.1, 0.9, 2)
        draw_polyline(window.canvas, sample([tuple(a), tuple(b)], paper))
    settle(qtbot, window)
    assert window.recognizer.shown_digit == "?"
    assert window.recognizer.verdict.text().startswith("Unsure")


def _digit_png(bundled, path, index: int = 7) -> int:
    """A test digit as dark ink on white paper, 10x bigger, the way a scan looks."""
    image = 255 - bundled.test.images[index]
    Image.fromarray(image).resize((280, 280), Image.Resampling.BICUBIC).save(path)
    return int(bundled.test.labels[index])


def test_an_opened_image_is_recognized_and_can_be_undone(window, qtbot, bundled, tmp_path):
    label = _digit_png(bundled, tmp_path / "digit.png")
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(tmp_path / "digit.png")
    settle(qtbot, window)
    assert window.recognizer.shown_digit == str(label)
    window.undo_action.trigger()
    assert window.document.is_blank()


@pytest.mark.parametrize("content, expected", [
    (b"this is not a png", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
])
def test_a_corrupt_file_leaves_the_canvas_unchanged(window, qtbot, tmp_path, content, expected):
    draw_digit(window.canvas, "1")
    before = window.document.snapshot()
    bad = tmp_path / "broken.png"
    bad.write_bytes(content)
    with qtbot.waitSignal(window.opener.failed, timeout=WAIT_MS) as failed:
        window.opener.open_file(bad)
    assert "broken.png" in failed.args[0] and expected in failed.args[0]
    assert np.array_equal(window.document.snapshot(), before)
    notice = window.notifier.notices[-1]
    assert notice.level is Level.ERROR and "broken.png" in notice.message
    assert "broken.png" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 1, "nothing was pushed"


def test_a_huge_image_is_refused(window, qtbot, tmp_path):
    huge = tmp_path / "huge.png"
    Image.new("1", (7000, 7000)).save(huge)  # 49 megapixels in a few KB
    with qtbot.waitSignal(window.opener.failed, timeout=WAIT_MS) as failed:
        window.opener.open_file(huge)
    assert "too large" in failed.args[0]
    assert window.document.is_blank()
    # The same picture pasted: the same limit, before any copy of its pixels.
    QGuiApplication.clipboard().setImage(QImage(7000, 7000, QImage.Format.Format_Mono))
    with qtbot.waitSignal(window.opener.failed, timeout=WAIT_MS) as failed:
        window.paste_action.trigger()
    assert "pasted image: 7000x7000 pixels is too large" in failed.args[0]
    assert window.document.is_blank() and not window.opener.busy


def test_a_dropped_file_opens(window, qtbot, bundled, tmp_path):
    label = _digit_png(bundled, tmp_path / "dropped.png", index=21)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.png"))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.canvas, enter)
    assert enter.isAccepted(), "the canvas accepts a dragged image file"
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        QApplication.sendEvent(window.canvas, drop)
    settle(qtbot, window)
    assert window.recognizer.shown_digit == str(label)


def test_a_pasted_image_opens(window, qtbot, bundled, tmp_path):
    label = _digit_png(bundled, tmp_path / "clip.png", index=33)
    QGuiApplication.clipboard().setImage(QImage(str(tmp_path / "clip.png")))
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.paste_action.trigger()
    settle(qtbot, window)
    assert window.recognizer.shown_digit == str(label)


def test_where_it_looks_overlays_the_drawing(window, qtbot):
    draw_digit(window.canvas, "7")
    settle(qtbot, window)
    assert window.canvas._overlay is None
    plain = warm_pixels(window.canvas)
    window.saliency_action.setChecked(True)
    settle(qtbot, window)
    assert window.recognizer.where.isChecked()
    assert warm_pixels(window.canvas) > plain + 500, "the heatmap is painted over the 7"
    overlay, rect = window.canvas._overlay, window.canvas._overlay_rect
    assert overlay is not None and overlay.width() == 28
    # the 28x28 field maps back over the drawing: the 7 spans about 0.28..0.72 of the paper
    side = 512
    assert rect.left() < 0.3 * side and rect.right() > 0.7 * side
    assert rect.top() < 0.2 * side and rect.bottom() > 0.8 * side
    shown_at = window.canvas.to_widget(rect).intersected(window.canvas.paper_rect())
    repainted = []
    window.canvas.update = lambda *area: repainted.append(area)  # only what changes is repainted
    window.saliency_action.setChecked(False)
    del window.canvas.update
    assert window.canvas._overlay is None
    assert any(a and QRectF(a[0]).contains(shown_at.adjusted(1, 1, -1, -1)) for a in repainted)
    assert warm_pixels(window.canvas) == plain, "gone once off"


def warm_pixels(canvas) -> int:
    """How many of the canvas's pixels are warm (amber to crimson, the heatmap's tints)."""
    image = canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rgb = np.frombuffer(image.constBits(), np.uint8, h * stride).reshape(h, stride)
    rgb = rgb[:, :3 * w].reshape(h, w, 3).astype(int)
    return int(((rgb[..., 0] > 150) & (rgb[..., 0] - rgb[..., 2] > 60)).sum())


def test_the_window_renders_its_panels(window, qtbot):
    draw_digit(window.canvas, "0")
    settle(qtbot, window)
    qtbot.wait(50)
    shot = window.grab().toImage()
    assert shot.width() > 600 and shot.height() > 400

    def spread(widget) -> float:
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                               image.bytesPerLine())
        return float(a[:, :image.width()].std())

    assert spread(window.canvas) > 10, "the canvas shows the drawing"
    assert spread(window.recognizer.bars) > 10, "the bars were painted"
    assert spread(window.recognizer.seen) > 10, "the 28x28 view shows the digit"
    assert spread(window.recognizer.digit) > 5, "the big digit is drawn"
    assert window.menuBar().actions()[0].text() == "&File"


def test_brush_keys_and_shortcuts(window, qtbot):
    size = window.canvas.brush_size
    window.tools.bigger_action.trigger()
    assert window.canvas.brush_size > size
    assert window.tools.brush_slider.value() == round(window.canvas.brush_size)
    window.tools.smaller_action.trigger()
    window.tools.smaller_action.trigger()
    assert window.canvas.brush_size < size
    window.tools.eraser_action.trigger()
    assert window.canvas.erasing
    keys = {a.text(): a.shortcut().toString() for a in window.actions()}
    assert keys["&Bigger Brush"] == "]" and keys["&Smaller Brush"] == "["
    assert keys["&Clear Canvas"] == "Del"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
    # The document's conventions: Ctrl+O, Ctrl+S and Ctrl+Shift+S are the project's.
    assert keys["&Open…"] == "Ctrl+O" and keys["&Save"] == "Ctrl+S"
    assert keys["Save &As…"] == "Ctrl+Shift+S" and keys["&New"] == "Ctrl+N"
    assert keys["&Import Image…"] == "Ctrl+I" and keys["Export &Image…"] == "Ctrl+Alt+E"
    # Unique, except the digit keys: Digit N in the explorer, Keep as N on the canvas,
    # each enabled only in its own workspace.
    every = [k.toString() for a in window.actions() for k in a.shortcuts()
             if k.toString() and not k.toString().isdigit()]
    assert len(every) == len(set(every)), sorted(k for k in every if every.count(k) > 1)


def test_opening_a_wrong_checkpoint_keeps_the_recognizer(window, qtbot, tmp_path):
    from studio.ml.models.default_models import default_model_path

    with qtbot.waitSignal(window.store.classifier_failed, timeout=WAIT_MS) as failed:
        window.store.load_classifier(default_model_path("vae"))
    assert "vae" in failed.args[0]
    assert window.store.classifier.name == "Default"
    draw_digit(window.canvas, "1")
    settle(qtbot, window)
    assert window.recognizer.shown_digit == "1"


def test_an_opened_classifier_becomes_the_recognizer(window, qtbot, tmp_path):
    import shutil

    from studio.ml.models.default_models import default_model_path

    src = default_model_path("cnn")
    shutil.copy(src, tmp_path / "mine.safetensors")
    shutil.copy(src.with_suffix(".json"), tmp_path / "mine.json")
    with qtbot.waitSignal(window.store.classifier_changed, timeout=WAIT_MS):
        window.store.load_classifier(tmp_path / "mine.safetensors")
    assert window.store.classifier.name == "mine"
    assert window.store.classifier.likeness is not None
    kept = list((tmp_path / "data" / "digit_likeness").glob("cnn-*.safetensors"))
    assert len(kept) == 1, "its digit-likeness fit is kept for the next start"
    assert window.recognizer.models.currentText() == "mine.safetensors"
    assert str(tmp_path / "mine.safetensors") in window.settings.recent_classifiers
    draw_digit(window.canvas, "7")
    settle(qtbot, window)
    assert window.recognizer.shown_digit == "7"


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_broken_default_model_leaves_the_rest_working(qtbot, tmp_path, damage):
    from studio.ml.models.default_models import default_model_path

    broken = tmp_path / "cnn.safetensors"
    if damage == "garbage":
        broken.write_bytes(b"\x00" * 100)
    paths = {kind: default_model_path(kind) for kind in ("vae", "gan")} | {"cnn": broken}
    w = build_window(tmp_path / "data", default_paths=paths, dialogs=False)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.store.classifier_failed, timeout=WAIT_MS) as failed:
        w.show()
    assert str(broken) in failed.args[0]
    assert "No recognizer" in w.recognizer.verdict.text()
    assert w.notifier.notices[-1].level is Level.ERROR
    draw_digit(w.canvas, "1")
    assert w.document.snapshot().max() == 255, "drawing still works"
    assert w.recognizer.models.isEnabled(), "another model can still be chosen"
    w.close()


def test_broken_models_named_in_the_settings_fall_back_to_the_bundled_ones(qtbot, tmp_path):
    """A recognizer or generator file that is there but unreadable: the bundled model
    takes its place and the notifier says so; nothing is left empty."""
    import json

    bad_cnn, bad_gan = tmp_path / "mine-cnn.safetensors", tmp_path / "mine-gan.safetensors"
    for bad in (bad_cnn, bad_gan):
        bad.write_bytes(b"\x00" * 100)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "settings.json").write_text(json.dumps(
        {"active_classifier": str(bad_cnn), "active_generator": str(bad_gan)}))
    w = build_window(tmp_path / "data", dialogs=False)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.store.classifier_changed, timeout=WAIT_MS):
        w.show()
    assert w.store.classifier.name == "Default" and w.settings.active_classifier == ""
    warned = [n.message for n in w.notifier.notices if n.level is Level.WARNING]
    assert any("mine-cnn.safetensors" in m and "bundled recognizer instead" in m
               for m in warned), warned
    with qtbot.waitSignal(w.explorer.store.generator_changed, timeout=60_000):
        w.show_explorer()
    assert w.explorer.store.generator.name == "Default GAN"
    assert w.explorer.workspace.generator_bar.models.currentText() == "Default GAN"
    assert any("mine-gan.safetensors" in n.message and "bundled GAN instead" in n.message
               for n in w.notifier.notices)
    w.close()


def test_with_no_generator_the_list_names_none(qtbot, tmp_path):
    from studio.ml.models.default_models import default_model_path

    broken = tmp_path / "gan.safetensors"
    broken.write_bytes(b"\x00" * 100)
    paths = {kind: default_model_path(kind) for kind in ("cnn", "vae")} | {"gan": broken}
    w = build_window(tmp_path / "data", default_paths=paths, dialogs=False, load_models=False)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.explorer.store.generator_failed, timeout=WAIT_MS):
        w.show_explorer()
    bar = w.explorer.workspace.generator_bar
    assert bar.models.currentIndex() == -1 and bar.models.currentText() == ""
    assert "No generator" in w.explorer.workspace.reads.text()
    w.close()


def test_the_window_loads_its_recognizer_after_the_first_paint(qtbot, tmp_path):
    w = build_window(tmp_path / "data", dialogs=False)
    qtbot.addWidget(w)
    assert w.store.classifier is None and "Loading" in w.recognizer.verdict.text()
    with qtbot.waitSignal(w.store.classifier_changed, timeout=30_000):
        w.show()
    assert w.recognizer.verdict.text() == "Draw a digit"
    w.close()
    log = (tmp_path / "data" / "studio.log").read_text()
    assert "Recognizer ready" in log


def test_settings_survive_a_restart(qtbot, tmp_path, recognizer):
    w = build_window(tmp_path / "data", dialogs=False, load_models=False)
    qtbot.addWidget(w)
    w.show()
    w.canvas.set_brush_size(50)
    w.saliency_action.setChecked(True)
    w.close()
    again = build_window(tmp_path / "data", dialogs=False, load_models=False)
    qtbot.addWidget(again)
    assert again.canvas.brush_size == 50
    assert again.saliency_action.isChecked()
    again.close()


def test_closing_mid_recognition_leaves_no_worker(qtbot, tmp_path, recognizer):
    from PySide6.QtCore import QThreadPool

    w = build_window(tmp_path / "data", dialogs=False, load_models=False)
    qtbot.addWidget(w)
    w.show()
    w.store.set_classifier(recognizer)
    draw_digit(w.canvas, "0")
    w.close()  # while answers are still coming
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def test_two_opens_at_once_each_report_their_own_file(window, qtbot, bundled, tmp_path):
    label = _digit_png(bundled, tmp_path / "good.png", index=5)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    failures: list[str] = []
    opened: list[str] = []
    window.opener.failed.connect(failures.append)
    window.opener.opened.connect(opened.append)
    window.opener.open_file(tmp_path / "good.png")
    window.opener.open_file(tmp_path / "bad.png")
    settle(qtbot, window)
    assert opened == ["good.png"]
    assert len(failures) == 1 and "bad.png" in failures[0] and "good.png" not in failures[0]
    assert window.recognizer.shown_digit == str(label)


def test_news_does_not_hide_a_problem_still_showing(window):
    """A project that did not open said why for a moment, then "Recognizer ready" hid it."""
    bar = window.statusBar()
    window.notifier.error("work.lstudio: not a Latent Studio project")
    window.notifier.info("Recognizer ready")
    assert "work.lstudio" in bar.currentMessage()
    assert "Recognizer ready" in window.messages.item(window.messages.count() - 1).text()
    window.notifier.warning("another problem")
    assert "another problem" in bar.currentMessage(), "a problem replaces a problem"
