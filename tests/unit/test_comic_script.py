"""The full-script parser and formatter: fields, modifiers, errors with line/column, YAML/JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.comic.script import (
    ScriptError,
    check_script,
    format_script,
    load_book,
    parse_book_data,
    parse_script,
    save_book,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "docs" / "sample" / "lighthouse.txt"

SCRIPT = """\
Title: Test Book
Reading direction: right-to-left
Page size: B5 Manga
DPI: 200
Cast:
- MAYA: keeper
    reference: maya.png
- Tom: brother
    aliases: TOMMY

PAGE 1
Layout: three-tier

PANEL 1. The rock at night.
More description here.
Shot: ECU
Camera: low angle, dutch tilt
Characters: MAYA (left), TOMMY (0.7, 0.5)
Emphasis: big
Focus: 0.4, 0.3
Face: MAYA 0.1, 0.2, 0.3, 0.4
CAPTION: Long ago.
CAPTION (MAYA): I remember.
MAYA: Hold it
    steady!
TOMMY (WHISPER, CONT'D): Fine.
tom (off): Over here.
MAYA (SHOUT, @0.5/0.2): NOW!
MAYA (ELECTRONIC): Static.
MAYA (THOUGHT): Hm.
SFX: KRAK
"""


def test_parses_every_field() -> None:
    book = parse_script(SCRIPT)
    assert book.reading_direction == "rtl" and book.page_size == "b5-manga" and book.dpi == 200
    assert book.cast[0].reference == "maya.png" and book.cast[1].aliases == ["TOMMY"]
    page = book.pages[0]
    assert page.layout == "three-tier"
    panel = page.panels[0]
    assert panel.description == "The rock at night.\nMore description here."
    assert panel.shot == "extreme-close-up" and panel.camera == "low angle, dutch tilt"
    assert panel.characters == ["MAYA", "Tom"]
    assert panel.character_positions["MAYA"].x == pytest.approx(0.28)
    assert (panel.character_positions["Tom"].x, panel.character_positions["Tom"].y) == (0.7, 0.5)
    assert panel.emphasis == "high" and (panel.focus.x, panel.focus.y) == (0.4, 0.3)
    assert panel.faces["MAYA"].right == 0.3
    kinds = [(b.kind, b.speaker, b.off_panel) for b in panel.dialogue]
    assert kinds == [
        ("caption", None, False),
        ("caption", "MAYA", False),
        ("speech", "MAYA", False),
        ("whisper", "Tom", False),
        ("speech", "Tom", True),
        ("shout", "MAYA", False),
        ("electronic", "MAYA", False),
        ("thought", "MAYA", False),
        ("sfx", None, False),
    ]
    assert panel.dialogue[2].text == "Hold it\nsteady!"
    assert (panel.dialogue[5].position.x, panel.dialogue[5].position.y) == (0.5, 0.2)


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("Title: x\nPAGE 1\nPANEL 1\nShot: weird\n", 4, 7, "unknown shot 'weird'"),
        ("Title: x\nPANEL 1\n", 2, 1, "PANEL comes before any PAGE"),
        ("Title: x\nColour: blue\n", 2, 1, "unknown front-matter field 'Colour'"),
        ("Title: x\nDPI: lots\nPAGE 1\n", 2, 6, "DPI must be a whole number"),
        ("Title: x\nPage size: tabloid\n", 2, 12, "unknown page size 'tabloid'"),
        ("Title: x\nPAGE 1\nPAGE 1\n", 3, 6, "PAGE 1 appears twice"),
        ("Title: x\nPAGE 1\nPANEL 1\nPANEL 1\n", 4, 7, "PANEL 1 appears twice on page 1"),
        ("Title: x\nPAGE 1\nPANEL 1\nMAYA (YELLS LOUDLY): hi\n", 4, 7, "unknown modifier 'YELLS LOUDLY'"),
        ("Title: x\nPAGE 1\nPANEL 1\nCharacters: MAYA (upstage)\n", 4, 13, "cannot read where MAYA stands"),
        ("Title: x\nPAGE 1\nPANEL 1\nMAYA:\n", 4, 0, "MAYA's line has no text"),
        ("Title: x\nPAGE 1\nSome words\n", 3, 1, "text between PAGE and the first PANEL"),
        ("Title: x\nPAGE one\n", 2, 1, "cannot read the page heading"),
        ("Reading direction: ltr\nPAGE 1\n", 1, 0, "title"),
    ],
)
def test_errors_carry_line_column_and_hint(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, source="t.txt")
    error = caught.value
    assert fragment in str(error)
    assert (error.line, error.column) == (line, column)
    assert error.hint
    assert str(error).startswith(f"t.txt line {line}")


def test_all_problems_are_collected() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script("Title: x\nPAGE 1\nPANEL 1\nShot: a\nEmphasis: b\n")
    assert [i.line for i in caught.value.issues] == [4, 5]
    assert "(and 1 more problem)" in str(caught.value)


def test_format_round_trips() -> None:
    book = parse_script(SCRIPT)
    assert parse_script(format_script(book)) == book
    sample = load_book(SAMPLE)
    assert parse_script(format_script(sample)) == sample


def test_names_outside_the_cast_keep_their_spelling() -> None:
    book = parse_script("Title: x\nPAGE 1\nPANEL 1\n@Dr. Who: hello\nNARRATOR: hi\n")
    assert [b.speaker for b in book.pages[0].panels[0].dialogue] == ["Dr. Who", "NARRATOR"]
    assert parse_script(format_script(book)) == book


def test_yaml_and_json_load_the_same_book(tmp_path: Path) -> None:
    book = load_book(SAMPLE)
    for suffix in (".yaml", ".json", ".txt"):
        path = save_book(book, tmp_path / f"book{suffix}")
        assert load_book(path) == book


def test_data_errors_are_script_errors(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="line 3, column 1: invalid YAML"):
        parse_book_data("title: x\npages: [\n", kind="yaml")
    with pytest.raises(ScriptError, match="invalid JSON"):
        parse_book_data("{", kind="json")
    with pytest.raises(ScriptError, match="line 6, column 33: pages.0.panels.0.dialogue.0.kind"):
        parse_book_data(
            "title: x\npages:\n- number: 1\n  panels:\n  - number: 1\n    dialogue: [{text: hi, kind: yell}]\n"
        )
    with pytest.raises(ScriptError, match="line 3, column 28: pages.0.number"):
        parse_book_data('{"title": "x",\n "pages": [\n  {"panels": [], "number": 0}]}', kind="json")
    with pytest.raises(ScriptError, match="does not exist"):
        load_book(tmp_path / "nope.txt")


def test_check_script_warns_about_cast_and_speakers() -> None:
    book = parse_script("Title: x\nCast:\n- MAYA: a\nPAGE 1\nPANEL 1. desc\nCharacters: MAYA\nBOB: hi\nMAYA: ok\n")
    warnings = check_script(book)
    assert any("speaker 'BOB' is not in the cast" in w for w in warnings)
    assert any("BOB speaks but is not listed" in w for w in warnings)
    assert not any("MAYA" in w for w in warnings)


def test_notes_belong_to_the_description() -> None:
    book = parse_script("Title: x\nPAGE 1\nPANEL 1. Rain.\nNOTE: keep it dark\nMAYA: hi\nShe turns away.\n")
    panel = book.pages[0].panels[0]
    assert panel.description == "Rain.\nNOTE: keep it dark\nShe turns away."
    assert [b.text for b in panel.dialogue] == ["hi"]
    assert parse_script(format_script(book)) == book


def test_description_lines_that_look_like_syntax_round_trip() -> None:
    from app.comic.model import Book, Page, Panel

    tricky = "Wide shot.\nMAYA: stands there\nPAGE 9 is torn\n# not a comment\n\\backslash"
    book = Book(title="x", pages=[Page(number=1, panels=[Panel(number=1, description=tricky)])])
    text = format_script(book)
    assert "\\MAYA: stands there" in text
    assert parse_script(text) == book
