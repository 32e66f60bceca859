"""Balloon-edit redraw, server side (issue 18 target: < 150 ms for a 6-panel page at preview resolution).

A 6-panel us-comic page is composed from flat-colour panel images at the UI's default 150 DPI; then one
balloon's text is edited `ROUNDS` times (compose_service.edit_balloon: re-letter and save that page, as
"Apply to balloon" does). Baseline in the same run: re-rendering the same page with no change
(render_pages), so the ratio shows what the edit itself adds.

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
COLOURS = [(38, 70, 83), (42, 157, 143), (233, 196, 106), (244, 162, 97), (231, 111, 81), (69, 123, 157)]


def _median_ms(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    from app.services import compose_service
    from app.services.compose_service import BalloonEdit

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images = []
        for index, colour in enumerate(COLOURS):
            path = folder / f"p01_panel{index + 1:02d}.png"
            Image.new("RGB", (768, 1024), colour).save(path)
            images.append(path)
        draft = compose_service.start_draft(images, folder / "work", panels_per_page=6)
        draft = compose_service.edit_balloon(draft, 1, 1, -1, BalloonEdit(text="Hold the light steady!", kind="speech"))
        size = Image.open(draft.page_files[1]).size
        baseline = _median_ms(lambda: compose_service.render_pages(draft, [1]))
        texts = iter(f"Hold the light steady, take {n}!" for n in range(1000))
        edit = _median_ms(lambda: compose_service.edit_balloon(draft, 1, 1, 0, BalloonEdit(text=next(texts))))
    print(f"6-panel page {size[0]}x{size[1]} px: balloon edit + redraw median {edit:.0f} ms ({ROUNDS} runs), "
          f"plain page re-render {baseline:.0f} ms; ratio {edit / baseline:.2f}; target < {TARGET_MS:.0f} ms: "
          f"{'met' if edit < TARGET_MS else 'NOT met'}")
    return 0
