"""Deterministic shaping of a drafted page (pure): names resolved against the bible, speakers put
in their panels, dialogue trimmed to the balloon budget, and shot variety. Every change is noted,
so the report tells the user what the writers' room did to the model's draft."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..comic.choices import SHOTS
from .bible import Bible
from .checks import ESTABLISHING_SHOTS, DialogueBudget

# Shots tried, in order, when a panel repeats the previous panel's shot.
VARIETY_ORDER = ("medium", "close-up", "wide", "medium-close", "over-the-shoulder", "full", "extreme-close-up")
SPEAKING_KINDS = frozenset({"speech", "thought", "whisper", "shout"})


@dataclass
class ShapedBalloon:
    kind: str
    speaker: str | None
    text: str


@dataclass
class ShapedPanel:
    location: str | None
    shot: str | None
    description: str
    characters: list[str] = field(default_factory=list)
    dialogue: list[ShapedBalloon] = field(default_factory=list)


def trim_to_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` words, at a sentence end when one is close, else with '…'."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    head = " ".join(words[:limit])
    sentence_end = max(head.rfind(mark) for mark in ".!?")
    if sentence_end >= len(head) // 2:
        return head[: sentence_end + 1]
    return head.rstrip(",;:-") + "…"


def resolve_name(bible: Bible, name: str) -> str | None:
    """The bible's canonical name for `name` (alias, case, or a close spelling), or None."""
    character = bible.character(name)
    if character is not None:
        return character.name
    variants = {v.casefold(): c.name for c in bible.characters for v in c.names()}
    close = difflib.get_close_matches(name.strip().casefold(), list(variants), n=1, cutoff=0.8)
    return variants[close[0]] if close else None


def resolve_location(bible: Bible, name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    location = bible.location(name)
    if location is not None:
        return location.name
    names = {x.name.casefold(): x.name for x in bible.locations}
    close = difflib.get_close_matches(name.strip().casefold(), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else name.strip()


def shape_page(
    panels: list[ShapedPanel], bible: Bible, budget: DialogueBudget, page: int, previous_location: str | None
) -> list[str]:
    """Shape `panels` in place; return one note per change."""
    notes: list[str] = []
    for number, panel in enumerate(panels, start=1):
        where = f"page {page} panel {number}"
        panel.location = resolve_location(bible, panel.location)
        panel.characters = _resolve_characters(panel.characters, bible, where, notes)
        _shape_dialogue(panel, bible, budget, where, notes)
    _vary_shots(panels, previous_location, page, notes)
    return notes


def _resolve_characters(names: list[str], bible: Bible, where: str, notes: list[str]) -> list[str]:
    resolved: list[str] = []
    for name in names:
        canonical = resolve_name(bible, name) if bible.characters else name.strip()
        if canonical is None:
            notes.append(f"{where}: {name!r} is not in the bible; kept as written.")
            canonical = name.strip()
        if canonical and canonical not in resolved:
            resolved.append(canonical)
    return resolved


def _shape_dialogue(panel: ShapedPanel, bible: Bible, budget: DialogueBudget, where: str, notes: list[str]) -> None:
    kept: list[ShapedBalloon] = []
    words_left = budget.words_per_panel
    for balloon in panel.dialogue:
        text = re.sub(r"\s+", " ", balloon.text).strip()
        if not text:
            continue
        if balloon.kind == "caption":
            balloon.speaker = None
        elif balloon.speaker:
            canonical = resolve_name(bible, balloon.speaker) if bible.characters else balloon.speaker.strip()
            balloon.speaker = canonical or balloon.speaker.strip()
            if balloon.kind in SPEAKING_KINDS and balloon.speaker not in panel.characters:
                panel.characters.append(balloon.speaker)
                notes.append(f"{where}: {balloon.speaker} speaks, so was added to the panel's characters.")
        if len(kept) >= budget.balloons_per_panel or words_left <= 0:
            notes.append(f"{where}: dropped a balloon beyond the panel's budget ({text[:40]!r}).")
            continue
        limit = min(budget.words_per_balloon, words_left)
        trimmed = trim_to_words(text, limit)
        if trimmed != text:
            notes.append(f"{where}: trimmed a balloon to {len(trimmed.split())} words to fit.")
        words_left -= len(trimmed.split())
        kept.append(ShapedBalloon(balloon.kind, balloon.speaker, trimmed))
    panel.dialogue = kept


def _vary_shots(panels: list[ShapedPanel], previous_location: str | None, page: int, notes: list[str]) -> None:
    last_shot: str | None = None
    location = previous_location
    for number, panel in enumerate(panels, start=1):
        if panel.shot not in SHOTS:
            panel.shot = None
        moved = panel.location is not None and (location is None or panel.location.casefold() != location.casefold())
        if moved and panel.shot not in ESTABLISHING_SHOTS:
            notes.append(
                f"page {page} panel {number}: a new place ({panel.location}) opens with a wide shot "
                f"(was {panel.shot or 'unset'})."
            )
            panel.shot = "wide"
        elif panel.shot is not None and panel.shot == last_shot:
            replacement = next(s for s in VARIETY_ORDER if s != last_shot)
            notes.append(
                f"page {page} panel {number}: {panel.shot} repeated the previous shot; changed to {replacement}."
            )
            panel.shot = replacement
        last_shot = panel.shot
        location = panel.location or location
