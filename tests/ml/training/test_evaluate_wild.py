"""The recognizer on the wild test set, and `studio evaluate` reporting it per condition."""

from __future__ import annotations

import json

import pytest
import torch

from studio import cli
from studio.ml.data.wild_digits import CONDITIONS
from studio.ml.models.default_models import load_model
from studio.ml.training import evaluate

KEYS = {"accuracy", "n", "unsure_among_wrong", "unsure_among_right"}


@pytest.fixture(scope="module")
def cnn():
    return load_model("cnn").model


def test_evaluate_wild_gives_shares_for_every_condition(cnn):
    threads = torch.get_num_threads()
    report = evaluate.evaluate_wild(cnn, per_condition=10)
    assert torch.get_num_threads() == threads  # put back after its single-threaded run
    assert tuple(report) == CONDITIONS
    for row in report.values():
        assert set(row) == KEYS and row["n"] == 10
        for key in KEYS - {"n"}:
            assert 0.0 <= row[key] <= 1.0
    assert report["clean"]["accuracy"] >= 0.8  # clean pictures are what the CNN reads well
    assert not cnn.training
    assert evaluate.evaluate_wild(cnn, per_condition=10) == report  # seeded: the same again


@pytest.fixture
def quick_models(monkeypatch):
    """The model figures stubbed out: these tests are about the wild part of the report."""
    fixed = {"classifier": {"accuracy": 0.99}, "vae": {"neg_elbo": 80.0, "class_fidelity": 0.95},
             "gan": {"class_fidelity": 0.97, "fid": 3.0, "fid_floor": 1.0}}
    monkeypatch.setattr(evaluate, "evaluate_models", lambda *args, **kwargs: dict(fixed))


def test_evaluate_json_adds_the_wild_set(quick_models, capsys):
    assert cli.main(["evaluate", "--json", "--wild", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["classifier"]["accuracy"] == 0.99
    assert tuple(report["wild"]) == CONDITIONS
    assert all(set(row) == KEYS and row["n"] == 5 for row in report["wild"].values())


def test_evaluate_prints_a_table_per_condition_and_wild_0_skips_it(quick_models, capsys):
    assert cli.main(["evaluate", "--wild", "5"]) == 0
    out = capsys.readouterr().out
    assert "unsure among wrong" in out and "unsure among right" in out
    for condition in CONDITIONS:
        assert any(line.startswith(condition) and line.count("%") == 3
                   for line in out.splitlines()), condition
    assert cli.main(["evaluate", "--json", "--wild", "0"]) == 0
    assert "wild" not in json.loads(capsys.readouterr().out)


def test_a_negative_wild_count_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["evaluate", "--wild", "-1"])
    assert exit_.value.code == 2
