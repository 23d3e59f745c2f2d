"""Playing a sound through sounddevice, or saying plainly why it cannot be played.

sounddevice loads the PortAudio C library when it is imported and raises OSError when
the library is missing, so it is imported here lazily, once, and every failure (no
library, no output device, a device that goes away) becomes a sentence in
`unavailable_reason()` instead of an exception in the GUI. Sonifying and exporting never
need it.

The sound is fed from a PortAudio callback, which lets the volume change while it plays
and gives the playhead the position of the samples actually handed to the device.
"""

from __future__ import annotations

import importlib
import logging
import threading
from types import ModuleType
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

NO_PORTAUDIO = ("Playback needs the PortAudio library "
                "(Debian/Ubuntu: sudo apt-get install libportaudio2)")
NO_SOUNDDEVICE = "Playback needs the sounddevice package (pip install sounddevice)"
NO_DEVICE = "No audio output device was found"


def _import_sounddevice() -> ModuleType:
    return importlib.import_module("sounddevice")


class Player:
    """One sound at a time on the default output device.

    `backend` is the sounddevice module or a stand-in with the same `query_devices`,
    `OutputStream` and `CallbackStop` (tests inject one); None loads sounddevice on first
    use. Nothing here raises for a missing library or device: `play` returns False and
    `unavailable_reason()` says why.
    """

    def __init__(self, backend: Any | None = None) -> None:
        self._backend = backend
        self._reason: str | None = None
        self._checked = False
        self._lock = threading.Lock()
        self._stream: Any | None = None
        self._data = np.zeros(0, np.float32)
        self._cursor = 0  # next sample to hand to the device (written by the callback)
        self._rate = 44100
        self.volume = 1.0

    def unavailable_reason(self) -> str | None:
        """None when sound can be played; otherwise one sentence saying what is missing."""
        if not self._checked:
            self._checked = True
            self._reason = self._probe()
        return self._reason

    def _probe(self) -> str | None:
        if self._backend is None:
            try:
                self._backend = _import_sounddevice()
            except OSError:  # sounddevice found no PortAudio library
                return NO_PORTAUDIO
            except ImportError:
                return NO_SOUNDDEVICE
        try:
            device = self._backend.query_devices(kind="output")
        except Exception:  # PortAudioError / ValueError: no default output device
            return NO_DEVICE
        if not device or int(_get(device, "max_output_channels", 0)) < 1:
            return NO_DEVICE
        return None

    @property
    def playing(self) -> bool:
        return self._stream is not None and self._cursor < len(self._data)

    def position_s(self) -> float | None:
        """Seconds of the sound handed to the device so far; None when not playing."""
        if not self.playing:
            return None
        return self._cursor / self._rate

    def play(self, samples: np.ndarray, rate: int, volume: float = 1.0) -> bool:
        """Start playing `samples` (mono float in [-1, 1]) from the start; False if it can't."""
        self.stop()
        if self.unavailable_reason() is not None:
            return False
        self.set_volume(volume)
        self._data = np.ascontiguousarray(samples, np.float32)
        self._cursor = 0
        self._rate = int(rate)
        try:
            stream = self._backend.OutputStream(samplerate=self._rate, channels=1,
                                                dtype="float32", callback=self._callback)
            stream.start()
        except Exception as e:  # the device vanished or refuses the rate: say so, no raise
            log.warning("Playback failed: %s", e)
            self._reason = f"{NO_DEVICE} that plays {self._rate} Hz ({e})"
            self._data = np.zeros(0, np.float32)
            return False
        self._stream = stream
        return True

    def set_volume(self, volume: float) -> None:
        """0 (silent) to 1 (as rendered); takes effect within one audio block."""
        self.volume = float(np.clip(volume, 0.0, 1.0))

    def stop(self) -> None:
        """Stop playing (no-op when nothing plays); never raises."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.stop()
            stream.close()
        except Exception as e:  # a device that went away cannot be stopped either
            log.warning("Stopping playback failed: %s", e)

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """Called on PortAudio's thread for every block: copy the next samples, scaled."""
        start = self._cursor
        chunk = self._data[start:start + frames]
        k = len(chunk)
        outdata[:k, 0] = chunk * self.volume
        outdata[k:] = 0
        self._cursor = start + k
        if k < frames:
            raise self._backend.CallbackStop


def _get(device: Any, key: str, default: Any) -> Any:
    """A field of sounddevice's device dict (or of a stand-in object)."""
    if isinstance(device, dict):
        return device.get(key, default)
    return getattr(device, key, default)
