"""`studio animate walk|morph FROM... -o OUT`: the window's walk and morph, headless.

A module of its own (cli.py calls it) so studio/commands.py stays under 300 lines. FROM
is a picture or video the studio exported (its provenance: a point, or a morph's
keyframes) or a project (.lstudio: its explorer point, or its keyframes for a morph).
The generator is the one the record names by its weights' sha256: a bundled GAN or
VAE, the checkpoint a project last used, or --model. Frames come from the same
functions the window uses (ml/latent/latent_frames.py); OUT's suffix picks the format,
and the file carries the provenance of what it shows, like the window's exports.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

VIDEO = (".mp4", ".webm")
IMAGES = (".gif", ".apng", ".webp")
FPS, WALK_SECONDS, SECONDS_PER_SEGMENT = 30.0, 4.0, 1.5  # as the window's defaults


@dataclass(frozen=True)
class Point:
    """One point of a FROM: its generator by weights, slider values or z, and digit."""

    kind: str  # "gan" or "vae"
    sha256: str
    name: str  # the generator as the artist saw it
    digit: int
    coords: np.ndarray | None  # [d] slider values, when the record has them
    latent: np.ndarray | None  # [d] z, when it has no slider values


@dataclass(frozen=True)
class Source:
    """What the FROM files give: points in order, and their settings where known."""

    points: list[Point]
    hints: list[Path]  # checkpoints the generator may be in (a project's last path)
    seed: int | None = None
    seconds_per_segment: float | None = None
    loop: bool | None = None
    sound: object = None  # a project's SoundRecord


def add_animate_parser(sub, positive, pixels) -> None:
    """`animate walk` and `animate morph` with the options they share."""
    a = sub.add_parser("animate", help="a latent walk or a morph as MP4, WebM, GIF, APNG or "
                       "WebP, from a studio PNG or a project")
    how = a.add_subparsers(dest="how", metavar="walk|morph", required=True,
                           parser_class=type(a))  # the CLI's one-line errors
    walk = how.add_parser("walk", help="a looping walk around FROM's point")
    walk.add_argument("sources", nargs=1, type=Path, metavar="FROM")
    walk.add_argument("--seed", type=int, help="the walk's path (default: FROM's seed or 0)")
    morph = how.add_parser("morph", help="a morph through the points (or a project's "
                           "keyframes) in order")
    morph.add_argument("sources", nargs="+", type=Path, metavar="FROM")
    morph.add_argument("--loop", action="store_true", help="come back to the first point")
    for p in (walk, morph):
        p.add_argument("-o", "--output", type=Path, required=True,
                       metavar="OUT.mp4|.webm|.gif|.apng|.webp")
        p.add_argument("--sound", action="store_true", help="its sound: inside a video, a "
                       "WAV of the same name beside an image animation")
        p.add_argument("--seconds", type=positive(float), metavar="S",
                       help=f"length (default: walk {WALK_SECONDS:g}, morph "
                       f"{SECONDS_PER_SEGMENT:g} per segment or the project's speed)")
        p.add_argument("--fps", type=positive(float), default=FPS, metavar="N",
                       help=f"frames per second (default {FPS:g})")
        p.add_argument("--size", type=pixels, default=512, metavar="PX",
                       help="longest side in pixels (default 512)")
        p.add_argument("--quality", type=int, default=75, metavar="Q",
                       help="video quality 0-100 (default 75)")
        p.add_argument("--model", type=Path, metavar="PATH",
                       help="the generator's checkpoint, when it is not a bundled one")


def animate(args: argparse.Namespace) -> int:
    """Check the output, read FROM, load the generator, render, write; one line out."""
    from studio.export.provenance import morph_record, walk_record
    from studio.ml.errors import StudioError

    out: Path = args.output
    suffix = out.suffix.lower()
    if suffix not in VIDEO + IMAGES:
        raise StudioError(f"{out}: choose an .mp4, .webm, .gif, .apng or .webp file name")
    if not 1 <= args.fps <= 60:
        raise StudioError(f"--fps {args.fps:g}: choose 1 to 60 frames per second")
    source = _read_sources(args.sources, args.how)
    if args.how == "morph" and len(source.points) < 2:
        raise StudioError(f"a morph needs two points or more: {', '.join(map(str, args.sources))}"
                          f" give{'s' if len(args.sources) == 1 else ''} one")
    generator = _generator(source, args.model)
    coords = [_coords(generator, p) for p in source.points]  # [d] each
    if args.how == "walk":
        from studio.ml.latent.latent_frames import walk_frames

        seconds = args.seconds or WALK_SECONDS
        count = max(2, round(seconds * args.fps))
        seed = args.seed if args.seed is not None else source.seed or 0
        frames = walk_frames(generator, coords[0], source.points[0].digit, count, seed)
        record = walk_record(generator, coords[0], source.points[0].digit, seed, args.fps,
                             count)
    else:
        from studio.export.animation import resample_frames
        from studio.ml.latent.latent_frames import morph_frames

        loop = args.loop or bool(source.loop)
        segments = len(coords) - (0 if loop else 1)
        per_segment = source.seconds_per_segment or SECONDS_PER_SEGMENT
        seconds = args.seconds or per_segment * segments
        count = max(2, round(seconds * args.fps))
        path = morph_frames(generator, np.stack(coords), [p.digit for p in source.points],
                            max(2, round(per_segment * FPS)), loop)  # as the window
        frames = resample_frames(path, count)  # [count, 28, 28]
        record = morph_record(generator, [(c, p.digit) for c, p in zip(coords, source.points,
                                                                        strict=True)],
                              per_segment, loop, args.fps, count)
    sound = _sound(frames, count / args.fps, source.sound) if args.sound else None
    wav = _write(out, frames, args, sound, record)
    what = f"{count} frames at {args.fps:g} fps ({count / args.fps:g} s) by {generator.name}"
    extra = " with its sound" if sound is not None and wav is None else ""
    beside = f" and {wav}" if wav is not None else ""
    print(f"wrote {out}{beside}: {args.how}, {what}{extra}")
    return 0


def _read_sources(paths: list[Path], how: str) -> Source:
    from studio.export import read_provenance
    from studio.ml.errors import StudioError

    points: list[Point] = []
    hints: list[Path] = []
    first: Source | None = None
    for path in paths:
        if path.suffix.lower() == ".lstudio":
            got = _project(path, how)
        else:
            record = read_provenance(path)
            if record is None:
                raise StudioError(f"{path}: has no Latent Studio provenance; only pictures "
                                  "and videos the studio exported know their point")
            got = _provenance(record, how)
        first = first or got
        points += got.points
        hints += got.hints
    shas = {p.sha256 for p in points}
    if len(shas) > 1:
        raise StudioError("the points come from different generators ("
                          + ", ".join(sorted({p.name for p in points})) + "): a morph stays "
                          "in one latent space")
    return replace(first, points=points, hints=hints)


def _provenance(record, how: str) -> Source:
    """A record's point, or for a morph the keyframes of a morph it was exported from."""
    animation = record.animation
    base = Point(record.model_kind, record.weights_sha256, record.model_name, record.digit,
                 None if record.coords is None else np.asarray(record.coords, np.float32),
                 np.asarray(record.latent, np.float32))
    if how == "morph" and animation is not None and animation.keyframes:
        points = [replace(base, digit=k.digit, latent=np.asarray(k.latent, np.float32),
                          coords=None if k.coords is None else np.asarray(k.coords, np.float32))
                  for k in animation.keyframes]
        return Source(points, [], record.seed, animation.seconds_per_segment, animation.loop)
    seed = animation.seed if animation is not None and animation.seed is not None \
        else record.seed
    return Source([base], [], seed)


def _project(path: Path, how: str) -> Source:
    """A project's explorer point (walk) or keyframes (morph; its point if it has none)."""
    from studio.core.project.project_container import read_container
    from studio.core.project.project_file import read_manifest
    from studio.ml.errors import StudioError

    manifest = read_manifest(read_container(path)[0], str(path))
    explorer = manifest.explorer
    if explorer is None or not explorer.coords:
        raise StudioError(f"{path}: this project has no explorer point to animate")
    ref = explorer.generator
    hints = [Path(ref.path)] if ref.path else []
    point = Point(ref.kind, ref.sha256, ref.name, explorer.digit,
                  np.asarray(explorer.coords, np.float32), None)
    points = [point]
    if how == "morph" and explorer.keyframes:
        points = [Point(k.kind, k.generator, k.generator_name, k.digit,
                        np.asarray(k.coords, np.float32), None) for k in explorer.keyframes]
    return Source(points, hints, explorer.seed, explorer.seconds_per_segment, explorer.loop,
                  manifest.sound)


def _generator(source: Source, model: Path | None):
    """The checkpoint whose weights the points name: bundled, the project's, --model."""
    from studio.ml.errors import StudioError
    from studio.ml.latent.latent_frames import load_generator
    from studio.ml.models.checkpoints import read_info
    from studio.ml.models.default_models import default_model_path

    want = source.points[0]
    bundled = default_model_path(want.kind)
    places = [(model, None)] if model is not None else []
    places += [(bundled, f"Default {want.kind.upper()}")] + [(h, None) for h in source.hints]
    for place, name in places:
        if place is not None and (place == model or place.exists()):
            info = read_info(place)  # --model: a bad file is named, not skipped
            if info.sha256 == want.sha256:
                return load_generator(place, name or place.stem, None)
            if place == model:
                raise StudioError(f"--model {model}: its weights are not the ones "
                                  f"{want.name} had ({want.sha256[:12]}…)")
    raise StudioError(f"the points were made with {want.name} ({want.kind.upper()}, weights "
                      f"{want.sha256[:12]}…), which is not here: pass its checkpoint with "
                      "--model PATH")


def _coords(generator, point: Point) -> np.ndarray:
    """Slider values [d] in this generator's basis: kept ones, or z turned back into them."""
    import torch

    from studio.ml.errors import StudioError

    if point.coords is not None and len(point.coords) == generator.latent_dim:
        return point.coords
    if point.latent is None or len(point.latent) != generator.latent_dim:
        raise StudioError(f"a point of {point.name} does not fit its {generator.latent_dim}-d "
                          "latent space")
    return generator.basis.to_coords(torch.from_numpy(point.latent)).numpy().astype(np.float32)


def _sound(frames: np.ndarray, seconds: float, record) -> tuple[np.ndarray, int]:
    """The frames sonified over the animation's length (a project's Sound settings)."""
    from studio.audio.sonify import SonifySettings, sonify, walk_image

    settings = SonifySettings(duration_s=seconds)
    if record is not None:
        settings = SonifySettings(mode=record.mode, duration_s=seconds, low_hz=record.low_hz,
                                  high_hz=record.high_hz, rate=record.rate, scale=record.scale,
                                  dynamic_range_db=record.dynamic_range_db)
    settings.check()
    return sonify(walk_image(frames), settings), settings.rate  # float32 [N], Hz


def _write(out: Path, frames: np.ndarray, args: argparse.Namespace,
           sound: tuple[np.ndarray, int] | None, record) -> Path | None:
    """The file (a video with its sound inside), and the WAV beside an image animation."""
    if out.suffix.lower() in VIDEO:
        from tqdm import tqdm

        from studio.export.provenance_places import video_metadata
        from studio.export.video import save_video

        with tqdm(total=len(frames), unit="frame", file=sys.stderr, leave=False,
                  disable=None) as bar:
            save_video(out, frames, args.fps, args.size, quality=args.quality,
                       sound=None if sound is None else sound[0],
                       rate=44100 if sound is None else sound[1],
                       metadata=video_metadata(record),
                       progress=lambda done, total: bar.update(done - bar.n))
        return None
    from studio.export.animation import save_animation

    save_animation(out, frames, args.fps, size=args.size, provenance=record)
    if sound is None:
        return None
    from studio.audio.wav import write_wav

    return write_wav(out.with_suffix(".wav"), sound[0], sound[1])
