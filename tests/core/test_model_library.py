"""The model library: listing, renaming, deleting and adding checkpoints, and its panel."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studio.core.model_library import LibraryEntry, LibraryError, ModelLibrary
from studio.ml.models.checkpoints import load_checkpoint, save_checkpoint
from studio.ml.models.classifier import ClassifierConfig
from studio.ml.models.gan import GANConfig
from studio.ml.models.model_kinds import build_model
from studio.ml.models.vae import VAEConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = {"cnn": ClassifierConfig(width=2), "vae": VAEConfig(latent_dim=2, width=2, hidden=4),
        "gan": GANConfig(latent_dim=2, width=2)}
METRICS = {"cnn": {"accuracy": 0.9787, "test_loss": 0.071234},
           "vae": {"neg_elbo": 98.12, "class_fidelity": 0.91}, "gan": {"class_fidelity": 0.5}}


def make(folder: Path, name: str, kind: str = "cnn", *, epoch: int = 3,
         created: str | None = None, dataset: str = "bundled") -> Path:
    """A real checkpoint of a tiny model; `created` overrides the sidecar's date."""
    path = save_checkpoint(folder / f"{name}.safetensors", build_model(kind, TINY[kind]),
                           kind=kind, dataset=dataset, seed=0, epoch=epoch,
                           metrics=METRICS[kind])
    if created is not None:
        sidecar = path.with_suffix(".json")
        raw = json.loads(sidecar.read_text())
        raw["created"] = created
        sidecar.write_text(json.dumps(raw))
    return path


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def library(tmp_path) -> ModelLibrary:
    folder = tmp_path / "models"
    make(folder, "old-cnn", "cnn", epoch=1, created="2026-01-02T10:00:00+00:00")
    make(folder, "mid-vae", "vae", epoch=5, created="2026-03-04T11:30:00+00:00",
         dataset="/data/fashion/train-images-idx3-ubyte.gz")
    make(folder, "new-gan", "gan", epoch=9, created="2026-11-23T14:05:00+00:00")
    return ModelLibrary(folder)


# --- the library ----------------------------------------------------------------------


def test_entries_are_listed_newest_first_with_their_sidecar_fields(library):
    (library.folder / ".new-gan.safetensors.previous").write_bytes(b"old weights")
    (library.folder / ".cnn.safetensors.abc.tmp").write_bytes(b"staging")
    entries, problems = library.entries()
    assert problems == []
    assert [e.name for e in entries] == ["new-gan", "mid-vae", "old-cnn"]
    gan, vae, cnn = entries
    assert gan.path == library.folder / "new-gan.safetensors"
    assert (gan.kind, gan.epoch, gan.kind_title) == ("gan", 9, "GAN")
    assert cnn.kind_title == "Recognizer (CNN)"
    assert cnn.summary == "97.9% acc · test loss 0.07123"
    assert vae.summary == "NELBO 98.1 · fidelity 91%"
    assert (cnn.data_name, vae.data_name) == ("bundled MNIST", "train-images-idx3-ubyte.gz")
    local = datetime(2026, 11, 23, 14, 5, tzinfo=UTC).astimezone()
    assert gan.created_local == local.strftime("%Y-%m-%d %H:%M")
    assert len(gan.sha256) == 64 and gan.metrics == {"class_fidelity": 0.5}
    assert library.find(library.folder / "mid-vae.json") == vae
    assert library.find(library.folder / "nothing.safetensors") is None


def test_a_missing_folder_is_an_empty_library(tmp_path):
    assert ModelLibrary(tmp_path / "not-yet").entries() == ([], [])


def test_broken_pairs_are_reported_by_file_name_and_the_rest_still_listed(library):
    folder = library.folder
    (folder / "orphan.safetensors").write_bytes(b"weights without a sidecar")
    for name, sidecar in [("garbled", "{not json"),
                          ("foreign", json.dumps({"format": "other/1", "kind": "cnn"})),
                          ("strange", json.dumps({"format": "latent-studio-checkpoint/1",
                                                  "kind": "rnn", "config": {}}))]:
        (folder / f"{name}.safetensors").write_bytes(b"x")
        (folder / f"{name}.json").write_text(sidecar)
    entries, problems = library.entries()
    assert [e.name for e in entries] == ["new-gan", "mid-vae", "old-cnn"]
    assert len(problems) == 4
    text = "\n".join(problems)
    for fragment in ["orphan.safetensors: its sidecar orphan.json is missing",
                     "garbled.json: not readable JSON",
                     "foreign.json: not a Latent Studio checkpoint sidecar",
                     "strange.json: unknown model kind 'rnn'"]:
        assert fragment in text


def test_rename_moves_the_pair_and_its_backup_and_the_result_loads(library):
    old = library.folder / "old-cnn.safetensors"
    (library.folder / ".old-cnn.safetensors.previous").write_bytes(b"backup")
    new = library.rename(old, "  my best.safetensors ")
    assert new == library.folder / "my best.safetensors"
    assert not old.exists() and not old.with_suffix(".json").exists()
    assert (library.folder / ".my best.safetensors.previous").read_bytes() == b"backup"
    assert load_checkpoint(new, expected_kind="cnn").info.epoch == 1
    assert [e.name for e in library.entries()[0]] == ["new-gan", "mid-vae", "my best"]


@pytest.mark.parametrize(("name", "problem"), [
    ("", "empty name"),
    ("   ", "empty name"),
    ("sub/dir", "cannot contain / or \\"),
    ("back\\slash", "cannot contain / or \\"),
    (".hidden", "starting with a dot"),
    ("what?", "not allowed in file names: ?"),
    ("a:b", "not allowed in file names: :"),
    ("CON", "reserves that name"),
    ("ends.", "ending in a dot"),
    ("mid-vae", "already has a checkpoint of that name"),
    ("new-gan.safetensors", "already has a checkpoint of that name"),
])
def test_rename_refuses_bad_or_taken_names_and_changes_nothing(library, name, problem):
    before = files(library.folder)
    with pytest.raises(LibraryError, match="old-cnn.safetensors") as caught:
        library.rename(library.folder / "old-cnn.safetensors", name)
    assert problem in str(caught.value)
    assert files(library.folder) == before


def test_rename_undoes_the_first_move_when_the_second_fails(library, monkeypatch):
    real_replace = os.replace

    def failing_for_sidecars(src, dst):
        if str(src).endswith(".json"):
            raise OSError(errno.EACCES, "Permission denied")
        real_replace(src, dst)

    before = files(library.folder)
    monkeypatch.setattr(os, "replace", failing_for_sidecars)
    with pytest.raises(LibraryError, match="could not be renamed to fresh.*Permission denied"):
        library.rename(library.folder / "old-cnn.safetensors", "fresh")
    monkeypatch.undo()
    assert files(library.folder) == before
    assert load_checkpoint(library.folder / "old-cnn.safetensors").info.kind == "cnn"


def test_delete_removes_weights_sidecar_and_backup(library):
    backup = library.folder / ".mid-vae.safetensors.previous"
    backup.write_bytes(b"backup")
    library.delete(library.folder / "mid-vae.safetensors")
    assert files(library.folder) == ["new-gan.json", "new-gan.safetensors",
                                     "old-cnn.json", "old-cnn.safetensors"]


def test_add_file_copies_a_checked_pair_under_a_free_name(library, tmp_path):
    source = make(tmp_path / "elsewhere", "old-cnn", "cnn", epoch=7)
    added = library.add_file(source)
    assert added == library.folder / "old-cnn-2.safetensors"
    assert added.read_bytes() == source.read_bytes()
    again = library.add_file(source.with_suffix(".json"))  # either file of the pair
    assert again == library.folder / "old-cnn-3.safetensors"
    assert load_checkpoint(again).info.epoch == 7
    assert library.add_file(again) == again  # already in the library: nothing copied
    assert not [n for n in files(library.folder) if n.startswith(".")]
    assert source.exists()  # a copy, not a move


def test_add_file_refuses_garbage_and_corrupt_weights_leaving_nothing(tmp_path):
    library = ModelLibrary(tmp_path / "models")
    garbage = tmp_path / "download.safetensors"
    garbage.write_bytes(b"\x00garbage")
    with pytest.raises(LibraryError, match="download.safetensors: its sidecar download.json"):
        library.add_file(garbage)
    corrupt = make(tmp_path / "elsewhere", "corrupt", "gan")
    corrupt.write_bytes(corrupt.read_bytes()[:-8] + b"12345678")
    with pytest.raises(LibraryError, match="corrupt.safetensors: the weights do not match"):
        library.add_file(corrupt)
    pickle_file = tmp_path / "model.pt"
    pickle_file.write_bytes(b"pickle")
    with pytest.raises(LibraryError, match="model.pt: not a checkpoint"):
        library.add_file(pickle_file)
    assert files(library.folder) == []


def test_new_run_path_is_named_for_kind_and_minute_and_never_taken(tmp_path):
    library = ModelLibrary(tmp_path / "models")
    now = datetime(2026, 11, 23, 14, 5)
    first = library.new_run_path("gan", now)
    assert first == library.folder / "gan-2026-11-23-1405.safetensors"
    make(library.folder, first.stem, "gan")
    second = library.new_run_path("gan", now)
    assert second.name == "gan-2026-11-23-1405-2.safetensors"
    second.with_suffix(".json").write_text("{}")  # a lone sidecar also takes the name
    assert library.new_run_path("gan", now).name == "gan-2026-11-23-1405-3.safetensors"


def test_check_writable_names_the_folder_and_the_reason(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the library's parent should be")
    problem = ModelLibrary(blocker / "models").check_writable()
    assert problem is not None and str(blocker / "models") in problem
    assert "Not a directory" in problem or "exists" in problem
    good = ModelLibrary(tmp_path / "data" / "models")
    assert good.check_writable() is None and good.folder.is_dir()


# --- the panel ------------------------------------------------------------------------


class Answers:
    """Stands in for the panel's dialogs and records what they were asked."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.confirm = False
        self.file: Path | None = None
        self.asked: list[tuple] = []

    def ask_text(self, title: str, label: str, default: str) -> str | None:
        self.asked.append((title, label, default))
        return self.text

    def confirm_it(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.confirm

    def choose_file(self, title: str) -> Path | None:
        return self.file


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def panel(qtbot, library, answers):
    from studio.qt.base.notifier import Notifier
    from studio.qt.train.library_panel import LibraryPanel

    notifier = Notifier(logging.getLogger("test_model_library"))
    widget = LibraryPanel(library, notifier, ask_text=answers.ask_text,
                          confirm=answers.confirm_it, choose_file=answers.choose_file)
    qtbot.addWidget(widget)
    return widget


def shown_names(panel) -> list[str]:
    proxy = panel.table.model()
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


def cell(panel, name: str, column: str) -> str:
    from studio.qt.train.library_model import COLUMNS

    proxy = panel.table.model()
    row = shown_names(panel).index(name)
    return proxy.index(row, COLUMNS.index(column)).data()


def test_panel_lists_entries_newest_first_and_says_where_they_are(panel, library):
    assert shown_names(panel) == ["new-gan", "mid-vae", "old-cnn"]
    assert cell(panel, "old-cnn", "Kind") == "Recognizer (CNN)"
    assert cell(panel, "mid-vae", "Metrics") == "NELBO 98.1 · fidelity 91%"
    assert cell(panel, "new-gan", "Epoch") == "9"
    assert panel.where.text() == f"3 checkpoints in {library.folder}"
    tip = panel.table.model().index(0, 0).data(0x03)  # ToolTipRole
    assert str(library.folder / "new-gan.safetensors") in tip and "fidelity 50%" in tip
    assert panel.problems.isHidden()


def test_panel_shows_broken_entries_in_a_warning_label(panel, library):
    (library.folder / "orphan.safetensors").write_bytes(b"x")
    panel.refresh_button.click()
    assert not panel.problems.isHidden()
    assert "orphan.json is missing" in panel.problems.text()
    assert len(shown_names(panel)) == 3


def test_buttons_follow_the_kind_of_the_selected_checkpoint(panel, library):
    assert not panel.use_button.isEnabled() and not panel.rename_button.isEnabled()
    panel.select(library.folder / "old-cnn.safetensors")
    assert panel.use_button.isEnabled() and not panel.explore_button.isEnabled()
    assert panel.rename_button.isEnabled() and panel.delete_button.isEnabled()
    panel.select(library.folder / "mid-vae.safetensors")
    assert not panel.use_button.isEnabled() and panel.explore_button.isEnabled()
    assert "(F2)" in panel.rename_button.toolTip()


def test_use_and_explore_emit_the_chosen_paths(panel, library, qtbot):
    cnn, gan = library.folder / "old-cnn.safetensors", library.folder / "new-gan.safetensors"
    panel.select(cnn)
    with qtbot.waitSignal(panel.recognizer_chosen, timeout=1000) as chosen:
        panel.use_button.click()
    assert chosen.args == [cnn]
    panel.select(gan)
    with qtbot.waitSignal(panel.generator_chosen, timeout=1000) as chosen:
        panel.table.doubleClicked.emit(panel.table.currentIndex())
    assert chosen.args == [gan]
    with qtbot.waitSignal(panel.resume_requested, timeout=1000) as resumed:
        panel.resume_button.click()
    assert isinstance(resumed.args[0], LibraryEntry) and resumed.args[0].epoch == 9


def test_delete_asks_first_and_keeps_the_files_when_refused(panel, library, answers, qtbot):
    vae = library.folder / "mid-vae.safetensors"
    panel.select(vae)
    with qtbot.assertNotEmitted(panel.entry_deleted):
        panel.delete_button.click()
    assert "mid-vae" in answers.asked[-1][1]
    assert vae.exists() and "mid-vae" in shown_names(panel)
    answers.confirm = True
    with qtbot.waitSignal(panel.entry_deleted, timeout=1000) as deleted:
        panel.delete_button.click()
    assert deleted.args == [vae]
    assert not vae.exists() and not vae.with_suffix(".json").exists()
    assert shown_names(panel) == ["new-gan", "old-cnn"]
    assert panel.where.text().startswith("2 checkpoints")


def test_rename_through_the_dialog_renames_and_reports_bad_names(panel, library, answers,
                                                                 qtbot):
    old = library.folder / "old-cnn.safetensors"
    panel.select(old)
    answers.text = "sub/dir"
    panel.rename_button.click()
    assert answers.asked[-1][2] == "old-cnn"
    assert old.exists()
    assert "cannot contain" in panel._notifier.notices[-1].message
    answers.text = "favourite"
    with qtbot.waitSignal(panel.entry_renamed, timeout=1000) as renamed:
        panel.rename_button.click()
    new = library.folder / "favourite.safetensors"
    assert renamed.args == [old, new]
    assert new.exists() and not old.exists()
    assert panel.selected_entry().path == new


def test_set_active_marks_the_recognizer_and_the_explorer(panel, library):
    panel.set_active(library.folder / "old-cnn.safetensors",
                     library.folder / "sub" / ".." / "new-gan.safetensors")
    assert cell(panel, "old-cnn", "Active") == "recognizer"
    assert cell(panel, "new-gan", "Active") == "explorer"
    assert cell(panel, "mid-vae", "Active") == ""
    panel.set_active(None, None)
    assert cell(panel, "old-cnn", "Active") == ""


def test_add_file_and_refresh_keep_the_right_row_selected(panel, library, answers, tmp_path):
    panel.select(library.folder / "mid-vae.safetensors")
    answers.file = make(tmp_path / "elsewhere", "imported", "cnn")
    add_and_wait(panel)
    assert panel.selected_entry().path == library.folder / "imported.safetensors"
    assert "imported" in shown_names(panel)
    panel.select(library.folder / "mid-vae.safetensors")
    make(library.folder, "newest", "gan", created="2099-01-01T00:00:00+00:00")
    panel.refresh()
    assert shown_names(panel)[0] == "newest"
    assert panel.selected_entry().name == "mid-vae"
    answers.file = tmp_path / "missing.safetensors"
    add_and_wait(panel)
    assert "missing.safetensors" in panel._notifier.notices[-1].message


def test_the_library_and_its_panel_do_not_import_torch():
    """The panel runs on the GUI thread, which must never wait for torch to load."""
    code = ("import sys, studio.core.model_library, studio.qt.train.library_panel\n"
            "print('torch' in sys.modules, 'PySide6' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout.split() == ["False", "True"], proc.stderr


def test_f2_and_delete_keys_work_in_the_table(panel, library, answers, qtbot):
    from PySide6.QtCore import Qt

    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=2000)  # shortcuts need an active window
    panel.table.setFocus()
    panel.select(library.folder / "old-cnn.safetensors")
    answers.text = "by-key"
    with qtbot.waitSignal(panel.entry_renamed, timeout=1000):
        qtbot.keyClick(panel.table, Qt.Key.Key_F2)
    answers.confirm = True
    with qtbot.waitSignal(panel.entry_deleted, timeout=1000) as deleted:
        qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert deleted.args == [library.folder / "by-key.safetensors"]
    panel.select(library.folder / "new-gan.safetensors")
    with qtbot.waitSignal(panel.generator_chosen, timeout=1000):
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)


def test_a_hostile_sidecar_is_skipped_with_its_reason_not_listed(library):
    """Epoch 10^30, width 10^12 and a NaN accuracy once reached the table."""
    for name, change in (("big-epoch", {"epoch": 10**30}), ("wide", {"config": {"width": 10**12}}),
                         ("nan-acc", {"metrics": {"accuracy": float("nan")}})):
        path = make(library.folder, name, "cnn")
        sidecar = path.with_suffix(".json")
        sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), **change}))
    entries, problems = library.entries()
    assert sorted(e.name for e in entries) == ["mid-vae", "new-gan", "old-cnn"]
    assert any("big-epoch.json: 'epoch': expected `int` <= " in p for p in problems)
    assert any("wide.json: cnn config field 'width' must be between" in p for p in problems)
    assert any("nan-acc.json: metric 'accuracy' must be a finite number" in p for p in problems)


def add_and_wait(panel) -> None:
    """Add File checks the checkpoint on the pool; wait until it has said how it went."""
    from pytestqt.qtbot import QtBot

    count = len(panel._notifier.notices)
    panel.add_button.click()
    QtBot(panel).waitUntil(lambda: len(panel._notifier.notices) > count, timeout=20_000)


def _with_weights(path: Path, blob: bytes) -> Path:
    """Weights replaced by `blob`, the sidecar's sha256 made to match (a careful attacker)."""
    import hashlib

    path.write_bytes(blob)
    sidecar = path.with_suffix(".json")
    raw = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**raw, "sha256": hashlib.sha256(blob).hexdigest()}))
    return path


def test_add_file_loads_the_checkpoint_on_the_pool_and_copies_nothing_that_cannot_load(
        panel, library, answers, tmp_path):
    import pickle
    import struct

    before = files(library.folder)
    elsewhere = tmp_path / "elsewhere"
    pickled = _with_weights(make(elsewhere, "pickled", "cnn"), pickle.dumps({"w": [1, 2]}))
    huge = _with_weights(make(elsewhere, "huge", "cnn"), struct.pack("<Q", 2**63 - 1) + b"{}")
    misshapen = make(elsewhere, "misshapen", "vae")
    sidecar = misshapen.with_suffix(".json")
    raw = json.loads(sidecar.read_text())
    raw["config"]["hidden"] = 5
    sidecar.write_text(json.dumps(raw))
    for source, problem in ((pickled, "not a valid safetensors file"),
                            (huge, "not a valid safetensors file"),
                            (misshapen, "has shape")):
        answers.file = source
        add_and_wait(panel)
        notice = panel._notifier.notices[-1]
        assert notice.level.value == "error" and str(source) in notice.message, notice.message
        assert problem in notice.message and "not added" in notice.message
        assert files(library.folder) == before, "nothing is copied when it cannot load"


def test_the_checkpoint_a_run_writes_is_marked_and_cannot_be_deleted_or_renamed(
        panel, library, answers):
    """A deleted one came back at the next epoch; a renamed one forked into two."""
    writing = library.folder / "old-cnn.safetensors"
    panel.set_writing("train", writing)
    panel.set_writing("teach", library.folder / "new-gan.safetensors")  # both at once
    panel.select(writing)
    assert "training…" in cell(panel, "old-cnn", "Active")
    for button in (panel.delete_button, panel.rename_button):
        assert not button.defaultAction().isEnabled()
        assert "training run is writing" in button.toolTip()
    answers.confirm, answers.text = True, "forked"
    panel._on_delete_button_clicked()  # as a shortcut would, were the action enabled
    panel._on_rename_button_clicked()
    assert writing.exists() and not (library.folder / "forked.safetensors").exists()
    assert "training…" in cell(panel, "new-gan", "Active")
    panel.select(library.folder / "mid-vae.safetensors")
    assert panel.delete_button.defaultAction().isEnabled()
    panel.set_writing("train", None)
    panel.select(writing)
    assert panel.delete_button.defaultAction().isEnabled()
    assert "training" not in cell(panel, "old-cnn", "Active")
