"""A settings file with a bad value (NaN brush size) still opens the studio, and says so."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from studio.core.settings import Settings


def test_a_nan_brush_size_does_not_stop_the_studio(tmp_path, open_studio):
    (tmp_path / "settings.json").write_text('{"brush_size": NaN, "show_saliency": true}')
    window = open_studio(tmp_path)
    assert window.canvas.brush_size == Settings().brush_size
    assert window.settings.show_saliency is True, "the good field is kept"
    assert "'brush_size'" in window.statusBar().currentMessage()
    assert (tmp_path / "settings.json.bad").exists()
