"""Print PDF boxes (checked with poppler's `pdfinfo -box`) and the webtoon reflow and its slices."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from app.comic.compose import ComposeOptions, compose_book
from app.comic.export import export_book
from app.comic.model import Balloon, Book, Page, Panel
from app.comic.webtoon import reflow_book, reflow_pages, slice_bounds

MM = 72 / 25.4


def _book(page_size: str, dpi: int, pages: int = 2, panels: int = 4, **fields: object) -> Book:
    lines = [
        Balloon(speaker="MAYA", text="Hold the light steady! I can't see the gears."),
        Balloon(speaker="TOM", text="I'm trying."),
    ]
    return Book(
        title="Boxes",
        page_size=page_size,
        dpi=dpi,
        **fields,
        pages=[
            Page(number=n, panels=[Panel(number=k, dialogue=lines) for k in range(1, panels + 1)])
            for n in range(1, pages + 1)
        ],
    )


def _boxes(pdf: Path) -> dict[str, list[float]]:
    out = subprocess.run(["pdfinfo", "-box", str(pdf)], capture_output=True, text=True, check=True, timeout=30).stdout
    return {
        m.group(1): [float(v) for v in m.group(2).split()]
        for m in re.finditer(r"^(\w+Box):\s+(.*)$", out, re.MULTILINE)
    }


@pytest.mark.skipif(
    shutil.which("pdfinfo") is None, reason="pdfinfo (Debian poppler-utils, scripts/setup.sh dev) is not installed"
)
@pytest.mark.parametrize(
    ("size", "dpi", "trim", "bleed"),
    [
        ("a4", 300, (210 * MM, 297 * MM), 3 * MM),
        ("us-comic", 150, (6.625 * 72, 10.25 * 72), 0.125 * 72),
        ("b5-manga", 72, (182 * MM, 257 * MM), 3 * MM),
    ],
)
def test_pdfinfo_reports_the_exact_trim_and_bleed(
    tmp_path: Path, size: str, dpi: int, trim: tuple[float, float], bleed: float
) -> None:
    composed = compose_book(_book(size, dpi, panels=1), {}, options=ComposeOptions(letter=False))
    pdf = export_book(composed, tmp_path, ["pdf"]).files["pdf"][0]
    boxes = _boxes(pdf)
    media = [0, 0, trim[0] + 2 * bleed, trim[1] + 2 * bleed]
    assert boxes["MediaBox"] == pytest.approx(media, abs=0.006)  # pdfinfo prints two decimals
    assert boxes["BleedBox"] == pytest.approx(media, abs=0.006)
    assert boxes["TrimBox"] == pytest.approx([bleed, bleed, bleed + trim[0], bleed + trim[1]], abs=0.006)
    assert boxes["CropBox"] == pytest.approx(media, abs=0.006)


def test_webtoon_reflow_is_one_column_at_readable_size_cut_only_at_gutters() -> None:
    book = _book("a4", 150, pages=3, panels=6)
    art = {
        (p.number, n.number): Image.new("RGB", (300, 200), (40 * n.number, 90, 160))
        for p in book.pages
        for n in p.panels
    }
    strip = reflow_book(book, art, options=ComposeOptions(detect=False))
    assert strip.image.width == 800
    assert [(s.page, s.panel) for s in strip.panels] == [(p, n) for p in (1, 2, 3) for n in range(1, 7)]
    for above, below in zip(strip.panels, strip.panels[1:]):
        assert below.top - above.bottom >= 96  # gutters
    for span in strip.panels:  # every panel spans the column less its margins
        assert strip.image.getpixel((400, (span.top + span.bottom) // 2)) != (255, 255, 255)
    for max_height in (400, 700, 1280, 1500):
        bounds = slice_bounds(strip, max_height)
        assert bounds[0][0] == 0 and bounds[-1][1] == strip.image.height
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        for top, _bottom in bounds[1:]:
            assert not strip.crosses_panel(top), f"a slice boundary at {top} crosses a panel ({max_height})"
        assert all(
            bottom - top <= max_height
            for top, bottom in bounds
            if not any(s.bottom - s.top > max_height and top <= s.top < bottom for s in strip.panels)
        )


def test_webtoon_dialogue_is_lettered_at_screen_size_not_shrunk_with_the_page() -> None:
    book = _book("a4", 300, pages=1, panels=6)
    composed = compose_book(book, {}, options=ComposeOptions(detect=False))
    strip = reflow_book(book, {}, options=ComposeOptions(detect=False))
    from app.comic.compose import compose_page
    from app.comic.webtoon import _column_layout, _print_slots

    slots = _print_slots(book, book.pages[0], 0.125)
    layout = _column_layout(1, slots, [s.panel_number for s in slots], 800, False)
    column = compose_page(book, book.pages[0], {}, options=ComposeOptions(detect=False), layout=layout)
    sizes = [item.font.size for plan in column.plans for item in plan.items]
    print_size = composed.pages[0].plans[0].items[0].font.size * 800 / composed.pages[0].image.width
    assert min(sizes) >= 20 and min(sizes) > 1.6 * print_size
    assert strip.image.height == column.image.height


def test_webtoon_from_lettered_pages_and_export_files(tmp_path: Path) -> None:
    book = _book("us-comic", 72, pages=2, panels=3)
    composed = compose_book(book, {}, options=ComposeOptions(detect=False))
    strip = reflow_pages(composed.pages)
    assert len(strip.panels) == 6 and all(not strip.crosses_panel(t) for t, _b in slice_bounds(strip, 300)[1:])
    files = export_book(composed, tmp_path, ["webtoon"], webtoon_max_height=900).files["webtoon"]
    assert files[0].name == "boxes_strip.png" and len(files) >= 3
