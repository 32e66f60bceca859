"""Page composition: panel art cover-cropped into the layout, panel borders, lettering on top.

result = compose_book(book, find_panel_images(book, "panels/"))
for page in result.pages: page.image.save(...)
result.warnings      # missing art, art far off its panel's aspect
result.issues        # LetteringIssue per balloon (text that does not fit, a face it covers ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from .art_cache import ArtCache, FittedTile, TileKey, source_key
from .layout import PageLayout, layout_page
from .lettering import LetteringIssue, LetteringStyle, PanelPlan, draw_plan, plan_panel
from .model import Book, Page, Panel
from .panel_images import (
    ASPECT_WARNING_RATIO,
    PanelImages,
    aspect_mismatch,
    cover_crop,
    open_panel_image,
    panel_file_name,
)
from .templates import Rect

PX_PER_PT_SCREEN = 2.4  # lettering scale on pixel pages (webtoon), where there is no DPI
PanelArt = Image.Image | str | Path | None


@dataclass(frozen=True)
class ComposeOptions:
    """How pages are composed. `border_pt` 0 draws no borders; `letter` False skips lettering."""

    lettering: LetteringStyle = field(default_factory=LetteringStyle)
    border_pt: float = 1.6
    border_style: str = "square"  # see app/comic/effects BORDER_STYLES
    background: tuple[int, int, int] = (255, 255, 255)
    gutter_in: float = 0.125
    letter: bool = True
    detect: bool = True  # find faces and figures in the art so lettering keeps off them (app/comic/detect.py)
    detector: Any = None  # an ArtDetector; None: detect.default_detector()
    identify: Any = None  # a detect.Identify: names faces from the character library (the book builder sets it)


@dataclass
class ComposedPage:
    number: int
    image: Image.Image
    layout: PageLayout
    warnings: list[str] = field(default_factory=list)
    issues: list[LetteringIssue] = field(default_factory=list)
    plans: list[PanelPlan] = field(default_factory=list)  # where each panel's lettering went
    lettered: list[Panel] = field(default_factory=list)  # the panels as lettered (detected faces added)


@dataclass
class ComposedBook:
    book: Book
    pages: list[ComposedPage]
    warnings: list[str] = field(default_factory=list)
    art: Mapping[tuple[int, int], PanelArt] | None = None  # the panels' art, for exports that re-letter (webtoon)
    options: ComposeOptions | None = None

    @property
    def issues(self) -> list[LetteringIssue]:
        return [issue for page in self.pages for issue in page.issues]

    @property
    def all_warnings(self) -> list[str]:
        return self.warnings + [w for page in self.pages for w in page.warnings]


def px_per_point(layout: PageLayout) -> float:
    return PX_PER_PT_SCREEN if layout.geometry.spec.unit == "px" else layout.geometry.dpi / 72


def compose_page(
    book: Book,
    page: Page,
    art: Mapping[int, PanelArt],
    *,
    options: ComposeOptions | None = None,
    layout: PageLayout | None = None,
    cache: ArtCache | None = None,
) -> ComposedPage:
    """Compose one page. `art` maps panel numbers to an image, a path, or None (a placeholder).

    With a `cache`, the fitted art of panels given as files is kept and reused (app/comic/art_cache.py):
    redrawing a page whose art did not change only re-letters it."""
    options = options or ComposeOptions()
    layout = layout or layout_page(
        page,
        page_size=book.page_size,
        dpi=book.dpi,
        reading_direction=book.reading_direction,
        gutter_in=options.gutter_in,
    )
    canvas = Image.new("RGB", layout.size, options.background)
    result = ComposedPage(page.number, canvas, layout)
    scale = px_per_point(layout)
    border_px = max(0, round(options.border_pt * scale))
    bleed_template = (
        layout.template == "splash" and len(layout.slots) == 1 and layout.slots[0].box.width >= layout.geometry.width_px
    )
    regions: dict[int, Any] = {}
    identities: dict[int, dict[int, str]] = {}
    for panel, slot in zip(page.panels, layout.slots):
        source = art.get(panel.number)
        box = slot.box
        if source is None:
            tile = _placeholder(box, page.number, panel)
            if border_px and not bleed_template:
                tile = _border(tile, border_px, options.border_style, seed=page.number * 100 + panel.number)
        else:
            border = (0 if bleed_template else border_px, options.border_style, page.number * 100 + panel.number)
            fitted, names = _fitted_tile(source, page.number, panel, slot, border, options, cache)
            tile = fitted.image
            if fitted.warning:
                result.warnings.append(fitted.warning)
            if fitted.regions is not None:
                regions[panel.number] = fitted.regions
            if names is not None:
                identities[panel.number] = names
        canvas.paste(tile, (box.left, box.top))
    if options.letter:
        for panel, slot in zip(page.panels, layout.slots):
            found = regions.get(panel.number)
            if found is not None:
                from .detect import with_detected_faces

                panel = with_detected_faces(panel, found, identities.get(panel.number))
            plan, issues = plan_panel(
                panel,
                slot.box.as_tuple(),
                page_number=page.number,
                px_per_pt=scale,
                rtl=book.reading_direction == "rtl",
                language=book.language,
                style=options.lettering,
                limit=layout.geometry.safe_box,
                figures=found.torsos if found is not None else (),
            )
            draw_plan(canvas, plan, style=options.lettering)
            result.issues.extend(issues)
            result.plans.append(plan)
            result.lettered.append(panel)
    return result


def compose_book(
    book: Book, images: PanelImages | Mapping[tuple[int, int], PanelArt], *, options: ComposeOptions | None = None
) -> ComposedBook:
    """Compose every page; missing art becomes a marked placeholder and one warning lists it."""
    paths = images.paths if isinstance(images, PanelImages) else images
    pages = []
    for page in book.pages:
        art = {panel.number: paths.get((page.number, panel.number)) for panel in page.panels}
        pages.append(compose_page(book, page, art, options=options))
    warnings = []
    if isinstance(images, PanelImages) and images.missing:
        warnings.append(images.describe_missing())
    elif not isinstance(images, PanelImages):
        missing = [
            (p.number, n.number) for p in book.pages for n in p.panels if paths.get((p.number, n.number)) is None
        ]
        if missing:
            warnings.append(PanelImages(missing=missing).describe_missing())
    return ComposedBook(book, pages, warnings, art=dict(paths), options=options)


def _fitted_tile(
    source: Image.Image | str | Path,
    page_number: int,
    panel: Panel,
    slot: Any,
    border: tuple[int, str, int],
    options: ComposeOptions,
    cache: ArtCache | None,
) -> tuple[FittedTile, dict[int, str] | None]:
    """The panel's art cover-cropped to its box, framed, with the faces found in it (from `cache` when there),
    and the names `options.identify` gives those faces (never cached: a caller's detector or identify is not)."""
    box = slot.box
    focus = (panel.focus.x, panel.focus.y) if panel.focus else (0.5, 0.5)
    detect = bool(options.letter and options.detect and panel.dialogue)
    cacheable = cache is not None and options.detector is None and options.identify is None
    file_key = source_key(source) if cacheable and not isinstance(source, Image.Image) else None
    key = TileKey(file_key, (box.width, box.height), focus, border, detect) if file_key is not None else None
    if key is not None:
        cached = cache.get(key)  # type: ignore[union-attr]
        if cached is not None:
            return cached, None
    image = source if isinstance(source, Image.Image) else open_panel_image(source)
    image = image if image.mode == "RGB" else image.convert("RGB")
    warning = None
    off = aspect_mismatch(image.size, (box.width, box.height))
    if off > ASPECT_WARNING_RATIO:
        name = (
            source.name
            if isinstance(source, Path)
            else source
            if isinstance(source, str)
            else f"page {page_number} panel {panel.number}"
        )
        wide, high = slot.generation_size()
        warning = (
            f"Art {name} is {image.width}x{image.height} but its panel is {box.width}x{box.height}: "
            f"the aspect is {off:.1f}x off, so the crop keeps only {100 / off:.0f}% of it; "
            f"generate it at {wide}x{high}."
        )
    tile = cover_crop(image, (box.width, box.height), focus)
    regions = None
    if detect:
        from .detect import detect_art

        regions = detect_art(tile, options.detector)  # on the unframed art
    names = None
    if regions is not None and options.identify is not None and regions.faces:
        from .detect import panel_people

        names = dict(options.identify(tile, regions.faces, panel_people(panel)))
    if border[0]:
        tile = _border(tile, border[0], border[1], seed=border[2])
    fitted = FittedTile(tile, regions, warning)
    if key is not None:
        cache.put(key, fitted)  # type: ignore[union-attr]
    return fitted, names


def _border(tile: Image.Image, width: int, style: str, *, seed: int) -> Image.Image:
    """Frame the panel with app/comic/effects' PanelBorder when available, else a plain rectangle."""
    if 2 * width >= min(tile.size) - 2:
        return tile
    try:
        from .effects import PanelBorder
    except ImportError:  # the effects package is optional for composition
        PanelBorder = None  # type: ignore[assignment]  # noqa: N806
    if PanelBorder is not None:
        return PanelBorder(width=width, style=style, seed=seed % (2**32)).render(tile)  # type: ignore[arg-type]
    framed = tile.copy()
    ImageDraw.Draw(framed).rectangle((0, 0, tile.width - 1, tile.height - 1), outline=(0, 0, 0), width=width)
    return framed


def _placeholder(box: Rect, page: int, panel: Panel) -> Image.Image:
    """A clearly marked frame for missing art: hatched grey, a cross, the panel's name and file."""
    tile = Image.new("RGB", (box.width, box.height), (226, 226, 226))
    draw = ImageDraw.Draw(tile)
    step = max(12, min(box.width, box.height) // 14)
    for x in range(-box.height, box.width, step):
        draw.line([(x, box.height), (x + box.height, 0)], fill=(208, 208, 208), width=max(1, step // 6))
    line = max(2, min(box.width, box.height) // 150)
    draw.line([(0, 0), (box.width, box.height)], fill=(200, 40, 40), width=line)
    draw.line([(0, box.height), (box.width, 0)], fill=(200, 40, 40), width=line)
    from .fonts import resolve_font

    label = f"MISSING ART\npage {page}, panel {panel.number}\n{panel_file_name(page, panel.number)}"
    size = max(10, min(box.width // 14, box.height // 8))
    font = resolve_font("title", "MISSING ART page panel 0123456789_.png", size=size).load()
    draw.multiline_text(
        (box.width / 2, box.height / 2),
        label,
        font=font,
        fill=(150, 20, 20),
        anchor="mm",
        align="center",
        stroke_width=max(1, size // 12),
        stroke_fill=(255, 255, 255),
    )
    return tile
