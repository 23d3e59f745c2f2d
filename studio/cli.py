"""The `studio` command: the GUI by default, subcommands for headless work.

Heavy imports (torch, the models) happen inside the subcommands, so `studio --help`
and argument errors answer at once. Every failure the user can fix ends as one line
on stderr: exit 2 for usage, 1 for bad files or failed runs, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import studio
from studio import commands


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + line
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _digit(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 9:
        raise argparse.ArgumentTypeError(f"digit must be 0-9, got {text!r}")
    return int(text)


def _positive(kind: type) -> object:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def _digit_string(text: str) -> str:
    bad = sorted({ch for ch in text if ch not in "0123456789"})
    if bad:
        raise argparse.ArgumentTypeError(f"only digits 0-9 can be drawn; not digits in {text!r}: "
                                         + ", ".join(repr(ch) for ch in bad))
    if not 1 <= len(text) <= 64:
        raise argparse.ArgumentTypeError(f"draw 1 to 64 digits, got {len(text)}")
    return text


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value <= 2.0:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"choose a temperature above 0, at most 2, got {text}")
    return value


def _pixels(text: str) -> int:
    if not text.isdigit() or not 16 <= int(text) <= 8192:
        raise argparse.ArgumentTypeError(f"choose 16 to 8192 pixels, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="studio", description="Latent Studio: sketch digits, explore a GAN and a "
                "VAE, train models. With no command, opens the studio window; `studio "
                "PROJECT.lstudio` opens the window with that project.")
    p.add_argument("--version", action="version", version=f"%(prog)s {studio.__version__}")
    p.add_argument("--self-test", action="store_true",
                   help="check, headless, that this install works: one line per check")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = sub.add_parser("train", help="train a CNN, VAE, GAN or stroke model with a progress bar")
    t.add_argument("kind", choices=("cnn", "vae", "gan", "strokes-lstm", "strokes-transformer"))
    t.add_argument("--data", default="bundled",
                   help="'bundled' (default) or a folder of IDX files or of class subfolders")
    t.add_argument("--epochs", type=_positive(int))
    t.add_argument("--batch-size", type=_positive(int),
                   help="the global batch: under torchrun each of N processes takes 1/N")
    t.add_argument("--lr", type=_positive(float), help="learning rate")
    t.add_argument("--latent-dim", type=_positive(int), help="latent size (vae, gan)")
    t.add_argument("--seed", type=_non_negative_int, default=0)
    t.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N or mps")
    t.add_argument("--out", type=Path,
                   help="folder for the checkpoint (default: runs/<kind>-<date-time>)")
    t.add_argument("--resume", type=Path, metavar="CHECKPOINT",
                   help="continue a checkpoint of this kind (any number of processes)")

    r = sub.add_parser("recognize", help="recognize digits in image files")
    r.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    r.add_argument("--model", type=Path, help="a CNN checkpoint (default: the bundled one)")
    r.add_argument("--json", action="store_true", help="one JSON object per line")

    g = sub.add_parser("generate", help="write a grid of generated digits to a PNG")
    g.add_argument("kind", choices=("gan", "vae"))
    g.add_argument("--digit", type=_digit, required=True)
    g.add_argument("-n", type=_positive(int), default=16, help="number of samples (default 16)")
    g.add_argument("--seed", type=_non_negative_int, default=0)
    g.add_argument("--model", type=Path, help="a checkpoint (default: the bundled one)")
    g.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")

    d = sub.add_parser("draw", help="write digits with a stroke model: SVG pen paths or a PNG")
    d.add_argument("digits", type=_digit_string, metavar="DIGITS", help="1 to 64 digits, e.g. 2026")
    d.add_argument("--model", default="lstm", metavar="lstm|transformer|PATH",
                   help="the bundled LSTM (default) or Transformer, or a stroke checkpoint")
    d.add_argument("--temperature", type=_temperature, metavar="T",
                   help="above 0, at most 2 (default 0.6: careful; higher is looser)")
    d.add_argument("--seed", type=_non_negative_int, default=0,
                   help="the style seed: the same seed writes the same strokes (default 0)")
    d.add_argument("--size", type=_pixels, default=512, metavar="PX",
                   help="longest side in pixels (SVG: user units; default 512)")
    d.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.svg|OUT.png")

    s = sub.add_parser("sonify", help="turn an image into sound (a WAV file)")
    s.add_argument("image", type=Path, metavar="IMAGE")
    s.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    s.add_argument("--mode", choices=("additive", "griffinlim"), default="additive",
                   help="additive: rows are sine partials (default); griffinlim: the image "
                        "is a magnitude spectrogram")
    s.add_argument("--duration", type=_positive(float), default=5.0, metavar="S",
                   help="seconds (default 5)")
    s.add_argument("--low", type=_positive(float), default=55.0, metavar="HZ",
                   help="frequency of the bottom row (default 55)")
    s.add_argument("--high", type=_positive(float), default=7040.0, metavar="HZ",
                   help="frequency of the top row (default 7040)")
    s.add_argument("--rate", type=int, choices=(44100, 48000), default=44100, metavar="HZ",
                   help="sample rate: 44100 (default) or 48000")
    s.add_argument("--scale", choices=("chromatic", "major", "minor", "pentatonic"),
                   help="snap the rows' frequencies to this musical scale")
    s.add_argument("--float", action="store_true", help="write 32-bit float, not 16-bit PCM")

    from studio.spectrogram_command import add_spectrogram_parser

    add_spectrogram_parser(sub, _positive, _pixels)

    from studio.animate_command import add_animate_parser

    add_animate_parser(sub, _positive, _pixels)

    i = sub.add_parser("install-desktop", help="add the studio to this user's app menu, with its "
                       "icon and the .lstudio file type (--uninstall removes exactly that)")
    i.add_argument("--uninstall", action="store_true", help="remove what install-desktop added")

    e = sub.add_parser("evaluate", help="score the models on the bundled test split")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    for kind in ("cnn", "vae", "gan"):
        e.add_argument(f"--{kind}", type=Path, metavar="PATH",
                       help=f"{kind} checkpoint (default: the bundled one)")
    for kind in ("strokes-lstm", "strokes-transformer"):
        e.add_argument(f"--{kind}", type=Path, metavar="PATH",
                       help=f"{kind} checkpoint (default: the bundled one)")
    e.add_argument("--strokes", type=_non_negative_int, default=20, metavar="K",
                   help="stroke models: drawings per digit for class fidelity and 10*K test "
                        "digits to complete (default 20, 0 skips the stroke models)")
    e.add_argument("--wild", type=_non_negative_int, default=500, metavar="N",
                   help="test digits per wild condition (photo, ruled, ...; default 500, "
                        "0 skips the wild sets)")
    e.add_argument("--wild-numbers", type=_non_negative_int, metavar="M",
                   help="pictures of numbers (2 to 6 test digits) per wild condition "
                        "(default: N, at most 200; 0 skips them)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 1 and argv[0].lower().endswith(".lstudio"):  # `studio work.lstudio`
        return commands.launch_gui(Path(argv[0]))
    args = build_parser().parse_args(argv)
    from studio.ml.errors import StudioError

    try:
        if args.self_test:
            from studio.self_test import run_self_test

            return run_self_test()
        if args.command is None:
            return commands.launch_gui()
        if args.command == "spectrogram":
            from studio.spectrogram_command import spectrogram

            return spectrogram(args)
        if args.command == "install-desktop":
            from studio.desktop_install import install_desktop

            return install_desktop(args.uninstall)
        if args.command == "animate":
            from studio.animate_command import animate

            return animate(args)
        return getattr(commands, args.command)(args)
    except StudioError as e:
        print(f"studio: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
