"""Motion comic render of a 6-panel page at 1080p30: seconds of work per second of video.

Baseline in the same run: encoding the same number of 1080p frames of one still image with the
same encoder (the part of the cost that any video output pays), so the ratio shows what the
camera moves, balloon cues and compositing add.
"""

from __future__ import annotations

import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SCRIPT = """Title: Bench
Page size: a4
DPI: 300

PAGE 1
"""
PANEL = """
PANEL {n}. Panel {n}.
Characters: MAYA (left), TOM (right)
MAYA: This is balloon one of panel {n}, long enough to wrap.
TOM (WHISPER): And a reply.
"""


def main() -> int:
    from app.comic.script import parse_script
    from app.media import EncodeOptions, VideoWriter
    from app.motion.motion_comic import MotionComicOptions, render_motion_comic

    book = parse_script(SCRIPT + "".join(PANEL.format(n=n) for n in range(1, 7)))
    rng = np.random.default_rng(0)
    art = {}
    for n in range(1, 7):
        image = Image.fromarray(rng.integers(0, 255, (768, 768, 3), dtype=np.uint8)).resize((1024, 1024))
        ImageDraw.Draw(image).ellipse((300, 200, 700, 600), fill=(230, 190, 160))
        art[(1, n)] = image
    options = MotionComicOptions(width=1920, height=1080, fps=30)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = render_motion_comic(book, art, Path(tmp) / "page.mp4", options=options)
        render_s = time.perf_counter() - started
        still = np.asarray(art[(1, 1)].resize((1920, 1080)))
        started = time.perf_counter()
        with VideoWriter(Path(tmp) / "still.mp4", 1920, 1080, EncodeOptions(fps=Fraction(30))) as writer:
            for _ in range(result.frames):
                writer.write(still)
        baseline_s = time.perf_counter() - started
    per_second = render_s / result.duration_s
    print(
        f"motion comic: 6 panels, 12 balloons, {result.duration_s:.1f} s of 1080p30 ({result.frames} frames) "
        f"rendered in {render_s:.1f} s = {per_second:.2f} s per output second"
    )
    print(
        f"baseline (encode the same frames of a still): {baseline_s:.1f} s = "
        f"{baseline_s / result.duration_s:.2f} s per output second"
    )
    print(f"ratio render / encode-only: {render_s / baseline_s:.2f}")
    return 0
