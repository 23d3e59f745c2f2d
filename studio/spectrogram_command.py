"""`studio spectrogram IN -o OUT.png`: a recording as the picture the sonifier reads back.

A module of its own (cli.py calls it) so studio/commands.py stays under 300 lines. The
picture uses the same frequency mapping, range and dynamic range as `studio sonify`, so
`studio sonify OUT.png --mode griffinlim --duration <the recording's>` plays it back in
step; the PNG is written atomically (a failure leaves no half-written file).
"""

from __future__ import annotations

import argparse
import io


def add_spectrogram_parser(sub, positive, pixels) -> None:
    """The `spectrogram` subcommand's arguments (the CLI's own number parsers passed in)."""
    from pathlib import Path

    p = sub.add_parser("spectrogram", help="turn a recording (WAV, FLAC, OGG) into a "
                       "spectrogram picture the sonifier reads back")
    p.add_argument("input", type=Path, metavar="IN")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.png")
    p.add_argument("--height", type=pixels, default=512, metavar="H",
                   help="rows (pitches; default 512, as the canvas)")
    p.add_argument("--width", type=pixels, default=512, metavar="W",
                   help="columns (time; default 512, as the canvas)")
    p.add_argument("--low", type=positive(float), default=55.0, metavar="HZ",
                   help="frequency of the bottom row (default 55)")
    p.add_argument("--high", type=positive(float), default=7040.0, metavar="HZ",
                   help="frequency of the top row (default 7040)")
    p.add_argument("--rate", type=int, choices=(44100, 48000), default=44100, metavar="HZ",
                   help="rate the recording is decoded at: 44100 (default) or 48000")
    p.add_argument("--range", type=positive(float), default=60.0, metavar="DB",
                   dest="range_db", help="dynamic range: black is this many dB below "
                   "the loudest pixel (default 60)")


def spectrogram(args: argparse.Namespace) -> int:
    """Decode, picture, write atomically; one line of output."""
    import numpy as np
    from PIL import Image

    from studio.audio.recording_sound import open_recording
    from studio.audio.sonify import SonifySettings
    from studio.ml.atomic_files import write_atomically
    from studio.ml.errors import StudioError

    settings = SonifySettings(low_hz=args.low, high_hz=args.high, rate=args.rate,
                              dynamic_range_db=args.range_db).check()
    if args.output.suffix.lower() != ".png":
        raise StudioError(f"{args.output}: the spectrogram is written as PNG: name it .png")
    recording = open_recording(args.input, settings, args.height, args.width)
    pixels = np.rint(recording.picture * 255).astype(np.uint8)
    png = io.BytesIO()
    Image.fromarray(pixels, "L").save(png, "PNG")
    write_atomically(args.output, png.getvalue(), StudioError)
    s = recording.settings
    print(f"wrote {args.output} ({args.width}x{args.height}, {s.duration_s:.2f} s, "
          f"{s.low_hz:g}-{s.high_hz:g} Hz, {s.dynamic_range_db:g} dB)")
    return 0
