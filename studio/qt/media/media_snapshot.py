"""The Sound panel's settings as a project keeps them, and back."""

from __future__ import annotations

from msgspec.structs import asdict

from studio.audio.sonify import SonifySettings
from studio.core.project.project_manifest import SoundRecord
from studio.qt.media.sound_panel import SoundPanel


def capture_sound(panel: SoundPanel) -> SoundRecord:
    s = panel.settings()
    return SoundRecord(mode=s.mode, duration_s=s.duration_s, low_hz=s.low_hz,
                       high_hz=s.high_hz, rate=s.rate, scale=s.scale,
                       dynamic_range_db=s.dynamic_range_db)


def restore_sound(panel: SoundPanel, record: SoundRecord) -> None:
    panel.set_settings(SonifySettings(**asdict(record)))
