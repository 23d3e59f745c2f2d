"""Hostile points from files, as the user meets them in the window.

A PNG whose provenance holds 1e308 latent values opens as a plain picture with a
warning (no black image, no traceback), a favorite kept afterwards is finite, and a
favorites file with a bad entry keeps the good favorites and says so on screen.
"""

from __future__ import annotations

import json

import msgspec
import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image, PngImagePlugin

from studio.core.latent_points import LatentPoint, load_points, save_points
from studio.export import Provenance

WAIT_MS = 20_000


def test_a_png_with_huge_latent_values_opens_as_a_plain_picture(qtbot, tmp_path, gan,
                                                                open_studio):
    window = open_studio(tmp_path / "data", [gan], size=(1280, 860))
    prov = Provenance("Default GAN", "gan", gan.sha256, 7, None, (1e308,) * gan.latent_dim)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("latent-studio", msgspec.json.encode(prov).decode())  # unchecked, hostile
    digit = np.zeros((64, 64), np.uint8)
    digit[16:48, 28:36] = 255
    Image.fromarray(digit).save(tmp_path / "hostile.png", pnginfo=info)
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(tmp_path / "hostile.png")
    messages = [n.message for n in window.notifier.notices if "hostile.png" in n.message]
    assert any("opened as a plain image" in m for m in messages), messages
    assert not any(m.startswith("Restored") for m in messages)
    window.show_explorer()
    window.explorer.workspace.favorite_action.trigger()
    text = (tmp_path / "data" / "favorites.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    points, problem = load_points(tmp_path / "data" / "favorites.json")
    assert problem is None and len(points) == 1
    window.close()


def test_bad_favorites_are_shown_and_the_good_ones_kept(qtbot, tmp_path, open_studio):
    data = tmp_path / "data"
    data.mkdir()
    good = [LatentPoint("ab" * 32, "Default GAN", "gan", d, (0.5, -1.0), bytes(784).hex())
            for d in (1, 2)]
    save_points(good, data / "favorites.json")
    raw = json.loads((data / "favorites.json").read_text())
    raw["points"].append(dict(raw["points"][0], coords=[float("nan"), 0.0]))
    (data / "favorites.json").write_text(json.dumps(raw))
    window = open_studio(data)
    assert [p.digit for p in window.explorer.shelf.points()] == [1, 2]
    status = window.statusBar().currentMessage()
    assert "favorites.json" in status and "discarded" in status, status
    shown = [window.messages.item(i).text() for i in range(window.messages.count())]
    assert any("discarded" in line for line in shown)
    assert load_points(data / "favorites.json") == (good, None), "kept for the next start"
    window.close()
