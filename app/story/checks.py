"""Narrative coherence checks of a comic script (pure: no LLM, no network).

`check_book(book, bible, budget)` reports, with a suggested fix for each issue:
- every named speaker exists in the cast (or bible) and is present in the panel (unless the line is
  marked off-panel, electronic, a caption or an SFX);
- panel characters exist in the cast; panel locations exist in the bible;
- locations stay consistent: a change of place inside a page comes with an establishing shot or a
  caption;
- outfits stay consistent: a garment's colour matches the bible outfit and does not change from
  panel to panel;
- no panel is overloaded with dialogue (words per balloon, words per panel, balloons per panel).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

from ..comic.model import Book, Panel
from .bible import Bible
from .continuity import outfit_items, outfit_mentions, panel_location

Severity = Literal["error", "warning"]
IssueCode = Literal[
    "unknown-speaker",
    "speaker-not-in-panel",
    "unknown-character",
    "unknown-location",
    "location-jump",
    "outfit-mismatch",
    "balloon-overloaded",
    "panel-overloaded",
    "too-many-balloons",
    "empty-page",
]
PRESENCE_EXEMPT_KINDS = frozenset({"caption", "sfx", "electronic"})
ESTABLISHING_SHOTS = frozenset({"extreme-wide", "wide", "birds-eye"})


@dataclass(frozen=True)
class DialogueBudget:
    """How much lettering a panel holds (comic-lettering rules of thumb, adjustable)."""

    words_per_balloon: int = 25
    words_per_panel: int = 50
    balloons_per_panel: int = 3


@dataclass(frozen=True)
class CheckIssue:
    code: IssueCode
    severity: Severity
    page: int
    panel: int | None
    message: str
    suggestion: str

    def describe(self) -> str:
        where = f"page {self.page}" + (f" panel {self.panel}" if self.panel is not None else "")
        return f"{self.severity}: {where}: {self.message} -> {self.suggestion}"


@dataclass
class CheckReport:
    issues: list[CheckIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[CheckIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[CheckIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_page(self, page: int) -> list[CheckIssue]:
        return [i for i in self.issues if i.page == page]

    def as_text(self) -> str:
        if not self.issues:
            return "No coherence problems found."
        lines = [i.describe() for i in self.issues]
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s).")
        return "\n".join(lines)


@dataclass
class _Cast:
    names: dict[str, str]  # casefolded name or alias -> canonical name
    outfits: dict[str, dict[str, str]]  # canonical name -> garment -> colour

    def resolve(self, name: str) -> str | None:
        return self.names.get(name.strip().casefold())

    def closest(self, name: str) -> str | None:
        match = difflib.get_close_matches(name.casefold(), list(self.names), n=1, cutoff=0.6)
        return self.names[match[0]] if match else None


def _cast_of(book: Book, bible: Bible | None) -> _Cast:
    names: dict[str, str] = {}
    outfits: dict[str, dict[str, str]] = {}
    if bible is not None and bible.characters:
        for c in bible.characters:
            for variant in c.names():
                names[variant.casefold()] = c.name
            outfits[c.name] = outfit_items(c.outfit)
    for member in book.cast:
        canonical = names.get(member.name.casefold(), member.name)
        for variant in (member.name, *member.aliases):
            names.setdefault(variant.casefold(), canonical)
        if not outfits.get(canonical):
            outfits[canonical] = outfit_items(member.description)
    return _Cast(names, outfits)


def _words(text: str) -> int:
    return len(text.split())


def check_book(book: Book, bible: Bible | None = None, budget: DialogueBudget | None = None) -> CheckReport:
    """Every coherence issue of `book`, in page/panel order."""
    budget = budget or DialogueBudget()
    cast = _cast_of(book, bible)
    known_locations = {x.name.casefold(): x.name for x in bible.locations} if bible is not None else {}
    report = CheckReport()
    seen_colours: dict[tuple[str, str], tuple[str, int, int]] = {}
    for page in book.pages:
        if not page.panels:
            report.issues.append(
                CheckIssue(
                    "empty-page",
                    "warning",
                    page.number,
                    None,
                    "the page has no panels",
                    "add panels or remove the page",
                )
            )
        previous_location: str | None = None
        for panel in page.panels:
            add = _adder(report, page.number, panel.number)
            _check_people(panel, cast, add)
            location = panel_location(panel)
            if location and known_locations and location.casefold() not in known_locations:
                close = difflib.get_close_matches(location.casefold(), list(known_locations), n=1, cutoff=0.6)
                hint = f"use [{known_locations[close[0]]}]" if close else f"add {location!r} to the bible's locations"
                add("unknown-location", "warning", f"location {location!r} is not in the bible", hint)
                location = known_locations[close[0]] if close else location  # a misspelling is not a scene change
            moved = bool(location and previous_location and location.casefold() != previous_location.casefold())
            if moved and panel.shot not in ESTABLISHING_SHOTS and not panel.captions:
                add(
                    "location-jump",
                    "warning",
                    f"the scene moves from {previous_location} to {location} without an establishing shot or caption",
                    f"make this panel a wide shot or add a caption such as 'Meanwhile, at {location}.'",
                )
            previous_location = location or previous_location
            _check_outfits(panel, page.number, cast, seen_colours, add)
            _check_lettering(panel, budget, add)
    return report


def _adder(report: CheckReport, page: int, panel: int):
    def add(code: IssueCode, severity: Severity, message: str, suggestion: str) -> None:
        report.issues.append(CheckIssue(code, severity, page, panel, message, suggestion))

    return add


def _check_people(panel: Panel, cast: _Cast, add) -> None:
    present = {cast.resolve(n) or n for n in panel.characters}
    for name in panel.characters:
        if cast.names and cast.resolve(name) is None:
            close = cast.closest(name)
            add(
                "unknown-character",
                "warning",
                f"character {name!r} is not in the cast",
                f"did you mean {close}?" if close else f"add {name} to the cast",
            )
    for balloon in panel.balloons:
        speaker = balloon.speaker
        if not speaker:
            continue
        canonical = cast.resolve(speaker)
        if cast.names and canonical is None:
            close = cast.closest(speaker)
            add(
                "unknown-speaker",
                "error",
                f"speaker {speaker!r} is not in the cast",
                f"did you mean {close}? otherwise add {speaker} to the cast"
                if close
                else f"add {speaker} to the cast or give the line to a cast member",
            )
            continue
        if balloon.off_panel or balloon.kind in PRESENCE_EXEMPT_KINDS:
            continue
        if (canonical or speaker) not in present:
            add(
                "speaker-not-in-panel",
                "error",
                f"{speaker} speaks but is not in the panel",
                f"add {canonical or speaker} to the panel's Characters, or mark the line {speaker.upper()} (OFF)",
            )


def _check_outfits(
    panel: Panel, page: int, cast: _Cast, seen: dict[tuple[str, str], tuple[str, int, int]], add
) -> None:
    for name in panel.characters:
        canonical = cast.resolve(name) or name
        variants = [n for n, c in cast.names.items() if c == canonical] or [name]
        for garment, colour in outfit_mentions(panel.description, variants).items():
            expected = cast.outfits.get(canonical, {}).get(garment)
            if expected and expected != colour:
                add(
                    "outfit-mismatch",
                    "warning",
                    f"{canonical}'s {garment} is {colour} here but {expected} in the bible",
                    f"write '{expected} {garment}' or note the costume change in the bible",
                )
                continue
            earlier = seen.get((canonical, garment))
            if earlier and earlier[0] != colour:
                add(
                    "outfit-mismatch",
                    "warning",
                    f"{canonical}'s {garment} is {colour} here "
                    f"but was {earlier[0]} on page {earlier[1]} panel {earlier[2]}",
                    f"keep the {earlier[0]} {garment}, or show the change on the page",
                )
            seen.setdefault((canonical, garment), (colour, page, panel.number))


def _check_lettering(panel: Panel, budget: DialogueBudget, add) -> None:
    lettered = [b for b in panel.dialogue if b.kind != "sfx"]
    total = 0
    for index, balloon in enumerate(lettered, start=1):
        words = _words(balloon.text)
        total += words
        if words > budget.words_per_balloon:
            add(
                "balloon-overloaded",
                "warning",
                f"balloon {index} ({balloon.speaker or balloon.kind}) has {words} words, "
                f"more than {budget.words_per_balloon}",
                f"trim it to {budget.words_per_balloon} words or split it into two balloons",
            )
    if total > budget.words_per_panel:
        add(
            "panel-overloaded",
            "error",
            f"the panel letters {total} words, more than {budget.words_per_panel}",
            "move lines to a new panel or cut them",
        )
    if len(lettered) > budget.balloons_per_panel:
        add(
            "too-many-balloons",
            "warning",
            f"the panel has {len(lettered)} balloons and captions, more than {budget.balloons_per_panel}",
            "split the panel or merge lines",
        )
