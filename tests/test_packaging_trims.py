"""The bundle's trimming tools (packaging/): each does what it says on real libraries.

The bundle test (marked `bundle`, off by default) builds the whole app; these run in
seconds on the tools alone: the ELF reader against a library the compiler just made,
the encoder stand-ins against a library that calls into the one they replace, and the
ICU trim against PySide6's own ICU data with Qt sorting through it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import elf_symbols  # noqa: E402
import stub_encoders  # noqa: E402
import trim_icu  # noqa: E402

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")


def compile_library(folder: Path, name: str, source: str, *link: str) -> Path:
    (folder / f"{name}.c").write_text(source)
    out = folder / name
    subprocess.run(["cc", "-shared", "-fPIC", f"-Wl,-soname,{name}", "-o", str(out),
                    str(folder / f"{name}.c"), *link], check=True)
    return out


@needs_cc
def test_elf_symbols_finds_a_data_symbols_bytes_and_what_a_library_wants(tmp_path):
    lib = compile_library(tmp_path, "libdemo.so", (
        'const char greeting[16] = "hello, bundle";\n'
        "extern int elsewhere(int);\n"
        "int call(void) { return elsewhere(1); }\n"))
    symbols = {s.name: s for s in elf_symbols.dynamic_symbols(lib)}
    assert symbols["greeting"].defined and symbols["greeting"].size == 16
    assert elf_symbols.symbol_bytes(lib, "greeting") == b"hello, bundle\0\0\0"
    assert not symbols["elsewhere"].defined
    with pytest.raises(KeyError, match="no defined symbol elsewhere"):
        elf_symbols.symbol_bytes(lib, "elsewhere")
    with pytest.raises(ValueError, match=r"libdemo.so.c: not a 64-bit"):
        elf_symbols.dynamic_symbols(tmp_path / "libdemo.so.c")


@needs_cc
def test_elf_symbols_reads_a_librarys_own_name_and_what_it_needs(tmp_path):
    """What the spec's orphan pruning follows: DT_SONAME and DT_NEEDED."""
    base = compile_library(tmp_path, "libbase.so.3", "int base(void) { return 3; }\n")
    user = compile_library(tmp_path, "libuser.so.1", (
        "extern int base(void);\nint user(void) { return base(); }\n"),
        f"-L{tmp_path}", f"-l:{base.name}")
    assert elf_symbols.linked_libraries(base)[0] == "libbase.so.3"
    name, needed = elf_symbols.linked_libraries(user)
    assert name == "libuser.so.1" and "libbase.so.3" in needed


@needs_cc
def test_an_encoder_stand_in_keeps_its_user_loading_and_reports_failure(tmp_path):
    """A fake libx265 hands out an API; after the swap its user loads and gets none."""
    libs = tmp_path / "av.libs"
    libs.mkdir()
    x265 = compile_library(libs, "libx265-f00.so.216", (
        "static int api = 42;\n"
        "const void *x265_api_get_216(int depth) { return &api; }\n"
        "int x265_unused(void) { return 7; }\n"))
    user = compile_library(libs, "libavcodec-f00.so.62", (
        "extern const void *x265_api_get_216(int);\n"
        "int have_hevc(void) { return x265_api_get_216(8) != 0; }\n"),
        f"-L{libs}", f"-l:{x265.name}", f"-Wl,-rpath,{libs}")
    assert stub_encoders.wanted_symbols(x265, [user]) == ["x265_api_get_216"]
    before = x265.stat().st_size

    assert stub_encoders.main(tmp_path) == 0
    assert "x265_unused" not in {s.name for s in elf_symbols.dynamic_symbols(x265)}
    assert x265.stat().st_size <= before
    # A fresh process: this one may hold the first library already.
    done = subprocess.run([sys.executable, "-c", (
        "import ctypes, sys; sys.exit(ctypes.CDLL(sys.argv[1]).have_hevc())"), str(user)])
    assert done.returncode == 0, "the stand-in says there is no HEVC encoder"
    assert ctypes.CDLL(str(user))  # and the user still loads


@pytest.mark.parametrize(("item", "kept"), [
    ("coll/de.res", True), ("coll/ucadata.icu", True), ("root.res", True),
    ("res_index.res", True), ("pool.res", True), ("en.res", True), ("en_GB.res", True),
    ("zoneinfo64.res", True), ("supplementalData.res", True), ("nfkc.nrm", True),
    ("de.res", False), ("zh_Hant_TW.res", False), ("ibm-943_P15A-2003.cnv", False),
    ("brkitr/cjdict.dict", False), ("curr/de.res", False), ("zone/en.res", False)])
def test_the_icu_trim_keeps_collation_and_core_tables_only(item, kept):
    assert trim_icu.keep_item(item) is kept


def _icu_data() -> Path:
    qt = Path(pytest.importorskip("PySide6").__file__).parent / "Qt" / "lib"
    found = sorted(qt.glob("libicudata.so.*"))
    if not found or shutil.which("icupkg") is None or shutil.which("cc") is None:
        pytest.skip("needs PySide6's ICU, icupkg (icu-devtools) and a C compiler")
    return found[0]


def _sorting_with(folder: Path) -> subprocess.CompletedProcess:
    """The self-test's sorting check in a process whose ICU data is the one in `folder`."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(folder), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", (
        "from PySide6.QtCore import QStringDecoder\n"
        "from studio.self_test import check_sorting\n"
        "print(check_sorting(None), QStringDecoder('Shift-JIS').isValid())")],
        env=env, capture_output=True, text=True, timeout=120)


def test_qt_sorts_the_same_through_the_trimmed_icu_data(tmp_path, monkeypatch):
    lib = _icu_data()
    small = trim_icu.trim_library(lib, tmp_path)
    assert small.stat().st_size < lib.stat().st_size / 4
    done = _sorting_with(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False", "the legacy encodings are gone: it is in use"

    # Without the collation tree Qt falls back to code points, and the check says so.
    monkeypatch.setattr(trim_icu, "KEEP_TREES", set())
    bare = tmp_path / "bare"
    bare.mkdir()
    trim_icu.trim_library(lib, bare)
    done = _sorting_with(bare)
    assert done.returncode != 0 and "file names sort as" in done.stderr
