"""Every template, both reading directions: lettering reads in script order on the Z-path and stays in
its panel; an over-long balloon is drawn inside its panel and reported."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app.comic.compose import ComposeOptions, compose_page
from app.comic.lettering.placement import reading_order_breaks
from app.comic.model import Balloon, Book, Page, Panel
from app.comic.templates import load_templates

LINES = [
    ("caption", None, "Later that night."),
    ("speech", "MAYA", "Hold the light steady, I can't see a thing."),
    ("speech", "TOM", "I am trying!"),
    ("speech", "MAYA", "Then try harder."),
]


def _book(template: str, count: int, direction: str) -> Book:
    panels = [
        Panel(number=n, characters=["MAYA", "TOM"], dialogue=[Balloon(kind=k, speaker=s, text=t) for k, s, t in LINES])
        for n in range(1, count + 1)
    ]
    return Book(
        title="Order",
        page_size="us-comic",
        dpi=100,
        reading_direction=direction,
        pages=[Page(number=1, layout=template, panels=panels)],
    )


def _inside(inner, outer) -> bool:
    return (
        inner[0] >= outer[0] - 0.5
        and inner[1] >= outer[1] - 0.5
        and inner[2] <= outer[2] + 0.5
        and inner[3] <= outer[3] + 0.5
    )


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
@pytest.mark.parametrize("template", sorted(load_templates()))
def test_every_template_reads_in_order_and_stays_in_its_panels(template: str, direction: str) -> None:
    count = load_templates()[template].panel_count
    book = _book(template, count, direction)
    composed = compose_page(book, book.pages[0], {}, options=ComposeOptions(detect=False))
    assert len(composed.plans) == count
    for plan in composed.plans:
        bodies = [item.body for item in plan.items]
        kinds = [item.kind for item in plan.items]
        assert reading_order_breaks(bodies, kinds, rtl=direction == "rtl") == [], (
            f"{template} {direction} panel {plan.panel}"
        )
        for item in plan.items:
            assert _inside(item.body, plan.box), (
                f"{template} {direction} panel {plan.panel} item {item.index + 1} leaves its panel"
            )
            if item.tail_tip is not None:
                assert _inside((*item.tail_tip, *item.tail_tip), plan.box)
    assert not [i for i in composed.issues if "reads before" in i.message]


def test_reading_order_break_is_reported_naming_the_panel() -> None:
    assert reading_order_breaks([(0, 0, 10, 10), (20, 0, 30, 10)], ["speech", "speech"]) == []
    assert reading_order_breaks([(20, 0, 30, 10), (0, 0, 10, 10)], ["speech", "speech"]) == [(0, 1)]
    assert reading_order_breaks([(20, 0, 30, 10), (0, 0, 10, 10)], ["speech", "speech"], rtl=True) == []
    assert reading_order_breaks([(0, 50, 10, 60), (0, 0, 10, 10)], ["speech", "speech"]) == [
        (0, 1)
    ]  # higher reads first
    assert reading_order_breaks([(0, 50, 10, 60), (0, 0, 10, 10)], ["speech", "sfx"]) == []  # SFX are not read in order
    # two pinned balloons the wrong way round: the letterer warns, naming page and panel
    panel = Panel(
        number=3,
        dialogue=[
            Balloon(speaker="A", text="First!", position={"x": 0.8, "y": 0.3}),
            Balloon(speaker="B", text="Second.", position={"x": 0.2, "y": 0.3}),
        ],
    )
    book = Book(
        title="t", page_size="a5", dpi=100, pages=[Page(number=2, panels=[Panel(number=1), Panel(number=2), panel])]
    )
    composed = compose_page(book, book.pages[0], {}, options=ComposeOptions(detect=False))
    [issue] = [i for i in composed.issues if "reads before" in i.message]
    assert issue.describe().startswith("Page 2 panel 3, B (item 2): reads before item 1")


def test_an_over_long_balloon_stays_in_its_panel_and_is_reported() -> None:
    long = " ".join(["lighthouse"] * 120)
    panels = [
        Panel(number=1, dialogue=[Balloon(speaker="A", text=long)]),
        Panel(number=2, dialogue=[Balloon(speaker="B", text="Short.")]),
    ]
    book = Book(title="t", page_size="a5", dpi=100, pages=[Page(number=1, layout="side-by-side", panels=panels)])
    blank = Image.new("RGB", (40, 40), (30, 90, 160))
    composed = compose_page(
        book, book.pages[0], {1: blank, 2: blank}, options=ComposeOptions(detect=False, border_pt=0)
    )
    first, second = composed.plans
    assert _inside(first.items[0].body, first.box)
    errors = [i for i in composed.issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].panel == 1 and "drawn inside its panel" in errors[0].message
    # nothing of panel 1's lettering reached the gutter or panel 2 (outside its short balloon)
    pixels = np.asarray(composed.image)
    left, top, right, bottom = second.box
    gutter = pixels[top:bottom, first.box[2] : left]
    assert np.abs(gutter.astype(int) - 255).max() == 0, "lettering spilled into the gutter"
    b = [int(v) for v in second.items[0].body]
    panel2 = pixels[top:bottom, left:right].copy()
    panel2[b[1] - top - 20 : b[3] - top + 40, b[0] - left - 20 : b[2] - left + 20] = (30, 90, 160)
    assert (np.abs(panel2.astype(int) - np.array([30, 90, 160])).max(axis=2) > 8).mean() < 0.01


def test_a_break_modifier_lets_a_balloon_leave_its_panel() -> None:
    from app.comic.script_parser import parse_script

    book = parse_script("Title: t\nPAGE 1\nPANEL 1\nMAYA (SHOUT, BREAK, @0.5/0.99): OUT!\nPANEL 2\n")
    assert book.pages[0].panels[0].dialogue[0].break_border
    composed = compose_page(book, book.pages[0], {}, options=ComposeOptions(detect=False))
    plan = composed.plans[0]
    assert plan.items[0].body[3] > plan.box[3]
    from app.comic.script_format import format_script

    assert "BREAK" in format_script(book)
