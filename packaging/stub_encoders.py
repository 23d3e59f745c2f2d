"""Replace FFmpeg's HEVC and AV1 encoder libraries in the bundle with small stand-ins.

PyAV's FFmpeg links x265 (20 MB) and SVT-AV1 (7 MB) so it can encode HEVC and AV1. The
studio writes MP4 as H.264 (x264) and WebM as VP9 (libvpx) and never opens either
encoder, but libavcodec names both libraries as needed, so they cannot just be left out.
Each stand-in keeps the library's file name and exports every symbol libavcodec takes
from it; each function fails the way the real library reports failure, so opening such
an encoder raises FFmpeg's ordinary error instead of crashing (through PyAV: "Generic
error in an external library" for libx265, "Cannot allocate memory" for libsvtav1).
Decoding (FFmpeg's own HEVC decoder, dav1d for AV1) is untouched.

Usage: stub_encoders.py BUNDLE_DIR  (needs a C compiler)
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tempfile
from pathlib import Path

from elf_symbols import dynamic_symbols, is_elf

# library file pattern -> what each of its functions returns to say "failed"
STAND_INS = {
    "libx265*.so*": "0",  # x265_api_get_NNN: no API for any bit depth (a null pointer)
    "libSvtAv1Enc*.so*": "0x80001000",  # EB_ErrorInsufficientResources
}


def wanted_symbols(lib: Path, users: list[Path]) -> list[str]:
    """The symbols `lib` defines that any of `users` takes from it."""
    defined = {s.name for s in dynamic_symbols(lib) if s.defined}
    wanted = {s.name for user in users for s in dynamic_symbols(user) if not s.defined}
    return sorted(defined & wanted)


def build_stand_in(lib: Path, symbols: list[str], failure: str, work: Path) -> Path:
    """A shared library named like `lib` whose functions all return `failure`."""
    source = work / f"{lib.name}.c"
    source.write_text(
        f"/* Stand-in for {lib.name}: the studio never opens this encoder. */\n"
        + "".join(f"long {name}(void) {{ return {failure}; }}\n" for name in symbols))
    out = work / lib.name
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-s", f"-Wl,-soname,{lib.name}",
                    "-o", str(out), str(source)], check=True)
    return out


def main(bundle: Path) -> int:
    libs = [p for p in bundle.rglob("*.so*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    for pattern, failure in STAND_INS.items():
        for lib in [p for p in libs if fnmatch.fnmatch(p.name, pattern)]:
            users = [p for p in libs if p.parent == lib.parent and p != lib]
            symbols = wanted_symbols(lib, users)
            if not symbols:
                print(f"stub_encoders: nothing takes symbols from {lib.name}", file=sys.stderr)
                return 1
            with tempfile.TemporaryDirectory() as tmp:
                before = lib.stat().st_size
                lib.write_bytes(build_stand_in(lib, symbols, failure, Path(tmp)).read_bytes())
            print(f"stub_encoders: {lib.relative_to(bundle)} {before / 2**20:.1f} MB -> "
                  f"{lib.stat().st_size / 2**10:.0f} KB ({len(symbols)} functions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
