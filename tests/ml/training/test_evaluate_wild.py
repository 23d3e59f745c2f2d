"""The recognizer on the wild test sets (digits, numbers), and `studio evaluate` reporting
them per condition."""

from __future__ import annotations

import json

import pytest
import torch

from studio import cli
from studio.ml.data.wild_digits import CONDITIONS
from studio.ml.models.default_models import load_model
from studio.ml.training import evaluate

KEYS = {"accuracy", "n", "unsure_among_wrong", "unsure_among_right"}
NUMBER_KEYS = {"exact", "count", "unsure_wrong", "unsure_right"}


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


def test_evaluate_wild_numbers_gives_shares_for_every_condition(cnn):
    threads = torch.get_num_threads()
    report = evaluate.evaluate_wild_numbers(cnn, per_condition=6)
    assert torch.get_num_threads() == threads and not cnn.training
    assert tuple(report) == CONDITIONS
    for row in report.values():
        assert set(row) == NUMBER_KEYS
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in row.values())
        assert row["count"] >= row["exact"] - 1e-9  # an exact reading has the right count
    assert report["clean"]["exact"] >= 0.5  # clean numbers are mostly read


def test_a_number_read_wrong_or_not_at_all_counts_as_wrong(cnn, monkeypatch):
    """exact, count and the unsure shares follow from the readings, None included."""

    class Reading:  # what evaluate uses of a NumberReading
        def __init__(self, number, unsure):
            self.number, self.unsure = number, unsure
            self.digits = [] if number is None else list(number)

    def fake_set(per_condition, seed):
        return {c: ([None] * 4, ["12", "345", "67", "89"]) for c in CONDITIONS}

    answers = iter([Reading("12", False), Reading("346", True), Reading(None, False),
                    Reading("8", True)] * len(CONDITIONS))
    monkeypatch.setattr(evaluate, "wild_number_set", fake_set)
    monkeypatch.setattr(evaluate, "read_number", lambda *args, **kwargs: next(answers))
    report = evaluate.evaluate_wild_numbers(cnn, per_condition=4)
    assert report["clean"] == {"exact": 0.25, "count": 0.5, "unsure_wrong": 2 / 3,
                               "unsure_right": 0.0}


@pytest.fixture
def quick_models(monkeypatch):
    """The model figures stubbed out: these tests are about the wild part of the report."""
    fixed = {"classifier": {"accuracy": 0.99}, "vae": {"neg_elbo": 80.0, "class_fidelity": 0.95},
             "gan": {"class_fidelity": 0.97, "fid": 3.0, "fid_floor": 1.0}}
    monkeypatch.setattr(evaluate, "evaluate_models", lambda *args, **kwargs: dict(fixed))


def test_evaluate_json_adds_the_wild_set(quick_models, capsys):
    assert cli.main(["evaluate", "--json", "--wild", "5", "--wild-numbers", "2",
                     "--strokes", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["classifier"]["accuracy"] == 0.99
    assert tuple(report["wild"]) == CONDITIONS
    assert all(set(row) == KEYS and row["n"] == 5 for row in report["wild"].values())
    assert tuple(report["wild_numbers"]) == CONDITIONS
    assert all(set(row) == NUMBER_KEYS for row in report["wild_numbers"].values())


def test_wild_numbers_has_its_own_count_and_0_skips_it(quick_models, monkeypatch, capsys):
    asked = []
    monkeypatch.setattr(evaluate, "evaluate_wild_numbers",
                        lambda cnn, per_condition, likeness: asked.append(per_condition) or {})
    monkeypatch.setattr(evaluate, "evaluate_wild", lambda *args, **kwargs: {})
    for argv, expected in [(["--wild", "0", "--wild-numbers", "3"], [3]),
                           (["--wild", "4", "--wild-numbers", "0"], []),
                           (["--wild", "0"], []), (["--wild", "5"], [5]), ([], [200])]:
        asked.clear()
        assert cli.main(["evaluate", "--json", "--strokes", "0", *argv]) == 0
        report = json.loads(capsys.readouterr().out)
        assert asked == expected and ("wild_numbers" in report) == bool(expected), argv


def test_evaluate_prints_a_table_per_condition_and_wild_0_skips_it(quick_models, capsys):
    assert cli.main(["evaluate", "--wild", "5", "--wild-numbers", "2", "--strokes", "0"]) == 0
    out = capsys.readouterr().out
    assert "unsure among wrong" in out and "unsure among right" in out
    wild, numbers = out.split("Wild numbers")
    assert "exact" in numbers and "right count" in numbers
    for condition in CONDITIONS:
        assert any(line.startswith(condition) and line.count("%") == 3
                   for line in wild.splitlines()), condition
        assert any(line.startswith(condition) and line.count("%") == 4
                   for line in numbers.splitlines()), condition
    assert cli.main(["evaluate", "--json", "--wild", "0", "--strokes", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "wild" not in report and "wild_numbers" not in report


def test_a_negative_wild_count_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["evaluate", "--wild", "-1"])
    assert exit_.value.code == 2
