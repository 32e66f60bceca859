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


def test_a_layout_that_no_template_has_or_that_does_not_fit_stops_the_check_with_its_line():
    script = "Title: T\n\nPAGE 1\nLayout: {layout}\n\nPANEL 1. A street.\n"
    unknown = check_script_text(script.format(layout="single"))
    assert not unknown.ok and [(i.line, i.message) for i in unknown.issues] == [
        (4, "page 1 asks for layout 'single', which is not a layout template")
    ]
    assert "splash" in unknown.issues[0].hint
    wrong_count = check_script_text(script.format(layout="three-tier"))
    assert not wrong_count.ok and "with 3 panel(s) but has 1" in wrong_count.issues[0].message
    assert check_script_text(script.format(layout="splash")).ok
