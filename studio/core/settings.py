"""User settings, kept as a small JSON file in the studio's data folder.

Settings are plain data passed to whoever needs them (never a global). A settings
file that is unreadable or malformed must not stop the studio from starting: it is
set aside as `settings.json.bad` and the defaults are used, with a message.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from studio.core.set_aside import set_aside
from studio.ml.atomic_files import write_atomically

MAX_RECENT = 8


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


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """The settings at `path` (defaults if missing), and a message if the file was bad."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return Settings(), _set_aside(path, f"not readable JSON ({e})")
    if not isinstance(raw, dict):
        return Settings(), _set_aside(path, "expected a JSON object")
    defaults = Settings()
    values = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, default = raw[f.name], getattr(defaults, f.name)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default) or (
                isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            return Settings(), _set_aside(
                path, f"'{f.name}' should be {type(default).__name__}, got {value!r}")
        values[f.name] = value
    return Settings(**values), None


def save_settings(settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(asdict(settings), indent=2).encode("utf-8"))



def _set_aside(path: Path, problem: str) -> str:
    return f"{path}: {problem}; using default settings{set_aside(path)}"
