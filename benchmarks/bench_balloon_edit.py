"""Balloon-edit redraw, server side (issue 18 target: < 150 ms for a 6-panel page at preview resolution).

A 6-panel us-comic page is composed at the UI's default 150 DPI (the preview's resolution) from panel
art cut out of the sample pages (docs/sample: photographic art, which is what makes PNG writing slow); then
one balloon's text is edited `ROUNDS` times (compose_service.edit_balloon: re-letter and save that page,
as the workspace does on every edit). In the same run:

- before: PNG pages, no art cache (every panel's art decoded, cropped, fitted and framed again);
- cache only: PNG pages with the art cache (the page's fitted art reused, so an edit only re-letters);
- after: what the workspace does: the art cache and JPEG preview pages.

    .venv/bin/python -m benchmarks balloon_edit
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

ROUNDS = 7
TARGET_MS = 150.0
SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "sample"


def _median_ms(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _panel_art(folder: Path) -> list[Path]:
    """Six 768x1024 panels cut from the sample pages (photographic art), named p01_panel01.png ..."""
    sources = sorted(SAMPLES.glob("*/page_*.png"))
    images = []
    for index in range(6):
        with Image.open(sources[index % len(sources)]) as page:
            art = page.convert("RGB")
        width, height = art.size
        left = (index * width // 7) % max(1, width // 3)
        crop = art.crop((left, height // 10, left + width * 2 // 3, height // 10 + width * 8 // 9))
        path = folder / f"p01_panel{index + 1:02d}.png"
        crop.resize((768, 1024), Image.Resampling.BICUBIC).save(path)
        images.append(path)
    return images


def main() -> int:
    from app.services import compose_service
    from app.services.compose_service import BalloonEdit

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images = _panel_art(folder)
        figures = {}
        runs = (("before", "png", False), ("cache only", "png", True), ("after", "jpeg", True))
        for name, page_format, cache in runs:
            draft = compose_service.start_draft(images, folder / name, panels_per_page=6, page_format=page_format)
            draft = compose_service.edit_balloon(
                draft, 1, 1, -1, BalloonEdit(text="Hold the light steady!", kind="speech")
            )
            size = Image.open(draft.page_files[1]).size
            texts = iter(f"Hold the light steady, take {n}!" for n in range(1000))
            figures[name] = _median_ms(
                lambda d=draft, c=cache, t=texts: compose_service.edit_balloon(
                    d, 1, 1, 0, BalloonEdit(text=next(t)), cache=c
                )
            )
    before, after = figures["before"], figures["after"]
    print(
        f"6-panel page {size[0]}x{size[1]} px, balloon edit + redraw, median of {ROUNDS}: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in figures.items())
        + f"; ratio after/before {after / before:.2f}; target < {TARGET_MS:.0f} ms: "
        + ("met" if after < TARGET_MS else "NOT met")
    )
    return 0
