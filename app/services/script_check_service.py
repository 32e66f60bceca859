"""Check a comic script as it is typed: the parsed book, or every problem with its line and column.

Used by the UI's live script editor (and any caller that wants issues as data, not an exception).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..comic.check import BookCheck, check_book
from ..comic.model import Book
from ..comic.script import (
    ScriptError,
    ScriptIssue,
    check_script,
    format_script,
    load_book,
    parse_book_data,
    parse_script,
)
from ..errors import InkframeError

ScriptKind = str  # "script" (plain-text full script), "yaml" or "json"


@dataclass(frozen=True)
class ScriptCheck:
    """The outcome of reading a script: `book` when it parses, else `issues` (never both)."""

    book: Book | None
    issues: tuple[ScriptIssue, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.book is not None

    def summary(self) -> str:
        if self.book is None:
            count = len(self.issues)
            return f"{count} problem{'s' if count != 1 else ''} in the script."
        pages = len(self.book.pages)
        return (
            f"“{self.book.title}”: {pages} page{'s' if pages != 1 else ''}, "
            f"{self.book.panel_count()} panel{'s' if self.book.panel_count() != 1 else ''}, "
            f"{len(self.book.cast)} cast member{'s' if len(self.book.cast) != 1 else ''}."
        )


def guess_kind(text: str) -> ScriptKind:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json"
    first = stripped.splitlines()[0] if stripped else ""
    if first.startswith("title:") or first.startswith("pages:"):  # lower-case keys: the YAML form
        return "yaml"
    return "script"


def check_script_text(text: str, kind: ScriptKind | None = None) -> ScriptCheck:
    """Parse `text` (a full script, YAML or JSON) and report issues instead of raising."""
    kind = kind or guess_kind(text)
    if not text.strip():
        return ScriptCheck(
            None, (ScriptIssue(1, 0, "the script is empty", "start with a line such as `Title: My comic`"),)
        )
    lines: dict = {}
    try:
        book = parse_script(text, lines=lines) if kind == "script" else parse_book_data(text, kind=kind)
    except ScriptError as exc:
        return ScriptCheck(None, tuple(exc.issues))
    layout_issues = tuple(_layout_issues(book, lines))
    if layout_issues:  # a build would stop on that page: refuse before anything is queued
        return ScriptCheck(None, layout_issues)
    return ScriptCheck(book, (), tuple(check_script(book, lines)))


def _layout_issues(book: Book, lines: dict) -> list[ScriptIssue]:
    """A page's `Layout:` that names no template, or one holding another number of panels."""
    from ..comic.templates import load_templates

    templates = load_templates()
    issues = []
    for index, page in enumerate(book.pages):
        if not page.layout:
            continue
        line = int(lines.get(("pages", index, "layout")) or lines.get(("pages", index)) or 0)
        template = templates.get(page.layout)
        if template is None:
            issues.append(
                ScriptIssue(
                    line,
                    0,
                    f"page {page.number} asks for layout {page.layout!r}, which is not a layout template",
                    f"use one of {', '.join(sorted(templates))}, or remove the Layout line to let pages be laid out",
                )
            )
        elif template.panel_count != len(page.panels):
            issues.append(
                ScriptIssue(
                    line,
                    0,
                    f"page {page.number} uses layout {page.layout!r} with {template.panel_count} panel(s) "
                    f"but has {len(page.panels)}",
                    "pick another layout or remove the Layout line",
                )
            )
    return issues


def load_script_file(
    path: str | Path, *, lines: dict | None = None, dpi: int | None = None, page_size: str | None = None
) -> Book:
    """The book in the script file at `path` (a command line's own file), with the page settings the caller
    overrides; one sentence naming the setting when an override is invalid."""
    book = load_book(path, lines=lines)
    updates: dict[str, object] = {}
    if dpi:
        updates["dpi"] = dpi
    if page_size:
        updates["page_size"] = page_size
    if not updates:
        return book
    try:
        return Book.model_validate({**book.model_dump(), **updates})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InkframeError(f"Bad override {'.'.join(str(p) for p in first['loc'])}: {first['msg']}.") from None


def check_script_book(book: Book, lines: dict) -> BookCheck:
    """Every page laid out and its lettering planned: what composing would reject (errors) or warn about."""
    return check_book(book, lines)


def formatted_script(book: Book) -> str:
    """The book written back as a tidy full script."""
    return format_script(book)
