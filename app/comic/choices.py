"""Option vocabularies of the comic engine: every `Literal` type and its choice list lives here.

Other modules (the script model, the parser, the layout engine, the UI) import these names instead of
repeating string literals. Page sizes and layout templates are data files (`data/*.yaml`), not code.
"""

from __future__ import annotations

from typing import Literal, get_args

ReadingDirection = Literal["ltr", "rtl"]
READING_DIRECTIONS: tuple[str, ...] = get_args(ReadingDirection)

BalloonKind = Literal["speech", "thought", "whisper", "shout", "electronic", "caption", "sfx"]
BALLOON_KINDS: tuple[str, ...] = get_args(BalloonKind)

# Modifiers a script writes after a speaker's name: `MAYA (WHISPER): ...`.
# Each maps to a balloon kind; OFF (and its screenplay spellings) marks the speaker off-panel instead.
SpeechModifier = Literal["WHISPER", "SHOUT", "THOUGHT", "ELECTRONIC", "OFF"]
MODIFIER_KINDS: dict[str, str] = {
    "WHISPER": "whisper",
    "WHISPERS": "whisper",
    "SHOUT": "shout",
    "SHOUTS": "shout",
    "SHOUTING": "shout",
    "YELL": "shout",
    "THOUGHT": "thought",
    "THINKS": "thought",
    "THOUGHTS": "thought",
    "ELECTRONIC": "electronic",
    "RADIO": "electronic",
    "PHONE": "electronic",
    "TV": "electronic",
}
OFF_PANEL_MODIFIERS: tuple[str, ...] = ("OFF", "OFF-PANEL", "OFF PANEL", "O.S.", "OS", "O.P.", "V.O.", "VO")
BREAK_BORDER_MODIFIERS: tuple[str, ...] = ("BREAK", "BREAKS BORDER", "BREAK-BORDER")
IGNORED_MODIFIERS: tuple[str, ...] = ("CONT'D", "CONTD", "CONT", "CONT’D")
# The canonical modifier the formatter writes for each kind (speech and caption/sfx have none).
KIND_MODIFIERS: dict[str, str] = {
    "whisper": "WHISPER",
    "shout": "SHOUT",
    "thought": "THOUGHT",
    "electronic": "ELECTRONIC",
}

Shot = Literal[
    "extreme-wide",
    "wide",
    "full",
    "medium",
    "medium-close",
    "close-up",
    "extreme-close-up",
    "over-the-shoulder",
    "pov",
    "birds-eye",
    "worms-eye",
    "insert",
]
SHOTS: tuple[str, ...] = get_args(Shot)
# Spellings writers use, mapped to the canonical shot.
SHOT_ALIASES: dict[str, str] = {
    "ews": "extreme-wide",
    "establishing": "extreme-wide",
    "ws": "wide",
    "long": "wide",
    "long-shot": "wide",
    "fs": "full",
    "full-shot": "full",
    "ms": "medium",
    "mid": "medium",
    "medium-shot": "medium",
    "mcu": "medium-close",
    "medium-close-up": "medium-close",
    "cu": "close-up",
    "close": "close-up",
    "closeup": "close-up",
    "ecu": "extreme-close-up",
    "xcu": "extreme-close-up",
    "ots": "over-the-shoulder",
    "point-of-view": "pov",
    "bird's-eye": "birds-eye",
    "birdseye": "birds-eye",
    "high-angle": "birds-eye",
    "worm's-eye": "worms-eye",
    "low-angle": "worms-eye",
}

Emphasis = Literal["low", "normal", "high"]
EMPHASES: tuple[str, ...] = get_args(Emphasis)

# Horizontal position words for characters in a panel, as a fraction of the panel width.
POSITION_WORDS: dict[str, float] = {
    "far-left": 0.12,
    "left": 0.28,
    "center": 0.5,
    "centre": 0.5,
    "middle": 0.5,
    "right": 0.72,
    "far-right": 0.88,
}
DEFAULT_CHARACTER_Y = 0.4

ExportFormat = Literal["png", "pdf", "cbz", "webtoon", "contact"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
