"""Lettering: text fitting, hyphenation, placement, tails, issues, and golden renders of each kind."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from app.comic.fonts import resolve_font
from app.comic.lettering import LetteringStyle, letter_panel, plan_panel
from app.comic.lettering.placement import Avoid, Request, overlap_area, place_all
from app.comic.lettering.textfit import fit_text, tokenize, wrap_to_caps
from app.comic.model import Balloon, Box, Panel, Point

from .comic_golden import assert_matches_golden

FONT = resolve_font("dialogue", "a", size=30)


def _fit(text: str, **kw: object):
    params = dict(shape="ellipse", min_size=16, max_size=30, max_width=420, max_height=300)
    params.update(kw)
    return fit_text(text, lambda s: FONT.with_size(s).load(), **params)


def _words(lines: tuple[str, ...]) -> str:
    return " ".join(lines).replace("- ", "").replace("-", "")


def test_short_text_keeps_the_maximum_size_and_all_words() -> None:
    block = _fit("Hold the light steady! I can't see the gears.")
    assert block.fits and block.size == 30
    assert _words(block.lines) == "Hold the light steady! I can't see the gears."
    assert block.shape_width <= 420 and block.shape_height <= 300


def test_long_text_shrinks_then_reports_instead_of_cutting() -> None:
    text = " ".join(["lighthouse"] * 70)
    shrunk = _fit(" ".join(["word"] * 34))
    assert shrunk.fits and 16 <= shrunk.size < 30
    overflow = _fit(text)
    assert not overflow.fits and overflow.size == 16
    assert _words(overflow.lines).split() == text.split()  # every word is still there


def test_hyphenation_only_when_needed() -> None:
    measure = lambda s: len(s) * 10.0  # noqa: E731
    assert wrap_to_caps(["a", "lighthouse"], " ", [70, 70, 70], measure, "en", "hyphenate") == ["a", "light-", "house"]
    assert wrap_to_caps(["a", "lighthouse"], " ", [70, 70, 70], measure, "en", "words") is None
    assert wrap_to_caps(["lighthouse"], " ", [200], measure, "en", "hyphenate") == ["lighthouse"]


def test_cjk_breaks_between_characters_without_starting_a_line_with_punctuation() -> None:
    tokens, sep = tokenize("急いで！灯台へ。")
    assert sep == "" and "で！" in tokens and "へ。" in tokens


def test_placement_keeps_off_faces_and_each_other_in_reading_order() -> None:
    panel = (0, 0, 1000, 700)
    face = Avoid((100, 50, 400, 350), 30.0)
    requests = [Request(300, 150, "speech", anchor=(250, 300)), Request(300, 150, "speech", anchor=(750, 300))]
    first, second = place_all(requests, panel, [face])
    assert overlap_area(first.body, face.box) == 0 and overlap_area(second.body, face.box) == 0
    assert overlap_area(first.body, second.body) == 0
    assert not first.overlaps and not second.overlaps
    assert second.body[0] > first.body[0] or second.body[1] > first.body[3]
    # tails aim at the mouths and stop short of them
    for placement, mouth in ((first, (250, 300)), (second, (750, 300))):
        tip = placement.tail_tip
        assert tip is not None and abs(tip[0] - mouth[0]) < 160
        assert ((tip[0] - mouth[0]) ** 2 + (tip[1] - mouth[1]) ** 2) ** 0.5 >= 0.04 * 700


def test_captions_take_the_reading_corners() -> None:
    panel = (0, 0, 1000, 700)
    reqs = [Request(400, 60, "caption"), Request(300, 150, "speech"), Request(400, 60, "caption")]
    ltr = place_all(reqs, panel, [])
    assert ltr[0].body[0] < 100 and ltr[0].body[1] < 100  # opening caption top-left
    assert ltr[2].body[2] > 900 and ltr[2].body[3] > 600  # closing caption bottom-right
    rtl = place_all(reqs, panel, [], rtl=True)
    assert rtl[0].body[2] > 900 and rtl[0].body[1] < 100


def test_off_panel_tail_reaches_the_border() -> None:
    [placement] = place_all([Request(300, 150, "speech", off_panel=True)], (0, 0, 1000, 700), [])
    assert placement.tail_tip[0] in (0, 1000)


def test_plan_reports_text_that_cannot_fit_per_balloon() -> None:
    panel = Panel(
        number=2,
        dialogue=[Balloon(speaker="A", text="Fine."), Balloon(speaker="B", text=" ".join(["unbelievable"] * 60))],
    )
    _plan, issues = plan_panel(panel, (0, 0, 400, 300), page_number=3, px_per_pt=2.0)
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.page, issue.panel, issue.index, issue.speaker, issue.severity) == (3, 2, 1, "B", "error")
    assert "does not fit even at the minimum size" in issue.describe()


def test_plan_names_a_glyph_no_font_has() -> None:
    panel = Panel(number=1, dialogue=[Balloon(speaker="A", text="Look \u0378")])
    _plan, issues = plan_panel(panel, (0, 0, 600, 400), page_number=1, px_per_pt=2.0)
    assert any("U+0378" in issue.message and issue.severity == "error" for issue in issues)


def test_unknown_font_is_named() -> None:
    panel = Panel(number=1, dialogue=[Balloon(speaker="A", text="Hi")])
    _plan, issues = plan_panel(
        panel, (0, 0, 600, 400), page_number=1, px_per_pt=2.0, style=LetteringStyle(dialogue_font="Papyrus Deluxe")
    )
    assert any("Unknown font 'Papyrus Deluxe'" in issue.message for issue in issues)


def _canvas() -> Image.Image:
    image = Image.new("RGB", (360, 260), (96, 128, 150))
    return image


@pytest.mark.parametrize("kind", ["speech", "thought", "whisper", "shout", "electronic", "caption", "sfx"])
def test_golden_render_per_kind(kind: str) -> None:
    text = {"sfx": "KRAK!", "caption": "Meanwhile, at the lighthouse..."}.get(kind, "Hold the light steady, Tom!")
    panel = Panel(
        number=1,
        characters=["TOM"],
        character_positions={"TOM": Point(x=0.7, y=0.7)},
        dialogue=[Balloon(kind=kind, speaker=None if kind in ("caption", "sfx") else "TOM", text=text)],
    )
    image = _canvas()
    issues = letter_panel(image, panel, (0, 0, 360, 260), page_number=1, px_per_pt=2.2)
    assert issues == []
    assert_matches_golden(image, f"comic_balloon_{kind}")


def test_golden_two_speakers_with_faces() -> None:
    panel = Panel(
        number=1,
        faces={
            "MAYA": Box(left=0.12, top=0.45, right=0.32, bottom=0.75),
            "TOM": Box(left=0.66, top=0.42, right=0.86, bottom=0.72),
        },
        dialogue=[
            Balloon(speaker="MAYA", text="Did you hear that?"),
            Balloon(speaker="TOM", kind="whisper", text="Something is down on the rocks."),
        ],
    )
    image = _canvas()
    issues = letter_panel(image, panel, (0, 0, 360, 260), page_number=1, px_per_pt=2.2)
    assert issues == []
    assert_matches_golden(image, "comic_two_speakers")


def test_rtl_text_is_lettered() -> None:
    panel = Panel(number=1, dialogue=[Balloon(speaker="A", text="مرحبا بك في المنارة")])
    plan, issues = plan_panel(panel, (0, 0, 600, 400), page_number=1, px_per_pt=2.0, rtl=True)
    assert issues == []
    assert plan.items[0].font.direction == "rtl"


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(st.text(min_size=1, max_size=120).filter(lambda t: t.strip()), min_size=1, max_size=4),
    kinds=st.lists(
        st.sampled_from(["speech", "thought", "whisper", "shout", "electronic", "caption", "sfx"]),
        min_size=4,
        max_size=4,
    ),
    size=st.tuples(st.integers(40, 700), st.integers(40, 700)),
)
def test_lettering_never_crashes_and_reports_instead(texts: list[str], kinds: list[str], size: tuple[int, int]) -> None:
    panel = Panel(number=1, dialogue=[Balloon(kind=kind, speaker="A", text=text) for text, kind in zip(texts, kinds)])
    image = Image.new("RGB", (size[0] + 20, size[1] + 20), (128, 128, 128))
    issues = letter_panel(image, panel, (10, 10, 10 + size[0], 10 + size[1]), page_number=1, px_per_pt=1.5)
    assert all(issue.severity in ("error", "warning") and issue.message for issue in issues)
