"""Sound from images: sonification, WAV files and playback (numpy only, never Qt or torch).

sounddevice (and the PortAudio library under it) is imported only when playback is first
asked for, so the package imports, sonifies and exports on machines without either.
"""

from __future__ import annotations

from studio.audio.audio_errors import AudioError
from studio.audio.playback import Player
from studio.audio.sonify import SonifySettings, row_frequencies, sonify, walk_image
from studio.audio.wav import read_wav, write_wav

__all__ = ["AudioError", "Player", "SonifySettings", "read_wav", "row_frequencies", "sonify",
           "walk_image", "write_wav"]
