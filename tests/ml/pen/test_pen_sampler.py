"""Drawing with the stroke models: seeds, prefixes, temperature, numbers, the defaults."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.ml.errors import StudioError
from studio.ml.models.default_models import load_model
from studio.ml.models.model_kinds import KINDS, STROKE_KINDS
from studio.ml.pen.pen_sampler import (
    DigitStringError,
    sample_digits,
    sample_strokes,
    write_number,
)
from studio.ml.training.evaluate_strokes import read_drawings

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module", params=STROKE_KINDS)
def shipped(request):
    """The shipped default of each stroke kind."""
    return load_model(request.param).model


def untrained(kind: str):
    torch.manual_seed(0)
    spec = KINDS[kind]
    return spec.model_cls(spec.config_cls(max_points=24)).eval()


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_a_drawing_is_polylines_in_field_pixels(shipped):
    strokes = sample_strokes(shipped, 4, seed=3)
    assert strokes and all(s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 2
                           for s in strokes)
    points = np.concatenate(strokes)
    assert np.all(np.isfinite(points)) and np.abs(points - 14).max() < 40


def test_the_same_seed_draws_the_same_and_others_differ(shipped):
    first = sample_strokes(shipped, 7, seed=11)
    assert same(first, sample_strokes(shipped, 7, seed=11))
    torch.manual_seed(99)  # the global generator plays no part
    assert same(first, sample_strokes(shipped, 7, seed=11))
    others = [sample_strokes(shipped, 7, seed=s) for s in (12, 13, 14)]
    assert not all(same(first, o) for o in others)


def test_a_prefix_is_kept_exactly_and_continued(shipped):
    prefix = [np.array([[8.0, 6.0], [14.0, 5.5], [19.0, 7.0]], np.float32),
              np.array([[19.0, 7.0], [17.0, 12.0]], np.float32)]
    for continue_last in (True, False):
        strokes = sample_strokes(shipped, 7, seed=5, prefix=prefix, continue_last=continue_last)
        assert same(strokes[:2], prefix)
        assert len(strokes) > 2, "something new was drawn"
        if continue_last:  # the pen carried on from where the artist stopped
            assert np.array_equal(strokes[2][0], prefix[-1][-1])


def test_a_prefix_too_long_for_the_model_is_refused():
    model = untrained("strokes-transformer")
    with pytest.raises(StudioError, match="at most 24"):
        sample_strokes(model, 1, prefix=[np.zeros((30, 2), np.float32) + 10])


@pytest.mark.parametrize("kind", STROKE_KINDS)
def test_temperature_near_zero_draws_with_little_variance(kind):
    model = load_model(kind).model

    def spread(t: float) -> float:
        firsts = np.stack([sample_strokes(model, 3, temperature=t, seed=s)[0][0]
                           for s in range(12)])
        return float(firsts.std(0).mean())

    assert spread(0.01) < 0.3 < spread(1.0)


def test_bad_temperature_and_digit_are_refused():
    model = untrained("strokes-lstm")
    with pytest.raises(StudioError, match="temperature"):
        sample_strokes(model, 1, temperature=0.0)
    with pytest.raises(StudioError, match="digit 12"):
        sample_strokes(model, 12)


def test_write_number_refuses_letters_naming_them():
    model = untrained("strokes-lstm")
    with pytest.raises(ValueError, match="not digits: 'a'$"):
        write_number(model, "20a6")
    with pytest.raises(DigitStringError, match="' ', '-', 'x'"):
        write_number(model, "x-1 2")


def test_write_number_is_one_drawing_per_digit_in_one_hand(shipped):
    drawings = write_number(shipped, "2026", style_seed=4, temperature=0.5)
    assert len(drawings) == 4
    assert same(drawings[0], drawings[2]), "the same hand writes the same digit the same way"
    assert all(same(a, b) for a, b in zip(drawings, write_number(
        shipped, "2026", style_seed=4, temperature=0.5), strict=True))
    read = read_drawings(load_model("cnn").model, drawings)
    assert (read == [2, 0, 2, 6]).sum() >= 3


def test_shipped_defaults_draw_digits_the_recognizer_reads(shipped):
    drawings = sample_digits(shipped, list(range(10)), seed=0)
    read = read_drawings(load_model("cnn").model, drawings)
    assert (read == np.arange(10)).sum() >= 7, read
