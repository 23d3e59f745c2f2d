"""`studio install-desktop [--uninstall]`: the launcher, icon and .lstudio type for this user.

Why: a pip install (or an unpacked bundle) gives a command, not an app; artists expect
a menu entry with an icon and projects that open on a double-click. This writes the
freedesktop files into the user's own data folder ($XDG_DATA_HOME, else
~/.local/share), never system folders, with Exec pointing at the `studio` that ran it.
It keeps a manifest of every path it created (its files and any cache files or folders
the desktop tools made), so `--uninstall` removes exactly those and nothing the user had.
The cache tools run only when present; a desktop without them still works after a login.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

APP_ID = "io.github.latentstudio.LatentStudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MANIFEST = Path("LatentStudio") / "desktop-install.json"  # under the data folder


def data_home() -> Path:
    """$XDG_DATA_HOME if set and absolute (as the spec says), else ~/.local/share."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher() -> list[str]:
    """The command that starts this studio: the bundle's binary, the `studio` script, or
    this Python running the CLI module."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "studio" and script.is_file():
        return [str(script)]
    beside = Path(sys.executable).parent / "studio"
    if beside.is_file():
        return [str(beside)]
    return [str(Path(sys.executable).resolve()), "-m", "studio.cli"]


def _quoted(arg: str) -> str:
    """An Exec argument, quoted as the Desktop Entry spec asks when it needs to be."""
    if not any(c in arg for c in ' \t"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def desktop_entry(command: list[str]) -> str:
    """The bundled .desktop text with Exec and TryExec set to `command`."""
    text = _resource(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("Exec="):
            # the string escape applies on top of the quoting: a backslash is written twice
            exec_line = " ".join(_quoted(a) for a in command).replace("\\", "\\\\")
            line = "Exec=" + exec_line.replace("%", "%%") + " %f"
        elif line.startswith("TryExec="):
            line = "TryExec=" + command[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _resource(name: str) -> Path:
    return Path(str(resources.files("studio.resources") / "desktop" / name))


def planned_files(root: Path, command: list[str]) -> dict[Path, bytes]:
    """Every file install-desktop writes under `root`, with its contents."""
    files = {root / "applications" / f"{APP_ID}.desktop": desktop_entry(command).encode(),
             root / "mime" / "packages" / f"{APP_ID}.xml":
                 _resource(f"{APP_ID}.mime.xml").read_bytes(),
             root / "metainfo" / f"{APP_ID}.metainfo.xml":
                 _resource(f"{APP_ID}.metainfo.xml").read_bytes(),
             root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg":
                 _resource("latent-studio.svg").read_bytes()}
    for size in ICON_SIZES:
        files[root / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = \
            _resource(f"latent-studio-{size}.png").read_bytes()
    return files


def _tree(root: Path) -> set[Path]:
    return set(root.rglob("*")) if root.exists() else set()


def _refresh_caches(root: Path, log: list[str]) -> None:
    """Run the desktop's cache tools that are installed; a missing or failing one is noted."""
    tools = [("update-desktop-database", ["-q", str(root / "applications")]),
             ("update-mime-database", [str(root / "mime")]),
             ("gtk-update-icon-cache", ["-q", "-t", "-f", str(root / "icons" / "hicolor")])]
    for tool, args in tools:
        exe = shutil.which(tool)
        if exe is None:
            log.append(f"{tool} not found: skipped (the desktop picks the change up later)")
            continue
        done = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log.append(f"{tool} failed: {(done.stderr or done.stdout).strip()[:200]}")


def install(root: Path | None = None, command: list[str] | None = None) -> list[str]:
    """Write the launcher, icons, metainfo and MIME type; return what it did, line by line."""
    root = data_home() if root is None else root
    manifest = root / MANIFEST
    if manifest.exists():
        uninstall(root)  # a second install replaces the first, leaving no strays
    before = _tree(root)
    files = planned_files(root, command or launcher())
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    log = [f"wrote {path}" for path in files]
    _refresh_caches(root, log)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    created = sorted(str(p) for p in (_tree(root) - before) | {manifest})
    manifest.write_text(json.dumps({"app_id": APP_ID, "written": sorted(map(str, files)),
                                    "created": created}, indent=1), encoding="utf-8")
    return [*log, f"manifest: {manifest}"]


def uninstall(root: Path | None = None) -> list[str]:
    """Remove what `install` created, per its manifest; refresh caches that were there before."""
    root = data_home() if root is None else root
    manifest = root / MANIFEST
    if not manifest.exists():
        return [f"nothing to remove: no {manifest}"]
    record = json.loads(manifest.read_text(encoding="utf-8"))
    log = []
    for name in record["written"]:
        Path(name).unlink(missing_ok=True)
        log.append(f"removed {name}")
    _refresh_caches(root, log)  # caches the user already had forget our entries
    created = sorted(map(Path, record["created"]), key=lambda p: len(p.parts), reverse=True)
    for path in created:  # deepest first: files, then folders install made, if now empty
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.exists() or path.is_symlink():
            path.unlink()
    return log


def install_desktop(remove: bool) -> int:
    """The subcommand: print what was done, exit 0."""
    for line in (uninstall() if remove else install()):
        print(line)
    return 0
