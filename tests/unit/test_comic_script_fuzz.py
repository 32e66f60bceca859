"""Fuzz: the script parser never raises anything but ScriptError, and formatted books round-trip."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.comic.choices import BALLOON_KINDS, EMPHASES, SHOTS
from app.comic.model import Balloon, Book, CastMember, Page, Panel, Point
from app.comic.script import ScriptError, format_script, parse_script

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that look like script syntax, so that the fuzzer reaches the deep branches.
_FRAGMENTS = st.sampled_from(
    [
        "Title: T",
        "Cast:",
        "- MAYA: a",
        "  aliases: M",
        "    reference: r",
        "PAGE 1",
        "PAGE 2",
        "PAGE 0",
        "PANEL 1",
        "PANEL 2. desc",
        "Layout: splash",
        "Layout: nope",
        "Shot: wide",
        "Shot:",
        "Characters: MAYA (left), TOM (0.2, 0.3)",
        "Characters: (",
        "Focus: 0.5, 2",
        "Face: MAYA 0.1, 0.1, 0.2",
        "Face: X 0.1 0.1 0.2 0.2",
        "Emphasis: high",
        "CAPTION: c",
        "CAPTION (MAYA): c",
        "SFX (@0.1/0.9): BOOM",
        "MAYA (WHISPER): w",
        "MAYA (OFF, SHOUT): s",
        "TOM (@2/2): x",
        "MAYA:",
        "   continued",
        "# comment",
        "DPI: 99999999",
        "Page size: a4",
        "Reading direction: rtl",
        "Issue: 3",
        "random words: here",
        "PANEL",
        "PAGE",
        "PAGE 1 (splash)",
        "",
        "\t",
        "：",
        "名前: こんにちは",
    ]
)
_LINES = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), max_size=25)


@FUZZ
@given(_LINES)
def test_parser_never_crashes_on_script_like_text(lines: list[str]) -> None:
    try:
        parse_script("\n".join(lines))
    except ScriptError as error:
        assert error.issues and all(issue.line >= 0 for issue in error.issues)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_crashes_on_any_text(text: str) -> None:
    try:
        parse_script(text)
    except ScriptError:
        pass


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_SENTENCE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_NAMES = ["MAYA", "TOM", "Dr. Who"]
_FRACTION = st.integers(min_value=0, max_value=100).map(lambda v: v / 100)


@st.composite
def _balloons(draw: st.DrawFn) -> Balloon:
    kind = draw(st.sampled_from(BALLOON_KINDS))
    speaker = (
        None
        if kind == "sfx"
        else draw(st.sampled_from(_NAMES))
        if kind != "caption"
        else draw(st.sampled_from([None, "MAYA"]))
    )
    position = draw(st.none() | st.builds(Point, x=_FRACTION, y=_FRACTION))
    return Balloon(
        kind=kind,
        speaker=speaker,
        text=draw(_SENTENCE),
        off_panel=draw(st.booleans()) and kind != "sfx",
        position=position,
    )


@st.composite
def _books(draw: st.DrawFn) -> Book:
    pages = []
    for page_number in range(1, draw(st.integers(1, 3)) + 1):
        panels = []
        for panel_number in range(1, draw(st.integers(0, 3)) + 1):
            characters = draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=2))
            positions = {
                name: Point(x=draw(_FRACTION), y=draw(_FRACTION)) for name in characters if draw(st.booleans())
            }
            panels.append(
                Panel(
                    number=panel_number,
                    description=draw(st.one_of(st.just(""), _SENTENCE)),
                    shot=draw(st.none() | st.sampled_from(SHOTS)),
                    characters=characters,
                    character_positions=positions,
                    emphasis=draw(st.sampled_from(EMPHASES)),
                    focus=draw(st.none() | st.builds(Point, x=_FRACTION, y=_FRACTION)),
                    dialogue=draw(st.lists(_balloons(), max_size=4)),
                )
            )
        pages.append(Page(number=page_number, panels=panels))
    return Book(
        title=draw(_SENTENCE),
        reading_direction=draw(st.sampled_from(["ltr", "rtl"])),
        cast=[CastMember(name="MAYA", description=draw(_SENTENCE)), CastMember(name="Tom", aliases=["TOMMY"])],
        pages=pages,
    )


@settings(max_examples=120, deadline=None)
@given(_books())
def test_formatted_books_parse_back_to_the_same_model(book: Book) -> None:
    assert parse_script(format_script(book)) == book
