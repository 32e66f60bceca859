"""Page layout: panels placed on a page at a DPI, in reading order, with gutters.

    layouts = layout_book(book)                  # one PageLayout per page
    slot = layouts[0].slots[0]                   # panel 1 of page 1
    slot.box                                     # its pixel box on the page canvas (bleed included)
    slot.generation_size()                       # (w, h) to render art at, multiples of 64

Templates come from `data/templates.yaml` (chosen per page with `Layout:` or automatically from the
panel count and emphasis); page sizes from `data/page_sizes.yaml`. Webtoon pages flow vertically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .choices import ReadingDirection
from .model import Book, Page, Panel
from .pages import PageGeometry, page_geometry
from .templates import Rect, Template, TemplateError, cut_cells, get_template, grid_template, load_templates

_EMPHASIS_WEIGHT = {"low": 0.6, "normal": 1.0, "high": 2.2}
# Webtoon panels are as wide as the strip; their height is this many widths.
_WEBTOON_HEIGHT = {"low": 0.55, "normal": 0.8, "high": 1.25}
_WEBTOON_TALL_SHOTS = {"close-up", "extreme-close-up", "worms-eye", "full"}


@dataclass(frozen=True)
class PanelSlot:
    """Where one panel goes. `order` is its reading-order index (0 is read first)."""

    page_number: int
    panel_number: int
    order: int
    box: Rect

    def generation_size(self, *, multiple: int = 64, target_pixels: int = 1024 * 1024) -> tuple[int, int]:
        """The size to generate this panel's art at: the panel's aspect, about `target_pixels`,
        each side a multiple of `multiple`, never narrower in aspect than the panel needs
        (a cover-crop then fills the panel without distortion)."""
        return generation_size(self.box.width, self.box.height, multiple=multiple, target_pixels=target_pixels)


@dataclass(frozen=True)
class PageLayout:
    page_number: int
    template: str
    geometry: PageGeometry
    reading_direction: ReadingDirection
    slots: tuple[PanelSlot, ...]
    gutter_px: int

    @property
    def size(self) -> tuple[int, int]:
        return (self.geometry.width_px, self.geometry.height_px)

    def slot(self, panel_number: int) -> PanelSlot:
        for slot in self.slots:
            if slot.panel_number == panel_number:
                return slot
        raise KeyError(panel_number)


def generation_size(
    width: int, height: int, *, multiple: int = 64, target_pixels: int = 1024 * 1024
) -> tuple[int, int]:
    """A (w, h) near `target_pixels` with the aspect of `width`x`height`, both multiples of `multiple`.

    Rounding keeps the generated aspect within one step of the panel's; the cover-crop trims the rest.
    """
    if width <= 0 or height <= 0:
        raise ValueError("panel size must be positive")
    if multiple < 1:
        raise ValueError("multiple must be at least 1")
    aspect = width / height
    h = math.sqrt(target_pixels / aspect)
    w = h * aspect
    gw = max(multiple, int(round(w / multiple)) * multiple)
    gh = max(multiple, int(round(h / multiple)) * multiple)
    return gw, gh


def choose_template(panels: list[Panel], *, live: Rect | None = None) -> Template:
    """The template for these panels: same panel count, the big cells where the emphasis is."""
    count = len(panels)
    candidates = [t for t in load_templates().values() if t.panel_count == count]
    if not candidates:
        return grid_template(max(1, count))
    live = live or Rect(0, 0, 1000, 1500)
    weights = [_EMPHASIS_WEIGHT[p.emphasis] for p in panels]

    def score(template: Template) -> tuple[float, int]:
        cells = cut_cells(template, live, 0)
        areas = [c.width * c.height for c in cells]
        total = sum(areas) or 1
        fit = sum(w * a / total for w, a in zip(weights, areas))
        return (round(fit, 3), template.priority)

    return max(candidates, key=score)


def layout_page(
    page: Page,
    *,
    page_size: str,
    dpi: int,
    reading_direction: ReadingDirection = "ltr",
    gutter_in: float = 0.125,
) -> PageLayout:
    """Place `page`'s panels. Raises `TemplateError` when the page's template does not fit its panels."""
    geometry = page_geometry(page_size, dpi)
    if geometry.spec.flows:
        return _layout_webtoon(page, geometry, reading_direction)
    gutter = max(2, round(gutter_in * dpi)) if geometry.spec.unit != "px" else 16
    live = Rect(*geometry.safe_box)
    if page.layout:
        template = get_template(page.layout)
        if template.panel_count != len(page.panels):
            raise TemplateError(
                f"Page {page.number} uses layout {page.layout!r} with {template.panel_count} panel(s) "
                f"but has {len(page.panels)}; pick another layout or remove the Layout line."
            )
    else:
        template = choose_template(page.panels, live=live)
    area = Rect(0, 0, geometry.width_px, geometry.height_px) if template.bleed else live
    cells = cut_cells(template, area, gutter) if page.panels else []
    if reading_direction == "rtl":
        cells = [cell.mirrored(area.left, area.right) for cell in cells]
    slots = tuple(
        PanelSlot(page.number, panel.number, order, cell) for order, (panel, cell) in enumerate(zip(page.panels, cells))
    )
    return PageLayout(page.number, template.name, geometry, reading_direction, slots, gutter)


def _layout_webtoon(page: Page, geometry: PageGeometry, reading_direction: ReadingDirection) -> PageLayout:
    margin = geometry.safe_px
    gutter = max(48, geometry.trim_width_px // 6)
    width = geometry.trim_width_px - 2 * margin
    top = geometry.bleed_px + margin
    slots = []
    for order, panel in enumerate(page.panels):
        factor = _WEBTOON_HEIGHT[panel.emphasis]
        if panel.shot in _WEBTOON_TALL_SHOTS:
            factor *= 1.25
        height = int(round(width * factor))
        left = geometry.bleed_px + margin
        slots.append(PanelSlot(page.number, panel.number, order, Rect(left, top, left + width, top + height)))
        top += height + gutter
    trim_height = max(top - gutter + margin - geometry.bleed_px, 2 * margin + 1)
    return PageLayout(
        page.number, "webtoon", geometry.with_height(trim_height), reading_direction, tuple(slots), gutter
    )


def layout_book(book: Book, *, gutter_in: float = 0.125) -> list[PageLayout]:
    """The layout of every page of `book`."""
    return [
        layout_page(
            page, page_size=book.page_size, dpi=book.dpi, reading_direction=book.reading_direction, gutter_in=gutter_in
        )
        for page in book.pages
    ]
