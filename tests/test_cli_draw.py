"""`studio draw DIGITS -o OUT.svg|OUT.png`: the pen writing a number into a file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_cli import assert_one_line_error, studio

from studio.cli import main
from studio.export.drawing_record import read_drawing
from studio.ml.models.default_models import default_model_path


def draw(capsys, *args: str) -> tuple[int, str, str]:
    """`studio draw ARGS` in this process (the model loads in well under a second)."""
    try:
        code = main(["draw", *args])
    except SystemExit as e:  # argparse's usage errors
        code = int(e.code)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_svg_and_png_as_a_user_runs_them(tmp_path: Path) -> None:
    svg, png = tmp_path / "2026.svg", tmp_path / "2026.png"
    result = studio("draw", "2026", "-o", str(svg))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "wrote" in result.stdout and "2026" in result.stdout
    root = ET.parse(svg).getroot()
    paths = list(root.iter("{http://www.w3.org/2000/svg}path"))
    assert paths and all(p.get("fill") == "none" for p in paths)
    assert "Default LSTM" in root.findtext("{http://www.w3.org/2000/svg}desc")
    result = studio("draw", "2026", "--seed", "3", "--size", "256", "-o", str(png))
    assert result.returncode == 0, result.stderr
    kept = read_drawing(png)
    assert kept.digits == "2026" and kept.seed == 3 and kept.model_kind == "strokes-lstm"
    assert kept.temperature == 0.6 and len(kept.strokes) == 4


def test_the_same_seed_writes_the_same_files(tmp_path: Path, capsys) -> None:
    for suffix in ("svg", "png"):
        a, b, c = (tmp_path / f"{n}.{suffix}" for n in "abc")
        assert draw(capsys, "2026", "--seed", "5", "-o", str(a))[0] == 0
        assert draw(capsys, "2026", "--seed", "5", "-o", str(b))[0] == 0
        assert draw(capsys, "2026", "--seed", "6", "-o", str(c))[0] == 0
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()


def test_temperature_and_size_reach_the_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "7.png"
    code, said, _ = draw(capsys, "7", "--temperature", "1.5", "--size", "128", "-o", str(out))
    assert code == 0 and "temperature 1.5" in said
    from PIL import Image

    with Image.open(out) as im:
        assert im.size == (128, 128)
    assert read_drawing(out).temperature == 1.5


@pytest.mark.parametrize("args, code, needles", [
    (["20a6b", "-o", "x.svg"], 2, ["DIGITS", "'a', 'b'"]),
    (["1" * 65, "-o", "x.svg"], 2, ["1 to 64 digits"]),
    (["12", "--temperature", "nan", "-o", "x.svg"], 2, ["--temperature"]),
    (["12", "--temperature", "0", "-o", "x.svg"], 2, ["--temperature"]),
    (["12", "--temperature", "2.5", "-o", "x.svg"], 2, ["--temperature"]),
    (["12", "--size", "9", "-o", "x.svg"], 2, ["--size"]),
    (["12", "-o", "x.jpg"], 1, ["x.jpg", ".svg", ".png"]),
    (["12", "--model", "cnn-not-here.safetensors", "-o", "x.svg"], 1, ["cnn-not-here"]),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, args, code, needles) -> None:
    got, _, err = draw(capsys, *[str(tmp_path / a) if a.startswith("x.") else a for a in args])
    assert got == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_recognizer_checkpoint_is_not_a_pen(tmp_path: Path) -> None:
    cnn = default_model_path("cnn")
    out = tmp_path / "x.svg"
    assert_one_line_error(studio("draw", "12", "--model", str(cnn), "-o", str(out)), 1,
                          "cnn.safetensors", "not a stroke model")
    assert not out.exists()


def test_a_stroke_checkpoint_path_draws(tmp_path: Path, capsys) -> None:
    out = tmp_path / "p.png"
    code, said, err = draw(capsys, "42", "--model", str(default_model_path("strokes-lstm")),
                           "-o", str(out))
    assert code == 0, err
    assert read_drawing(out).model_name == "strokes-lstm" and "strokes-lstm" in said


def test_the_transformer_draws(tmp_path: Path, capsys) -> None:
    if not default_model_path("strokes-transformer").exists():
        pytest.skip("no default strokes-transformer yet (another session trains it)")
    out = tmp_path / "t.png"
    assert draw(capsys, "42", "--model", "transformer", "-o", str(out))[0] == 0
    kept = read_drawing(out)
    assert kept.model_kind == "strokes-transformer" and kept.model_name == "Default Transformer"
