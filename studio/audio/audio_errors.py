"""The one error type of the sound package."""

from __future__ import annotations

from studio.ml.errors import StudioError


class AudioError(StudioError):
    """A sound setting, image or WAV file the user can fix; the message names it."""
