#!/usr/bin/env bash
# Build the Linux x86-64 app bundle of Latent Studio:
#   dist/latent-studio/                                  the app folder (run ./latent-studio)
#   dist/latent-studio-VERSION-linux-x86_64.tar.xz       the same folder, compressed
# then prove it runs without Python and without the repo: a copy outside the repo runs
# its --self-test under `env -i`. Needs the package extra: .venv/bin/pip install -e ".[package]",
# binutils, a C compiler and ICU's icupkg (Debian: apt-get install binutils gcc icu-devtools).
# Options (environment): PYTHON (default .venv/bin/python), ARCHIVE=zstd (default xz),
# STUDIO_TRIM=0 (keep everything: the "before trimming" figures), SKIP_ARCHIVE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
NAME=latent-studio
APP=dist/$NAME

"$PY" -m PyInstaller --version >/dev/null 2>&1 ||
  { echo "build-linux: PyInstaller missing: $PY -m pip install -e '.[package]'" >&2; exit 1; }
"$PY" -c 'import sys, torch; sys.exit(f"build-linux: torch {torch.__version__} is a CUDA build; install the CPU build" if torch.version.cuda else 0)'
VERSION=$("$PY" -c 'import studio; print(studio.__version__)')

start=$(date +%s)
# zlib level 9 for the PYZ's modules (PyInstaller's default is 6): the archive cannot
# compress them again, so every byte saved here is saved there too.
PYINSTALLER_ZLIB_COMPRESSION_LEVEL=9 "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/latent-studio.spec
if [ "${STUDIO_TRIM:-1}" != 0 ]; then
  # torch's own libraries carry ~90 MB of symbols: strip them whole. Elsewhere only debug
  # information goes (CPython's library and modules, PyAV's and Pillow's modules: ~47 MB);
  # --strip-unneeded on the libraries auditwheel patched (numpy's OpenBLAS) leaves them
  # unloadable, --strip-debug does not touch what the loader reads.
  strip --strip-unneeded "$APP"/_internal/torch/lib/*.so*
  find "$APP" -type f -name '*.so*' ! -path '*/torch/lib/*' -print0 |
    while IFS= read -r -d '' lib; do
      # grep reads all of it: `grep -q` would stop early, and under pipefail readelf's
      # SIGPIPE would read as "no debug information".
      if readelf -S "$lib" 2>/dev/null | grep '\.debug_info' >/dev/null; then
        strip --strip-debug "$lib"
      fi
    done
  "$PY" packaging/stub_encoders.py "$APP"  # FFmpeg's HEVC and AV1 encoders (26 MB)
  "$PY" packaging/trim_icu.py "$APP"       # ICU data beyond what Qt asks of it (25 MB)
fi
built=$(date +%s)

cuda=$(find "$APP" \( -iname 'libcuda*' -o -iname 'libcudnn*' -o -iname 'libnccl*' \
  -o -iname 'libcublas*' -o -iname 'libcufft*' -o -iname 'libnvrtc*' -o -iname 'nvidia' \) -print -quit)
[ -z "$cuda" ] || { echo "build-linux: CUDA library in the bundle: $cuda" >&2; exit 1; }

# Without Python and without the repo: a copy elsewhere, an empty environment, a fresh HOME.
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
cp -a "$APP" "$check/"
env -i HOME="$check/home" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen \
  "$check/$NAME/$NAME" --self-test 2>"$check/stderr" || { cat "$check/stderr" >&2; exit 1; }
# A Python warning here is a trim gone wrong (torch warns when a source it reads is gone).
if grep -E '[A-Za-z]+Warning: ' "$check/stderr" >&2; then
  echo "build-linux: the bundle's self-test warned (above)" >&2; exit 1
fi
tested=$(date +%s)

# xz with its x86 branch filter: most of the bundle is machine code, and the filter makes
# calls and jumps compress (here 10% smaller than zstd -19 --long=27, ~5 min on 2 cores).
# ARCHIVE=zstd for a faster build and a larger file.
archive=""
if [ "${SKIP_ARCHIVE:-0}" != 1 ]; then
  rm -f dist/"$NAME"-*-linux-x86_64.tar.*
  if [ "${ARCHIVE:-xz}" = zstd ]; then
    archive=dist/$NAME-$VERSION-linux-x86_64.tar.zst
    tar -C dist -cf - "$NAME" | zstd -q -T0 -19 --long=27 -f -o "$archive"
  else
    archive=dist/$NAME-$VERSION-linux-x86_64.tar.xz
    # Blocks of 330 MiB: two for this bundle, one per core here; a 128 MiB dictionary
    # (1.3 GB of memory per thread to pack, 130 MB to unpack).
    tar -C dist -cf - "$NAME" |
      xz -T0 --block-size=330MiB --x86 --lzma2=preset=9e,dict=128MiB > "$archive.part"
    mv "$archive.part" "$archive"
  fi
fi
done_at=$(date +%s)

echo "build-linux: $APP $(du -sm "$APP" | cut -f1) MB unpacked" \
  "${archive:+, $archive $(( $(stat -c %s "$archive") / 1048576 )) MB}"
echo "build-linux: PyInstaller $((built - start)) s, self-test $((tested - built)) s," \
  "archive $((done_at - tested)) s"
