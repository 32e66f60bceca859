"""Render the sample books in docs/sample/ (every *.txt script there, into a folder of its name), with simple
procedural stand-in art (`faces.txt`: scikit-image's sample photographs, faces found by the letterer).

The art is drawn here (sky, sea, lighthouse, figures) at each panel's generation size, the way
generated panels would arrive; the figures' heads are passed to the letterer as detected face boxes
so tails can be checked against them. Run from the repository root:

    .venv/bin/python docs/sample/render_sample.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.comic.compose import compose_book  # noqa: E402
from app.comic.export import export_book  # noqa: E402
from app.comic.layout import layout_book  # noqa: E402
from app.comic.model import Book, Box, Panel  # noqa: E402
from app.comic.script import load_book  # noqa: E402

HERE = Path(__file__).resolve().parent
SKY = {1: ((18, 30, 48), (58, 84, 104)), 2: ((30, 36, 60), (230, 200, 120)), 3: ((170, 190, 205), (235, 225, 205))}
COATS = {"MAYA": (176, 40, 36), "TOM": (70, 90, 60)}


def draw_panel(page: int, panel: Panel, size: tuple[int, int], seed: int) -> tuple[Image.Image, dict[str, Box]]:
    """Stand-in art for one panel, and the face boxes of the figures drawn in it."""
    rng = random.Random(seed)
    w, h = size
    top, bottom = SKY.get(page, SKY[1])
    art = Image.new("RGB", size)
    draw = ImageDraw.Draw(art)
    for y in range(h):
        t = y / h
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    horizon = int(h * (0.72 if panel.shot in ("extreme-wide", "wide") else 0.82))
    sea = (20, 40, 60) if page < 3 else (150, 170, 180)
    draw.rectangle((0, horizon, w, h), fill=sea)
    for _ in range(40):
        x, y = rng.randrange(w), rng.randrange(horizon, h)
        draw.arc((x - 40, y - 8, x + 40, y + 8), 200, 340, fill=tuple(min(255, c + 40) for c in sea), width=3)
    if panel.shot in ("extreme-wide", "wide") or not panel.characters:
        cx = int(w * 0.62)
        draw.polygon(
            [(cx - 40, horizon), (cx + 40, horizon), (cx + 22, int(h * 0.25)), (cx - 22, int(h * 0.25))],
            fill=(230, 225, 215),
        )
        for k in range(3):
            y0 = int(h * (0.32 + 0.12 * k))
            draw.rectangle((cx - 34, y0, cx + 34, y0 + 16), fill=(170, 40, 40))
        draw.rectangle((cx - 30, int(h * 0.18), cx + 30, int(h * 0.25)), fill=(40, 40, 40))
        if page == 2:
            draw.polygon([(cx, int(h * 0.21)), (0, int(h * 0.05)), (0, int(h * 0.4))], fill=(255, 240, 170))
    faces: dict[str, Box] = {}
    close = panel.shot in ("close-up", "extreme-close-up")
    for name in panel.characters:
        point = panel.character_positions.get(name)
        if point is None:
            continue
        head = (0.2 if close else 0.075) * min(w, h)
        hx, hy = point.x * w, point.y * h
        coat = COATS.get(name, (80, 80, 80))
        draw.rounded_rectangle(
            (hx - head * 1.3, hy + head * 0.9, hx + head * 1.3, h + head), radius=int(head * 0.6), fill=coat
        )
        draw.ellipse((hx - head, hy - head, hx + head, hy + head), fill=(236, 196, 160))
        draw.ellipse((hx - head * 0.45, hy - head * 0.2, hx - head * 0.2, hy + head * 0.05), fill=(30, 30, 30))
        draw.ellipse((hx + head * 0.2, hy - head * 0.2, hx + head * 0.45, hy + head * 0.05), fill=(30, 30, 30))
        draw.arc(
            (hx - head * 0.35, hy + head * 0.2, hx + head * 0.35, hy + head * 0.6),
            20,
            160,
            fill=(90, 30, 30),
            width=max(2, int(head * 0.08)),
        )
        faces[name] = Box(
            left=max(0.0, (hx - head) / w),
            top=max(0.0, (hy - head) / h),
            right=min(1.0, (hx + head) / w),
            bottom=min(1.0, (hy + head) / h),
        )
    return art.filter(ImageFilter.SMOOTH), faces


def main() -> int:
    for script in sorted(HERE.glob("*.txt")):
        render(script, HERE / script.stem)
    return 0


PHOTOS = {1: "astronaut", 2: "camera", 3: "astronaut", 4: "camera"}  # faces.txt: scikit-image's sample photographs


def photo_art(panel: int, size: tuple[int, int]) -> Image.Image:
    """A real photograph for `faces.txt` (no face boxes given: the letterer detects them)."""
    import numpy as np
    from skimage import data

    array = getattr(data, PHOTOS[panel])()
    array = np.stack([array] * 3, axis=-1) if array.ndim == 2 else array
    image = Image.fromarray(array)
    if panel == 3:  # a close-up
        image = image.crop((120, 30, 380, 330))
    return image


def render(script: Path, out: Path) -> None:
    """Compose `script` with stand-in art and write its PNG pages and contact sheet into `out`."""
    book: Book = load_book(script)
    art: dict[tuple[int, int], Image.Image] = {}
    if script.stem == "faces":
        art = {
            (page.number, panel.number): photo_art(panel.number, (512, 512))
            for page in book.pages
            for panel in page.panels
        }
        _write(compose_book(book, art), out)
        return
    pages = []
    for page, layout in zip(book.pages, layout_book(book)):
        panels = []
        for panel, slot in zip(page.panels, layout.slots):
            image, faces = draw_panel(
                page.number, panel, slot.generation_size(target_pixels=512 * 512), seed=page.number * 10 + panel.number
            )
            art[(page.number, panel.number)] = image
            panels.append(panel.model_copy(update={"faces": faces}))
        pages.append(page.model_copy(update={"panels": panels}))
    book = book.model_copy(update={"pages": pages})
    _write(compose_book(book, art), out)


def _write(composed, out: Path) -> None:  # ComposedBook
    for message in composed.all_warnings + [issue.describe() for issue in composed.issues]:
        print("warning:", message)
    result = export_book(composed, out, ["png", "contact"])
    for fmt, paths in result.files.items():
        print(fmt, ", ".join(str(p.relative_to(HERE)) for p in paths))


if __name__ == "__main__":
    raise SystemExit(main())
