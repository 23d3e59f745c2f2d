"""Recovery copies of unsaved work in the data folder, one per running window.

Each window writes `<data>/recovery/<session>.lstudio` (a whole project, written
atomically) and `<session>.json` (what it was: the project's path and title, when).
Which sessions are alive is told by a lock file per session, which the Qt side holds
(QLockFile knows a dead owner by its process id); this module only names, lists,
reads and removes the files, so it runs anywhere.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import msgspec

from studio.ml.atomic_files import write_atomically
from studio.ml.records import read_record, text, write_record

FOLDER = "recovery"


class RecoveryInfo(msgspec.Struct, kw_only=True):
    title: text(1000) = "Untitled"  # what the window's title said
    project: text(4096) = ""  # the project file it belongs to; empty when never saved
    saved: text(64) = ""  # ISO time of the copy


@dataclass(frozen=True)
class Recovery:
    session: str
    project_file: Path  # <session>.lstudio
    info: RecoveryInfo

    @property
    def lock_file(self) -> Path:
        return lock_path(self.project_file.parent, self.session)


def new_session() -> str:
    """A name no other window, here or in another studio, will pick."""
    return uuid.uuid4().hex[:16]


def project_path(folder: Path, session: str) -> Path:
    return folder / f"{session}.lstudio"


def lock_path(folder: Path, session: str) -> Path:
    return folder / f"{session}.lock"


def write_info(folder: Path, session: str, info: RecoveryInfo) -> None:
    write_atomically(folder / f"{session}.json", write_record(info))


def list_recoveries(folder: Path) -> list[Recovery]:
    """Every recovery copy in `folder`, newest first (live sessions' included: the
    caller tells them apart by their locks). A copy without readable info still counts."""
    found = []
    for path in sorted(Path(folder).glob("*.lstudio")):
        session = path.stem
        try:
            info = read_record((folder / f"{session}.json").read_bytes(), RecoveryInfo)
        except (OSError, ValueError):
            info = RecoveryInfo()
        found.append(Recovery(session, path, info))
    return sorted(found, key=lambda r: r.info.saved, reverse=True)


def remove_recovery(folder: Path, session: str) -> None:
    """The copy and its info (not the lock: its holder releases and removes it)."""
    for path in (project_path(folder, session), folder / f"{session}.json"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
