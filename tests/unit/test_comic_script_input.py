"""Script input hardening: nesting, control characters, mixed-case speakers, line numbers, decoding,
crowded pages, and `comic check` rejecting what `comic compose` rejects."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from app.comic.check import check_book
from app.comic.compose import ComposeOptions, compose_book
from app.comic.export import export_book
from app.comic.model import Book, Page, Panel
from app.comic.script import ScriptError, check_script, load_book, parse_book_data, parse_script
from app.comic.script_format import format_script
from main import main


def test_deeply_nested_json_and_yaml_are_one_sentence() -> None:
    for kind, text in (
        ("json", "[" * 100_000 + "]" * 100_000),
        ("json", '{"title": "x", "pages": ' + "[" * 60 + "]" * 60 + "}"),
        ("yaml", "- " * 5000 + "x"),
        ("yaml", "[" * 50_000 + "]" * 50_000),
    ):
        with pytest.raises(ScriptError) as info:
            parse_book_data(text, kind=kind)
        message = str(info.value)
        assert "nested" in message or "not a mapping" in message, message
        assert "Recursion" not in message and message.count(".") <= 3


def test_control_characters_are_rejected_with_their_line_and_never_reach_comicinfo(tmp_path: Path) -> None:
    with pytest.raises(ScriptError) as info:
        parse_script("Title: Bad\x00Title\nPAGE 1\nPANEL 1\nMAYA: hi\x1b[31m\n")
    issues = info.value.issues
    assert [(i.line, i.column) for i in issues] == [(1, 11), (4, 9)] and "U+0000" in issues[0].message
    with pytest.raises(ScriptError, match=r"title: control character U\+0007"):
        parse_book_data('{"title": "a\\u0007b", "pages": []}', kind="json")
    # a book built in code (the writers' room) with a control character still gives well-formed XML
    book = Book(title="Bell\x07 tower", writer="A\x00B", pages=[Page(number=1, panels=[Panel(number=1)])], dpi=36)
    cbz = export_book(compose_book(book, {}, options=ComposeOptions(letter=False)), tmp_path, ["cbz"]).files["cbz"][0]
    with zipfile.ZipFile(cbz) as archive:
        info_xml = ET.fromstring(archive.read("ComicInfo.xml"))
    assert info_xml.findtext("Title") == "Bell tower" and info_xml.findtext("Writer") == "AB"


def test_mixed_and_lower_case_speakers() -> None:
    castless = parse_script(
        "Title: t\nPAGE 1\nPANEL 1. A room.\nNadja: Hello.\nboris (WHISPER): Hi.\nBackground: a storm.\n"
    )
    panel = castless.pages[0].panels[0]
    assert [(b.speaker, b.kind) for b in panel.dialogue] == [("Nadja", "speech"), ("boris", "whisper")]
    assert "Background: a storm." in panel.description
    text = format_script(castless)
    assert "\\Nadja" not in text and "\\boris" not in text and "Nadja: Hello." in text
    assert parse_script(text) == castless
    cast = parse_script(
        "Title: t\nCast:\n- NADJA: a vampire\nPAGE 1\nPANEL 1\nCharacters: Laszlo\nnadja: Hello.\nlaszlo: Bats!\n"
    )
    assert [b.speaker for b in cast.pages[0].panels[0].dialogue] == ["NADJA", "Laszlo"]
    assert "\\" not in format_script(cast)
    with pytest.raises(ScriptError) as info:
        parse_script("Title: t\nCast:\n- NADJA: a vampire\nPAGE 1\nPANEL 1\nNadia: Hello.\n")
    assert (info.value.line, info.value.column) == (6, 1) and "unknown speaker 'Nadia'" in str(info.value)


def test_unknown_speakers_and_layout_mismatches_name_their_line() -> None:
    lines: dict = {}
    book = parse_script(
        "Title: t\nCast:\n- MAYA: keeper\nPAGE 1\nLayout: grid-2x2\nPANEL 1. Sea.\nTOM: Hi.\n", lines=lines
    )
    assert any("(line 7)" in w and "'TOM' is not in the cast" in w for w in check_script(book, lines))
    report = check_book(book, lines)
    assert report.errors == [
        "Page 1 uses layout 'grid-2x2' with 4 panel(s) but has 1; "
        "pick another layout or remove the Layout line (line 5)."
    ]


def test_undecodable_files_name_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Title: Café\nPAGE 1\nPANEL 1\nMAYA: Olé\n".encode("latin-1"))
    with pytest.raises(ScriptError) as info:
        load_book(path)
    assert (info.value.line, info.value.column) == (1, 11)
    assert "not UTF-8" in str(info.value) and "line 0" not in str(info.value)
    with pytest.raises(ScriptError) as missing:
        load_book(tmp_path / "nope.txt")
    assert "line 0" not in str(missing.value) and "does not exist" in str(missing.value)
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffTitle: t\n".encode())
    assert load_book(bom).title == "t"


def test_a_40_panel_page_is_refused() -> None:
    panels = "".join(f"PANEL {n}\n" for n in range(1, 41))
    with pytest.raises(ScriptError, match="PAGE 1 has 40 panels") as info:
        parse_script(f"Title: t\nPAGE 1\n{panels}")
    assert info.value.line == 2
    twelve = parse_script("Title: t\nPAGE 1\n" + "".join(f"PANEL {n}\n" for n in range(1, 13)))
    assert any("12 panels" in w for w in check_book(twelve).warnings)


def test_check_rejects_what_compose_rejects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Title: t\nPAGE 1\nLayout: splash\nPANEL 1\nPANEL 2\n")
    assert main(["comic", "check", str(script)]) == 1
    err = capsys.readouterr().err
    assert "layout 'splash' with 1 panel(s) but has 2" in err and "(line 3)" in err
    assert main(["comic", "compose", str(script), "--out", str(tmp_path / "out")]) != 0
    long = tmp_path / "long.txt"
    long.write_text(
        "Title: t\nPage size: a5\nDPI: 100\nPAGE 1\nLayout: grid-3x3\nPANEL 1\nMAYA: "
        + " ".join(["unbelievable"] * 140)
        + "\n"
        + "".join(f"PANEL {n}\n" for n in range(2, 10))
    )
    assert main(["comic", "check", str(long)]) == 1
    assert "does not fit" in capsys.readouterr().err
    assert main(["comic", "compose", str(long), "--out", str(tmp_path / "out2")]) == 1
    ok = tmp_path / "ok.txt"
    ok.write_text("Title: t\nPAGE 1\nPANEL 1. Sea.\nMAYA: Hi.\n")
    assert main(["comic", "check", str(ok)]) == 0


def test_json_book_roundtrip_still_works() -> None:
    data = {
        "title": "t",
        "pages": [
            {
                "number": 1,
                "panels": [
                    {"number": 1, "dialogue": [{"speaker": "A", "text": "hi", "position": {"x": 0.5, "y": 0.5}}]}
                ],
            }
        ],
    }
    assert parse_book_data(json.dumps(data), kind="json").pages[0].panels[0].dialogue[0].text == "hi"
