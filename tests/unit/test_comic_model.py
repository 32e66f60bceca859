"""The script model: validation, shorthands, cast lookup."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.comic.model import Balloon, Book, Box, Page, Panel, Point


def test_panel_shorthands_merge_into_dialogue_in_reading_order() -> None:
    panel = Panel(number=1, captions=["Night."], dialogue=[{"speaker": "MAYA", "text": "Hi"}], sfx=["BOOM"])
    assert [b.kind for b in panel.dialogue] == ["caption", "speech", "sfx"]
    assert [b.text for b in panel.captions] == ["Night."]
    assert [b.text for b in panel.sfx] == ["BOOM"]
    assert [b.speaker for b in panel.balloons] == ["MAYA"]


def test_unknown_page_size_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="unknown page size 'tabloid'; choose one of: us-comic"):
        Book(title="x", page_size="tabloid")


def test_duplicate_numbers_are_rejected() -> None:
    with pytest.raises(ValidationError, match="page 1 has panel 2 twice"):
        Page(number=1, panels=[Panel(number=2), Panel(number=2)])
    with pytest.raises(ValidationError, match="page 3 appears twice"):
        Book(title="x", pages=[Page(number=3), Page(number=3)])
    with pytest.raises(ValidationError, match="cast member 'MAYA' appears twice"):
        Book(title="x", cast=[{"name": "Maya"}, {"name": "MAYA"}])


def test_blank_text_and_out_of_range_points_are_rejected() -> None:
    with pytest.raises(ValidationError, match="balloon text is empty"):
        Balloon(text="   ")
    with pytest.raises(ValidationError):
        Point(x=1.2, y=0.5)
    with pytest.raises(ValidationError, match="right > left"):
        Box(left=0.5, top=0.1, right=0.4, bottom=0.2)
    with pytest.raises(ValidationError):
        Balloon(text="hi", kind="scream")


def test_cast_lookup_is_case_insensitive_with_aliases() -> None:
    book = Book(title="x", cast=[{"name": "Tom", "aliases": ["Tommy"]}])
    assert book.cast_member("TOMMY").name == "Tom"
    assert book.cast_member("tom").name == "Tom"
    assert book.cast_member("Maya") is None


def test_json_round_trip() -> None:
    book = Book(
        title="t",
        reading_direction="rtl",
        pages=[
            Page(
                number=1,
                panels=[
                    Panel(
                        number=1,
                        faces={"A": Box(left=0.1, top=0.1, right=0.3, bottom=0.4)},
                        dialogue=[Balloon(speaker="A", text="yo", kind="shout")],
                    )
                ],
            )
        ],
    )
    assert Book.model_validate_json(book.model_dump_json()) == book


def test_names_are_stored_under_the_cast_spelling() -> None:
    book = Book(
        title="x",
        cast=[{"name": "Tom", "aliases": ["Tommy"]}],
        pages=[
            {
                "number": 1,
                "panels": [
                    {
                        "number": 1,
                        "characters": ["TOM", "tommy", "Bob"],
                        "character_positions": {"TOMMY": {"x": 0.2, "y": 0.3}},
                        "dialogue": [{"speaker": "TOMMY", "text": "hi"}],
                    }
                ],
            }
        ],
    )
    panel = book.pages[0].panels[0]
    assert panel.characters == ["Tom", "Bob"]
    assert list(panel.character_positions) == ["Tom"]
    assert panel.dialogue[0].speaker == "Tom"
