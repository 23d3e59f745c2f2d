"""The model library: every checkpoint in one folder of the user's data, as a list.

Training saves a checkpoint here each epoch; the user picks the recognizer and the
explorer's model from it, renames, deletes, adds files from elsewhere and resumes
training. Listing reads only the JSON sidecars, with plain `json`: studio.ml.models.checkpoints
imports torch, and the library runs on the GUI thread. Loading (and the full check of
config, hash and shapes) stays with load_checkpoint in the worker pool.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from studio.core.unfinished_saves import PROCESS_STARTED, tidy
from studio.ml.errors import StudioError
from studio.ml.models.sidecar import read_sidecar

SUFFIX = ".safetensors"
KIND_TITLES = {"cnn": "Recognizer (CNN)", "vae": "VAE", "gan": "GAN",
               "strokes-lstm": "Stroke LSTM", "strokes-transformer": "Stroke Transformer"}
# Characters and names Windows refuses in file names, so a library copied there still works.
FORBIDDEN_CHARS = set('<>:"/\\|?*') | {chr(c) for c in range(32)}
RESERVED_NAMES = ({"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)}
                  | {f"LPT{i}" for i in range(1, 10)})
MAX_NAME = 120


class LibraryError(StudioError):
    """A library file or name the user can fix; the message names it and the problem."""


@dataclass(frozen=True)
class LibraryEntry:
    path: Path  # the .safetensors file
    name: str
    kind: str  # "cnn", "vae" or "gan"
    created: str  # ISO 8601, UTC, as the sidecar has it
    dataset: str
    epoch: int
    metrics: dict[str, float] = field(default_factory=dict)
    sha256: str = ""

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]

    @property
    def created_at(self) -> datetime | None:
        """The creation time, timezone-aware; None when the sidecar's date is unreadable."""
        try:
            moment = datetime.fromisoformat(self.created)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @property
    def created_local(self) -> str:
        """Minutes in the user's own time zone: what they compare with their clock."""
        moment = self.created_at
        return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else self.created

    @property
    def summary(self) -> str:
        """The metrics as a user reads them, e.g. "97.9% acc · loss 0.0712"."""
        return " · ".join(format_metric(k, v) for k, v in self.metrics.items())

    @property
    def data_name(self) -> str:
        if self.dataset.startswith("bundled +"):  # a fine-tune mixes in other data
            return "bundled MNIST" + self.dataset[len("bundled"):]
        if self.dataset.startswith("bundled"):
            return "bundled MNIST"
        return Path(self.dataset).name or self.dataset


def format_metric(name: str, value: float) -> str:
    if name == "accuracy":
        return f"{value:.1%} acc"
    if name == "neg_elbo":
        return f"NELBO {value:.1f}"
    if name == "class_fidelity":
        return f"fidelity {value:.0%}"
    return f"{name.replace('_', ' ')} {value:.4g}"


class ModelLibrary:
    """Checkpoint pairs (name.safetensors + name.json) in one flat folder.

    Listing, renaming and deleting are quick file operations, safe on the GUI thread;
    add_file copies and hashes whole files, so the panel runs it on the pool. Hidden
    files (staging files, `.name.safetensors.previous` backups) are never listed.
    """

    def __init__(self, folder: Path, started: float = PROCESS_STARTED) -> None:
        self.folder = Path(folder).expanduser()
        self._started = started  # hidden files older than this belong to a dead process
        self._tidied = False

    def entries(self) -> tuple[list[LibraryEntry], list[str]]:
        """Readable checkpoints, newest first, and one message per broken pair.

        The first listing finishes or undoes saves a killed process left behind."""
        if not self._tidied:
            self._tidied = True
            tidy(self.folder, self._started)
        try:
            candidates = sorted(p for p in self.folder.iterdir()
                                if p.suffix.lower() == SUFFIX and not p.name.startswith("."))
        except FileNotFoundError:
            return [], []
        except OSError as e:
            return [], [f"{self.folder}: cannot list the model library ({e.strerror or e})"]
        found: list[LibraryEntry] = []
        problems: list[str] = []
        for path in candidates:
            try:
                found.append(read_entry(path))
            except LibraryError as e:
                problems.append(str(e))
        oldest = datetime.min.replace(tzinfo=UTC)
        found.sort(key=lambda e: e.created_at or oldest, reverse=True)  # stable: names tie
        return found, problems

    def find(self, path: Path) -> LibraryEntry | None:
        """The entry for `path` (either file of a pair) if it is a readable one in here."""
        path = _weights(path)
        if not _same_folder(path.parent, self.folder):
            return None
        try:
            return read_entry(path)
        except LibraryError:
            return None

    def new_run_path(self, kind: str, now: datetime | None = None) -> Path:
        """A fresh path named for the kind (or any prefix) and the minute, e.g.
        gan-2026-11-23-1405 or my-handwriting-2026-11-23-1405."""
        now = now or datetime.now()
        return self._free_path(f"{kind}-{now:%Y-%m-%d-%H%M}")

    def rename(self, path: Path, new_name: str) -> Path:
        """Rename the pair (and any backup) to `new_name`; returns the new weights path."""
        path = _weights(path)
        name = self._checked_name(path, new_name)
        target = path.with_name(name + SUFFIX)
        if name == path.stem:
            return path
        moves = [(path, target), (path.with_suffix(".json"), target.with_suffix(".json"))]
        if not path.exists():
            raise LibraryError(f"{path}: no such checkpoint file")
        if not path.with_suffix(".json").exists():
            raise LibraryError(f"{path}: its sidecar {path.stem}.json is missing, "
                               f"so it cannot be renamed as a pair")
        done: list[tuple[Path, Path]] = []
        try:
            for old, new in moves:
                os.replace(old, new)
                done.append((old, new))
        except OSError as e:
            for old, new in reversed(done):
                with contextlib.suppress(OSError):
                    os.replace(new, old)
            raise LibraryError(f"{path}: could not be renamed to {name} "
                               f"({e.strerror or e})") from e
        if _backup(path).exists():
            with contextlib.suppress(OSError):  # the pair is whole; a stale backup is harmless
                os.replace(_backup(path), _backup(target))
        return target

    def delete(self, path: Path) -> None:
        """Remove the weights, the sidecar and any backup of a checkpoint."""
        path = _weights(path)
        for file in (path, path.with_suffix(".json"), _backup(path)):
            try:
                file.unlink(missing_ok=True)
            except OSError as e:
                raise LibraryError(f"{file}: could not be deleted ({e.strerror or e})") from e

    def add_file(self, source: Path) -> Path:
        """Copy a checked checkpoint pair into the library under a free name.

        The sidecar goes in first and the weights last, each through a hidden temporary
        file renamed into place, so a listing never sees half a pair or half a file.
        """
        source = _weights(source)
        if source.suffix.lower() != SUFFIX:
            raise LibraryError(f"{source}: not a checkpoint; the studio opens .safetensors "
                               f"files that have a .json sidecar beside them")
        entry = read_entry(source)
        if _same_folder(source.parent, self.folder):
            return source
        problem = self.check_writable()
        if problem:
            raise LibraryError(problem)
        target = self._free_path(source.stem)
        sidecar = target.with_suffix(".json")
        staged: list[Path] = []
        try:
            staged_sidecar = self._stage_copy(source.with_suffix(".json"), staged)
            staged_weights = self._stage_copy(source, staged, expect_sha256=entry.sha256)
            os.replace(staged_sidecar, sidecar)
            try:
                os.replace(staged_weights, target)
            except OSError:
                sidecar.unlink(missing_ok=True)
                raise
        except OSError as e:
            raise LibraryError(f"{source}: could not be copied into {self.folder} "
                               f"({e.strerror or e})") from e
        finally:
            for file in staged:
                file.unlink(missing_ok=True)
        return target

    def check_writable(self) -> str | None:
        """None when checkpoints can be saved here, else a message naming the folder."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
        except OSError as e:
            return f"{self.folder}: cannot save checkpoints there ({e.strerror or e})"
        return None

    def _stage_copy(self, source: Path, staged: list[Path], expect_sha256: str = "") -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{source.name}.", suffix=".tmp", dir=self.folder)
        staged.append(Path(tmp))
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if expect_sha256 and digest.hexdigest() != expect_sha256:
            raise LibraryError(f"{source}: the weights do not match the sha256 in "
                               f"{source.stem}.json: the file is corrupt or was changed")
        os.chmod(tmp, 0o644)
        return Path(tmp)

    def _free_path(self, stem: str) -> Path:
        for n in range(1, 10_000):
            name = stem if n == 1 else f"{stem}-{n}"
            if not self._taken(name):
                return self.folder / (name + SUFFIX)
        raise LibraryError(f"{self.folder}: no free name left for {stem}")

    def _taken(self, name: str) -> bool:
        weights = self.folder / (name + SUFFIX)
        return weights.exists() or weights.with_suffix(".json").exists()

    def _checked_name(self, path: Path, new_name: str) -> str:
        name = new_name.strip()
        if name.lower().endswith(SUFFIX):
            name = name[:-len(SUFFIX)].rstrip()
        shown = f"{path}: cannot rename it to {new_name.strip()!r}"
        if not name:
            raise LibraryError(f"{path}: cannot rename it to an empty name")
        if "/" in name or "\\" in name or os.sep in name:
            raise LibraryError(f"{shown}: a name cannot contain / or \\")
        if name.startswith("."):
            raise LibraryError(f"{shown}: a name starting with a dot would hide the file")
        bad = sorted({c for c in name if c in FORBIDDEN_CHARS})
        if bad:
            shown_chars = " ".join(repr(c)[1:-1] for c in bad)
            raise LibraryError(f"{shown}: these characters are not allowed in file "
                               f"names: {shown_chars}")
        if name.endswith("."):
            raise LibraryError(f"{shown}: Windows does not allow a name ending in a dot")
        if name.split(".")[0].upper() in RESERVED_NAMES:
            raise LibraryError(f"{shown}: Windows reserves that name for a device")
        if len(name) > MAX_NAME:
            raise LibraryError(f"{shown}: names are limited to {MAX_NAME} characters")
        if name != path.stem and self._taken_by_other(path, name):
            raise LibraryError(f"{shown}: the library already has a checkpoint of that name")
        return name

    def _taken_by_other(self, path: Path, name: str) -> bool:
        """Taken, except by this pair itself under other letter case (macOS, Windows)."""
        target = path.with_name(name + SUFFIX)
        for mine, theirs in ((path, target), (path.with_suffix(".json"),
                                              target.with_suffix(".json"))):
            if theirs.exists() and not (mine.exists() and os.path.samefile(mine, theirs)):
                return True
        return False


def read_entry(path: Path) -> LibraryEntry:
    """Parse a pair's sidecar (not the weights); LibraryError names the file and problem."""
    path = _weights(path)
    info = read_sidecar(path, LibraryError)
    return LibraryEntry(path=path, name=path.stem, kind=info.kind, created=info.created,
                        dataset=info.dataset, epoch=info.epoch, metrics=dict(info.metrics),
                        sha256=info.sha256)


def _weights(path: Path | str) -> Path:
    """Accept either file of the pair; return the .safetensors one."""
    path = Path(path).expanduser()
    return path.with_suffix(SUFFIX) if path.suffix.lower() == ".json" else path


def _backup(path: Path) -> Path:
    return path.with_name(f".{path.name}.previous")  # as checkpoints._backup_path


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
