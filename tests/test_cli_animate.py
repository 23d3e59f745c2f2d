"""`studio animate walk|morph`: from a PNG `studio generate` wrote, from a video the
studio wrote, and from a project; every bad FROM is one line and exit 1."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from studio.cli import main as cli
from studio.export.provenance_places import read_provenance


@pytest.fixture(scope="module")
def pngs(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("generated")
    three, seven = folder / "three.png", folder / "seven.png"
    assert cli(["generate", "gan", "--digit", "3", "-n", "1", "-o", str(three)]) == 0
    assert cli(["generate", "gan", "--digit", "7", "-n", "1", "--seed", "5",
                "-o", str(seven)]) == 0
    return three, seven


def project(path: Path, keyframes: int) -> Path:
    from studio.core.latent_points import LatentPoint
    from studio.core.project.project_file import Project, write_project
    from studio.core.project.project_manifest import ExplorerRecord, GeneratorRef, ProjectManifest
    from studio.ml.models.checkpoints import read_info
    from studio.ml.models.default_models import default_model_path

    sha = read_info(default_model_path("gan")).sha256
    rng = np.random.default_rng(0)
    points = [LatentPoint(generator=sha, generator_name="Default GAN", kind="gan", digit=d,
                          coords=tuple(rng.normal(size=32).tolist()), thumbnail_hex="00" * 784)
              for d in range(keyframes)]
    explorer = ExplorerRecord(generator=GeneratorRef(kind="gan", name="Default GAN", sha256=sha,
                                                     bundled="gan"),
                              digit=4, coords=tuple([0.5] * 32), keyframes=points,
                              seconds_per_segment=0.5)
    return write_project(path, Project(ProjectManifest(explorer=explorer)))


def video(path: Path) -> tuple[dict[str, str], int, float, float]:
    with av.open(str(path)) as c:
        kinds = {s.type: s.codec_context.name for s in c.streams}
        frames = sum(1 for _ in c.decode(video=0))
        c.seek(0)
        samples = sum(f.samples for f in c.decode(audio=0)) if c.streams.audio else 0
        rate = c.streams.audio[0].rate if c.streams.audio else 1
    return kinds, frames, frames / 10.0, samples / rate


def test_a_walk_from_a_generated_png_as_mp4_with_sound(pngs, tmp_path, capsys):
    out = tmp_path / "walk.mp4"
    assert cli(["animate", "walk", str(pngs[0]), "-o", str(out), "--sound", "--seconds", "1.5",
                "--fps", "10", "--size", "64", "--quality", "50"]) == 0
    kinds, frames, picture, sound = video(out)
    assert kinds == {"video": "h264", "audio": "aac"} and frames == 15
    assert abs(sound - picture) <= 0.1
    record = read_provenance(out)  # the walk remembers where it came from
    assert record.digit == 3 and record.animation.kind == "walk"
    assert "wrote" in capsys.readouterr().out


def test_a_morph_of_two_pngs_and_again_from_its_own_webm(pngs, tmp_path):
    out = tmp_path / "morph.webm"
    assert cli(["animate", "morph", str(pngs[0]), str(pngs[1]), "-o", str(out), "--sound",
                "--seconds", "1", "--fps", "10", "--size", "48"]) == 0
    kinds, frames, picture, sound = video(out)
    assert kinds == {"video": "vp9", "audio": "opus"} and frames == 10
    assert abs(sound - picture) <= 0.1
    again = tmp_path / "again.gif"  # the video's record holds both keyframes
    assert cli(["animate", "morph", str(out), "-o", str(again), "--sound", "--seconds", "1",
                "--fps", "10", "--size", "32"]) == 0
    with Image.open(again) as gif:
        assert gif.n_frames == 10
    assert again.with_suffix(".wav").exists()


def test_a_project_walks_from_its_point_and_morphs_through_its_keyframes(tmp_path):
    work = project(tmp_path / "work.lstudio", keyframes=3)
    out = tmp_path / "walk.apng"
    assert cli(["animate", "walk", str(work), "-o", str(out), "--seconds", "0.5", "--fps", "8",
                "--size", "32"]) == 0
    with Image.open(out) as apng:
        assert apng.format == "PNG" and apng.n_frames == 4
    morph = tmp_path / "morph.webp"
    assert cli(["animate", "morph", str(work), "-o", str(morph), "--fps", "10",
                "--size", "32"]) == 0
    with Image.open(morph) as webp:
        assert webp.n_frames == 10  # two segments of the project's 0.5 s
    assert [k.digit for k in read_provenance(morph).animation.keyframes] == [0, 1, 2]


def test_bad_input_is_one_line_and_exit_1(pngs, tmp_path, capsys):
    from studio.export.images import save_png
    from studio.export.provenance import Provenance

    plain = tmp_path / "plain.png"
    Image.new("L", (28, 28)).save(plain)
    damaged = tmp_path / "damaged.lstudio"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    stranger = tmp_path / "stranger.png"
    save_png(stranger, Image.new("L", (28, 28)), Provenance(
        model_name="My GAN", model_kind="gan", weights_sha256="ab" * 32, digit=1, seed=0,
        latent=(0.0,) * 32))
    empty = project(tmp_path / "empty.lstudio", keyframes=0)
    cases = [
        (["walk", str(plain)], "plain.png: has no Latent Studio provenance"),
        (["walk", str(damaged)], "damaged.lstudio"),
        (["walk", str(stranger)], "My GAN (GAN, weights abababababab…), which is not here"),
        (["morph", str(pngs[0])], "a morph needs two points or more"),
        (["morph", str(empty)], "a morph needs two points or more"),
        (["walk", str(pngs[0]), "-o", str(tmp_path / "x.avi")], "choose an .mp4, .webm"),
        (["walk", str(tmp_path / "missing.png")], "missing.png"),
    ]
    for args, needle in cases:
        if "-o" not in args:
            args = [*args, "-o", str(tmp_path / "out.mp4")]
        assert cli(["animate", *args]) == 1, args
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1, (args, err)
    assert not (tmp_path / "out.mp4").exists()
    with pytest.raises(SystemExit) as usage:  # no FROM: a usage error, exit 2
        cli(["animate", "walk", "-o", str(tmp_path / "o.mp4")])
    assert usage.value.code == 2
