"""Settings load and save as JSON; a bad file never stops the studio from starting."""

from __future__ import annotations

import json

import pytest

from studio.core.settings import Settings, load_settings, save_settings


def test_round_trip(tmp_path):
    s = Settings(brush_size=20.0, show_saliency=True, last_open_dir="/tmp")
    s.remember_classifier("/a.safetensors")
    s.remember_classifier("/b.safetensors")
    s.remember_classifier("/a.safetensors")
    save_settings(s, tmp_path / "sub" / "settings.json")
    loaded, problem = load_settings(tmp_path / "sub" / "settings.json")
    assert problem is None
    assert loaded == s
    assert loaded.recent_classifiers == ["/a.safetensors", "/b.safetensors"]


def test_missing_file_gives_defaults_quietly(tmp_path):
    assert load_settings(tmp_path / "none.json") == (Settings(), None)


@pytest.mark.parametrize("text, why", [
    ("{not json", "not readable JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"brush_size": "big"}', "'brush_size': expected `float`"),
    ('{"recent_classifiers": [1]}', "'recent_classifiers[0]': expected `str`"),
    (b"\xff\xfe\x00bad", "not readable JSON"),
])
def test_a_bad_file_is_set_aside_with_a_message(tmp_path, text, why):
    path = tmp_path / "settings.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    settings, problem = load_settings(path)
    assert settings == Settings()
    assert str(path) in problem and why in problem
    assert (tmp_path / "settings.json.bad").exists(), "the user's file is kept, not deleted"
    assert not path.exists()


def test_unknown_keys_are_ignored_and_ints_accepted(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"brush_size": 12, "future_option": 1}))
    settings, problem = load_settings(path)
    assert problem is None and settings.brush_size == 12.0
