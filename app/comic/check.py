"""A full check of a book before anything is rendered: what `comic compose` would reject, found first.

    report = check_book(book, lines)     # lines: from load_book(path, lines=...) / parse_script(..., lines=...)
    report.errors      # layouts that do not fit their pages, lettering that cannot fit its panel
    report.warnings    # check_script's warnings (speakers not in the cast ...), crowded pages

Every message names the page and panel and, for plain-text scripts, the script line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InkframeError
from .layout import layout_page
from .model import Book

CROWDED_PAGE = 9  # more panels than the largest template: an automatic grid of small panels


@dataclass
class BookCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def line_of(lines: Mapping[tuple[Any, ...], int] | None, *loc: Any) -> str:
    """ " (line N)" for the deepest known location on `loc`, or "" when the script line is unknown."""
    if not lines:
        return ""
    for size in range(len(loc), 0, -1):
        if loc[:size] in lines:
            return f" (line {lines[loc[:size]]})"
    return ""


def layout_problems(
    book: Book, lines: Mapping[tuple[Any, ...], int] | None = None, *, gutter_in: float = 0.125
) -> list[str]:
    """One sentence per page whose layout cannot be made (a template of the wrong panel count ...)."""
    problems = []
    for index, page in enumerate(book.pages):
        try:
            layout_page(
                page,
                page_size=book.page_size,
                dpi=book.dpi,
                reading_direction=book.reading_direction,
                gutter_in=gutter_in,
            )
        except InkframeError as exc:
            where = line_of(lines, "pages", index, "layout") if page.layout else line_of(lines, "pages", index)
            problems.append(f"{str(exc).rstrip('.')}{where}.")
    return problems


def check_book(book: Book, lines: Mapping[tuple[Any, ...], int] | None = None, *, letter: bool = True) -> BookCheck:
    """Lay out every page and plan its lettering (no art, no drawing) as `compose` would."""
    from .compose import ComposeOptions, px_per_point
    from .lettering import plan_panel
    from .script import check_script

    report = BookCheck(warnings=check_script(book, lines))
    options = ComposeOptions()
    for index, page in enumerate(book.pages):
        if len(page.panels) > CROWDED_PAGE:
            report.warnings.append(
                f"Page {page.number}{line_of(lines, 'pages', index)} has {len(page.panels)} panels; "
                f"no template holds more than {CROWDED_PAGE}, so they get a plain grid of small panels."
            )
        try:
            layout = layout_page(
                page,
                page_size=book.page_size,
                dpi=book.dpi,
                reading_direction=book.reading_direction,
                gutter_in=options.gutter_in,
            )
        except InkframeError as exc:
            where = line_of(lines, "pages", index, "layout") if page.layout else line_of(lines, "pages", index)
            report.errors.append(f"{str(exc).rstrip('.')}{where}.")
            continue
        if not letter:
            continue
        for panel_index, (panel, slot) in enumerate(zip(page.panels, layout.slots)):
            _plan, issues = plan_panel(
                panel,
                slot.box.as_tuple(),
                page_number=page.number,
                px_per_pt=px_per_point(layout),
                rtl=book.reading_direction == "rtl",
                language=book.language,
                style=options.lettering,
                limit=layout.geometry.safe_box,
            )
            for issue in issues:
                where = line_of(lines, "pages", index, "panels", panel_index, "dialogue", issue.index)
                text = f"{issue.describe().rstrip('.')}{where}."
                (report.errors if issue.severity == "error" else report.warnings).append(text)
    return report
