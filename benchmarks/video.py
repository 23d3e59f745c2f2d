"""Video export: seconds to write a 10 s, 512 px latent walk as MP4 and as WebM with its
sound, and the files' sizes.

The frames are the bundled GAN's walk (300 frames at 30 fps, rendered once, not timed)
and its sound the additive sonification the window muxes in (made once, not timed);
what is timed is `save_video`: painting each frame at 512 px, encoding (libx264 /
libvpx-vp9 at the default quality 75), the sound's AAC / Opus, muxing and the atomic
rename. Each format is written twice (these machines are shared: both runs are
printed). Last line: one JSON object {"mp4_s": [..], "webm_s": [..], "mp4_bytes": n,
"webm_bytes": n}.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

SECONDS, FPS, SIZE, RUNS = 10.0, 30, 512, 2


def walk_and_sound() -> tuple[np.ndarray, np.ndarray, int]:
    from studio.audio.sonify import SonifySettings, sonify, walk_image
    from studio.ml.latent.latent_frames import load_generator, walk_frames
    from studio.ml.models.default_models import default_model_path

    gan = load_generator(default_model_path("gan"), "Default GAN", None)
    count = round(SECONDS * FPS)
    frames = walk_frames(gan, np.zeros(gan.latent_dim, np.float32), 3, count, seed=0)
    settings = SonifySettings(duration_s=SECONDS)
    return frames, sonify(walk_image(frames), settings), settings.rate  # [F, 28, 28], [N]


def main() -> None:
    from studio.export.video import save_video

    frames, sound, rate = walk_and_sound()
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        for suffix in ("mp4", "webm"):
            times = []
            for _ in range(RUNS):
                path = Path(folder) / f"walk.{suffix}"
                start = time.perf_counter()
                save_video(path, frames, float(FPS), SIZE, sound=sound, rate=rate)
                times.append(round(time.perf_counter() - start, 2))
            size = path.stat().st_size
            print(f"{suffix:5} {SECONDS:g} s at {SIZE} px with sound: "
                  f"{', '.join(f'{t:.2f} s' for t in times)}; {size / 1024:.0f} KiB")
            result[f"{suffix}_s"], result[f"{suffix}_bytes"] = times, size
    print(json.dumps(result))


if __name__ == "__main__":
    main()
