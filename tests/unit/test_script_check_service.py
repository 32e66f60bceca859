"""The live script check: a book or every issue, never an exception."""

from __future__ import annotations

from pathlib import Path

from app.services.script_check_service import check_script_text

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample" / "lighthouse.txt"


def test_sample_parses_with_a_summary():
    from app.comic.script import parse_script

    book = parse_script(SAMPLE.read_text())
    check = check_script_text(SAMPLE.read_text())
    assert check.ok and check.summary() == (
        f"“{book.title}”: {len(book.pages)} pages, {book.panel_count()} panels, {len(book.cast)} cast members."
    )


def test_problems_carry_line_and_column():
    check = check_script_text("Title: X\nPAGE 1\nPANEL 1. A.\nPAGE two\n")
    assert not check.ok and check.issues[0].line == 4
    assert check.summary() == "1 problem in the script."


def test_empty_and_yaml_and_bad_json():
    assert check_script_text("   ").issues[0].message == "the script is empty"
    assert check_script_text("title: T\npages: []\n", "yaml").ok
    bad = check_script_text('{"title": ', None)
    assert not bad.ok and "JSON" in bad.issues[0].message
