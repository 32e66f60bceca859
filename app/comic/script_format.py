"""Writes a `Book` back as a plain-text full script that `parse_script` reads to the same model."""

from __future__ import annotations

import re

from .choices import DEFAULT_CHARACTER_Y, KIND_MODIFIERS, POSITION_WORDS
from .model import Balloon, Book, Panel, Point

_CANONICAL_WORDS = {v: k for k, v in POSITION_WORDS.items() if k not in ("centre", "middle")}


def format_script(book: Book) -> str:
    """The script text of `book` (front matter, cast, pages, panels, lettering)."""
    out: list[str] = [f"Title: {book.title}"]
    for label, value in (("Series", book.series), ("Issue", book.issue), ("Writer", book.writer)):
        if value is not None:
            out.append(f"{label}: {value}")
    out.append(f"Language: {book.language}")
    out.append(f"Reading direction: {book.reading_direction}")
    out.append(f"Page size: {book.page_size}")
    out.append(f"DPI: {book.dpi}")
    if book.style:
        out.append(f"Style: {book.style}")
    if book.cast:
        out.append("Cast:")
        for member in book.cast:
            lines = member.description.split("\n") if member.description else [""]
            out.append(f"- {member.name}: {lines[0]}".rstrip())
            out.extend(f"    {line}" for line in lines[1:])
            if member.reference:
                out.append(f"    reference: {member.reference}")
            if member.aliases:
                out.append(f"    aliases: {', '.join(member.aliases)}")
    known = {m.name for m in book.cast} | {a for m in book.cast for a in m.aliases}
    for page in book.pages:
        out += ["", f"PAGE {page.number}"]
        if page.layout:
            out.append(f"Layout: {page.layout}")
        for panel in page.panels:
            out += ["", *_format_panel(panel, known)]
    return "\n".join(out) + "\n"


def _format_panel(panel: Panel, known: set[str]) -> list[str]:
    description = panel.description.split("\n") if panel.description else []
    out = [f"PANEL {panel.number}" + (f". {description[0]}" if description else "")]
    out.extend(_escape_description(line) for line in description[1:])
    if panel.shot:
        out.append(f"Shot: {panel.shot}")
    if panel.camera:
        out.append(f"Camera: {panel.camera}")
    if panel.characters:
        items = []
        for name in panel.characters:
            point = panel.character_positions.get(name)
            items.append(_speaker_label(name, known) + (f" ({_format_position(point)})" if point else ""))
        out.append("Characters: " + ", ".join(items))
    if panel.emphasis != "normal":
        out.append(f"Emphasis: {panel.emphasis}")
    if panel.focus:
        out.append(f"Focus: {_num(panel.focus.x)}, {_num(panel.focus.y)}")
    if panel.image:
        out.append(f"Image: {panel.image}")
    for name, box in panel.faces.items():
        out.append(
            f"Face: {_speaker_label(name, known)} "
            f"{_num(box.left)}, {_num(box.top)}, {_num(box.right)}, {_num(box.bottom)}"
        )
    out.extend(_format_balloon(balloon, known) for balloon in panel.dialogue)
    return out


def _escape_description(line: str) -> str:
    """A description line that the parser would take for something else is written behind `\\`."""
    text = line.strip()
    risky = not text or text[0] in "#\\" or ":" in text or re.match(r"(?i)^(PAGE|PANEL)\b", text)
    return f"\\{text}" if risky else text


def _format_balloon(balloon: Balloon, known: set[str]) -> str:
    mods: list[str] = []
    if balloon.kind == "caption":
        label = "CAPTION"
        if balloon.speaker:
            mods.append(_speaker_label(balloon.speaker, known))
    elif balloon.kind == "sfx":
        label = "SFX"
    else:
        label = _speaker_label(balloon.speaker or "UNKNOWN", known)
        if balloon.kind in KIND_MODIFIERS:
            mods.append(KIND_MODIFIERS[balloon.kind])
    if balloon.off_panel:
        mods.append("OFF")
    if balloon.break_border:
        mods.append("BREAK")
    if balloon.position:
        mods.append(f"@{_num(balloon.position.x)}/{_num(balloon.position.y)}")
    head = label + (f" ({', '.join(mods)})" if mods else "")
    lines = balloon.text.split("\n")
    return "\n".join([f"{head}: {lines[0]}", *(f"    {line}" for line in lines[1:])])


def _speaker_label(name: str, known: set[str]) -> str:
    """Cast names are written in capitals (the parser maps them back); other names keep their
    spelling, marked with `@` when the parser would not take them for a speaker."""
    if name in known:
        return name.upper()
    if name == name.upper() and any(ch.isalpha() for ch in name):
        return name
    return "@" + name


def _format_position(point: Point) -> str:
    if abs(point.y - DEFAULT_CHARACTER_Y) < 1e-9:
        for value, word in _CANONICAL_WORDS.items():
            if abs(point.x - value) < 1e-9:
                return word
    return f"{_num(point.x)}, {_num(point.y)}"


def _num(value: float) -> str:
    return repr(round(value, 6))
