"""`studio install-desktop`: the launcher, icons, metainfo and MIME type go into the user's
own data folder, validate, and `--uninstall` leaves the folder exactly as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from studio import cli
from studio.desktop_install import APP_ID, desktop_entry, install, launcher, uninstall

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "desktop"


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for a folder)."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    (tmp_path / "home" / "data").mkdir(parents=True)
    return tmp_path / "home" / "data"


def validate(tool: str, *args: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed (apt-get install desktop-file-utils / appstream)")
    done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("had_files", [False, True])
def test_install_then_uninstall_leaves_the_folder_as_it_was(home, had_files):
    if had_files:  # the user's own launcher and icon must survive both steps
        (home / "applications").mkdir()
        (home / "applications" / "other.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=Other\nExec=other\n")
        (home / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
        (home / "icons" / "hicolor" / "48x48" / "apps" / "other.png").write_bytes(b"png")
    before = snapshot(home)
    assert cli.main(["install-desktop"]) == 0
    installed = snapshot(home)
    assert f"applications/{APP_ID}.desktop" in installed
    assert f"mime/packages/{APP_ID}.xml" in installed
    for size in (16, 32, 48, 128, 256, 512):
        assert f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in installed
    assert f"icons/hicolor/scalable/apps/{APP_ID}.svg" in installed
    assert cli.main(["install-desktop", "--uninstall"]) == 0
    assert snapshot(home) == before


def test_installing_twice_then_uninstalling_once_removes_everything(home):
    before = snapshot(home)
    install()
    install()
    uninstall()
    assert snapshot(home) == before


def test_uninstall_without_an_install_touches_nothing(home):
    (home / "keep.txt").write_text("mine")
    before = snapshot(home)
    assert uninstall()[0].startswith("nothing to remove")
    assert snapshot(home) == before


def test_the_entry_starts_this_studio_with_the_file(home):
    install(command=["/opt/Latent Studio/latent-studio"])
    entry = (home / "applications" / f"{APP_ID}.desktop").read_text()
    assert 'Exec="/opt/Latent Studio/latent-studio" %f' in entry
    assert "TryExec=/opt/Latent Studio/latent-studio" in entry
    assert "MimeType=application/x-latent-studio;" in entry
    assert Path(launcher()[0]).exists()


def test_the_installed_desktop_entry_validates(home):
    install()
    validate("desktop-file-validate", str(home / "applications" / f"{APP_ID}.desktop"))
    validate("desktop-file-validate", str(RESOURCES / f"{APP_ID}.desktop"))


def test_the_metainfo_validates():
    validate("appstreamcli", "validate", "--no-net", str(RESOURCES / f"{APP_ID}.metainfo.xml"))


def test_the_mime_type_maps_lstudio_files(home):
    if shutil.which("update-mime-database") is None:
        pytest.skip("update-mime-database is not installed (shared-mime-info)")
    install()
    assert "application/x-latent-studio:*.lstudio" in (home / "mime" / "globs").read_text()


def test_an_unusual_command_is_quoted_for_exec():
    entry = desktop_entry(["/home/a b/$x/studio"])
    assert 'Exec="/home/a b/\\\\$x/studio" %f' in entry  # \$ quoted, then \\ escaped
