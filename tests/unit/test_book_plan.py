"""The build plan: panel sizes, seeds, panel references, location assignment."""

from __future__ import annotations

import pytest

from app.book.errors import BookError
from app.book.library import Location
from app.book.plan import PanelRef, assign_locations, attempt_seed, base_seed, load_location_map, panel_size, plate_size
from app.comic.layout import PanelSlot
from app.comic.model import Book
from app.comic.templates import Rect


def _slot(width: int, height: int) -> PanelSlot:
    return PanelSlot(1, 1, 0, Rect(0, 0, width, height))


def test_panel_size_follows_the_layout_aspect_at_sd15_area() -> None:
    width, height = panel_size(_slot(1200, 600))
    assert width % 64 == 0 and height % 64 == 0
    assert abs(width / height - 2.0) < 0.2  # within one 64 px step of the panel's aspect
    assert 0.8 < width * height / (512 * 512) < 1.2


def test_max_side_caps_the_longer_side_and_keeps_the_shorter_at_least_64() -> None:
    assert panel_size(_slot(600, 600), max_side=64) == (64, 64)
    assert panel_size(_slot(1200, 600), max_side=128) == (128, 64)
    assert panel_size(_slot(1200, 600), max_side=64) == (64, 64)  # the longer side is capped; the short one stays 64
    assert panel_size(_slot(900, 600), max_side=64) == (64, 64)  # the old rule gave 96x64
    assert all(
        max(panel_size(_slot(w, h), max_side=m)) <= m
        for w, h in ((1200, 600), (600, 1300), (700, 500))
        for m in (64, 100, 200, 513)
    )
    assert panel_size(_slot(600, 600), max_side=4096) == panel_size(_slot(600, 600))


def test_plate_is_wider_than_every_panel() -> None:
    assert plate_size([(128, 64), (64, 64)]) == (192, 64)


def test_seeds_are_stable_and_distinct() -> None:
    one, two = base_seed("Book", PanelRef(1, 1)), base_seed("Book", PanelRef(1, 2))
    assert one == base_seed("Book", PanelRef(1, 1)) and one != two and 0 <= one < 2**32
    assert base_seed("Book", PanelRef(1, 1), 42) == one ^ 42
    assert len({attempt_seed(one, n) for n in range(5)}) == 5


@pytest.mark.parametrize("text", ["1:2", " 1 : 2 ", "1/2", "1.2"])
def test_panel_refs_parse(text: str) -> None:
    ref = PanelRef.parse(text)
    assert (ref.page, ref.panel, ref.key, str(ref)) == (1, 2, "p01_panel02", "page 1 panel 2")


def test_a_bad_panel_ref_says_how_to_write_it() -> None:
    with pytest.raises(BookError, match=r"'panel two' does not name a panel; write PAGE:PANEL, e.g. 1:2."):
        PanelRef.parse("panel two")


def _book() -> Book:
    return Book.model_validate(
        {
            "title": "T",
            "pages": [
                {
                    "number": 1,
                    "panels": [
                        {"number": 1, "description": "The sea."},
                        {"number": 2, "description": "Inside the Lamp-Room, dark."},
                        {"number": 3, "description": "Close on Tom."},
                    ],
                },
                {
                    "number": 2,
                    "panels": [
                        {"number": 1, "description": "Tom again."},
                        {"number": 2, "description": "On the cliff path."},
                    ],
                },
            ],
        }
    )


def test_locations_by_mention_then_carried_over_within_the_page() -> None:
    room, cliff = Location(name="lamp room"), Location(name="cliff", aliases=["cliff path"])
    where = assign_locations(_book(), [room, cliff])
    assert [where[PanelRef(1, n)] for n in (1, 2, 3)] == [None, room, room]
    assert [where[PanelRef(2, n)] for n in (1, 2)] == [None, cliff]  # a new page starts without a place


def test_explicit_map_wins_and_unknown_names_are_refused(tmp_path) -> None:
    room, cliff = Location(name="lamp room"), Location(name="cliff")
    path = tmp_path / "book.locations.yaml"
    path.write_text('"2": lamp room\n"1:1": cliff\n', encoding="utf-8")
    where = assign_locations(_book(), [room, cliff], load_location_map(path))
    assert where[PanelRef(1, 1)] == cliff and where[PanelRef(2, 1)] == room and where[PanelRef(2, 2)] == room
    with pytest.raises(
        BookError, match=r"location 'attic' \(for 1\) is not in the location library; it has: lamp room, cliff."
    ):
        assign_locations(_book(), [room, cliff], {"1": "attic"})
    assert load_location_map(tmp_path / "absent.yaml") == {}
