"""A provenance record's latent values must be finite and sane: 1e308 is not a point.

A hand-edited PNG held 32 values of 1e308 with the bundled GAN's sha256: the studio
said "Restored the point" and then drew black from infinities. The reader refuses it,
naming the file, so the image opens as a plain picture like any damaged record.
"""

from __future__ import annotations

import msgspec
import pytest
from PIL import Image, PngImagePlugin

from studio.export import ExportError, Provenance, read_provenance
from studio.export.provenance import MAX_ABS_VALUE

SHA = "ab" * 32


def png_with(tmp_path, latent, coords=None):
    prov = Provenance("Default GAN", "gan", SHA, 7, 1, tuple(latent),
                      coords=None if coords is None else tuple(coords))
    info = PngImagePlugin.PngInfo()
    # msgspec's own encoder, unchecked: what a hostile editor can write (to_json refuses)
    info.add_itxt("latent-studio", msgspec.json.encode(prov).decode())
    path = tmp_path / "huge.png"
    Image.new("L", (4, 4)).save(path, pnginfo=info)
    return path, prov


@pytest.mark.parametrize("latent, coords", [
    ([1e308] * 32, None),
    ([0.0] * 31 + [-1e4], None),
    ([0.0] * 32, [1e308, 0.0]),
])
def test_huge_latent_values_are_refused_naming_the_file(tmp_path, latent, coords):
    path, _ = png_with(tmp_path, latent, coords)
    with pytest.raises(ExportError, match=r"'(latent|coords)\[\d+\]': expected `float`") as caught:
        read_provenance(path)
    assert "huge.png" in str(caught.value)


def test_values_at_the_bound_are_accepted(tmp_path):
    path, prov = png_with(tmp_path, [MAX_ABS_VALUE, -MAX_ABS_VALUE, 0.5], [3.0, -3.0])
    assert read_provenance(path) == prov


def test_the_writer_refuses_what_the_reader_would():
    with pytest.raises(ValueError, match="'latent\\[0\\]'.*got nan"):
        Provenance("Default GAN", "gan", SHA, 7, 1, (float("nan"), 0.0)).to_json()
