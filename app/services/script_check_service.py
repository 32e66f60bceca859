"""Check a comic script as it is typed: the parsed book, or every problem with its line and column.

Used by the UI's live script editor (and any caller that wants issues as data, not an exception).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..comic.model import Book
from ..comic.script import ScriptError, ScriptIssue, check_script, parse_book_data, parse_script

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
        return ScriptCheck(None, (ScriptIssue(1, 0, "the script is empty", "start with a line such as `Title: My comic`"),))
    lines: dict = {}
    try:
        book = parse_script(text, lines=lines) if kind == "script" else parse_book_data(text, kind=kind)
    except ScriptError as exc:
        return ScriptCheck(None, tuple(exc.issues))
    return ScriptCheck(book, (), tuple(check_script(book, lines)))
