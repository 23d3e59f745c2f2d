"""User settings, kept as a small JSON file in the studio's data folder.

Settings are plain data passed to whoever needs them (never a global). A settings
file that is unreadable or malformed must not stop the studio from starting: it is
set aside as `settings.json.bad` and the defaults are used, with a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec

from studio.core.set_aside import set_aside
from studio.ml.atomic_files import write_atomically
from studio.ml.records import bounded, convert, parse_json, text, write_record

MAX_RECENT = 8
MAX_TEXT = 64 * 1024  # a path or a saved window layout is far shorter
# The brush's range in document pixels: the canvas clamps to it, and a settings file
# beyond it was edited by hand.
MIN_BRUSH, MAX_BRUSH = 4.0, 120.0
PathText = text(MAX_TEXT)
Recent = Annotated[list[PathText], msgspec.Meta(max_length=MAX_RECENT)]
# QByteArray.toHex() of Qt's saved geometry and state: pairs of hex digits.
Hex = Annotated[str, msgspec.Meta(max_length=MAX_TEXT, pattern="^(?:[0-9a-fA-F]{2})*$")]


class Settings(msgspec.Struct):
    """What the studio remembers between runs; each field's type and bounds are its check."""

    brush_size: bounded(MIN_BRUSH, MAX_BRUSH) = 44.0  # document pixels (canvas is 512 wide)
    show_saliency: bool = False
    last_open_dir: PathText = ""
    recent_classifiers: Recent = msgspec.field(default_factory=list)
    active_classifier: PathText = ""  # a checkpoint path; empty for the bundled default
    recent_generators: Recent = msgspec.field(default_factory=list)
    active_generator: PathText = "gan"  # "gan" or "vae" for a bundled default, else a path
    recent_projects: Recent = msgspec.field(default_factory=list)
    window_geometry: Hex = ""  # hex of QMainWindow.saveGeometry()
    window_state: Hex = ""  # hex of QMainWindow.saveState()

    def remember_classifier(self, path: str) -> None:
        self.recent_classifiers = [path] + [p for p in self.recent_classifiers if p != path]
        del self.recent_classifiers[MAX_RECENT:]

    def remember_project(self, path: str) -> None:
        self.recent_projects = [path] + [p for p in self.recent_projects if p != path]
        del self.recent_projects[MAX_RECENT:]

    def remember_generator(self, path: str) -> None:
        self.recent_generators = [path] + [p for p in self.recent_generators if p != path]
        del self.recent_generators[MAX_RECENT:]


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """The settings at `path` (defaults if missing), and a message if the file was bad.

    Each field is converted on its own against Settings' declaration, so a bad field
    (wrong type, NaN or Infinity, out of range) falls back to its default alone, the
    others are kept, and the file is set aside as `settings.json.bad` with a message
    naming the file and the fields.
    """
    try:
        raw = parse_json(path.read_bytes())
    except FileNotFoundError:
        return Settings(), None
    except (OSError, ValueError) as e:
        return Settings(), _set_aside(path, str(e))
    if not isinstance(raw, dict):
        return Settings(), _set_aside(path, "expected a JSON object")
    values, problems = {}, []
    for name in Settings.__struct_fields__:
        if name not in raw:
            continue
        try:
            values[name] = getattr(convert({name: raw[name]}, Settings), name)
        except ValueError as e:
            problems.append(str(e))
    if problems:
        return Settings(**values), (f"{path}: {'; '.join(problems)}; using the default for "
                                    f"{'that field' if len(problems) == 1 else 'those fields'}"
                                    f"{set_aside(path)}")
    return Settings(**values), None


def save_settings(settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, write_record(settings))


def _set_aside(path: Path, problem: str) -> str:
    return f"{path}: {problem}; using default settings{set_aside(path)}"
