"""Panel effects and book grading at print size, against a Pillow Gaussian blur of the same page.

Page: A4 at 300 DPI (2480 x 3508), a colourful gradient. Baseline: `page.filter(GaussianBlur(2))`,
a plain full-page filter in Pillow's C code, measured in the same run (a PNG save was tried first: its
zlib time swings by 4x with the page's noise and the machine's load, too unsteady for a baseline).
Each figure is the operation's median time / the baseline's median time. Targets: speed/focus lines,
burst, border <= 2; grey halftone and screentone <= 8; CMYK halftone <= 20 (four screens); grading a
page with a preset LUT <= 2.
Run: `.venv/bin/python -m benchmarks comic_effects`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from app.comic.effects import FocusLines, Halftone, ImpactBurst, PanelBorder, SpeedLines  # noqa: E402
from app.comic.grading import preset_lut  # noqa: E402

PAGE = (2480, 3508)
REPEATS = 3


def make_page() -> Image.Image:
    width, height = PAGE
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([xs / width, ys / height, 0.5 + 0.5 * np.sin(xs / 180.0) * np.cos(ys / 240.0)], axis=2) * 255
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    page = make_page()
    lut = preset_lut("vintage-print")
    cases: list[tuple[str, Callable[[], object], float]] = [
        ("speed lines", lambda: SpeedLines(seed=1).render(page), 2.0),
        ("focus lines", lambda: FocusLines(seed=1).render(page), 2.0),
        ("impact burst", lambda: ImpactBurst(seed=1).render(page), 2.0),
        ("border rough", lambda: PanelBorder(width=12, style="rough").render(page), 2.0),
        ("halftone grey", lambda: Halftone(mode="grey").render(page), 8.0),
        ("screentone", lambda: Halftone(mode="screentone").render(page), 8.0),
        ("halftone cmyk", lambda: Halftone(mode="cmyk").render(page), 20.0),
        ("grade (preset LUT)", lambda: lut.apply(page), 2.0),
    ]
    baseline = median_seconds(lambda: page.filter(ImageFilter.GaussianBlur(2)))
    print(f"baseline: Gaussian blur (radius 2) of an A4 300 DPI page, median {baseline * 1000:.0f} ms")
    failed = 0
    for name, action, target in cases:
        ratio = median_seconds(action) / baseline
        verdict = "ok" if ratio <= target else "OVER TARGET"
        failed += ratio > target
        print(f"{name:>20}: {ratio:5.2f} x baseline (target <= {target:g}) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
