"""Loading and saving comic scripts: plain-text full scripts, YAML and JSON all give the same `Book`.

book = load_book("issue1.txt")          # or .yaml / .yml / .json
text = format_script(book)               # back to a full script
warnings = check_script(book)            # speakers missing from the cast, empty panels ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_DATA_DEPTH = 12  # book > pages > [page] > panels > [panel] > dialogue > [balloon] > position: 8 levels
MAX_SCRIPT_BYTES = 5_000_000


def load_book(path: str | Path, *, lines: dict | None = None) -> Book:
    """Read a script (.txt/.script/any other suffix), YAML or JSON file into a `Book`. `lines`, when
    given, receives the script line of each page, panel, layout and balloon (plain-text scripts)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            raise ScriptError(
                [
                    ScriptIssue(
                        0,
                        0,
                        f"the file is larger than {MAX_SCRIPT_BYTES // 1_000_000} MB",
                        "split the book into issues",
                    )
                ],
                str(path),
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError([ScriptIssue(0, 0, "the file does not exist", "check the path")], str(path)) from None
    except IsADirectoryError:
        raise ScriptError(
            [ScriptIssue(0, 0, "the path is a folder, not a script file", "name the script file itself")], str(path)
        ) from None
    except OSError as exc:
        raise ScriptError(
            [
                ScriptIssue(
                    0, 0, f"the file cannot be read ({exc.strerror or exc.__class__.__name__})", "check its permissions"
                )
            ],
            str(path),
        ) from None
    text = decode_script(data, source=str(path))
    kind = _DATA_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        return parse_script(text, source=str(path), lines=lines)
    return parse_book_data(text, kind=kind, source=str(path))


def decode_script(data: bytes, *, source: str = "script") -> str:
    """UTF-8 text of a script file (a BOM is dropped); ScriptError naming the first bad byte's line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        hint = "save it as UTF-8 text" + (" (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "")
        raise ScriptError(
            [
                ScriptIssue(
                    line, column, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)", hint
                )
            ],
            source,
        ) from None


def parse_book_data(text: str, *, kind: str = "yaml", source: str = "script") -> Book:
    """Validate a YAML or JSON document (the `Book` model's fields) into a `Book`."""
    control = control_character_issues(text)
    if control:
        raise ScriptError(control, source)
    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
    except RecursionError:
        raise ScriptError(
            [
                ScriptIssue(
                    0,
                    0,
                    f"the {kind.upper()} document is nested too deeply to be a comic book",
                    "a book is at most a few levels deep: pages, panels, dialogue",
                )
            ],
            source,
        ) from None
    except json.JSONDecodeError as exc:
        raise ScriptError(
            [ScriptIssue(exc.lineno, exc.colno, f"invalid JSON: {exc.msg}", "check brackets, quotes and commas")],
            source,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScriptError(
            [ScriptIssue(line, column, f"invalid YAML: {problem}", "check indentation and colons")], source
        ) from None
    if not isinstance(data, dict):
        raise ScriptError(
            [ScriptIssue(1, 1, "the document is not a mapping of book fields", "start with `title: ...`")], source
        )
    if _depth(data) > MAX_DATA_DEPTH:
        raise ScriptError(
            [
                ScriptIssue(
                    0,
                    0,
                    f"the {kind.upper()} document is nested more than {MAX_DATA_DEPTH} levels deep",
                    "a book is at most a few levels deep: pages, panels, dialogue",
                )
            ],
            source,
        )
    escaped = list(_control_in_data(data, ()))
    if escaped:
        raise ScriptError(
            [
                ScriptIssue(
                    *_position(text, loc),
                    f"{'.'.join(str(p) for p in loc)}: control character U+{ord(ch):04X} in the text",
                    "delete it (it is invisible in most editors)",
                )
                for loc, ch in escaped[:20]
            ],
            source,
        )
    try:
        return Book.model_validate(data)
    except RecursionError:
        raise ScriptError(
            [
                ScriptIssue(
                    0,
                    0,
                    f"the {kind.upper()} document is nested too deeply to be a comic book",
                    "a book is at most a few levels deep",
                )
            ],
            source,
        ) from None
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            line, column = _position(text, tuple(err["loc"]))
            issues.append(
                ScriptIssue(
                    line, column, f"{'.'.join(str(p) for p in err['loc']) or 'book'}: {err['msg']}", "fix that field"
                )
            )
        raise ScriptError(issues, source) from None


def _depth(value: object, level: int = 1) -> int:
    """How deeply containers nest in `value` (stops counting past MAX_DATA_DEPTH + 1)."""
    if level > MAX_DATA_DEPTH or not isinstance(value, (dict, list)):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children), default=level)


def _control_in_data(value: object, loc: tuple[object, ...]):
    """(location, character) of each string in decoded data holding a control character (JSON's \\u0007)."""
    if isinstance(value, str):
        match = _CONTROL_RE.search(value)
        if match:
            yield loc, match.group()
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _control_in_data(key, loc + (key,))
            yield from _control_in_data(child, loc + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _control_in_data(child, loc + (index,))


def control_character_issues(text: str) -> list[ScriptIssue]:
    """One issue per line holding a control character (NUL, escape, C1 ...) that has no place in a
    script and would make ComicInfo.xml unreadable; tabs and line ends are fine."""
    issues = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        match = _CONTROL_RE.search(line)
        if match:
            issues.append(
                ScriptIssue(
                    number,
                    match.start() + 1,
                    f"control character U+{ord(match.group()):04X} in the text",
                    "delete it (it is invisible in most editors)",
                )
            )
            if len(issues) >= 20:
                break
    return issues


def _position(text: str, loc: tuple[object, ...]) -> tuple[int, int]:
    """Line and column (from 1) of the deepest node on `loc` in a YAML or JSON document; (0, 0) if unknown."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
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


def check_script(book: Book, lines: Mapping[tuple[Any, ...], int] | None = None) -> list[str]:
    """Warnings that do not stop a book: speakers or characters missing from the cast, panels with
    nothing to draw, balloons whose speaker is not in the panel and not marked off-panel. With the
    `lines` of `parse_script`/`load_book`, each names its script line."""
    from .check import line_of

    warnings: list[str] = []
    has_cast = bool(book.cast)
    for page_index, page in enumerate(book.pages):
        if not page.panels:
            warnings.append(f"Page {page.number}{line_of(lines, 'pages', page_index)} has no panels.")
        for panel_index, panel in enumerate(page.panels):
            where = (
                f"page {page.number} panel {panel.number}{line_of(lines, 'pages', page_index, 'panels', panel_index)}"
            )
            if not panel.description and not panel.image:
                warnings.append(f"On {where} there is no description to draw from.")
            for name in panel.characters:
                if has_cast and book.cast_member(name) is None:
                    warnings.append(f"On {where} character {name!r} is not in the cast.")
            for index, balloon in enumerate(panel.dialogue):
                if balloon.kind in ("caption", "sfx"):
                    continue
                located = line_of(lines, "pages", page_index, "panels", panel_index, "dialogue", index)
                said = f"page {page.number} panel {panel.number}{located}"
                speaker = balloon.speaker or ""
                if has_cast and speaker and book.cast_member(speaker) is None:
                    warnings.append(f"On {said} speaker {speaker!r} is not in the cast.")
                if panel.characters and speaker and not balloon.off_panel and speaker not in panel.characters:
                    warnings.append(
                        f"On {said} {speaker} speaks but is not listed in Characters; mark the line (OFF) or add them."
                    )
    return warnings
