"""MP4 and WebM with their sound, read back with PyAV: streams, frames, durations,
metadata, quality, and all-or-nothing writing."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from studio.export.provenance import ExportError
from studio.export.video import Cancelled, crf, read_metadata, save_video, video_shape


def moving_bar(count: int, side: int = 28) -> np.ndarray:
    frames = np.zeros((count, side, side), np.float32)  # [F, H, W]
    for k in range(count):
        frames[k, :, k % side] = 1.0
    return frames


def tone(seconds: float, rate: int = 44100) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # [N]


def probe(path: Path) -> dict:
    """Stream kinds, decoded frame count, and picture and sound durations in seconds."""
    with av.open(str(path)) as c:
        kinds = {s.type: s.codec_context.name for s in c.streams}
        frames, end = 0, 0.0
        for frame in c.decode(video=0):
            frames += 1
            end = frame.time
        fps = float(c.streams.video[0].average_rate or c.streams.video[0].guessed_rate)
        sound = None
        if c.streams.audio:
            c.seek(0)
            samples, rate = 0, c.streams.audio[0].rate
            for frame in c.decode(audio=0):
                samples += frame.samples
            sound = samples / rate
    return {"kinds": kinds, "frames": frames, "picture": end + 1 / fps, "sound": sound}


@pytest.mark.parametrize("suffix, video, audio", [(".mp4", "h264", "aac"),
                                                  (".webm", "vp9", "opus")])
def test_video_with_sound_reads_back_in_step(tmp_path, suffix, video, audio):
    fps, count = 24.0, 36
    path = save_video(tmp_path / f"walk{suffix}", moving_bar(count), fps, 64,
                      sound=tone(count / fps), metadata={"title": "Walk", "comment": "{}"})
    got = probe(path)
    assert got["kinds"] == {"video": video, "audio": audio}
    assert got["frames"] == count
    assert got["picture"] == pytest.approx(count / fps, abs=1e-3)
    assert abs(got["sound"] - got["picture"]) <= 1 / fps  # within one frame
    assert read_metadata(path)["title"] == "Walk" and read_metadata(path)["comment"] == "{}"
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left


def test_sound_at_48k_into_mp4_and_44k_into_webm_keeps_its_length(tmp_path):
    for suffix, rate in ((".mp4", 48000), (".webm", 44100)):
        path = save_video(tmp_path / f"x{suffix}", moving_bar(10), 10.0, 32,
                          sound=tone(1.5, rate), rate=rate)  # longer than 1 s: cut
        got = probe(path)
        assert abs(got["sound"] - 1.0) <= 0.1, suffix


def test_without_sound_a_video_has_one_stream_and_frames_from_a_function(tmp_path):
    asked = []
    path = save_video(tmp_path / "a.mp4", lambda n: asked.append(n) or moving_bar(n), 12.5,
                      48, count=25)
    got = probe(path)
    assert asked == [25] and got["kinds"] == {"video": "h264"} and got["frames"] == 25
    assert got["picture"] == pytest.approx(2.0, abs=1e-3)
    resampled = save_video(tmp_path / "b.webm", moving_bar(4), 10.0, 48, count=7)
    assert probe(resampled)["frames"] == 7


def test_odd_sizes_become_even_and_quality_sets_the_crf(tmp_path):
    assert video_shape((28, 28), 33) == (34, 34)
    assert video_shape((10, 30), 100) == (100, 34)
    assert crf("libx264", 0) == 40 and crf("libx264", 100) == 12 and crf("libx264", 75) == 19
    assert crf("libvpx-vp9", 0) == 50 and crf("libvpx-vp9", 100) == 10
    small = save_video(tmp_path / "low.mp4", moving_bar(24), 24.0, 96, quality=0)
    big = save_video(tmp_path / "high.mp4", moving_bar(24), 24.0, 96, quality=100)
    assert small.stat().st_size < big.stat().st_size
    with av.open(str(small)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (96, 96)


def test_a_cancel_leaves_nothing_and_a_failure_leaves_the_old_file(tmp_path):
    done = []
    path = tmp_path / "walk.mp4"
    with pytest.raises(Cancelled, match="cancelled"):
        save_video(path, moving_bar(20), 10.0, 32, progress=lambda k, n: done.append((k, n)),
                   cancelled=lambda: len(done) >= 5)
    assert done[-1] == (5, 20) and not list(tmp_path.iterdir())
    path.write_bytes(b"the artist's older video")
    bad = moving_bar(20)
    bad[7, 0, 0] = np.nan  # frame 7 cannot be painted
    with pytest.raises(ExportError, match="frame 7"):
        save_video(path, bad, 10.0, 32, sound=tone(2.0))
    assert path.read_bytes() == b"the artist's older video"
    assert [p.name for p in tmp_path.iterdir()] == ["walk.mp4"]


@pytest.mark.parametrize("kwargs, message", [
    ({"path": "x.avi"}, "choose a .mp4 or .webm"),
    ({"fps": 0}, "frame rate"),
    ({"quality": 101}, "quality"),
    ({"background": None}, "no transparency"),
    ({"sound": np.full(10, np.nan, np.float32)}, "finite mono"),
    ({"rate": 100}, "sound rate"),
    ({"frames": np.zeros((2, 3))}, "expected frames"),
])
def test_bad_input_is_one_clear_error(tmp_path, kwargs, message):
    args = {"path": "x.mp4", "frames": moving_bar(3), "fps": 10.0, "sound": tone(0.3)}
    args.update(kwargs)
    args["path"] = tmp_path / args["path"]
    with pytest.raises(ExportError, match=message):
        save_video(args.pop("path"), args.pop("frames"), args.pop("fps"), 32, **args)
    assert not list(tmp_path.iterdir())
