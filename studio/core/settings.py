"""User settings, kept as a small JSON file in the studio's data folder.

Settings are plain data passed to whoever needs them (never a global). A settings
file that is unreadable or malformed must not stop the studio from starting: it is
set aside as `settings.json.bad` and the defaults are used, with a message.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from studio.core.set_aside import set_aside
from studio.ml.atomic_files import write_atomically

MAX_RECENT = 8
MAX_TEXT = 64 * 1024  # a path or a saved window layout is far shorter
# The brush's range in document pixels: the canvas clamps to it, and a settings file
# beyond it was edited by hand.
MIN_BRUSH, MAX_BRUSH = 4.0, 120.0
_NUMBER_LIMITS = {"brush_size": (MIN_BRUSH, MAX_BRUSH)}
_HEX_FIELDS = ("window_geometry", "window_state")
_HEX = re.compile(r"[0-9a-fA-F]*")


@dataclass
class Settings:
    brush_size: float = 44.0  # document pixels (the canvas is 512 wide)
    show_saliency: bool = False
    last_open_dir: str = ""
    recent_classifiers: list[str] = field(default_factory=list)
    active_classifier: str = ""  # a checkpoint path; empty for the bundled default
    recent_generators: list[str] = field(default_factory=list)
    active_generator: str = "gan"  # "gan" or "vae" for a bundled default, else a path
    window_geometry: str = ""  # hex of QMainWindow.saveGeometry()
    window_state: str = ""  # hex of QMainWindow.saveState()

    def remember_classifier(self, path: str) -> None:
        self.recent_classifiers = [path] + [p for p in self.recent_classifiers if p != path]
        del self.recent_classifiers[MAX_RECENT:]

    def remember_generator(self, path: str) -> None:
        self.recent_generators = [path] + [p for p in self.recent_generators if p != path]
        del self.recent_generators[MAX_RECENT:]


_DEFAULTS = Settings()


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """The settings at `path` (defaults if missing), and a message if the file was bad.

    Every value is checked here, where it is parsed, so the rest of the studio can
    trust a Settings: a bad field (wrong type, NaN or Infinity, out of range) falls
    back to its default alone, the others are kept, and the file is set aside as
    `settings.json.bad` with a message naming the file and the fields.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return Settings(), _set_aside(path, f"not readable JSON ({e})")
    if not isinstance(raw, dict):
        return Settings(), _set_aside(path, "expected a JSON object")
    values, problems = {}, []
    for f in fields(Settings):
        if f.name not in raw:
            continue
        try:
            values[f.name] = _checked(f.name, raw[f.name], getattr(_DEFAULTS, f.name))
        except ValueError as e:
            problems.append(str(e))
    if problems:
        return Settings(**values), (f"{path}: {'; '.join(problems)}; using the default for "
                                    f"{'that field' if len(problems) == 1 else 'those fields'}"
                                    f"{set_aside(path)}")
    return Settings(**values), None


def _checked(name: str, value: object, default: object) -> object:
    """`value` as field `name` may hold it, or ValueError saying what is wrong."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"'{name}' should be bool, got {value!r:.60}")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"'{name}' should be float, got {value!r:.60}")
        low, high = _NUMBER_LIMITS[name]
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"'{name}' should be a number from {low:g} to {high:g}, "
                             f"got {value!r:.60}")
        return float(value)
    if isinstance(default, str):
        _check_text(name, value, hex_only=name in _HEX_FIELDS)
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"'{name}' should be list of text, got {value!r:.60}")
    for item in value:
        _check_text(name, item)
    return list(value[:MAX_RECENT])


def _check_text(name: str, value: object, hex_only: bool = False) -> None:
    if not isinstance(value, str):
        raise ValueError(f"'{name}' should be text, got {value!r:.60}")
    if len(value) > MAX_TEXT or "\x00" in value:
        raise ValueError(f"'{name}' should be text of at most {MAX_TEXT} characters "
                         "without NUL")
    if hex_only and (len(value) % 2 or not _HEX.fullmatch(value)):
        raise ValueError(f"'{name}' should be hexadecimal digits")


def save_settings(settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(asdict(settings), indent=2,
                                      allow_nan=False).encode("utf-8"))


def _set_aside(path: Path, problem: str) -> str:
    return f"{path}: {problem}; using default settings{set_aside(path)}"
