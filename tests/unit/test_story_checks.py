"""Narrative coherence checks on scripts parsed by the comic engine's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.comic.script import parse_script
from app.story.bible import Bible, Character, Location
from app.story.checks import DialogueBudget, check_book
from app.story.continuity import (
    outfit_items,
    outfit_mentions,
    panel_location,
    tag_description,
)

REPO = Path(__file__).resolve().parents[2]

HEADER = """Title: Checks
Cast:
- MAYA: lighthouse keeper, red raincoat
- TOM: her brother, green cap
"""


def book(body: str):
    return parse_script(HEADER + body)


def codes(report):
    return [(i.code, i.page, i.panel) for i in report.issues]


def test_the_sample_script_is_coherent():
    sample = parse_script((REPO / "docs/sample/lighthouse.txt").read_text(encoding="utf-8"))
    report = check_book(sample)
    assert report.ok, report.as_text()


def test_unknown_speaker_gets_a_close_name_suggestion():
    report = check_book(book("PAGE 1\nPANEL 1. The lamp room.\nCharacters: MAYA\nMAYO: Hello.\n"))
    (issue,) = report.errors
    assert (issue.code, issue.page, issue.panel) == ("unknown-speaker", 1, 1)
    assert issue.suggestion == "did you mean MAYA? otherwise add MAYO to the cast"


def test_speaker_must_be_in_the_panel_unless_off_panel_or_electronic():
    report = check_book(
        book(
            "PAGE 1\nPANEL 1. The lamp room.\nCharacters: MAYA\n"
            "TOM: I am not here.\nTOM (OFF): I am off-panel.\nTOM (RADIO): Over.\nCAPTION: Later.\nMAYA: Fine.\n"
        ),
        budget=DialogueBudget(balloons_per_panel=5),
    )
    assert codes(report) == [("speaker-not-in-panel", 1, 1)]
    assert report.errors[0].suggestion == "add TOM to the panel's Characters, or mark the line TOM (OFF)"


def test_aliases_count_as_the_character():
    text = (
        HEADER.replace("green cap\n", "green cap\n    aliases: TOMMY\n")
        + "PAGE 1\nPANEL 1. Yard.\nCharacters: TOM\nTOMMY: Me.\n"
    )
    assert check_book(parse_script(text)).ok


def test_dialogue_budget():
    long_line = " ".join(["word"] * 30)
    report = check_book(
        book(
            f"PAGE 1\nPANEL 1. Yard.\nCharacters: MAYA, TOM\nMAYA: {long_line}\nTOM: {long_line}\n"
            "MAYA: Ok.\nTOM: Ok.\nSFX: BANG\n"
        ),
        budget=DialogueBudget(words_per_balloon=25, words_per_panel=50, balloons_per_panel=3),
    )
    assert codes(report) == [
        ("balloon-overloaded", 1, 1),
        ("balloon-overloaded", 1, 1),
        ("panel-overloaded", 1, 1),
        ("too-many-balloons", 1, 1),
    ]
    assert report.errors[0].message == "the panel letters 62 words, more than 50"


def test_locations_from_the_bible_and_scene_jumps():
    bible = Bible(locations=[Location(name="Lighthouse"), Location(name="Harbour")])
    report = check_book(
        book(
            "PAGE 1\n"
            "PANEL 1. [Lighthouse] The tower.\nShot: wide\n"
            "PANEL 2. [Harbour] Boats.\nShot: medium\n"
            "PANEL 3. [Harbor] Nets.\nShot: close-up\n"
            "PANEL 4. [Lighthouse] Back at the tower.\nShot: medium\nCAPTION: Meanwhile.\n"
        ),
        bible,
    )
    assert codes(report) == [("location-jump", 1, 2), ("unknown-location", 1, 3)]
    assert report.issues[1].suggestion == "use [Harbour]"


def test_outfits_follow_the_bible_and_stay_consistent_without_one():
    body = (
        "PAGE 1\nPANEL 1. Maya, in a blue raincoat, climbs. Tom waits in his green cap.\nCharacters: MAYA, TOM\n"
        "PANEL 2. Tom pulls on a red scarf.\nCharacters: TOM\n"
        "PAGE 2\nPANEL 1. Tom, in a yellow scarf and green cap.\nCharacters: TOM\n"
    )
    report = check_book(book(body))
    assert codes(report) == [("outfit-mismatch", 1, 1), ("outfit-mismatch", 2, 1)]
    assert report.issues[0].message == "MAYA's raincoat is blue here but red in the bible"
    assert report.issues[1].message == "TOM's scarf is yellow here but was red on page 1 panel 2"
    bible = Bible(
        characters=[
            Character(name="MAYA", outfit="blue raincoat"),
            Character(name="TOM", outfit="green cap, red scarf"),
        ]
    )
    assert codes(check_book(book(body), bible)) == [("outfit-mismatch", 2, 1)]


def test_continuity_helpers():
    class P:
        description = "[Old Harbour] Boats rock."

    assert panel_location(P()) == "Old Harbour"
    assert tag_description("Cape", "[Old Harbour] Boats rock.") == "[Cape] Boats rock."
    assert outfit_items("a crimson wool coat and grey boots") == {"coat": "red", "boots": "grey"}
    assert outfit_mentions("Maya wears a blue coat and Tom a red cap.", ["Maya"]) == {"coat": "blue"}


@pytest.mark.parametrize("body", ["PAGE 1\n", "PAGE 1\nPANEL 1.\n"])
def test_empty_pages_and_panels_do_not_crash(body):
    report = check_book(book(body))
    assert all(i.severity == "warning" for i in report.issues)
