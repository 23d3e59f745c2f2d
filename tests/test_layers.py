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
