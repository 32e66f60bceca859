"""Comic engine figures, each a ratio against a baseline measured in the same run.

1. Compose a 6-panel A4 page at 300 DPI with 10 balloons (cover-crop from generation-size art,
   face and figure detection in each panel's art, borders, lettering) and save it as PNG, against a
   baseline that only pastes the six images (already at panel size) onto a page and saves the PNG.
   Target: ratio <= 1.5. With scikit-image installed (requirements-dev.txt) the art is photographs
   with faces, so the detectors find something and the letterer works around it.
2. Export a 24-page book to PDF + CBZ, against writing the same pages as PNG files.
   Target: ratio <= 1.3. (150 DPI by default to keep the run short; `--dpi 300` for print size.)

Run: `.venv/bin/python -m benchmarks comic` or `.venv/bin/python benchmarks/bench_comic.py [--dpi N]`.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.comic.compose import ComposeOptions, compose_book, compose_page  # noqa: E402
from app.comic.detect import clear_detection_cache  # noqa: E402
from app.comic.export import encode_pages, export_book, write_pngs  # noqa: E402
from app.comic.layout import layout_page  # noqa: E402
from app.comic.model import Balloon, Book, Page, Panel, Point  # noqa: E402
from app.comic.panel_images import cover_crop  # noqa: E402

LINES = [
    "Hold the light steady! I can't see the gears.",
    "Something is moving down on the rocks.",
    "Please let it be a seal.",
    "Tommy, the lantern!",
    "We have to light it before the ferry comes round the point.",
    "Not tonight. Not in this weather.",
    "Do you hear that?",
    "It's the bell buoy. Nothing else.",
    "Then why is it ringing twice?",
    "LET THEM SEE US NOW!",
]


def _art(size: tuple[int, int], seed: int) -> Image.Image:
    """Painterly test art: smooth colour fields plus fine grain (compresses like real panels)."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([np.sin(x / (w / (2 + c)) + seed) * np.cos(y / (h / (3 + c))) for c in range(3)], axis=2)
    grain = rng.normal(0, 0.02, (h, w, 1)).astype(np.float32)
    return Image.fromarray(np.clip((base * 0.35 + 0.5 + grain) * 255, 0, 255).astype(np.uint8))


def _photo_art(size: tuple[int, int], seed: int) -> Image.Image:
    """A photograph with a face (scikit-image's astronaut or cameraman) at `size`, else painterly art."""
    try:
        from skimage import data
    except ImportError:
        return _art(size, seed)
    array = data.astronaut() if seed % 2 else np.stack([data.camera()] * 3, axis=-1)
    return Image.fromarray(array).resize(size, Image.Resampling.BICUBIC)


def _six_panel_book(dpi: int) -> Book:
    panels = []
    for n in range(1, 7):
        chars = ["MAYA", "TOM"] if n % 2 else ["TOM"]
        positions = {"MAYA": Point(x=0.3, y=0.55), "TOM": Point(x=0.72, y=0.5)}
        dialogue = [
            Balloon(
                speaker=chars[k % len(chars)],
                text=LINES[(n * 2 + k) % 10],
                kind="shout" if k == 1 and n == 6 else "speech",
            )
            for k in range(2 if n <= 4 else 1)
        ]
        panels.append(
            Panel(number=n, characters=chars, character_positions={c: positions[c] for c in chars}, dialogue=dialogue)
        )
    return Book(title="Bench", page_size="a4", dpi=dpi, pages=[Page(number=1, panels=panels)])


def _best_pair(baseline: Callable[[], object], candidate: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` CPU seconds of both, run alternately.

    Both sides run in this one thread (PNG encoding, PDF and ZIP writing included), so the process's
    CPU time measures their work while other processes load the machine; wall-clock time on a busy
    shared machine varied by +-30 % between identical runs.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, sink in ((baseline, times[0]), (candidate, times[1])):
            started = time.process_time()
            fn()
            sink.append(time.process_time() - started)
    return min(times[0]), min(times[1])


def bench_page(repeat: int = 3) -> tuple[float, float]:
    book = _six_panel_book(300)
    page = book.pages[0]
    assert sum(len(p.dialogue) for p in page.panels) == 10
    layout = layout_page(page, page_size="a4", dpi=300)
    generated = {slot.panel_number: _photo_art(slot.generation_size(), slot.panel_number) for slot in layout.slots}
    # the baseline pastes the very pixels the composer produces from the generated art
    fitted = {
        slot.panel_number: cover_crop(generated[slot.panel_number], (slot.box.width, slot.box.height))
        for slot in layout.slots
    }

    def baseline() -> None:
        canvas = Image.new("RGB", layout.size, (255, 255, 255))
        for slot in layout.slots:
            canvas.paste(fitted[slot.panel_number], (slot.box.left, slot.box.top))
        canvas.save(io.BytesIO(), "PNG")

    def composed() -> None:
        clear_detection_cache()  # every run detects afresh (the UI's cache would make repeats free)
        result = compose_page(book, page, generated, layout=layout, options=ComposeOptions(detect=True))
        assert not [i for i in result.issues if i.severity == "error"], result.issues
        result.image.save(io.BytesIO(), "PNG")

    composed()  # warm font caches
    return _best_pair(baseline, composed, repeat)


def bench_export(dpi: int, repeat: int = 2) -> tuple[float, float]:
    book = _six_panel_book(dpi)
    pages = [Page(number=n, panels=book.pages[0].panels) for n in range(1, 25)]
    book = book.model_copy(update={"pages": pages})
    layout = layout_page(pages[0], page_size="a4", dpi=dpi)
    art = {
        (p.number, s.panel_number): _art((s.box.width, s.box.height), s.panel_number)
        for p in pages
        for s in layout.slots
    }
    composed = compose_book(book, art)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        return _best_pair(
            lambda: write_pngs(encode_pages(composed), root / "png"),
            lambda: export_book(composed, root / "export", ["pdf", "cbz"]),
            repeat,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=150, help="DPI of the 24-page export figure (default 150)")
    args = parser.parse_args(argv if argv is not None else [])
    failed = False
    base, ours = bench_page()
    ratio = ours / base
    failed |= ratio > 1.5
    print(
        f"compose 6-panel A4 @300 DPI with face/figure detection, 10 balloons + PNG: {ours:.2f} CPU s "
        f"vs paste+PNG {base:.2f} CPU s -> ratio {ratio:.2f} (target <= 1.5)"
    )
    base, ours = bench_export(args.dpi)
    ratio = ours / base
    failed |= ratio > 1.3
    print(
        f"export 24 A4 pages @{args.dpi} DPI to PDF + CBZ: {ours:.2f} CPU s "
        f"vs writing the PNGs {base:.2f} CPU s -> ratio {ratio:.2f} (target <= 1.3)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
