"""The plain-text full-script parser (format documented in docs/comic-script.md).

The parser reads line by line, collects every problem as a `ScriptIssue` (line, column, hint) and
raises one `ScriptError` at the end. It never raises anything else: the fuzz test holds it to that.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from .choices import READING_DIRECTIONS
from .model import Book
from .pages import page_size_names
from .script_errors import ScriptError, ScriptIssue
from .script_fields import (
    PANEL_KEYS,
    _apply_modifiers,
    _column,
    _parse_panel_field,
    _speaker_name,
    _State,
    looks_like_name,
)

_PAGE_RE = re.compile(r"^PAGE\s+(\d{1,6})\b\s*[.:]?\s*(\(.*\))?\s*$", re.IGNORECASE)
_PAGE_LOOSE_RE = re.compile(r"^PAGE\b", re.IGNORECASE)
_PANEL_RE = re.compile(r"^PANEL\s+(\d{1,6})\b\s*[.:\-]?\s*(.*)$", re.IGNORECASE)
_PANEL_LOOSE_RE = re.compile(r"^PANEL\b", re.IGNORECASE)
_LABEL_RE = re.compile(r"^(?P<name>[^:()\[\]]{1,60}?)\s*(?:\((?P<mods>[^()]*)\))?\s*:(?P<text>.*)$")

_CONTROL_RE = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ufffe\\uffff]")
MAX_PANELS_PER_PAGE = 16  # a page with more cannot be lettered readably; the templates stop at 9

FRONT_KEYS = (
    "title",
    "series",
    "issue",
    "writer",
    "language",
    "reading direction",
    "page size",
    "dpi",
    "style",
    "cast",
)
PAGE_KEYS = ("layout",)


def parse_script(text: str, *, source: str = "script", lines: dict[tuple[Any, ...], int] | None = None) -> Book:
    """Parse a full script into a `Book`; raise `ScriptError` listing every problem with line/column.
    `lines`, when given, receives the script line of each model location (("pages", 0, "panels", 1),
    ("pages", 0, "layout"), ("pages", 0, "panels", 1, "dialogue", 2) ...) for later warnings."""
    state = _State(source=source)
    if not isinstance(text, str):
        raise ScriptError([ScriptIssue(1, 0, "the script is not text")], source)
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        control = _CONTROL_RE.search(raw)
        if control:
            state.issue(
                number,
                control.start() + 1,
                f"control character U+{ord(control.group()):04X} in the text",
                "delete it (it is invisible in most editors)",
            )
            continue
        _parse_line(state, number, raw.rstrip())
    _finish_texts(state)
    _check_panel_counts(state)
    if lines is not None:
        lines.update(state.lines)
    if state.issues:
        raise ScriptError(state.issues, source)
    data = dict(state.front)
    data["cast"] = state.cast
    data["pages"] = state.pages
    try:
        return Book.model_validate(data)
    except ValidationError as exc:
        raise ScriptError([_issue_from_validation(state, err) for err in exc.errors()], source) from None


def _parse_line(state: _State, number: int, line: str) -> None:
    stripped = line.strip()
    if not stripped:
        return
    if line.startswith("#"):
        return
    indented = line[0] in " \t"
    if indented and state.last_text is not None:
        _continue_text(state, number, line, stripped)
        return
    if stripped.startswith("\\") and state.panel is not None:  # an escaped description line, taken as is
        state.last_text = None
        panel = state.panel
        text = stripped[1:].strip()
        panel["description"] = f"{panel['description']}\n{text}" if panel["description"] else text
        return
    if _PAGE_LOOSE_RE.match(stripped) and not _LABEL_RE.match(stripped):
        _start_page(state, number, stripped)
        return
    if _PANEL_LOOSE_RE.match(stripped) and not _looks_like_label(stripped, "panel"):
        _start_panel(state, number, line)
        return
    if state.page is None:
        _parse_front(state, number, line, stripped, indented)
    elif state.panel is None:
        _parse_page_line(state, number, line, stripped)
    else:
        _parse_panel_line(state, number, line, stripped)


def _looks_like_label(stripped: str, word: str) -> bool:
    match = _LABEL_RE.match(stripped)
    return match is not None and match.group("name").strip().casefold() == word


def _continue_text(state: _State, number: int, line: str, stripped: str) -> None:
    target = state.last_text
    assert target is not None
    key = state.last_key
    if key == "cast-detail":
        _parse_cast_detail(state, number, line, stripped)
        return
    current = target.get(key) or ""
    target[key] = f"{current}\n{stripped}" if current else stripped


def _finish_texts(state: _State) -> None:
    for page in state.pages:
        for panel in page["panels"]:
            for index, balloon in enumerate(panel["dialogue"]):
                if not balloon["text"].strip():
                    line = state.lines.get(("pages", page["_index"], "panels", panel["_index"], "dialogue", index), 0)
                    who = balloon.get("speaker") or balloon["kind"].upper()
                    state.issue(line, 0, f"{who}'s line has no text", "write the words after the colon")
            panel.pop("_index", None)
        page.pop("_index", None)


def _check_panel_counts(state: _State) -> None:
    for page in state.pages:
        count = len(page["panels"])
        if count > MAX_PANELS_PER_PAGE:
            line = state.lines.get(("pages", page.get("_index", state.pages.index(page))), 0)
            state.issue(
                line,
                1,
                (
                    f"PAGE {page['number']} has {count} panels, "
                    f"more than the {MAX_PANELS_PER_PAGE} a page can hold readably"
                ),
                "split it across pages (most pages have 3 to 7 panels)",
            )


def _start_page(state: _State, number: int, stripped: str) -> None:
    state.in_cast = False
    state.last_text = None
    match = _PAGE_RE.match(stripped)
    if not match:
        state.issue(number, 1, f"cannot read the page heading {stripped[:40]!r}", "write it as `PAGE 3`")
        return
    page_number = int(match.group(1))
    if page_number < 1:
        state.issue(number, 6, "page numbers start at 1", "write `PAGE 1` for the first page")
        return
    if ("page-number", page_number) in state.lines:  # a lookup, not a scan: long scripts stay linear
        state.issue(number, 6, f"PAGE {page_number} appears twice", "number the pages in order")
        return
    index = len(state.pages)
    state.pages.append({"number": page_number, "panels": [], "_index": index})
    state.lines[("pages", index)] = number
    state.lines[("page-number", page_number)] = number


def _start_panel(state: _State, number: int, line: str) -> None:
    state.last_text = None
    stripped = line.strip()
    match = _PANEL_RE.match(stripped)
    if not match:
        state.issue(
            number, _column(line, stripped), f"cannot read the panel heading {stripped[:40]!r}", "write it as `PANEL 2`"
        )
        return
    page = state.page
    if page is None:
        state.issue(number, 1, "PANEL comes before any PAGE", "add a `PAGE 1` line above the first panel")
        return
    panel_number = int(match.group(1))
    if panel_number < 1:
        state.issue(number, 7, "panel numbers start at 1", "write `PANEL 1` for the first panel")
        return
    if ("panel-number", page["_index"], panel_number) in state.lines:
        state.issue(
            number,
            7,
            f"PANEL {panel_number} appears twice on page {page['number']}",
            "number the panels of a page in order",
        )
        return
    index = len(page["panels"])
    panel: dict[str, Any] = {
        "number": panel_number,
        "description": match.group(2).strip(),
        "dialogue": [],
        "_index": index,
    }
    page["panels"].append(panel)
    state.lines[("pages", page["_index"], "panels", index)] = number
    state.lines[("panel-number", page["_index"], panel_number)] = number


def _parse_front(state: _State, number: int, line: str, stripped: str, indented: bool) -> None:
    if state.in_cast and (indented or stripped.startswith("-")):
        _parse_cast_entry(state, number, line, stripped)
        return
    state.in_cast = False
    match = _LABEL_RE.match(stripped)
    key = match.group("name").strip().casefold() if match else ""
    if not match or key not in FRONT_KEYS:
        if match:
            state.issue(
                number,
                1,
                f"unknown front-matter field {match.group('name').strip()!r}",
                f"use one of: {', '.join(k.title() for k in FRONT_KEYS)}",
            )
        else:
            state.issue(
                number,
                1,
                "text before the first PAGE",
                "front matter lines look like `Title: ...`; start the story with `PAGE 1`",
            )
        return
    value = match.group("text").strip()
    column = _column(line, value) if value else len(line) + 1
    if key == "cast":
        state.in_cast = True
        if value:
            state.issue(
                number,
                column,
                "Cast takes one member per line below it",
                "write `- NAME: description` lines under `Cast:`",
            )
        return
    if not value:
        state.issue(
            number,
            column,
            f"{match.group('name').strip()} is empty",
            "write a value after the colon or remove the line",
        )
        return
    field_name = key.replace(" ", "_")
    if key in ("issue", "dpi"):
        if not value.isdigit() or len(value) > 6:
            state.issue(
                number,
                column,
                f"{match.group('name').strip()} must be a whole number, not {value[:20]!r}",
                "for example `DPI: 300`",
            )
            return
        state.front[field_name] = int(value)
    elif key == "reading direction":
        value = {"left-to-right": "ltr", "right-to-left": "rtl"}.get(value.casefold(), value.casefold())
        if value not in READING_DIRECTIONS:
            state.issue(
                number, column, f"unknown reading direction {value[:20]!r}", "use `ltr` (western) or `rtl` (manga)"
            )
            return
        state.front[field_name] = value
    elif key == "page size":
        value = value.casefold().replace(" ", "-")
        if value not in page_size_names():
            state.issue(
                number, column, f"unknown page size {value[:30]!r}", f"use one of: {', '.join(page_size_names())}"
            )
            return
        state.front[field_name] = value
    else:
        state.front[field_name] = value
    state.lines[(field_name,)] = number


def _parse_cast_entry(state: _State, number: int, line: str, stripped: str) -> None:
    if not stripped.startswith("-"):
        if state.cast:
            _parse_cast_detail(state, number, line, stripped)
        else:
            state.issue(
                number, _column(line, stripped), "a cast entry must start with `-`", "write `- NAME: description`"
            )
        return
    entry = stripped[1:].strip()
    name, _, description = entry.partition(":")
    name = name.strip()
    if not name:
        state.issue(number, _column(line, stripped), "a cast entry has no name", "write `- NAME: description`")
        return
    if any(c["name"].casefold() == name.casefold() for c in state.cast):
        state.issue(
            number, _column(line, name), f"cast member {name!r} is listed twice", "keep one entry per character"
        )
        return
    state.cast.append({"name": name, "description": description.strip()})
    state.lines[("cast", len(state.cast) - 1)] = number


def _parse_cast_detail(state: _State, number: int, line: str, stripped: str) -> None:
    member = state.cast[-1]
    key, sep, value = stripped.partition(":")
    key = key.strip().casefold()
    if sep and key in ("reference", "aliases"):
        if key == "reference":
            member["reference"] = value.strip() or None
        else:
            member["aliases"] = [a.strip() for a in value.split(",") if a.strip()]
        return
    member["description"] = f"{member['description']}\n{stripped}" if member["description"] else stripped


def _parse_page_line(state: _State, number: int, line: str, stripped: str) -> None:
    match = _LABEL_RE.match(stripped)
    if match and match.group("name").strip().casefold() == "layout":
        value = match.group("text").strip()
        if not value:
            state.issue(
                number, len(line) + 1, "Layout is empty", "name a template such as `grid-2x3` or remove the line"
            )
            return
        page = state.page
        assert page is not None
        page["layout"] = value
        state.lines[("pages", page["_index"], "layout")] = number
        return
    state.issue(
        number,
        1,
        "text between PAGE and the first PANEL",
        "only `Layout: NAME` may stand there; start a panel with `PANEL 1`",
    )


def _parse_panel_line(state: _State, number: int, line: str, stripped: str) -> None:
    page, panel = state.page, state.panel
    assert page is not None and panel is not None
    match = _LABEL_RE.match(stripped)
    if match:
        label = match.group("name").strip()
        key = label.casefold()
        value = match.group("text").strip()
        column = _column(line, value) if value else len(line) + 1
        if key in PANEL_KEYS and match.group("mods") is None:
            _parse_panel_field(state, number, line, panel, key, value, column)
            return
        if key in ("note", "notes"):  # a note to the artist belongs to the description
            state.last_text = None
            panel["description"] = f"{panel['description']}\n{stripped}" if panel["description"] else stripped
            return
        kind = {"caption": "caption", "sfx": "sfx"}.get(key)
        speaker = None if kind else _speaker_name(state, label)
        if not kind and not speaker and looks_like_name(label):
            if state.cast:  # a cast is the list of who speaks: a name outside it is a typo or a missing member
                state.issue(
                    number,
                    _column(line, label),
                    f"unknown speaker {label!r}",
                    (
                        f"add {label} to the Cast, correct the name, "
                        f"or write `\\{label}: ...` to keep the line as description"
                    ),
                )
                state.last_text = None
                return
            speaker = label  # no cast: `Nadja:` speaks as written
        if kind or speaker:
            if speaker:
                state.speakers.setdefault(speaker.casefold(), speaker)
            balloon: dict[str, Any] = {"kind": kind or "speech", "speaker": speaker, "text": value}
            _apply_modifiers(state, number, line, balloon, match.group("mods"))
            index = len(panel["dialogue"])
            panel["dialogue"].append(balloon)
            state.lines[("pages", page["_index"], "panels", panel["_index"], "dialogue", index)] = number
            state.last_text, state.last_key = balloon, "text"
            return
    state.last_text = None
    panel["description"] = f"{panel['description']}\n{stripped}" if panel["description"] else stripped


def _issue_from_validation(state: _State, err: Any) -> ScriptIssue:
    loc = tuple(err.get("loc", ()))
    line = 0
    for size in range(len(loc), 0, -1):
        if loc[:size] in state.lines:
            line = state.lines[loc[:size]]
            break
    field_path = ".".join(str(part) for part in loc) or "script"
    return ScriptIssue(line or 1, 0, f"{field_path}: {err.get('msg', 'invalid value')}", "fix the value on that line")
