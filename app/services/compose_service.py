"""Compose comic pages from existing panel images (no ComfyUI needed), edit their lettering, export them.

    draft = start_draft(images, work_dir, script_text=None, page_size="a5", dpi=150, panels_per_page=4)
    draft = edit_balloon(draft, page=1, panel=2, index=0, BalloonEdit(text="Hi!", kind="shout"))
    path = export_draft(draft, "pdf", out_dir)

A draft is a `Book` plus the art of each panel and the rendered page PNGs under `work_dir`. Without a
script, the images become pages of `panels_per_page` panels in upload order; with one, images named
like `p01_panel02.png` go to that panel and the others fill the remaining panels in reading order.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..comic.art_cache import ArtCache
from ..comic.compose import ComposeOptions, compose_book, compose_page
from ..comic.export import ExportError, export_book
from ..comic.hit_test import BalloonSpot, balloon_spots
from ..comic.layout import layout_page
from ..comic.model import Balloon, Book, Page, Panel, Point
from ..comic.panel_images import PanelImageError, open_panel_image
from ..errors import InkframeError
from ..image_files import IMAGE_SUFFIXES
from ..provenance import composed as composed_facts
from .provenance_service import stamp_export, stamp_output
from .script_check_service import check_script_text

_NAME_RE = re.compile(r"^(?:p|page)0*(\d+)[_-]?(?:panel|pn|p)0*(\d+)$", re.IGNORECASE)
MAX_PANELS_PER_PAGE = 9
PAGE_FORMATS = {"png": ".png", "jpeg": ".jpg"}
ART_CACHE = ArtCache()  # fitted panel art shared by every draft: a balloon edit only re-letters its page


class ComposeError(InkframeError):
    """Pages that cannot be composed from what was given."""


@dataclass(frozen=True)
class BalloonEdit:
    """A change to one balloon; None leaves a field as it is. `position` is (x, y) in panel fractions."""

    text: str | None = None
    kind: str | None = None
    position: tuple[float, float] | None = None


@dataclass(frozen=True, eq=False)  # compared by identity: every edit makes a new draft
class ComposeDraft:
    book: Book
    art: dict[tuple[int, int], Path]
    work_dir: Path
    page_files: dict[int, Path] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    spots: dict[int, tuple[BalloonSpot, ...]] = field(default_factory=dict)  # each page's balloons, page pixels
    page_format: str = "png"  # "jpeg": the workspace's preview pages (a 6-panel PNG takes ~250 ms to write)

    def page_paths(self) -> list[Path]:
        return [self.page_files[number] for number in sorted(self.page_files)]


def _image_paths(images: list[Path | str]) -> list[Path]:
    paths = [Path(image) for image in images]
    if not paths:
        raise ComposeError("no panel images were given; upload at least one PNG, JPEG or WebP image.")
    for path in paths:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise ComposeError(
                f"{path.name} is not a panel image; use PNG, JPEG or WebP ({', '.join(IMAGE_SUFFIXES)})."
            )
    return paths


def _keep_copies(paths: list[Path], art_dir: Path) -> list[Path]:
    """Check each image opens, and copy it into the draft's folder (uploads live in temporary folders)."""
    art_dir.mkdir(parents=True, exist_ok=True)
    kept: list[Path] = []
    for path in paths:
        try:
            open_panel_image(path)
        except PanelImageError as exc:
            raise ComposeError(str(exc)) from exc
        target = art_dir / path.name
        if target.exists() and target.resolve() != path.resolve():
            target = art_dir / f"{path.stem}-{len(kept) + 1}{path.suffix}"
        if target.resolve() != path.resolve():
            shutil.copyfile(path, target)
        kept.append(target)
    return kept


def book_for_images(
    count: int, *, title: str = "Untitled", page_size: str = "us-comic", dpi: int = 150, panels_per_page: int = 4
) -> Book:
    """A book with `count` panels and no lettering, `panels_per_page` to a page."""
    if not 1 <= panels_per_page <= MAX_PANELS_PER_PAGE:
        raise ComposeError(f"panels per page must be 1..{MAX_PANELS_PER_PAGE}, not {panels_per_page}.")
    pages: list[Page] = []
    for start in range(0, count, panels_per_page):
        size = min(panels_per_page, count - start)
        pages.append(Page(number=len(pages) + 1, panels=[Panel(number=n + 1) for n in range(size)]))
    try:
        return Book(title=title or "Untitled", page_size=page_size, dpi=dpi, pages=pages)
    except ValueError as exc:
        raise ComposeError(f"cannot make a book of these pages: {exc}") from exc


def assign_art(book: Book, images: list[Path]) -> tuple[dict[tuple[int, int], Path], list[str]]:
    """Images named `p<page>_panel<panel>` go to that panel; the rest fill empty panels in reading order."""
    slots = [(page.number, panel.number) for page in book.pages for panel in page.panels]
    art: dict[tuple[int, int], Path] = {}
    rest: list[Path] = []
    for path in images:
        match = _NAME_RE.match(path.stem)
        key = (int(match.group(1)), int(match.group(2))) if match else None
        if key in slots and key not in art:
            art[key] = path
        else:
            rest.append(path)
    free = [slot for slot in slots if slot not in art]
    for slot, path in zip(free, rest):
        art[slot] = path
    warnings = []
    if len(rest) > len(free):
        unused = ", ".join(path.name for path in rest[len(free) :])
        warnings.append(f"{len(rest) - len(free)} image(s) have no panel in the script and were left out: {unused}.")
    return art, warnings


def start_draft(
    images: list[Path | str],
    work_dir: Path,
    *,
    script_text: str | None = None,
    page_size: str = "us-comic",
    dpi: int = 150,
    panels_per_page: int = 4,
    title: str = "Untitled",
    page_format: str = "png",
) -> ComposeDraft:
    """Check the images, build or parse the book, compose every page into `work_dir`.

    `page_format` "jpeg" writes the pages as JPEG (quality 92, no chroma subsampling: crisp lettering) for a
    fast redraw in the UI; exports compose afresh in their own formats either way."""
    if page_format not in PAGE_FORMATS:
        raise ComposeError(f"page format {page_format!r} is not one of {', '.join(PAGE_FORMATS)}.")
    paths = _keep_copies(_image_paths(images), Path(work_dir) / "art")
    if script_text and script_text.strip():
        check = check_script_text(script_text)
        if check.book is None:
            raise ComposeError(f"the script has problems; first: {check.issues[0].describe()}")
        book = check.book
        if book.panel_count() == 0:
            raise ComposeError(
                "the script has no panels; add `PAGE 1` and `PANEL 1` lines, or clear it to lay out the images alone."
            )
    else:
        book = book_for_images(len(paths), title=title, page_size=page_size, dpi=dpi, panels_per_page=panels_per_page)
    art, warnings = assign_art(book, paths)
    draft = ComposeDraft(book=book, art=art, work_dir=Path(work_dir), warnings=tuple(warnings), page_format=page_format)
    return render_pages(draft)


def render_pages(draft: ComposeDraft, pages: list[int] | None = None, *, cache: bool = True) -> ComposeDraft:
    """(Re)compose the given page numbers (all when None) and save them as PNG in the work folder.

    `cache` False fits every panel's art afresh instead of reusing ART_CACHE (the benchmark's baseline)."""
    draft.work_dir.mkdir(parents=True, exist_ok=True)
    files = dict(draft.page_files)
    spots = dict(draft.spots)
    wanted = set(pages) if pages is not None else {page.number for page in draft.book.pages}
    page_warnings: list[str] = []
    issues: list[str] = []
    for page in draft.book.pages:
        if page.number not in wanted:
            continue
        art = {panel.number: draft.art.get((page.number, panel.number)) for panel in page.panels}
        try:
            composed = compose_page(draft.book, page, art, options=ComposeOptions(), cache=ART_CACHE if cache else None)
        except ValueError as exc:  # a library failure must reach the user as a sentence, not a traceback
            raise ComposeError(
                f"page {page.number} could not be composed ({exc}); try panel images of another size."
            ) from exc
        path = draft.work_dir / f"page-{page.number:03d}{PAGE_FORMATS[draft.page_format]}"
        if draft.page_format == "jpeg":
            composed.image.save(path, quality=92, subsampling=0)
        else:
            composed.image.save(path, optimize=False, compress_level=3)
        stamp_output(path, composed_facts("compose page", [p for p in art.values() if p is not None]))  # C2PA
        files[page.number] = path
        spots[page.number] = balloon_spots(composed.plans)
        page_warnings.extend(composed.warnings)
        issues.extend(issue.describe() for issue in composed.issues)
    missing = [f"page {p} panel {n}" for p in wanted for n in _panel_numbers(draft.book, p) if (p, n) not in draft.art]
    if missing:
        page_warnings.append(f"No art for {', '.join(missing)}: a marked placeholder was drawn.")
    kept_issues = tuple(i for i in draft.issues if not any(i.startswith(f"Page {p} ") for p in wanted))
    return replace(
        draft,
        page_files=files,
        spots=spots,
        warnings=_unique(draft.warnings + tuple(page_warnings)),
        issues=kept_issues + tuple(issues),
    )


def _panel_numbers(book: Book, page_number: int) -> list[int]:
    for page in book.pages:
        if page.number == page_number:
            return [panel.number for panel in page.panels]
    return []


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def balloon_rows(book: Book, page_number: int) -> list[dict]:
    """Every piece of lettering on one page, in reading order, as plain rows for a table."""
    rows = []
    for panel in _page(book, page_number).panels:
        for index, balloon in enumerate(panel.dialogue):
            rows.append(
                {
                    "panel": panel.number,
                    "index": index,
                    "kind": balloon.kind,
                    "speaker": balloon.speaker or "",
                    "text": balloon.text,
                    "x": round(balloon.position.x, 3) if balloon.position else None,
                    "y": round(balloon.position.y, 3) if balloon.position else None,
                }
            )
    return rows


def _page(book: Book, page_number: int) -> Page:
    for page in book.pages:
        if page.number == page_number:
            return page
    raise ComposeError(
        f"the book has no page {page_number}; it has pages {', '.join(str(p.number) for p in book.pages)}."
    )


def edit_balloon(
    draft: ComposeDraft, page: int, panel: int, index: int, edit: BalloonEdit, *, cache: bool = True
) -> ComposeDraft:
    """Change one balloon's text, kind or position (or add one with index -1) and re-letter its page."""
    book_page = _page(draft.book, page)
    target = next((p for p in book_page.panels if p.number == panel), None)
    if target is None:
        raise ComposeError(f"page {page} has no panel {panel}.")
    dialogue = list(target.dialogue)
    try:
        if index == -1:
            balloon = Balloon(kind=edit.kind or "speech", text=edit.text or "…", position=_point(edit.position))
            dialogue.append(balloon)
        else:
            if not 0 <= index < len(dialogue):
                raise ComposeError(f"page {page} panel {panel} has no balloon {index + 1}; it has {len(dialogue)}.")
            update: dict = {}
            if edit.text is not None:
                update["text"] = edit.text
            if edit.kind is not None:
                update["kind"] = edit.kind
            if edit.position is not None:
                update["position"] = _point(edit.position)
            dialogue[index] = Balloon.model_validate({**dialogue[index].model_dump(), **update})
    except ValueError as exc:
        raise ComposeError(f"page {page} panel {panel}: {_first_error(exc)}") from exc
    new_panel = target.model_copy(update={"dialogue": dialogue})
    new_page = book_page.model_copy(
        update={"panels": [new_panel if p.number == panel else p for p in book_page.panels]}
    )
    book = draft.book.model_copy(update={"pages": [new_page if p.number == page else p for p in draft.book.pages]})
    return render_pages(replace(draft, book=book), [page], cache=cache)


def _point(position: tuple[float, float] | None) -> Point | None:
    if position is None:
        return None
    x, y = position
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ComposeError(f"a balloon position is a fraction of the panel (0..1), not ({x}, {y}).")
    return Point(x=x, y=y)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)


def export_formats(text: str) -> list[str]:
    """`"png,pdf,cbz"` -> ["png", "pdf", "cbz"]; one sentence naming an unknown format."""
    from ..comic.export import parse_formats

    return parse_formats(text)


@dataclass(frozen=True)
class ScriptComposition:
    """What `compose_script` wrote: files per format, warnings, and the lettering issues (each has
    `severity` and `describe()`); `errors` are the issues of severity "error"."""

    files: dict[str, list[Path]]
    warnings: tuple[str, ...]
    issues: tuple

    @property
    def errors(self) -> list:
        return [issue for issue in self.issues if issue.severity == "error"]


def compose_script(
    book: Book,
    lines: dict,
    *,
    panels: Path | str | None,
    script_dir: Path,
    out_dir: Path | str,
    formats: list[str],
    letter: bool = True,
    webtoon_max_height: int = 1280,
    config=None,
) -> ScriptComposition:
    """Lettered pages of a parsed script (`lines` from `load_book`) with the art in `panels` (missing art gets a
    marked placeholder), exported to `out_dir` in `formats` and signed (`comic compose`)."""
    from ..comic.check import layout_problems
    from ..comic.panel_images import find_panel_images
    from ..comic.script import check_script

    if not book.pages:
        raise ComposeError("the script has no pages; add `PAGE 1` and a `PANEL 1`.")
    problems = layout_problems(book, lines)
    if problems:
        more = f" (and {len(problems) - 1} more page(s) like it)" if len(problems) > 1 else ""
        raise ComposeError(problems[0] + more)
    images = find_panel_images(book, panels, script_dir=script_dir)
    composed = compose_book(book, images, options=ComposeOptions(letter=letter))
    result = export_book(composed, out_dir, formats, webtoon_max_height=webtoon_max_height)
    stamp_export(result.files, images.paths, config)  # C2PA Content Credentials on every exported file
    return ScriptComposition(
        files=result.files,
        warnings=tuple(check_script(book, lines) + composed.all_warnings),
        issues=tuple(composed.issues),
    )


def export_draft(draft: ComposeDraft, formats: list[str], out_dir: Path) -> dict[str, list[Path]]:
    """Compose every page afresh and write the chosen formats (png, pdf, cbz, webtoon, contact) to `out_dir`."""
    if not formats:
        raise ComposeError("choose at least one export format.")
    try:
        composed = compose_book(draft.book, draft.art, options=ComposeOptions())
        files = export_book(composed, out_dir, formats).files
        stamp_export(files, draft.art)  # C2PA Content Credentials on every exported file
        return files
    except ExportError as exc:
        raise ComposeError(str(exc)) from exc
    except ValueError as exc:
        raise ComposeError(
            f"the pages could not be composed for export ({exc}); try panel images of another size."
        ) from exc


@dataclass(frozen=True)
class PanelPoint:
    """A point on a page that falls inside a panel, as fractions of that panel."""

    panel: int
    x: float
    y: float


def locate_point(draft: ComposeDraft, page: int, x_px: float, y_px: float) -> PanelPoint | None:
    """Which panel of a composed page holds the pixel (x_px, y_px), and where inside it; None in a gutter."""
    book_page = _page(draft.book, page)
    options = ComposeOptions()
    layout = layout_page(
        book_page,
        page_size=draft.book.page_size,
        dpi=draft.book.dpi,
        reading_direction=draft.book.reading_direction,
        gutter_in=options.gutter_in,
    )
    for panel, slot in zip(book_page.panels, layout.slots):
        box = slot.box
        if box.left <= x_px < box.left + box.width and box.top <= y_px < box.top + box.height:
            return PanelPoint(
                panel.number, round((x_px - box.left) / box.width, 3), round((y_px - box.top) / box.height, 3)
            )
    return None


MOTION_COMIC_SIZE = (1920, 1080)  # the same default as `python main.py comic animate --size`


def export_motion_comic(
    draft: ComposeDraft,
    out: Path,
    *,
    width: int = MOTION_COMIC_SIZE[0],
    height: int = MOTION_COMIC_SIZE[1],
    fps: int = 30,
    on_frame=None,
) -> tuple[Path, float, list[str]]:
    """An MP4 that moves across the draft's panels in reading order, timing balloons by their words.

    Returns (path, duration in seconds, warnings). `on_frame(done, total)` reports progress."""
    from ..motion.motion_comic import MotionComicOptions, render_motion_comic

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = render_motion_comic(
            draft.book,
            dict(draft.art),
            out,
            options=MotionComicOptions(width=width, height=height, fps=fps),
            on_frame=on_frame,
        )
    except InkframeError as exc:
        raise ComposeError(str(exc)) from exc
    except ValueError as exc:
        raise ComposeError(
            f"the motion comic could not be rendered ({exc}); try panel images of another size."
        ) from exc
    stamp_output(result.path, composed_facts("motion comic", [p for p in draft.art.values() if p is not None]))  # C2PA
    return result.path, result.duration_s, list(result.warnings)
