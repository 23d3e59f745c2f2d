"""Listen to an image: sonify it on the pool, play it with a moving playhead, export WAV.

The panel holds one image (the canvas, perhaps a linked recording's picture; a digit; a
walk laid out by studio.audio.walk_image) and re-renders it on each setting change,
latest wins. Playback goes through studio.audio.Player; when PortAudio or an output
device is missing, Play is disabled with the reason in its tooltip; render and export
still work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from studio.audio import AudioError, Player, SonifySettings, write_wav
from studio.audio.recording_sound import Recording, sound_of
from studio.qt.base.workers import LatestWins, run_in_pool
from studio.qt.media.sound_view import SoundView

PathChooser = Callable[[str, str], "Path | None"]
WAV_FILTER = "WAV audio (*.wav)"
MODES = {"Additive (ANS)": "additive", "Spectrogram (Griffin-Lim)": "griffinlim"}
SCALES = {"Free (no scale)": None, "Chromatic": "chromatic", "Major": "major",
          "Minor": "minor", "Pentatonic": "pentatonic"}
RATES = {"44.1 kHz": 44100, "48 kHz": 48000}
FORMATS = {"16-bit PCM": "pcm16", "32-bit float": "float32"}
CHECKING = "Looking for an audio output device…"


def render_sound(image: np.ndarray, settings: SonifySettings,
                 recording: Recording | None = None) -> tuple[SonifySettings, np.ndarray]:
    """Pool job: the sound (through a linked recording), tagged with its settings."""
    return settings, sound_of(image, settings, recording)


class SoundPanel(QWidget):
    rendered = Signal(object)  # np.ndarray: a new sound for the current image and settings
    exported = Signal(object)  # Path: a WAV file was written
    playback_started = Signal()
    playback_stopped = Signal()
    settings_changed = Signal()  # the artist changed a setting (a project keeps them)

    def __init__(self, notifier, player: Player | None = None,
                 save_path: PathChooser | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.player = player if player is not None else Player()
        self._save_path = save_path or self._ask_save_path
        self._image: np.ndarray | None = None
        self._title = "Sound"
        self.samples: np.ndarray | None = None
        self._made_with: SonifySettings | None = None  # settings of self.samples
        self._play_pending = False
        self._export_pending: tuple[Path, str] | None = None
        self._reason: str | None = CHECKING
        self.export_worker = None
        self.linked_recording = lambda _image, _settings: None  # qt/media/recording_link's
        self._jobs = LatestWins(self)
        self._jobs.returned.connect(self._on_jobs_returned)
        self._jobs.errored.connect(self._on_jobs_errored)

        self.view = SoundView()
        self.mode = _combo(MODES, "How the image becomes sound: a sine per row, or the "
                           "image taken as a spectrogram and inverted")
        self.duration = _spin(0.1, 600.0, 5.0, " s", 1, "Length of the sound")
        self.low_hz = _spin(20.0, 20000.0, 55.0, " Hz", 0, "Pitch of the bottom row")
        self.high_hz = _spin(20.0, 23000.0, 7040.0, " Hz", 0, "Pitch of the top row")
        self.rate = _combo(RATES, "Sample rate of the sound and of exported WAV files")
        self.scale = _combo(SCALES, "Snap each row's pitch to the nearest note of a scale "
                            "on A (additive mode)")
        for combo in (self.mode, self.rate, self.scale):
            combo.currentIndexChanged.connect(self._on_setting_changed)
        for spin in (self.duration, self.low_hz, self.high_hz):
            spin.valueChanged.connect(self._on_setting_changed)
        self.play = QPushButton("Play")
        self.play.clicked.connect(self._on_play_clicked)
        self.volume = QSlider(Qt.Orientation.Horizontal,
                              toolTip="Playback volume (exported files are not affected)")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.valueChanged.connect(self._on_volume_value_changed)
        self.wav_format = _combo(FORMATS, "Sample format of exported WAV files")
        self.export = QPushButton("Export WAV…")
        self.export.clicked.connect(self._on_export_clicked)

        form = QFormLayout()
        for label, widget in (("Mode", self.mode), ("Duration", self.duration),
                              ("Lowest", self.low_hz), ("Highest", self.high_hz),
                              ("Rate", self.rate), ("Scale", self.scale)):
            form.addRow(label, widget)
        transport = QHBoxLayout()
        transport.addWidget(self.play)
        transport.addWidget(self.volume, 1)
        saving = QHBoxLayout()
        saving.addWidget(self.wav_format)
        saving.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(form)
        layout.addLayout(transport)
        layout.addLayout(saving)

        self._timer = QTimer(self, interval=33)  # ~30 fps playhead
        self._timer.timeout.connect(self._on_timer_timeout)
        self._update_play_button()
        # Probing PortAudio can take a while (ALSA/JACK scans): off the GUI thread.
        run_in_pool(self.player.unavailable_reason, on_returned=self._on_probe_returned,
                    on_errored=self._on_probe_errored)

    # ---- what the rest of the app calls ------------------------------------------------
    def set_image(self, image: np.ndarray, title: str, duration_s: float | None = None) -> None:
        """Sonify `image` ([H, W] brightness 0..1) from now on; a walk gives its length."""
        self._image = np.array(image, np.float32)
        self._title = title
        self.view.set_image(self._image)
        if duration_s is not None:
            with QSignalBlocker(self.duration):
                self.duration.setValue(float(duration_s))
        self.render()

    @property
    def image(self) -> np.ndarray | None:
        """What is being sonified: [H, W] brightness (rows are pitch, columns time)."""
        return self._image

    def settings(self) -> SonifySettings:
        return SonifySettings(mode=self.mode.currentData(), duration_s=self.duration.value(),
                              low_hz=self.low_hz.value(), high_hz=self.high_hz.value(),
                              rate=self.rate.currentData(), scale=self.scale.currentData())

    def set_settings(self, settings: SonifySettings) -> None:
        """Show `settings` (a project's) in the form; the sound is made again once."""
        widgets = (self.mode, self.rate, self.scale, self.duration, self.low_hz, self.high_hz)
        for widget in widgets:
            widget.blockSignals(True)
        for combo, value in ((self.mode, settings.mode), (self.rate, settings.rate),
                             (self.scale, settings.scale)):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)
        self.duration.setValue(settings.duration_s)
        self.low_hz.setValue(settings.low_hz)
        self.high_hz.setValue(settings.high_hz)
        for widget in widgets:
            widget.blockSignals(False)
        self._on_setting_changed()

    def render(self) -> None:
        """Make the sound for the current image and settings on the pool (latest wins)."""
        if self._image is None:
            return
        try:
            settings = self.settings().check()
        except AudioError as e:
            self.notifier.warning(str(e))
            return
        self._jobs.submit(render_sound, self._image, settings,
                          self.linked_recording(self._image, settings))

    @property
    def busy(self) -> bool:
        """A render or an export is still running (tests wait for this to end)."""
        return (self._jobs.busy or self.export_worker is not None
                or self._reason == CHECKING)

    def close_panel(self) -> None:
        """Stop sound and timers and accept no more renders (the window is closing)."""
        self._stop()
        self._jobs.close()

    def _fresh(self) -> bool:
        return self.samples is not None and self._made_with == self.settings()

    # ---- rendering ---------------------------------------------------------------------
    def _on_setting_changed(self) -> None:
        self.settings_changed.emit()
        self.render()

    def _on_jobs_returned(self, _number: int, result: tuple[SonifySettings, np.ndarray]) -> None:
        self._made_with, self.samples = result
        self.rendered.emit(self.samples)
        if self._play_pending and self._fresh():
            self._play_pending = False
            self._start()
        if self._export_pending is not None and self._fresh():
            path, fmt = self._export_pending
            self._export_pending = None
            self._write(path, fmt)

    def _on_jobs_errored(self, _number: int, error: Exception) -> None:
        self._play_pending = False
        self._export_pending = None
        if isinstance(error, AudioError):
            self.notifier.warning(str(error))
        else:
            self.notifier.error(f"Sonifying {self._title} failed: {error}", repr(error))

    # ---- playback ----------------------------------------------------------------------
    def _on_probe_returned(self, reason: str | None) -> None:
        self._reason = reason
        self._update_play_button()

    def _on_probe_errored(self, error: Exception) -> None:
        self._on_probe_returned(f"Playback is unavailable: {error}")

    def _update_play_button(self) -> None:
        self.play.setEnabled(self._reason is None)
        self.play.setText("Stop" if self.player.playing else "Play")
        self.play.setToolTip(self._reason or ("Stop playing" if self.player.playing
                                              else "Play the sound of the image"))

    def _on_play_clicked(self) -> None:
        if self.player.playing:
            self._stop()
        elif self._fresh():
            self._start()
        else:
            self._play_pending = True  # plays as soon as the render in flight arrives
            self.render()

    def _start(self) -> None:
        if not self.player.play(self.samples, self._made_with.rate, self.volume.value() / 100):
            self._reason = self.player.unavailable_reason()
            self.notifier.warning(f"Cannot play {self._title}: {self._reason}")
        else:
            self._timer.start()
            self.playback_started.emit()
        self._update_play_button()

    def _stop(self) -> None:
        was_playing = self._timer.isActive()
        self._timer.stop()
        self.player.stop()
        self.view.set_playhead(None)
        self._update_play_button()
        if was_playing:
            self.playback_stopped.emit()

    def _on_timer_timeout(self) -> None:
        position = self.player.position_s()
        if position is None:  # played to the end
            self._stop()
            return
        self.view.set_playhead(position * self._made_with.rate / len(self.samples))

    def _on_volume_value_changed(self, value: int) -> None:
        self.player.set_volume(value / 100)

    # ---- export ------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        if self._image is None:
            self.notifier.info("Nothing to export: no image is being sonified")
            return
        chosen = self._save_path(f"Export the sound of {self._title}", WAV_FILTER)
        if chosen is None:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".wav":
            path = path.with_name(path.name + ".wav")
        if self._fresh():
            self._write(path, self.wav_format.currentData())
        else:
            self._export_pending = (path, self.wav_format.currentData())
            self.render()

    def _write(self, path: Path, sample_format: str) -> None:
        self.export_worker = run_in_pool(write_wav, path, self.samples, self._made_with.rate,
                                         sample_format, on_returned=self._on_export_returned,
                                         on_errored=self._on_export_errored)

    def _on_export_returned(self, path: Path) -> None:
        self.export_worker = None
        self.notifier.info(f"Saved {path}")
        self.exported.emit(path)

    def _on_export_errored(self, error: Exception) -> None:
        self.export_worker = None
        if isinstance(error, AudioError):
            self.notifier.error(str(error))
        else:
            self.notifier.error(f"Exporting the sound of {self._title} failed: {error}",
                                repr(error))

    def _ask_save_path(self, title: str, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, title, f"{self._title}.wav", file_filter)
        return Path(name) if name else None


def _combo(items: dict, tooltip: str) -> QComboBox:
    combo = QComboBox(toolTip=tooltip)
    for label, value in items.items():
        combo.addItem(label, value)
    return combo


def _spin(low: float, high: float, value: float, suffix: str, decimals: int,
          tooltip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(toolTip=tooltip)
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
