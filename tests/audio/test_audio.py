"""Sound: sonification, WAV files, playback without PortAudio or a device, the panel."""

from __future__ import annotations

import logging
import wave

import numpy as np
import pytest

from studio.audio import (
    AudioError,
    Player,
    SonifySettings,
    playback,
    read_wav,
    sonify,
    walk_image,
    write_wav,
)
from studio.audio.sonify import row_frequencies


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def one_row(row: int, size: int = 28) -> np.ndarray:
    image = np.zeros((size, size), np.float32)
    image[row] = 1.0
    return image


# ---- additive synthesis ----------------------------------------------------------------
@pytest.mark.parametrize("row", [0, 9, 27])
def test_a_bright_row_is_a_tone_at_its_frequency(row):
    settings = SonifySettings(duration_s=2.0)
    expected = np.geomspace(7040.0, 55.0, 28)[row]  # top row highest, log-spaced
    assert row_frequencies(28, settings)[row] == pytest.approx(expected)
    assert peak_hz(sonify(one_row(row), settings), 44100) == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize("scale, row, note", [("major", 10, 1174.66),  # D6 in A major
                                               ("pentatonic", 10, 1108.73),  # C#6
                                               ("minor", 1, 5587.65)])  # F8, not F#8, in A minor
def test_a_scale_snaps_the_tone_to_its_nearest_note(scale, row, note):
    settings = SonifySettings(duration_s=2.0, scale=scale)
    free = np.geomspace(7040.0, 55.0, 28)[row]
    assert abs(free - note) > 5, "sanity: the free pitch is off the note"
    assert peak_hz(sonify(one_row(row), settings), 44100) == pytest.approx(note, abs=1.0)


def test_uint8_and_float_images_sound_the_same():
    image = np.random.default_rng(3).integers(0, 256, (28, 28)).astype(np.uint8)
    settings = SonifySettings(duration_s=0.5)
    np.testing.assert_allclose(sonify(image, settings), sonify(image / 255.0, settings),
                               atol=1e-5)


@pytest.mark.parametrize("mode", ["additive", "griffinlim"])
def test_a_black_image_is_silence(mode):
    out = sonify(np.zeros((28, 28)), SonifySettings(mode=mode, duration_s=1.0))
    assert out.shape == (44100,) and out.dtype == np.float32 and not out.any()


@pytest.mark.parametrize("mode", ["additive", "griffinlim"])
@pytest.mark.parametrize("duration, rate", [(1.0, 44100), (0.37, 48000)])
def test_duration_and_rate_are_respected_and_nothing_clips(mode, duration, rate):
    image = np.random.default_rng(0).random((28, 28))
    out = sonify(image, SonifySettings(mode=mode, duration_s=duration, rate=rate))
    assert out.shape == (round(duration * rate),) and out.dtype == np.float32
    assert np.abs(out).max() <= 1.0 and np.abs(out).max() > 0.5  # normalized, never clipped


@pytest.mark.parametrize("mode", ["additive", "griffinlim"])
def test_no_clicks_at_the_ends_or_where_columns_change(mode):
    image = np.zeros((28, 28))
    image[20:, ::2] = 1.0  # low notes switched on and off every other column
    settings = SonifySettings(mode=mode, duration_s=1.0, low_hz=55.0, high_hz=880.0)
    out = sonify(image, settings)
    assert abs(out[0]) < 1e-3 and abs(out[-1]) < 1e-3
    # the steepest slope a 0.9-peak sum of sines up to ~300 Hz can have, with room to spare
    highest = row_frequencies(28, settings)[20]
    assert np.abs(np.diff(out)).max() < 3 * 2 * np.pi * highest / 44100


def test_a_wide_column_change_is_a_smooth_crossfade():
    """A click-prone case: one tone on for the left half only; the envelope must ramp."""
    image = np.zeros((1, 2))
    image[0, 0] = 1.0
    out = sonify(image, SonifySettings(duration_s=1.0, low_hz=100, high_hz=101))
    envelope = np.abs(out).reshape(-1, 441).max(axis=1)  # 10 ms blocks (the first fades in)
    assert envelope[1:25].min() > 0.85 and envelope[76:].max() < 1e-3  # on, then off
    assert np.abs(np.diff(envelope[1:])).max() < 0.05, "the tone stops abruptly (a click)"


def test_griffinlim_puts_a_bright_band_in_its_frequency_range():
    image = np.zeros((28, 28))
    image[12:15] = 1.0
    settings = SonifySettings(mode="griffinlim", duration_s=2.0)
    low, high = row_frequencies(28, settings)[[15, 11]]  # one row either side of the band
    out = sonify(image, settings)
    spectrum = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(len(out), 1 / 44100)
    in_band = spectrum[(freqs >= low) & (freqs <= high)].sum()
    assert in_band / spectrum.sum() > 0.9


def test_a_walk_sounds_each_frame_while_it_shows():
    frames = np.zeros((4, 28, 28))
    frames[1, 20] = 1.0  # only the second frame sounds, a low tone
    image = walk_image(frames)
    assert image.shape == (28, 4 * 28)
    np.testing.assert_array_equal(image[:, 28:56], frames[1])
    out = sonify(image, SonifySettings(duration_s=2.0))  # 4 frames at 2 fps
    energy = [float((q ** 2).sum()) for q in np.split(out, 4)]
    assert energy[1] > 0.9 * sum(energy)


@pytest.mark.parametrize("field, value, named", [
    ("duration_s", 0.0, "Duration"), ("duration_s", 601, "Duration"),
    ("rate", 22050, "Sample rate"), ("low_hz", 8000.0, "Frequency range"),
    ("high_hz", 30000.0, "High frequency"), ("mode", "fm", "Sound mode"),
    ("scale", "dorian", "Scale")])
def test_bad_settings_are_named(field, value, named):
    with pytest.raises(AudioError, match=named):
        sonify(np.ones((28, 28)), SonifySettings(**{field: value}))


@pytest.mark.parametrize("image, named", [(np.ones((3, 28, 28)), "2-D"),
                                          (np.ones((5000, 4)), "too large"),
                                          (np.full((4, 4), np.nan), "NaN")])
def test_bad_images_are_named(image, named):
    with pytest.raises(AudioError, match=named):
        sonify(image, SonifySettings(duration_s=0.5))


# ---- WAV files -------------------------------------------------------------------------
def test_16_bit_wav_reads_back_with_the_standard_library(tmp_path):
    out = sonify(one_row(9), SonifySettings(duration_s=0.5, rate=48000))
    path = write_wav(tmp_path / "tone.wav", out, 48000)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 48000)
        ints = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    np.testing.assert_allclose(ints / 32767, out, atol=1 / 32767)
    samples, rate = read_wav(path)
    assert rate == 48000 and np.abs(samples - out).max() < 1e-4
    assert list(tmp_path.iterdir()) == [path], "no temporary file is left behind"


def test_float_wav_round_trips_exactly(tmp_path):
    out = sonify(np.random.default_rng(1).random((28, 28)), SonifySettings(duration_s=0.3))
    path = write_wav(tmp_path / "noise.wav", out, 44100, "float32")
    samples, rate = read_wav(path)
    assert rate == 44100 and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, out)
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and int.from_bytes(raw[20:22], "little") == 3  # IEEE float


def test_an_unwritable_destination_is_named_and_leaves_nothing(tmp_path):
    missing = tmp_path / "no such folder" / "out.wav"
    with pytest.raises(AudioError, match="no such folder"):
        write_wav(missing, np.zeros(100, np.float32), 44100)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")  # unwritable even as root
    with pytest.raises(AudioError, match="notes.txt/out.wav"):
        write_wav(a_file / "out.wav", np.zeros(100, np.float32), 44100)
    with pytest.raises(AudioError, match="is a folder"):
        write_wav(tmp_path, np.zeros(100, np.float32), 44100)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch):
    import errno
    import os

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # the data met the disk and did not fit
    with pytest.raises(AudioError, match="No space left"):
        write_wav(tmp_path / "big.wav", np.zeros(44100, np.float32), 44100, "float32")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("samples, rate, fmt, named", [
    (np.zeros(10), 44100, "mp3", "sample format"), (np.zeros(10), 1000, "pcm16", "rate"),
    (np.zeros((2, 10)), 44100, "pcm16", "samples"), (np.array([np.inf]), 44100, "pcm16", "NaN")])
def test_bad_wav_requests_are_named_and_write_nothing(tmp_path, samples, rate, fmt, named):
    with pytest.raises(AudioError, match=named):
        write_wav(tmp_path / "x.wav", samples, rate, fmt)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_non_wav_is_named(tmp_path):
    (tmp_path / "fake.wav").write_bytes(b"not a wav at all")
    with pytest.raises(AudioError, match="fake.wav"):
        read_wav(tmp_path / "fake.wav")


# ---- playback --------------------------------------------------------------------------
class FakeStream:
    def __init__(self, samplerate, channels, dtype, callback):
        self.samplerate, self.callback = samplerate, callback
        self.started = self.closed = False

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        self.closed = True

    def pull(self, frames: int) -> np.ndarray:
        """What the device would ask for next: one block of `frames` samples."""
        out = np.full((frames, 1), np.nan, np.float32)
        self.callback(out, frames, None, None)
        return out


class FakeSoundDevice:
    """Stands in for the sounddevice module with one working output device."""

    class CallbackStop(Exception):
        pass

    def __init__(self, devices: bool = True):
        self.devices = devices
        self.streams: list[FakeStream] = []

    def query_devices(self, kind=None):
        if not self.devices:
            raise ValueError("No output device available")
        return {"name": "fake", "max_output_channels": 2}

    def OutputStream(self, **kwargs):
        self.streams.append(FakeStream(**kwargs))
        return self.streams[-1]


def no_portaudio():
    raise OSError("PortAudio library not found")


def test_missing_portaudio_disables_playback_with_the_reason(monkeypatch):
    monkeypatch.setattr(playback, "_import_sounddevice", no_portaudio)
    player = Player()
    assert "PortAudio" in player.unavailable_reason()
    assert "libportaudio2" in player.unavailable_reason()
    assert player.play(np.zeros(100, np.float32), 44100) is False
    assert not player.playing and player.position_s() is None
    player.stop()  # harmless


def test_no_output_device_disables_playback_with_the_reason():
    player = Player(FakeSoundDevice(devices=False))
    assert player.unavailable_reason() == playback.NO_DEVICE
    assert player.play(np.zeros(100, np.float32), 44100) is False


def test_a_working_device_plays_with_volume_and_position():
    backend = FakeSoundDevice()
    player = Player(backend)
    assert player.unavailable_reason() is None
    samples = np.full(1000, 0.5, np.float32)
    assert player.play(samples, 1000, volume=0.5)
    stream = backend.streams[-1]
    assert stream.started and stream.samplerate == 1000
    assert player.playing and player.position_s() == 0.0
    np.testing.assert_allclose(stream.pull(400), 0.25)
    assert player.position_s() == pytest.approx(0.4)
    player.set_volume(1.0)  # live: the next block is louder
    np.testing.assert_allclose(stream.pull(400), 0.5)
    with pytest.raises(FakeSoundDevice.CallbackStop):
        tail = np.full((400, 1), np.nan, np.float32)
        stream.callback(tail, 400, None, None)
    assert not np.isnan(tail).any() and not tail[200:].any()  # padded with silence
    assert not player.playing and player.position_s() is None
    player.stop()
    assert stream.closed


# ---- the panel -------------------------------------------------------------------------
@pytest.fixture
def make_panel(qtbot, tmp_path):
    from studio.qt.base.notifier import Notifier
    from studio.qt.media.sound_panel import SoundPanel

    panels = []

    def make(player, name="sound.wav"):
        notifier = Notifier(logging.getLogger("test_audio"))
        panel = SoundPanel(notifier, player, save_path=lambda title, filt: tmp_path / name)
        notifier.setParent(panel)
        qtbot.addWidget(panel)
        panel.show()
        panels.append(panel)
        qtbot.waitUntil(lambda: not panel.busy, timeout=10000)  # the device probe
        return panel

    yield make
    for panel in panels:
        panel.close_panel()
        qtbot.waitUntil(lambda p=panel: not p.busy, timeout=10000)


def a_digit_image() -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0
    return image


@pytest.mark.parametrize("missing", ["portaudio", "device"])
def test_panel_without_playback_disables_play_and_still_exports(make_panel, qtbot, tmp_path,
                                                               monkeypatch, missing):
    if missing == "portaudio":
        monkeypatch.setattr(playback, "_import_sounddevice", no_portaudio)
        player, reason = Player(), "libportaudio2"
    else:
        player, reason = Player(FakeSoundDevice(devices=False)), "No audio output device"
    panel = make_panel(player)
    assert not panel.play.isEnabled() and reason in panel.play.toolTip()
    panel.wav_format.setCurrentIndex(panel.wav_format.findData("float32"))
    with qtbot.waitSignal(panel.rendered, timeout=10000):
        panel.set_image(a_digit_image(), "digit", duration_s=0.5)
    assert panel.samples.shape == (22050,)
    with qtbot.waitSignal(panel.exported, timeout=10000) as exported:
        panel.export.click()
    assert exported.args[0] == tmp_path / "sound.wav"
    samples, rate = read_wav(tmp_path / "sound.wav")
    assert rate == 44100 and np.array_equal(samples, panel.samples)


def test_panel_plays_and_moves_the_playhead(make_panel, qtbot):
    backend = FakeSoundDevice()
    panel = make_panel(Player(backend))
    assert panel.play.isEnabled() and panel.play.toolTip() == "Play the sound of the image"
    panel.set_image(a_digit_image(), "digit", duration_s=1.0)
    with qtbot.waitSignal(panel.playback_started, timeout=10000):
        panel.play.click()  # plays as soon as the render arrives
    stream = backend.streams[-1]
    assert panel.play.text() == "Stop" and panel.player.playing
    stream.pull(22050)  # half the sound has gone to the device
    qtbot.waitUntil(lambda: panel.view.playhead_x is not None, timeout=2000)
    assert panel.view.playhead_x == pytest.approx(0.5 * (panel.view.width() - 1), abs=1)
    panel.volume.setValue(30)
    assert panel.player.volume == pytest.approx(0.3)
    with qtbot.waitSignal(panel.playback_stopped, timeout=2000):
        panel.play.click()  # Stop
    assert stream.closed and panel.view.playhead_x is None and panel.play.text() == "Play"


def test_panel_reports_bad_settings_and_export_failures(make_panel, qtbot, tmp_path):
    panel = make_panel(Player(FakeSoundDevice()), name="missing folder/x.wav")
    with qtbot.waitSignal(panel.rendered, timeout=10000):
        panel.set_image(a_digit_image(), "digit", duration_s=0.5)
    panel.low_hz.setValue(9000)  # above the highest pitch: named, not raised
    assert "Frequency range" in panel.notifier.notices[-1].message
    panel.low_hz.setValue(55)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10000)
    panel.export.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=10000)
    notice = panel.notifier.notices[-1]
    assert notice.level.value == "error" and "missing folder" in notice.message
    assert not (tmp_path / "missing folder").exists()
