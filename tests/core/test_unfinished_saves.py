"""A save killed at any step leaves a library the next start lists cleanly.

Each case runs a real save_checkpoint in a forked child that dies by os._exit (no
finally block runs, as with SIGKILL) just before its k-th file operation, or halfway
through writing the sidecar's temporary file; the next listing, in a "restarted"
library, must list no problem, leave no hidden file, and keep every good pair.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.model_library import ModelLibrary
from studio.ml.models.checkpoints import load_checkpoint

CHILD = r'''
import os, sys
from pathlib import Path
import torch
from studio.ml.models import checkpoints as ck
from studio.ml.models.classifier import ClassifierConfig
from studio.ml.models.model_kinds import build_model

root = Path(sys.argv[1])
for case in sys.argv[2:]:
    overwrite, kill_at = case.split(":")
    folder = root / case.replace(":", "-")
    folder.mkdir()
    if os.fork() == 0:
        torch.set_num_threads(1)
        path = folder / "run.safetensors"
        if overwrite == "again":
            ck.save_checkpoint(path, build_model("cnn", ClassifierConfig(width=2)),
                               kind="cnn", dataset="bundled", seed=0, epoch=1)
        count = 0
        def dying(fn, name):
            def step(*args, **kwargs):
                global count
                if kill_at == "half" and name == "stage" and count == 1:
                    staged = fn(args[0], args[1][: len(args[1]) // 2])
                    os._exit(9)
                if str(count) == kill_at:
                    os._exit(9)
                count += 1
                return fn(*args, **kwargs)
            return step
        ck.stage = dying(ck.stage, "stage")
        ck.commit = dying(ck.commit, "commit")
        ck._keep_previous = dying(ck._keep_previous, "keep")
        ck.save_checkpoint(path, build_model("cnn", ClassifierConfig(width=2)),
                           kind="cnn", dataset="bundled", seed=0, epoch=2)
        os._exit(0)
    os.wait()
'''
# A first save stages weights, stages the sidecar, renames weights, renames the sidecar;
# a second one also keeps the previous weights (a hard link) before the renames.
FIRST = [f"new:{k}" for k in range(5)] + ["new:half"]
AGAIN = [f"again:{k}" for k in range(6)] + ["again:half"]


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("killed")
    subprocess.run([sys.executable, "-c", CHILD, str(root), *FIRST, *AGAIN], check=True,
                   timeout=300, cwd=Path(__file__).resolve().parents[2])
    return root


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child")
@pytest.mark.parametrize("case", FIRST + AGAIN)
def test_a_save_killed_at_any_step_is_finished_or_undone_at_the_next_start(killed, case):
    folder = killed / case.replace(":", "-")
    left = any(p.name.startswith(".") for p in folder.iterdir())
    assert left == (case not in ("new:0", "new:4", "again:0", "again:5")), "what a kill leaves"
    restarted = ModelLibrary(folder, started=time.time() + 5)
    entries, problems = restarted.entries()
    assert problems == []
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    if case.startswith("again"):  # the old pair was good: a good pair is kept, old or new
        assert len(entries) == 1
    for entry in entries:
        checkpoint = load_checkpoint(entry.path)
        assert checkpoint.info.epoch == entry.epoch in (1, 2)
    weights_saved = case in ("new:3", "new:4", "again:4", "again:5")
    if weights_saved:  # the new weights were in place and their sidecar complete: kept
        assert entries[0].epoch == 2


def test_temporary_files_of_this_process_are_left_alone(tmp_path):
    """A save going on now (after the start) is not mistaken for a dead one."""
    folder = tmp_path / "models"
    folder.mkdir()
    busy = folder / ".run.safetensors.abc123.tmp"
    busy.write_bytes(b"half")
    ModelLibrary(folder).entries()
    assert busy.exists()
    ModelLibrary(folder, started=time.time() + 5).entries()
    assert not busy.exists()


def test_a_lone_weights_file_with_a_bad_temporary_sidecar_is_removed(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "run.safetensors").write_bytes(b"weights")
    (folder / ".run.json.xyz.tmp").write_text(json.dumps({"format": "nonsense"}))
    (folder / "keep.safetensors").write_bytes(b"a user's file, no sidecar, no temp")
    entries, problems = ModelLibrary(folder, started=time.time() + 5).entries()
    assert sorted(p.name for p in folder.iterdir()) == ["keep.safetensors"]
    assert len(problems) == 1 and "keep.safetensors" in problems[0]
