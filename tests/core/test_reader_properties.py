"""Property tests: whatever JSON the settings and favorites files hold, the readers give
a valid object or their own message, never another exception, and never NaN.
"""

from __future__ import annotations

import json
import math

import pytest
from msgspec.structs import asdict

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reader_strategies import ANY_JSON, trying  # noqa: E402

from studio.core.latent_points import LatentPoint, load_points, save_points  # noqa: E402
from studio.core.settings import Settings, load_settings  # noqa: E402

FIELD = st.sampled_from(list(Settings.__struct_fields__))
SETTINGS = trying(150)


def settings_are_valid(s: Settings) -> None:
    assert isinstance(s, Settings)
    assert math.isfinite(s.brush_size) and 4.0 <= s.brush_size <= 120.0
    json.dumps(asdict(s), allow_nan=False)  # saving it again works


@SETTINGS
@given(raw=ANY_JSON)
def test_settings_from_any_json(tmp_path, raw):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(raw))
    loaded, problem = load_settings(path)
    settings_are_valid(loaded)
    assert problem is None or str(path) in problem


@SETTINGS
@given(name=FIELD, value=ANY_JSON)
def test_settings_with_one_field_mutated(tmp_path, name, value):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(dict(asdict(Settings()), **{name: value})))
    loaded, problem = load_settings(path)
    settings_are_valid(loaded)
    assert problem is None or (str(path) in problem and f"'{name}" in problem)


POINT = LatentPoint("ab" * 32, "Default GAN", "gan", 3, (0.5, -1.0), bytes(784).hex())
POINT_FIELDS = st.sampled_from(["generator", "generator_name", "kind", "digit", "coords",
                                "thumbnail", "created"])


def points_are_valid(points: list[LatentPoint]) -> None:
    for p in points:
        assert all(math.isfinite(v) and abs(v) <= 1e3 for v in p.coords)
        assert len(p.thumbnail) == 784


@SETTINGS
@given(raw=ANY_JSON)
def test_favorites_from_any_json(tmp_path, raw):
    path = tmp_path / "favorites.json"
    path.write_text(json.dumps(raw))
    points, problem = load_points(path)
    points_are_valid(points)
    assert problem is None or str(path) in problem


@SETTINGS
@given(name=POINT_FIELDS, value=ANY_JSON)
def test_favorites_with_one_field_of_one_point_mutated(tmp_path, name, value):
    path = tmp_path / "favorites.json"
    (tmp_path / "favorites.json.bad").unlink(missing_ok=True)
    save_points([POINT, POINT], path)
    raw = json.loads(path.read_text())
    raw["points"][1][name] = value
    path.write_text(json.dumps(raw))
    points, problem = load_points(path)
    points_are_valid(points)
    assert POINT in points, "the untouched favorite is always kept"
    assert problem is None or str(path) in problem
