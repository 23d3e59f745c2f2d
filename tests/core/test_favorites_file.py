"""favorites.json never holds NaN, and one bad entry never costs the good favorites.

A point restored from a hand-edited PNG once carried NaN; pressing F wrote it, and the
next start set the whole file aside: every favorite gone. Now writing refuses
non-finite numbers, and reading keeps the good entries (the original file is kept as
`.bad`, the good ones are written back so the next start finds them).
"""

from __future__ import annotations

import json

import pytest

from studio.core.latent_points import FORMAT, LatentPoint, load_points, save_points


def point(digit: int = 3, coords: tuple[float, ...] = (0.5, -1.0)) -> LatentPoint:
    return LatentPoint("ab" * 32, "Default GAN", "gan", digit, coords, bytes(784).hex(),
                       "2026-01-01")


def test_writing_refuses_nan_and_infinity(tmp_path):
    path = tmp_path / "favorites.json"
    save_points([point()], path)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            save_points([point(), point(coords=(bad, 0.0))], path)
    assert load_points(path) == ([point()], None), "the file on disk is untouched"
    assert "NaN" not in path.read_text()


def test_bad_entries_are_set_aside_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "favorites.json"
    save_points([point(1), point(2), point(4)], path)
    raw = json.loads(path.read_text())
    raw["points"][1]["coords"] = [float("nan"), 0.0]
    raw["points"].insert(0, "junk")
    path.write_text(json.dumps(raw))
    points, message = load_points(path)
    assert [p.digit for p in points] == [1, 4]
    assert str(path) in message and "2 favorites" in message and "kept the other 2" in message
    assert (tmp_path / "favorites.json.bad").exists(), "the bad entries are not lost"
    assert load_points(path) == (points, None), "the next start finds the good ones"


def test_a_file_that_is_not_a_favorites_file_is_still_set_aside_whole(tmp_path):
    path = tmp_path / "favorites.json"
    path.write_text(json.dumps({"format": "other", "points": []}))
    points, message = load_points(path)
    assert points == [] and "format" in message and FORMAT in message
    assert (tmp_path / "favorites.json.bad").exists() and not path.exists()
