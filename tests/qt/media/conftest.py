"""The media tests' window: the studio with the bundled GAN, the Explore tab shown."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(qtbot, tmp_path, gan, open_studio):
    """Exports need a generated digit: wait until the explorer has made one. Test files
    that want a plain canvas window define their own `window`."""
    w = open_studio(tmp_path / "data", [gan], size=(1280, 860))
    w.show_explorer()
    qtbot.waitUntil(lambda: w.media._generated is not None, timeout=30_000)
    yield w
    w.close()
