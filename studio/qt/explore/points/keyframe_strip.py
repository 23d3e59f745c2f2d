"""The morph's keyframes: a reorderable row of thumbnails and the playback controls.

A view only: it holds the keyframes' payloads in order and says what the user asked
for (play, stop, jump to a keyframe); whoever plays the morph calls `set_playing`
and `set_progress` to show how it goes. Play does not turn the button into Stop by
itself, since the player may refuse (no model yet); Stop always turns it back.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from studio.qt.widgets.thumbnail_list import ThumbnailList

NEED_TWO = "Add at least two keyframes"
PLAY_TIP = "Play the morph through the keyframes (Space)"
STOP_TIP = "Stop the morph (Space)"


class KeyframeStrip(QWidget):
    play_requested = Signal()  # only with two keyframes or more
    stop_requested = Signal()
    keyframes_changed = Signal()  # added, removed, reordered or cleared
    keyframe_activated = Signal(object)  # the payload of the clicked keyframe
    speed_changed = Signal(float)  # seconds per segment
    loop_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing = False
        self.list = ThumbnailList(reorderable=True)
        self.list.set_placeholder("No keyframes yet: press K to add the current point")
        self.list.setToolTip("Keyframes of the morph, in playing order: drag to reorder, "
                             "click to jump to one, Delete removes the selected one")
        self.list.items_changed.connect(self._on_list_items_changed)
        self.list.payload_activated.connect(self.keyframe_activated)
        self.list.itemSelectionChanged.connect(self._update_buttons)

        self.play = QPushButton()
        self.play.clicked.connect(self._on_play_clicked)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.2, 10.0)
        self.speed.setSingleStep(0.1)
        self.speed.setDecimals(1)
        self.speed.setValue(1.5)
        self.speed.setSuffix(" s")
        self.speed.setToolTip("Seconds from one keyframe to the next")
        self.speed.valueChanged.connect(self.speed_changed)
        self.looping = QCheckBox("Loop")
        self.looping.setToolTip("Go back to the first keyframe and play again")
        self.looping.toggled.connect(self.loop_toggled)
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Remove the selected keyframe (Delete)")
        self.remove.clicked.connect(self.list.remove_selected)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Remove every keyframe")
        self.clear.clicked.connect(self.list.clear_all)
        self.hint = QLabel("")
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(4)
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.frame = QLabel("")
        self.frame.setToolTip("Frame of the morph now shown")

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Keyframes"))
        controls.addWidget(self.hint, 1)
        controls.addWidget(self.frame)
        controls.addWidget(self.play)
        speed_label = QLabel("Speed")
        speed_label.setBuddy(self.speed)
        speed_label.setToolTip(self.speed.toolTip())
        controls.addWidget(speed_label)
        controls.addWidget(self.speed)
        controls.addWidget(self.looping)
        controls.addWidget(self.remove)
        controls.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self.list)
        layout.addWidget(self.progress)
        self._show_playing()
        self._update_buttons()

    # ---- keyframes ---------------------------------------------------------------
    def add_keyframe(self, payload: object, thumbnail: np.ndarray, title: str) -> None:
        """Append a keyframe shown as `thumbnail` ([28, 28], white ink on black)."""
        self.list.add(payload, thumbnail, title)

    def keyframes(self) -> list[object]:
        """The keyframes' payloads in playing order."""
        return self.list.payloads()

    def set_placeholder(self, text: str) -> None:
        self.list.set_placeholder(text)

    # ---- playback ----------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._playing

    def set_playing(self, playing: bool) -> None:
        """Show the playing (Stop) or stopped (Play) state; emits nothing."""
        self._playing = playing
        self._show_playing()
        if not playing:
            self.set_progress(0, 0)

    def toggle_play(self) -> None:
        """What the Play/Stop button does; bind the window's Space shortcut to it."""
        self._on_play_clicked()

    def seconds_per_segment(self) -> float:
        return float(self.speed.value())

    def loop(self) -> bool:
        return self.looping.isChecked()

    def set_progress(self, frame: int, total: int) -> None:
        """Show "frame `frame`/`total`" (counting from 1, as read); total <= 0 clears it."""
        if total <= 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.frame.setText("")
            return
        frame = min(max(frame, 0), total)
        self.progress.setRange(0, total)
        self.progress.setValue(frame)
        self.frame.setText(f"frame {frame}/{total}")

    def _on_play_clicked(self) -> None:
        if self._playing:
            self.set_playing(False)
            self.stop_requested.emit()
            return
        if len(self.list.payloads()) < 2:
            self.hint.setText(NEED_TWO)
            QToolTip.showText(self.play.mapToGlobal(self.play.rect().bottomLeft()), NEED_TWO,
                              self.play)
            return
        self.play_requested.emit()  # the player calls set_playing(True) once it starts

    def _on_list_items_changed(self) -> None:
        if self.list.count() >= 2:
            self.hint.setText("")
        self._update_buttons()
        self.keyframes_changed.emit()

    def _show_playing(self) -> None:
        icon = (QStyle.StandardPixmap.SP_MediaStop if self._playing
                else QStyle.StandardPixmap.SP_MediaPlay)
        self.play.setIcon(self.style().standardIcon(icon))
        self.play.setText("Stop" if self._playing else "Play")
        self.play.setToolTip(STOP_TIP if self._playing else PLAY_TIP)

    def _update_buttons(self) -> None:
        self.remove.setEnabled(bool(self.list.selectedItems()))
        self.clear.setEnabled(self.list.count() > 0)
