"""Layering: the import contracts hold, ml/ never pulls in Qt, and the CLI starts light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_PACKAGES = {"PySide6", "shiboken6", "superqt", "pyqtgraph", "qtpy"}


def fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter from the repo root (so nothing is pre-imported)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def imported_after(statement: str) -> set[str]:
    """Top-level package names in sys.modules after running `statement` from scratch."""
    proc = fresh_python(f"{statement}\nimport json, sys\n"
                        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    assert proc.returncode == 0, f"{statement!r} failed:\n{proc.stderr}"
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.fail(f"{lint_imports} is missing: install the test extra (import-linter)")
    proc = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"lint-imports failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("module", [
    "studio.ml.models.checkpoints", "studio.ml.training.training_loop",
    "studio.ml.data.digit_datasets",
])
def test_ml_modules_do_not_import_qt(module):
    loaded = imported_after(f"import {module}")
    assert "torch" in loaded or module == "studio.ml.data.digit_datasets", "sanity: the import ran"
    assert not loaded & QT_PACKAGES, sorted(loaded & QT_PACKAGES)


def test_no_ml_module_imports_qt():
    code = ("import importlib, pkgutil, studio.ml\n"
            "for m in pkgutil.walk_packages(studio.ml.__path__, 'studio.ml.'):\n"
            "    importlib.import_module(m.name)")
    loaded = imported_after(code)
    assert not loaded & QT_PACKAGES, sorted(loaded & QT_PACKAGES)


def test_cli_import_does_not_import_torch():
    loaded = imported_after("import studio.cli")
    assert "studio" in loaded
    assert "torch" not in loaded, "`import studio.cli` pulled in torch; keep it in subcommands"
    assert not loaded & QT_PACKAGES, sorted(loaded & QT_PACKAGES)


def test_the_window_modules_do_not_import_torch():
    """The window must paint before torch loads, so nothing on its start path imports it."""
    loaded = imported_after("import studio.qt.shell.app, studio.qt.shell.main_window")
    assert "PySide6" in loaded, "sanity: the import ran"
    assert "torch" not in loaded


def test_core_imports_neither_qt_nor_torch():
    code = ("import importlib, pkgutil, studio.core\n"
            "for m in pkgutil.walk_packages(studio.core.__path__, 'studio.core.'):\n"
            "    importlib.import_module(m.name)")
    loaded = imported_after(code)
    assert not loaded & (QT_PACKAGES | {"torch"}), sorted(loaded & (QT_PACKAGES | {"torch"}))


def _packages() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "studio").rglob("__init__.py"))


def test_setuptools_lists_every_package():
    """pyproject lists packages by hand (resources/ is mapped in): a new folder must be
    added there, or a regular install would leave it out."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.relative_to(ROOT).parts) for p in _packages()} | {"studio.resources"}
    assert listed == found, f"missing: {sorted(found - listed)}, extra: {sorted(listed - found)}"


def test_folders_stay_small_enough_to_read_at_a_glance():
    for package in _packages():
        modules = [p for p in package.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 15, f"{package.relative_to(ROOT)} holds {len(modules)} modules"


def test_module_names_are_unique_and_on_the_map():
    """A name in a traceback finds one file, and docs/ARCHITECTURE.md lists every module."""
    modules = [p for p in (ROOT / "studio").rglob("*.py") if p.name != "__init__.py"]
    names = [p.name for p in modules]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    missing = [str(p.relative_to(ROOT)) for p in modules if f"`{p.stem}`" not in text]
    assert not missing, f"not in docs/ARCHITECTURE.md: {missing}"
