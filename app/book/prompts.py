"""Prompt assembly: one panel's positive and negative prompt and LoRAs, from the style preset, the
shot, the panel's action, the characters present and the location.

    prompt = assemble_prompt(panel, style=style, cast=book.cast, characters=library_chars, location=loc)
    prompt.positive
    # "comic book panel, ..., medium shot, Maya wrestles with a lever, Maya (red raincoat), lamp room ..."

Order (SD1.5 weighs early tokens more): style fragments, shot, action (the panel description), each
character present (`Name (description)`: the library's description, else the script's cast line), the
location's prompt, camera notes. Negatives: style, then each character's, then the location's, deduplicated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..comic.model import CastMember, Panel
from .library import Character, Location
from .styles import StylePreset

SHOT_PHRASES: dict[str, str] = {
    "extreme-wide": "extreme wide shot, tiny figures in a vast scene",
    "wide": "wide shot",
    "full": "full body shot",
    "medium": "medium shot",
    "medium-close": "medium close-up",
    "close-up": "close-up on the face",
    "extreme-close-up": "extreme close-up",
    "over-the-shoulder": "over-the-shoulder shot",
    "pov": "first-person point of view",
    "birds-eye": "bird's-eye view from above",
    "worms-eye": "worm's-eye view from below",
    "insert": "insert shot, detail close-up",
}
# Shots where a face should be visible: the identity gate counts a missing face there as a miss.
FACE_SHOTS = frozenset({"medium", "medium-close", "close-up", "extreme-close-up", "over-the-shoulder"})


@dataclass(frozen=True)
class LoraChoice:
    name: str
    weight: float
    source: str  # "style" or "character:<name>"


@dataclass(frozen=True)
class PanelPrompt:
    positive: str
    negative: str
    loras: tuple[LoraChoice, ...] = ()
    characters: tuple[str, ...] = ()
    location: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def join_fragments(*groups: Sequence[str] | str) -> str:
    """Comma-join fragments, dropping blanks and case-insensitive repeats (first occurrence wins)."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for part in _split(group) if isinstance(group, str) else [p for g in group for p in _split(g)]:
            key = part.casefold()
            if key not in seen:
                seen.add(key)
                out.append(part)
    return ", ".join(out)


def character_phrase(name: str, member: CastMember | None, character: Character | None) -> str:
    description = (
        character.description if character and character.description else member.description if member else ""
    ).strip()
    shown = character.name if character is not None else name.title() if name.isupper() else name
    return f"{shown} ({description})" if description else shown


def assemble_prompt(
    panel: Panel,
    *,
    style: StylePreset,
    cast: Sequence[CastMember] = (),
    characters: Mapping[str, Character | None] | None = None,
    location: Location | None = None,
    prompt_override: str | None = None,
) -> PanelPrompt:
    """The panel's prompts. `characters` maps cast names to library entries (None: not in the library).

    `prompt_override` (a regenerate with an edited prompt) replaces the action text; style, characters
    and location are still added so the panel keeps the book's look."""
    characters = characters or {}
    by_name = {m.name: m for m in cast}
    present = list(dict.fromkeys(panel.characters))
    action = prompt_override if prompt_override is not None else panel.description
    people = [character_phrase(name, by_name.get(name), characters.get(name)) for name in present]
    shot = SHOT_PHRASES.get(panel.shot or "", "")
    place = location.prompt if location is not None else ""
    positive = join_fragments(style.prompt, [shot], action or "", people, place, panel.camera)
    negatives = [style.negative, *((c.negative if (c := characters.get(n)) else "") for n in present)]
    if location is not None:
        negatives.append(location.negative)
    loras: list[LoraChoice] = []
    if style.lora:
        loras.append(LoraChoice(style.lora, style.lora_weight, "style"))
    for name in present:
        entry = characters.get(name)
        if entry is not None and entry.lora:
            loras.append(LoraChoice(entry.lora, entry.lora_weight, f"character:{name}"))
    notes = tuple(
        f"{name} is not in the character library; only the script's description is used."
        for name in present
        if characters.get(name) is None and name in characters
    )
    return PanelPrompt(
        positive=positive,
        negative=join_fragments(*negatives),
        loras=tuple(loras),
        characters=tuple(present),
        location=location.name if location else None,
        notes=notes,
    )
