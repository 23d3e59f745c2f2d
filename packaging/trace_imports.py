"""Record every module the test suite's processes import: packaging/imported-modules.txt.

The bundle's spec leaves out modules of torch's compiler, export, quantization and test
machinery (and sympy's unused corners) that no process of the test suite imports: the
suite runs the window, every CLI command, training (which imports torch._dynamo) and
torchrun, so what it never imports the studio does not need. This runs the README's
test command with a sitecustomize that writes each process's sys.modules at exit, and
writes the union, headed by the torch version it holds for (the spec trims nothing when
the installed torch differs). Takes as long as the suite (~8-10 min here).

Usage: .venv/bin/python packaging/trace_imports.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "packaging" / "imported-modules.txt"

_SITECUSTOMIZE = '''
import atexit, os, sys
def _write_modules():
    with open(os.path.join({folder!r}, f"{{os.getpid()}}.txt"), "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
atexit.register(_write_modules)
'''


def main() -> int:
    from importlib.metadata import version

    with tempfile.TemporaryDirectory() as tmp:
        hook, found = Path(tmp) / "hook", Path(tmp) / "found"
        hook.mkdir()
        found.mkdir()
        (hook / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(folder=str(found)))
        env = {**os.environ, "PYTHONPATH": str(hook), "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                              cwd=ROOT, env=env)
        if done.returncode != 0:
            print("trace_imports: the suite failed; the list is not written", file=sys.stderr)
            return 1
        modules = sorted({line for f in found.glob("*.txt")
                          for line in f.read_text().splitlines() if line})
    OUT.write_text(f"# torch {version('torch')}: modules the test suite's processes import\n"
                   + "\n".join(modules) + "\n")
    print(f"trace_imports: {len(modules)} modules -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
