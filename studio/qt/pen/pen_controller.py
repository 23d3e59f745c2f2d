"""The pen in the window: draw a digit for the artist, finish their strokes, write a number.

Sampling a drawing takes tens of milliseconds of torch, so it runs on the pool; the
answer comes back as strokes, which the animator plays onto the canvas (Draw for Me,
Write a Number) or the ghost offers (Finish My Stroke: Tab offers, Enter keeps, Esc
dismisses, Tab again offers another). Only the newest request's answer is used, and
an offer made for a drawing the artist has since changed is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.pen.pen_animator import PenAnimator
from studio.qt.pen.pen_jobs import draw_digit, finish_strokes, write_digits
from studio.qt.pen.pen_motion import (
    SPACING,
    canvas_field,
    number_fields,
    prefix_strokes,
    smooth_curve,
    timed_strokes,
)
from studio.qt.pen.pen_panel import PenPanel
from studio.qt.pen.pen_store import PEN_KINDS, LoadedPen, PenStore
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SIDE, SketchDocument


class PenController(QObject):
    def __init__(self, document: SketchDocument, canvas: SketchCanvas,
                 recognized_digit: Callable[[], int | None], default_paths: dict[str, Path],
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._canvas = canvas
        self._recognized_digit = recognized_digit
        self._notifier = notifier
        self.store = PenStore(default_paths, notifier, self)
        self.animator = PenAnimator(document, canvas, self)
        self._request = 0  # the newest request; older answers are dropped
        self._offered_for = -1  # the drawing's undo index an offer was made for
        self.actions = self._make_actions()
        self.panel = PenPanel(self.actions)
        self.panel.model_chosen.connect(self._on_panel_model_chosen)
        self.panel.number_entered.connect(self._on_panel_number_entered)
        self.store.pen_loading.connect(self._on_store_pen_loading)
        self.store.pen_changed.connect(self._on_store_pen_changed)
        self.store.pen_failed.connect(self.panel.set_state)
        self.animator.finished.connect(self._on_animator_finished)
        self.animator.started.connect(self._update_actions)
        canvas.ghost.changed.connect(self._update_actions)
        document.changed.connect(self._on_document_changed)
        self._update_actions()

    def start(self, kind: str = "strokes-lstm") -> None:
        """Load the pen (on the pool); the window calls this once it has painted."""
        if kind in self.store.default_paths:
            self.panel.show_model(kind)
            self.store.choose(kind)

    def close(self) -> None:
        self.animator.finish_now()
        self._canvas.ghost.clear()

    # ---- actions -------------------------------------------------------------------
    def _make_actions(self) -> dict[str, QAction]:
        a = {
            "draw": make_action(self, "&Draw for Me", ["Ctrl+D"], self._on_draw_action_triggered,
                                "The pen draws the chosen digit on the canvas, stroke by "
                                "stroke; one undo takes it away"),
            "finish": make_action(self, "&Finish My Stroke", ["Tab"],
                                  self._on_finish_action_triggered,
                                  "The pen offers the rest of your drawing toward the chosen "
                                  "digit; press again for another offer"),
            "keep": make_action(self, "&Keep the Offer", ["Return", "Enter"],
                                self._on_keep_action_triggered,
                                "Draw the offered strokes onto the canvas"),
            "dismiss": make_action(self, "Dis&miss", ["Esc"], self._on_dismiss_action_triggered,
                                   "Dismiss the offer, or stop the pen where it is"),
            "write": make_action(self, "&Write", ["Ctrl+Shift+D"],
                                 self._on_write_action_triggered,
                                 "The pen writes the number typed in the Pen panel, left to "
                                 "right, in one hand"),
            "compare": make_action(self, "&Compare Pens…", ["Ctrl+Alt+D"],
                                   self._on_compare_action_triggered,
                                   "Watch the LSTM and the Transformer draw the same digit"),
        }
        for name in ("finish", "keep", "dismiss"):  # keys the canvas answers when it has focus
            a[name].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self._canvas.addAction(a[name])
        return a

    def _update_actions(self) -> None:
        playing, offered = self.animator.playing, self._canvas.ghost.shown
        self.actions["keep"].setEnabled(offered and not playing)
        self.actions["dismiss"].setEnabled(offered or playing)

    def _pen(self) -> LoadedPen | None:
        pen = self.store.pen
        if pen is None:
            self._notifier.warning("The pen is still loading; try again in a moment")
        return pen

    def _digit(self) -> int | None:
        digit = self.panel.chosen_digit()
        if digit is None:
            digit = self._recognized_digit()
        if digit is None:
            self._notifier.warning("Choose a digit in the Pen panel: the recognizer is not "
                                   "sure what this drawing is")
        return digit

    def _on_draw_action_triggered(self) -> None:
        pen, digit = self._pen(), self._digit()
        if pen is None or digit is None:
            return
        self._canvas.ghost.clear()
        self._request += 1
        run_in_pool(draw_digit, pen, digit, self.panel.temperature.value(),
                    self.panel.take_seed(), what="Drawing a digit",
                    on_returned=lambda strokes, r=self._request, d=digit:
                    self._on_drawn(r, strokes, f"Draw {d}"))

    def _on_drawn(self, request: int, strokes: list[np.ndarray], label: str) -> None:
        if request != self._request:
            return
        field = canvas_field(SIDE)
        self.animator.play(timed_strokes(strokes, field), field.pen_width, label)

    def _on_finish_action_triggered(self) -> None:
        if self.animator.playing:
            return
        drawn = [np.array([(x, y) for x, y, _ in s.points], np.float32)
                 for s in self._document.strokes if not s.erase and s.points]
        if not drawn:
            self._notifier.warning("Draw the start of a digit first; Draw for Me (Ctrl+D) "
                                   "draws a whole one")
            return
        pen, digit = self._pen(), self._digit()
        if pen is None or digit is None:
            return
        self._request += 1
        self._offered_for = self._document.undo_stack.index()
        prefix = prefix_strokes(drawn, canvas_field(SIDE))
        run_in_pool(finish_strokes, pen, digit, self.panel.temperature.value(),
                    self.panel.take_seed(), prefix, what="Finishing the drawing",
                    on_returned=lambda strokes, r=self._request: self._on_finished(r, strokes))

    def _on_finished(self, request: int, strokes: list[np.ndarray]) -> None:
        if request != self._request or self._document.undo_stack.index() != self._offered_for:
            return  # a newer request, or the drawing changed since
        if not strokes:
            self._notifier.info("The pen thinks this drawing is finished")
            return
        field = canvas_field(SIDE)
        curves = [smooth_curve(s, SPACING) for s in strokes]  # as Enter will draw them
        self._canvas.ghost.show_strokes(field.to_document(curves), field.pen_width)
        self.panel.set_state("Enter keeps the offer, Esc dismisses it, Tab offers another")

    def _on_keep_action_triggered(self) -> None:
        ghost = self._canvas.ghost
        if not ghost.shown or self.animator.playing:
            return
        field = canvas_field(SIDE)
        strokes = field.to_field(ghost.strokes)  # smoothed already: smoothing again keeps them
        ghost.clear()
        self.animator.play(timed_strokes(strokes, field), field.pen_width, "Finish My Stroke")
        self.animator.finish_now()

    def _on_dismiss_action_triggered(self) -> None:
        if self.animator.playing:
            self.animator.stop()
        self._canvas.ghost.clear()
        self._request += 1  # an offer still on its way is not wanted either

    def _on_write_action_triggered(self) -> None:
        digits = self.panel.number.text()
        if not digits:
            self.panel.number.setFocus()
            self._notifier.info("Type the digits to write in the Pen panel")
            return
        self._on_panel_number_entered(digits)

    def _on_panel_number_entered(self, digits: str) -> None:
        pen = self._pen()
        if pen is None:
            return
        self._canvas.ghost.clear()
        self._request += 1
        run_in_pool(write_digits, pen, digits, self.panel.temperature.value(),
                    self.panel.take_seed(), what=f"Writing {digits}",
                    on_returned=lambda drawn, r=self._request, n=digits:
                    self._on_written(r, n, drawn))

    def _on_written(self, request: int, digits: str, drawn: list[list[np.ndarray]]) -> None:
        if request != self._request:
            return
        fields = number_fields(len(drawn), SIDE)
        timed, clock = [], 0.0
        for strokes, field in zip(drawn, fields, strict=True):
            timed += timed_strokes(strokes, field, clock)
            clock = timed[-1].times[-1] + 0.2 if timed else clock
        self.animator.play(timed, fields[0].pen_width, f"Write {digits}")

    def _on_compare_action_triggered(self) -> None:
        from studio.qt.pen.pen_compare import PenCompare

        digit = self.panel.chosen_digit()
        digit = self._recognized_digit() if digit is None else digit
        dialog = PenCompare(self.store, 0 if digit is None else digit,
                            self.panel.temperature.value(), self.panel.seed.value(),
                            self._canvas.window())
        dialog.show()

    # ---- what happened elsewhere ---------------------------------------------------
    def _on_panel_model_chosen(self, kind: str) -> None:
        self.store.choose(kind)

    def _on_store_pen_loading(self, name: str) -> None:
        self.panel.set_state(f"Loading the {name} pen…")

    def _on_store_pen_changed(self, pen: LoadedPen) -> None:
        self.panel.show_model(pen.kind)
        self.panel.set_state(f"The {PEN_KINDS.get(pen.kind, pen.name)} pen is ready")

    def _on_animator_finished(self, complete: bool) -> None:
        self._update_actions()
        if not complete:
            self.panel.set_state("Stopped; what the pen drew stays (Ctrl+Z takes it away)")

    def _on_document_changed(self) -> None:
        if self._canvas.ghost.shown and not self.animator.playing \
                and self._document.undo_stack.index() != self._offered_for:
            self._canvas.ghost.clear()  # the artist drew on: the offer is out of date
