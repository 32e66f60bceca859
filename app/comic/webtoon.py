"""Webtoon reflow: every panel of the book in one vertical column at a readable size, cut at gutters.

    strip = reflow_book(book, art)            # WebtoonStrip: the image plus where each panel lies
    cuts = slice_bounds(strip, 1280)          # [(top, bottom), ...], every cut in a gutter
    pieces = [strip.image.crop((0, t, strip.image.width, b)) for t, b in cuts]

Each panel keeps its print aspect (so its art is cropped as on the page), spans the strip's width
less the margins, and is lettered afresh at screen size (`compose.PX_PER_PT_SCREEN`), so dialogue is
as large on a phone as it is in print, not a scaled-down page. Panels follow the book's reading
order; a gutter separates panels and a wider one separates pages. Without the panels' art (a build
that only kept lettered pages), `reflow_pages` cuts the lettered panels out of the pages instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .layout import PageLayout, PanelSlot, layout_page
from .model import Book
from .pages import page_geometry
from .templates import Rect

WEBTOON_WIDTH = 800
PANEL_GUTTER = 96  # between panels of a page
PAGE_GUTTER = 192  # between pages
MAX_PANEL_HEIGHT = 1.6  # a tall panel is at most this many widths high (its art is cover-cropped)
MIN_PANEL_HEIGHT = 0.3


@dataclass(frozen=True)
class StripPanel:
    page: int
    panel: int
    top: int
    bottom: int


@dataclass
class WebtoonStrip:
    """The continuous strip and the vertical span of each panel on it."""

    image: Image.Image
    panels: list[StripPanel] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def crosses_panel(self, y: int) -> bool:
        """True when a cut at row `y` would go through a panel."""
        return any(p.top < y < p.bottom for p in self.panels)


def _column_layout(
    page_number: int, slots: Sequence[PanelSlot], numbers: Sequence[int], width: int, rtl: bool
) -> PageLayout:
    geometry = page_geometry("webtoon", 72)
    margin = geometry.safe_px
    inner = width - 2 * margin
    top = margin
    column = []
    for order, (slot, number) in enumerate(zip(slots, numbers)):
        aspect = slot.box.width / max(1, slot.box.height)
        height = int(round(min(MAX_PANEL_HEIGHT, max(MIN_PANEL_HEIGHT, 1 / aspect)) * inner))
        column.append(PanelSlot(page_number, number, order, Rect(margin, top, margin + inner, top + height)))
        top += height + PANEL_GUTTER
    trim_height = max(top - PANEL_GUTTER + margin, 2 * margin + 1)
    geometry = geometry.with_height(trim_height)
    return PageLayout(page_number, "webtoon-reflow", geometry, "rtl" if rtl else "ltr", tuple(column), PANEL_GUTTER)


def _print_slots(book: Book, page: Any, gutter_in: float) -> list[PanelSlot]:
    layout = layout_page(
        page,
        page_size=book.page_size,
        dpi=min(book.dpi, 150),
        reading_direction=book.reading_direction,
        gutter_in=gutter_in,
    )
    return sorted(layout.slots, key=lambda s: s.order)


def reflow_book(
    book: Book, art: Mapping[tuple[int, int], Any], *, options: Any = None, width: int = WEBTOON_WIDTH
) -> WebtoonStrip:
    """Compose every panel of `book` into one column strip `width` pixels wide, lettered at screen size."""
    from .compose import ComposeOptions, compose_page

    options = options or ComposeOptions()
    pieces: list[tuple[Image.Image, list[StripPanel]]] = []
    warnings: list[str] = []
    for page in book.pages:
        if not page.panels:
            continue
        slots = _print_slots(book, page, options.gutter_in)
        by_number = {p.number: p for p in page.panels}
        ordered = [by_number[s.panel_number] for s in slots]
        layout = _column_layout(page.number, slots, [p.number for p in ordered], width, book.reading_direction == "rtl")
        column_page = page.model_copy(update={"panels": ordered, "layout": None})
        composed = compose_page(
            book,
            column_page,
            {p.number: art.get((page.number, p.number)) for p in ordered},
            options=options,
            layout=layout,
        )
        warnings.extend(i.describe() for i in composed.issues if i.severity == "error")
        spans = [StripPanel(page.number, s.panel_number, s.box.top, s.box.bottom) for s in layout.slots]
        pieces.append((composed.image, spans))
    return _stack(pieces, width, options.background, warnings)


def reflow_pages(
    pages: Sequence[Any], *, width: int = WEBTOON_WIDTH, background: tuple[int, int, int] = (255, 255, 255)
) -> WebtoonStrip:
    """The same column from already lettered pages (`ComposedPage`s): each panel is cut out of its
    page (with its lettering) and scaled to the column's width."""
    margin = page_geometry("webtoon", 72).safe_px
    inner = width - 2 * margin
    pieces = []
    for page in pages:
        tiles = []
        for slot in sorted(page.layout.slots, key=lambda s: s.order):
            tile = page.image.crop(slot.box.as_tuple())
            height = max(1, round(tile.height * inner / tile.width))
            tiles.append((slot.panel_number, tile.resize((inner, height), Image.Resampling.LANCZOS)))
        if not tiles:
            continue
        total = 2 * margin + sum(t.height for _n, t in tiles) + PANEL_GUTTER * (len(tiles) - 1)
        column = Image.new("RGB", (width, total), background)
        spans, top = [], margin
        for number, tile in tiles:
            column.paste(tile.convert("RGB"), (margin, top))
            spans.append(StripPanel(page.number, number, top, top + tile.height))
            top += tile.height + PANEL_GUTTER
        pieces.append((column, spans))
    return _stack(pieces, width, background, [])


def _stack(
    pieces: list[tuple[Image.Image, list[StripPanel]]],
    width: int,
    background: tuple[int, int, int],
    warnings: list[str],
) -> WebtoonStrip:
    gap = PAGE_GUTTER - 2 * page_geometry("webtoon", 72).safe_px
    height = sum(im.height for im, _ in pieces) + max(0, gap) * max(0, len(pieces) - 1)
    strip = Image.new("RGB", (width, max(1, height)), background)
    panels: list[StripPanel] = []
    y = 0
    for image, spans in pieces:
        strip.paste(image, (0, y))
        panels.extend(StripPanel(s.page, s.panel, s.top + y, s.bottom + y) for s in spans)
        y += image.height + max(0, gap)
    return WebtoonStrip(strip, panels, warnings)


def slice_bounds(strip: WebtoonStrip, max_height: int) -> list[tuple[int, int]]:
    """Upload-sized slices: (top, bottom) rows, each at most `max_height` tall, cut only in gutters
    (the middle of the lowest gutter that fits); a panel taller than `max_height` gets a slice of its own."""
    height = strip.image.height
    gaps = _gaps(strip.panels, height)
    cuts: list[tuple[int, int]] = []
    top = 0
    while height - top > max_height:
        fitting = [g for g in gaps if top < _cut_in(g, top, top + max_height) < top + max_height]
        if fitting:
            cut = _cut_in(fitting[-1], top, top + max_height)
        else:  # a panel taller than a slice: cut at the next gutter below it
            later = [g for g in gaps if g[1] > top + max_height]
            if not later:
                break
            cut = (later[0][0] + later[0][1]) // 2
        if cut <= top:
            break
        cuts.append((top, cut))
        top = cut
    cuts.append((top, height))
    return cuts


def _gaps(panels: list[StripPanel], height: int) -> list[tuple[int, int]]:
    """The row ranges between panels (where a cut does not touch a panel)."""
    spans = sorted((p.top, p.bottom) for p in panels)
    gaps, y = [], 0
    for top, bottom in spans:
        if top > y:
            gaps.append((y, top))
        y = max(y, bottom)
    if height > y:
        gaps.append((y, height))
    return gaps


def _cut_in(gap: tuple[int, int], low: int, high: int) -> int:
    """Where to cut in `gap` for a slice from `low` up to `high`: its middle, or as low as the slice allows."""
    middle = (gap[0] + gap[1]) // 2
    return middle if middle <= high else max(gap[0], min(gap[1], high))
