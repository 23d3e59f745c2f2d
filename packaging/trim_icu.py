"""Shrink the ICU data Qt brings into the Linux bundle to the parts Qt asks of it.

PySide6's Qt links ICU, and ICU's data library (libicudata.so.NN, 32 MB) holds every
locale's names, currencies, units, time-zone names, line-break dictionaries and legacy
text encodings. Qt6Core calls ICU for four things only (its imports: ucol_*, ucnv_*,
ucal_*, u_strTo{Lower,Upper}); it formats numbers and dates from its own CLDR tables.
So this keeps:

- all collation data (coll/): file names sort as each language expects;
- ICU's core tables at the root (normalization, properties, zoneinfo64, likely
  subtags, plural rules, the converter alias table) and the root and English locales;

and leaves out the legacy encoding tables (Qt decodes UTF-8 and Latin-1 itself; the
studio reads and writes UTF-8 only), break iterators (Qt segments text itself),
and other locales' display names, currencies, units, time-zone names and
transliterators. The studio's self-test checks collation in the finished bundle.

Usage: trim_icu.py BUNDLE_DIR  (needs icupkg from icu-devtools and a C compiler)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from elf_symbols import dynamic_symbols, symbol_bytes

KEEP_TREES = {"coll"}
_LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]+)*")
_ALWAYS = {"root", "res_index", "pool"}


def keep_item(name: str) -> bool:
    """Whether one item of the ICU package (as `icupkg -l` lists it) stays."""
    tree, _, leaf = name.rpartition("/")
    if tree:
        return tree in KEEP_TREES
    stem, _, ext = leaf.rpartition(".")
    if ext == "cnv":
        return False
    if ext == "res" and _LOCALE.fullmatch(stem) and stem not in _ALWAYS:
        return stem == "en" or stem.startswith("en_")
    return True


def _run(*cmd: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"trim_icu: {' '.join(cmd)} failed: {done.stderr.strip()}")
    return done.stdout


def trim_library(lib: Path, work: Path) -> Path:
    """A trimmed copy of libicudataNN.so, built in `work`; the original is untouched."""
    symbol = next(s.name for s in dynamic_symbols(lib)
                  if s.defined and re.fullmatch(r"icudt\d+_dat", s.name))
    package = symbol.removesuffix("_dat") + "l"  # e.g. icudt73l: little-endian data
    # icupkg names the items after the output file, and ICU looks them up by that name.
    full, small = work / "full" / f"{package}.dat", work / "small" / f"{package}.dat"
    full.parent.mkdir()
    small.parent.mkdir()
    full.write_bytes(symbol_bytes(lib, symbol))
    items = _run("icupkg", "-l", str(full)).split()
    drop = [item for item in items if not keep_item(item)]
    (work / "drop.txt").write_text("\n".join(drop) + "\n")
    _run("icupkg", "-r", str(work / "drop.txt"), str(full), str(small))
    # The data as one read-only, 16-byte aligned symbol: what libicuuc links against.
    (work / "data.S").write_text(
        f'    .section .rodata\n    .globl {symbol}\n    .type {symbol}, @object\n'
        f'    .balign 16\n{symbol}:\n    .incbin "{small}"\n'
        f'    .size {symbol}, . - {symbol}\n    .section .note.GNU-stack,"",@progbits\n')
    out = work / lib.name
    _run("cc", "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-o", str(out),
         str(work / "data.S"))
    return out


def main(bundle: Path) -> int:
    libs = sorted(p for p in bundle.rglob("libicudata.so.*") if not p.is_symlink())
    if not libs:
        print("trim_icu: no libicudata in the bundle; nothing to do")
        return 0
    for tool in ("icupkg", "cc"):
        if shutil.which(tool) is None:
            print(f"trim_icu: {tool} not found (Debian: apt-get install icu-devtools gcc)",
                  file=sys.stderr)
            return 1
    for lib in libs:
        with tempfile.TemporaryDirectory() as tmp:
            before = lib.stat().st_size
            trimmed = trim_library(lib, Path(tmp))
            shutil.copyfile(trimmed, lib)
            print(f"trim_icu: {lib.relative_to(bundle)} {before / 2**20:.1f} MB -> "
                  f"{lib.stat().st_size / 2**20:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
