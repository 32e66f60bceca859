"""Field readers of the script parser: modifiers, positions, characters, face boxes, panel fields.

They record problems on the parser state as `ScriptIssue`s instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .choices import (
    BREAK_BORDER_MODIFIERS,
    DEFAULT_CHARACTER_Y,
    EMPHASES,
    IGNORED_MODIFIERS,
    MODIFIER_KINDS,
    OFF_PANEL_MODIFIERS,
    POSITION_WORDS,
    SHOT_ALIASES,
    SHOTS,
)
from .script_errors import ScriptIssue

PANEL_KEYS = ("shot", "camera", "characters", "emphasis", "focus", "image", "face")
_NUMBER_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*$")
_EMPHASIS_ALIASES = {
    "big": "high",
    "large": "high",
    "strong": "high",
    "small": "low",
    "quiet": "low",
    "medium": "normal",
}


@dataclass
class _State:
    source: str
    issues: list[ScriptIssue] = field(default_factory=list)
    front: dict[str, Any] = field(default_factory=dict)
    cast: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)  # model location -> script line
    in_cast: bool = False
    last_text: dict[str, Any] | None = None  # the balloon or cast entry a continuation line extends
    last_key: str = ""
    speakers: dict[str, str] = field(default_factory=dict)  # casefolded -> name of every speaker so far

    def issue(self, line: int, column: int, message: str, hint: str = "") -> None:
        self.issues.append(ScriptIssue(line, column, message, hint))

    @property
    def page(self) -> dict[str, Any] | None:
        return self.pages[-1] if self.pages else None

    @property
    def panel(self) -> dict[str, Any] | None:
        page = self.page
        return page["panels"][-1] if page and page["panels"] else None


def _column(line: str, fragment: str) -> int:
    index = line.find(fragment) if fragment else -1
    return index + 1 if index >= 0 else len(line) - len(line.lstrip()) + 1


# Words that open a description line as `Word: ...` and are never a speaker's name.
DESCRIPTION_WORDS = frozenset(
    (
        "action",
        "angle",
        "art",
        "background",
        "camera",
        "close",
        "closeup",
        "color",
        "colour",
        "cut",
        "detail",
        "exterior",
        "ext",
        "flashback",
        "foreground",
        "fx",
        "inset",
        "interior",
        "int",
        "later",
        "light",
        "lighting",
        "location",
        "meanwhile",
        "mood",
        "music",
        "pan",
        "place",
        "ref",
        "reference",
        "scene",
        "setting",
        "sound",
        "time",
        "transition",
        "view",
        "vfx",
        "weather",
        "zoom",
    )
)


def _speaker_name(state: _State, name: str) -> str | None:
    """The canonical speaker name for a label, or None when the label is not a speaker."""
    if name.startswith("@"):
        return name[1:].strip() or None
    key = name.casefold()
    for member in state.cast:
        if member["name"].casefold() == key or key in (a.casefold() for a in member.get("aliases", [])):
            return member["name"]
    if name == name.upper() and any(ch.isalpha() for ch in name) and len(name) <= 40:
        return name
    panel = state.panel
    for known in (panel or {}).get("characters", []):
        if known.casefold() == key:
            return known
    return state.speakers.get(key)


def looks_like_name(label: str) -> bool:
    """`Nadja`, `boris`, `O'Brien`: one word of letters that is not a description word."""
    bare = label.replace("'", "").replace("-", "").replace(".", "").replace("’", "")
    return 0 < len(label) <= 30 and bare.isalpha() and label[0].isalpha() and label.casefold() not in DESCRIPTION_WORDS


def _apply_modifiers(state: _State, number: int, line: str, balloon: dict[str, Any], mods: str | None) -> None:
    if not mods:
        return
    for raw in mods.split(","):
        token = raw.strip()
        upper = token.upper()
        if not token or upper in IGNORED_MODIFIERS:
            continue
        if token.startswith("@"):
            point = _parse_point(token[1:].replace("/", ","))
            if point is None:
                state.issue(
                    number,
                    _column(line, token),
                    f"cannot read the position {token[:20]!r}",
                    "write it as `@0.30/0.20` (fractions of the panel)",
                )
            else:
                balloon["position"] = point
        elif upper in OFF_PANEL_MODIFIERS:
            balloon["off_panel"] = True
        elif upper in BREAK_BORDER_MODIFIERS:
            balloon["break_border"] = True
        elif upper in MODIFIER_KINDS and balloon["kind"] == "speech":
            balloon["kind"] = MODIFIER_KINDS[upper]
        elif balloon["kind"] == "caption" and _speaker_name(state, token):
            balloon["speaker"] = _speaker_name(state, token)
        else:
            state.issue(
                number,
                _column(line, token),
                f"unknown modifier {token[:20]!r}",
                "use WHISPER, SHOUT, THOUGHT, ELECTRONIC, OFF or BREAK (captions take a narrator name)",
            )


def _parse_point(text: str) -> dict[str, float] | None:
    parts = text.split(",")
    if len(parts) != 2:
        return None
    values = []
    for part in parts:
        m = _NUMBER_RE.match(part)
        if not m:
            return None
        value = float(m.group(1))
        if not 0.0 <= value <= 1.0:
            return None
        values.append(value)
    return {"x": values[0], "y": values[1]}


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _parse_panel_field(
    state: _State, number: int, line: str, panel: dict[str, Any], key: str, value: str, column: int
) -> None:
    if not value:
        state.issue(number, column, f"{key.title()} is empty", "write a value after the colon or remove the line")
        return
    if key == "shot":
        shot = re.sub(r"[\s_]+", "-", value.casefold().rstrip(".")).removesuffix("-shot")
        shot = SHOT_ALIASES.get(shot, shot)
        if shot not in SHOTS:
            state.issue(number, column, f"unknown shot {value[:30]!r}", f"use one of: {', '.join(SHOTS)}")
            return
        panel["shot"] = shot
    elif key == "camera":
        panel["camera"] = value
    elif key == "emphasis":
        emphasis = _EMPHASIS_ALIASES.get(value.casefold(), value.casefold())
        if emphasis not in EMPHASES:
            state.issue(number, column, f"unknown emphasis {value[:30]!r}", f"use one of: {', '.join(EMPHASES)}")
            return
        panel["emphasis"] = emphasis
    elif key == "focus":
        point = _parse_point(value)
        if point is None:
            state.issue(
                number,
                column,
                f"cannot read the focus point {value[:30]!r}",
                "write two fractions, e.g. `Focus: 0.5, 0.3`",
            )
            return
        panel["focus"] = point
    elif key == "image":
        panel["image"] = value
    elif key == "face":
        _parse_face(state, number, line, panel, value, column)
    elif key == "characters":
        _parse_characters(state, number, line, panel, value)


def _parse_characters(state: _State, number: int, line: str, panel: dict[str, Any], value: str) -> None:
    for item in _split_top_level(value):
        name, _, rest = item.partition("(")
        name = name.strip()
        canonical = _speaker_name(state, name) or name
        if not canonical or ")" in canonical:
            state.issue(
                number, _column(line, item), f"cannot read the character {item[:30]!r}", "write `NAME` or `NAME (left)`"
            )
            continue
        if canonical not in panel.setdefault("characters", []):
            panel["characters"].append(canonical)
        where = rest.rstrip(")").strip().casefold()
        if not rest:
            continue
        if where in POSITION_WORDS:
            panel.setdefault("character_positions", {})[canonical] = {
                "x": POSITION_WORDS[where],
                "y": DEFAULT_CHARACTER_Y,
            }
            continue
        point = _parse_point(where)
        if point is None:
            state.issue(
                number,
                _column(line, item),
                f"cannot read where {name[:30]} stands ({where[:20]!r})",
                f"use {', '.join(POSITION_WORDS)} or two fractions like `(0.3, 0.5)`",
            )
            continue
        panel.setdefault("character_positions", {})[canonical] = point


def _parse_face(state: _State, number: int, line: str, panel: dict[str, Any], value: str, column: int) -> None:
    name, _, numbers = value.partition(" ")
    parts = [p for p in numbers.replace(",", " ").split()]
    values = []
    for part in parts:
        m = _NUMBER_RE.match(part)
        values.append(float(m.group(1)) if m else -1.0)
    if len(values) != 4 or not all(0.0 <= v <= 1.0 for v in values) or values[2] <= values[0] or values[3] <= values[1]:
        state.issue(
            number,
            column,
            f"cannot read the face box {value[:40]!r}",
            "write `Face: NAME left, top, right, bottom` as fractions",
        )
        return
    canonical = _speaker_name(state, name) or name
    panel.setdefault("faces", {})[canonical] = dict(zip(("left", "top", "right", "bottom"), values))
