"""Loading and saving comic scripts: plain-text full scripts, YAML and JSON all give the same `Book`.

    book = load_book("issue1.txt")          # or .yaml / .yml / .json
    text = format_script(book)               # back to a full script
    warnings = check_script(book)            # speakers missing from the cast, empty panels ...
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from .model import Book
from .script_errors import ScriptError, ScriptIssue
from .script_format import format_script
from .script_parser import parse_script

__all__ = [
    "ScriptError",
    "ScriptIssue",
    "check_script",
    "format_script",
    "load_book",
    "parse_book_data",
    "parse_script",
    "save_book",
]

_DATA_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def load_book(path: str | Path) -> Book:
    """Read a script (.txt/.script/any other suffix), YAML or JSON file into a `Book`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError([ScriptIssue(0, 0, "the file does not exist", "check the path")], str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError([ScriptIssue(0, 0, f"cannot read the file ({exc.__class__.__name__})", "save it as UTF-8 text")], str(path)) from None
    kind = _DATA_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        return parse_script(text, source=str(path))
    return parse_book_data(text, kind=kind, source=str(path))


def parse_book_data(text: str, *, kind: str = "yaml", source: str = "script") -> Book:
    """Validate a YAML or JSON document (the `Book` model's fields) into a `Book`."""
    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScriptError([ScriptIssue(exc.lineno, exc.colno, f"invalid JSON: {exc.msg}", "check brackets, quotes and commas")], source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScriptError([ScriptIssue(line, column, f"invalid YAML: {problem}", "check indentation and colons")], source) from None
    if not isinstance(data, dict):
        raise ScriptError([ScriptIssue(1, 1, "the document is not a mapping of book fields", "start with `title: ...`")], source)
    try:
        return Book.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            line, column = _position(text, tuple(err["loc"]))
            issues.append(ScriptIssue(line, column, f"{'.'.join(str(p) for p in err['loc']) or 'book'}: {err['msg']}", "fix that field"))
        raise ScriptError(issues, source) from None


def _position(text: str, loc: tuple[object, ...]) -> tuple[int, int]:
    """Line and column (from 1) of the deepest node on `loc` in a YAML or JSON document; (0, 0) if unknown."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return (0, 0)
    found = node
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if getattr(key, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = found = match
    if found is None:
        return (0, 0)
    return (found.start_mark.line + 1, found.start_mark.column + 1)


def save_book(book: Book, path: str | Path) -> Path:
    """Write `book` as a script, YAML or JSON, chosen by the file suffix."""
    path = Path(path)
    kind = _DATA_SUFFIXES.get(path.suffix.lower())
    if kind == "json":
        text = book.model_dump_json(indent=2, exclude_defaults=True)
    elif kind == "yaml":
        text = yaml.safe_dump(book.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)
    else:
        text = format_script(book)
    path.write_text(text, encoding="utf-8")
    return path


def check_script(book: Book) -> list[str]:
    """Warnings that do not stop a book: speakers or characters missing from the cast, panels with
    nothing to draw, balloons whose speaker is not in the panel and not marked off-panel."""
    warnings: list[str] = []
    has_cast = bool(book.cast)
    for page in book.pages:
        if not page.panels:
            warnings.append(f"Page {page.number} has no panels.")
        for panel in page.panels:
            where = f"page {page.number} panel {panel.number}"
            if not panel.description and not panel.image:
                warnings.append(f"On {where} there is no description to draw from.")
            for name in panel.characters:
                if has_cast and book.cast_member(name) is None:
                    warnings.append(f"On {where} character {name!r} is not in the cast.")
            for balloon in panel.balloons:
                speaker = balloon.speaker or ""
                if has_cast and speaker and book.cast_member(speaker) is None:
                    warnings.append(f"On {where} speaker {speaker!r} is not in the cast.")
                if panel.characters and speaker and not balloon.off_panel and speaker not in panel.characters:
                    warnings.append(f"On {where} {speaker} speaks but is not listed in Characters; mark the line (OFF) or add them.")
    return warnings
