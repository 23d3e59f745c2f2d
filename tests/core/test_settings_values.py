"""Every settings value is checked where it is parsed: a bad field never stops start-up.

Python's json reads NaN and Infinity, and anyone can edit settings.json, so each field
is checked for type, finiteness and range; a bad one falls back to its default alone.
"""

from __future__ import annotations

import json
import math

import pytest
from msgspec.structs import asdict

from studio.core.settings import Settings, load_settings

GOOD = {"brush_size": 20.0, "show_saliency": True, "last_open_dir": "/tmp",
        "recent_classifiers": ["/a.safetensors"], "active_classifier": "/a.safetensors",
        "recent_generators": ["/g.safetensors"], "active_generator": "vae",
        "recent_projects": ["/work/a.lstudio"],
        "window_geometry": "01d9d0cb", "window_state": "000000ff"}

BAD = {"brush_size": [float("nan"), float("inf"), -float("inf"), 0.0, -5.0, 1e308, True],
       "show_saliency": [1, "yes", None],
       "last_open_dir": [3, "a\x00b", "x" * 70_000],
       "recent_classifiers": ["/a", [1], [None], ["\x00"]],
       "active_classifier": [[], 1.5],
       "recent_generators": [{"a": 1}, [2.0]],
       "active_generator": [None, False],
       "recent_projects": ["/a.lstudio", [3], ["x"] * 9],
       "window_geometry": ["not hex", "abc", 12],
       "window_state": ["zz", [1]]}


def test_every_field_is_covered():
    assert set(GOOD) == set(BAD) == set(Settings.__struct_fields__)


@pytest.mark.parametrize("name, value", [(n, v) for n, vs in BAD.items() for v in vs])
def test_a_bad_field_falls_back_alone_and_is_named(tmp_path, name, value):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(dict(GOOD, **{name: value})))  # NaN written as NaN
    settings, problem = load_settings(path)
    assert getattr(settings, name) == getattr(Settings(), name)
    assert {k: v for k, v in asdict(settings).items() if k != name} == \
        {k: v for k, v in GOOD.items() if k != name}, "the good fields are kept"
    assert str(path) in problem and f"'{name}" in problem  # 'name' or 'name[i]'
    assert (tmp_path / "settings.json.bad").exists(), "the user's file is kept"
    assert math.isfinite(settings.brush_size)


def test_good_values_load_quietly(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(GOOD))
    assert load_settings(path) == (Settings(**GOOD), None)

