"""Pages and export for the book builder: compose lettered pages from the panels' art and write
PNG / PDF / CBZ into OUT/book/.

`only_page` recomposes just that page (a regenerated panel's); the other pages are taken from their
PNGs of the previous run, so the PDF and CBZ are rewritten without composing anything else again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from PIL import Image

from ..comic.compose import ComposedBook, ComposedPage, ComposeOptions, compose_page
from ..comic.export import export_book
from ..comic.layout import layout_page
from ..comic.model import Book
from ..provenance.stamping import stamp_export

BOOK_DIR = "book"


class LetteringProblem(str):
    """A warning that is a lettering error (text that does not fit): the build exits 1 on one, as
    `comic compose` does."""


def compose_page_file(
    book: Book,
    page_number: int,
    art: Mapping[tuple[int, int], Path | Image.Image | None],
    out_dir: Path,
    options: ComposeOptions | None = None,
) -> list[str]:
    """Compose one page as soon as its panels are done and keep it as OUT/book/page_NNN.png; its warnings."""
    page = next(p for p in book.pages if p.number == page_number)
    composed = compose_page(
        book,
        page,
        {panel.number: art.get((page.number, panel.number)) for panel in page.panels},
        options=options or ComposeOptions(),
    )
    folder = Path(out_dir) / BOOK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"page_{page.number:03d}.png"
    temporary = target.with_name(f".{target.name}.part")
    composed.image.convert("RGB").save(temporary, format="PNG")
    temporary.replace(target)
    return [
        *composed.warnings,
        *(LetteringProblem(issue.describe()) for issue in composed.issues if issue.severity == "error"),
    ]


def compose_and_export(
    book: Book,
    art: Mapping[tuple[int, int], Path | Image.Image | None],
    out_dir: Path,
    formats: Iterable[str],
    *,
    only_page: int | None = None,
    reuse_pages: Iterable[int] = (),
    options: ComposeOptions | None = None,
) -> tuple[dict[str, list[str]], list[str], list[Image.Image]]:
    """(files written by format, relative to out_dir; warnings; the page images). Pages in `reuse_pages`
    (composed while the build ran, see compose_page_file) are taken from their PNGs."""
    reuse = set(reuse_pages)
    options = options or ComposeOptions()
    folder = Path(out_dir) / BOOK_DIR
    pages: list[ComposedPage] = []
    warnings: list[str] = []
    for page in book.pages:
        previous = folder / f"page_{page.number:03d}.png"
        if ((only_page is not None and page.number != only_page) or page.number in reuse) and previous.is_file():
            layout = layout_page(
                page,
                page_size=book.page_size,
                dpi=book.dpi,
                reading_direction=book.reading_direction,
                gutter_in=options.gutter_in,
            )
            with Image.open(previous) as image:
                pages.append(ComposedPage(page.number, image.convert("RGB"), layout))
            continue
        composed = compose_page(
            book, page, {panel.number: art.get((page.number, panel.number)) for panel in page.panels}, options=options
        )
        warnings.extend(composed.warnings)
        warnings.extend(LetteringProblem(issue.describe()) for issue in composed.issues if issue.severity == "error")
        pages.append(composed)
    missing = [
        f"page {p} panel {n}"
        for p in (pg.number for pg in book.pages)
        for n in (pn.number for pn in next(x for x in book.pages if x.number == p).panels)
        if art.get((p, n)) is None
    ]
    if missing:
        warnings.append(f"{len(missing)} panel(s) have no art and were drawn as placeholders: {', '.join(missing)}.")
    result = export_book(
        ComposedBook(book, pages, art=dict(art), options=options), folder, formats
    )  # art: the webtoon re-letters
    stamp_export(result.files, art)  # C2PA Content Credentials on every exported file
    files = {fmt: [str(Path(p).relative_to(out_dir)) for p in paths] for fmt, paths in result.files.items()}
    return files, warnings, [page.image for page in pages]
