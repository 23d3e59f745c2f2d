"""The provenance record in each format's own place, written and read back headless:
APNG, WebP, GIF, SVG and a tiny MP4 and WebM made with PyAV directly (the tags
`video_metadata` gives are what export/video's `metadata` writes); old records still
read, other programs' comments are not ours, and hostile records or XML are refused
with the file's name."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from studio.export import save_animation, save_svg, trace_svg
from studio.export.provenance import Animation, ExportError, Keyframe, Provenance
from studio.export.provenance_places import read_provenance, video_metadata
from studio.export.provenance_xml import NS, HostileXMLError

SHA = "ab" * 32
MORPH = Provenance("Default GAN", "gan", SHA, 3, None, (0.5,) * 8, coords=(0.25,) * 8,
                   animation=Animation("morph", (Keyframe(3, (0.5,) * 8, (0.25,) * 8),
                                                 Keyframe(5, (-1.0,) * 8)), 2.0, False))
FRAMES = np.random.default_rng(0).random((3, 28, 28))


@pytest.mark.parametrize("suffix", [".png", ".apng", ".webp", ".gif"])
def test_animations_carry_the_record(tmp_path, suffix):
    path = save_animation(tmp_path / f"a{suffix}", FRAMES, 10, size=32, provenance=MORPH)
    assert read_provenance(path) == MORPH
    plain = save_animation(tmp_path / f"plain{suffix}", FRAMES, 10, size=32)
    assert read_provenance(plain) is None


def test_an_svg_carries_the_record_and_other_svgs_have_none(tmp_path):
    path = save_svg(tmp_path / "a.svg", trace_svg(FRAMES[0], 64, provenance=MORPH))
    assert read_provenance(path) == MORPH
    assert read_provenance(save_svg(tmp_path / "b.svg", trace_svg(FRAMES[0], 64))) is None
    illustrator = tmp_path / "c.svg"  # a DOCTYPE that declares nothing is fine
    illustrator.write_text('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG '
                           '1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
                           '<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert read_provenance(illustrator) is None


@pytest.mark.parametrize("suffix,codec", [(".mp4", "libx264"), (".webm", "libvpx-vp9")])
def test_a_video_carries_the_record_in_its_tags(tmp_path, suffix, codec):
    av = pytest.importorskip("av")
    path = tmp_path / f"v{suffix}"
    with av.open(str(path), "w") as container:
        container.metadata.update(video_metadata(MORPH))
        stream = container.add_stream(codec, rate=10)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    assert read_provenance(path) == MORPH


def test_a_record_without_animation_still_reads(tmp_path):
    still = Provenance("Default GAN", "gan", SHA, 3, 7, (0.5,) * 8)
    path = save_animation(tmp_path / "still.gif", FRAMES[:1], 10, size=32, provenance=still)
    assert read_provenance(path) == still and read_provenance(path).animation is None


def test_other_programs_comments_are_not_ours(tmp_path):
    picture = Image.fromarray(np.zeros((8, 8), np.uint8))
    picture.save(tmp_path / "gimp.gif", comment=b"Created with GIMP")
    assert read_provenance(tmp_path / "gimp.gif") is None


def test_a_morph_needs_two_keyframes():
    with pytest.raises(ValueError, match="two or more"):
        Animation("morph", (Keyframe(3, (0.5,)),))
    record = ('{"format":"latent-studio-provenance/1","model_name":"G","model_kind":"gan",'
              f'"weights_sha256":"{SHA}","digit":1,"seed":null,"latent":[0.5],'
              '"animation":{"kind":"morph","keyframes":[{"digit":1,"latent":[0.5]}]}}')
    with pytest.raises(ExportError, match="x.gif: provenance.*two or more"):
        Provenance.from_json(record, "x.gif")


def test_hostile_records_are_refused_naming_the_file(tmp_path):
    nan = MORPH.to_json().replace('"digit":3', '"digit":NaN', 1)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "nan.gif",
                                                     comment=nan.encode())
    with pytest.raises(ExportError, match="nan.gif"):
        read_provenance(tmp_path / "nan.gif")
    huge = '{"format":"latent-studio-provenance/1","latent":[' + "1," * 400_000 + "1]}"
    (tmp_path / "huge.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><metadata>'
                                       f'<p:provenance xmlns:p="{NS}">{huge}</p:provenance>'
                                       "</metadata></svg>")
    with pytest.raises(ExportError, match="huge.svg: provenance is longer"):
        read_provenance(tmp_path / "huge.svg")
    (tmp_path / "broken.svg").write_text("<svg><metadata>")
    with pytest.raises(ExportError, match="broken.svg: not well-formed XML"):
        read_provenance(tmp_path / "broken.svg")


def test_entity_bombs_and_external_entities_are_refused_at_once(tmp_path):
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    (tmp_path / "bomb.svg").write_text(f'<!DOCTYPE svg [<!ENTITY l0 "lol">{levels}]>'
                                       '<svg xmlns="http://www.w3.org/2000/svg">&l9;</svg>')
    (tmp_path / "xxe.svg").write_text('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                      '<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>')
    for name in ("bomb.svg", "xxe.svg"):
        started = time.perf_counter()
        with pytest.raises(HostileXMLError, match=name):
            read_provenance(tmp_path / name)
        assert time.perf_counter() - started < 0.5
