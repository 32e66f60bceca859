"""The Comic workspace's pure parts: balloon hit-testing, the art cache, JPEG preview pages, the panel strip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from app.comic.art_cache import ArtCache
from app.comic.compose import ComposeOptions, compose_page
from app.comic.hit_test import BalloonSpot, balloon_at
from app.comic.script import parse_script
from app.services import comic_workspace_service as workspace
from app.services import compose_service
from app.services.compose_service import BalloonEdit

SCRIPT = """Title: Strip Test
Page size: a5
DPI: 72

PAGE 1

PANEL 1. A street.
MAYA: Hello there, this is a long line of speech.
CAPTION: Morning.

PANEL 2. A door.
TOM: Who is it?
"""


def art(folder: Path, names: list[str], size: tuple[int, int] = (300, 400)) -> list[Path]:
    paths = []
    for index, name in enumerate(names):
        path = folder / name
        Image.linear_gradient("L").resize(size).convert("RGB").point(lambda v, i=index: (v + 60 * i) % 256).save(path)
        paths.append(path)
    return paths


def test_balloon_at_picks_the_body_under_the_point_and_the_smaller_of_two():
    big = BalloonSpot(1, 0, "speech", (100, 100, 300, 200))
    small = BalloonSpot(1, 1, "caption", (250, 150, 320, 190))
    spots = [big, small]
    assert balloon_at(spots, 150, 150) == big
    assert balloon_at(spots, 260, 160) == small  # inside both: the smaller one
    assert balloon_at(spots, 303, 120) == big  # just outside the body, within the slop
    assert balloon_at(spots, 500, 500) is None
    assert balloon_at(spots, 95, 150, slop=0) is None
    assert balloon_at([], 1, 1) is None


def test_composed_draft_records_where_each_balloon_is_and_a_click_finds_it(tmp_path):
    draft = compose_service.start_draft(art(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    spots = draft.spots[1]
    assert sorted((s.panel, s.index) for s in spots) == [(1, 0), (1, 1), (2, 0)]
    for spot in spots:
        x, y = spot.center
        pick = workspace.balloon_at_point(draft, 1, x, y)
        assert (pick.panel, pick.index, pick.kind) == (spot.panel, spot.index, spot.kind)
        assert pick.key == f"{spot.panel}:{spot.index}"
    assert workspace.balloon_at_point(draft, 1, 0, 0) is None  # the page margin
    moved = compose_service.edit_balloon(draft, 1, 2, 0, BalloonEdit(position=(0.5, 0.8)))
    spot = next(s for s in moved.spots[1] if s.panel == 2)
    assert spot.body != next(s for s in spots if s.panel == 2).body  # the geometry follows the edit


def test_the_picked_balloon_is_outlined_on_a_copy_of_the_preview_only(tmp_path):
    draft = compose_service.start_draft(art(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    page_before = draft.page_files[1].read_bytes()
    spot = next(s for s in draft.spots[1] if (s.panel, s.index) == (2, 0))
    outlined = workspace.picked_preview(draft, 1, 2, 0)
    assert outlined is not None and outlined != draft.page_files[1]
    assert draft.page_files[1].read_bytes() == page_before  # the page (and so every export) has no outline
    with Image.open(draft.page_files[1]) as page, Image.open(outlined) as shown:
        changed = ImageChops.difference(page.convert("RGB"), shown.convert("RGB")).point(lambda v: 255 * (v > 40))
        box = changed.getbbox()
    left, top, right, bottom = spot.body
    assert box is not None
    assert box[0] < left and box[1] < top and box[2] > right and box[3] > bottom  # around the balloon's body
    assert box[0] > left - 40 and box[1] > top - 40 and box[2] < right + 40 and box[3] < bottom + 40  # and only there
    assert workspace.picked_preview(draft, 1, 9, 0) is None  # no such balloon
    assert workspace.picked_preview(draft, 2, 1, 0) is None  # no such page


def test_art_cache_gives_the_same_page_and_reuses_the_fitted_art(tmp_path):
    book = parse_script(SCRIPT)
    page = book.pages[0]
    paths = art(tmp_path, ["a.png", "b.png"], size=(1200, 150))  # off-aspect: the warning must survive the cache
    source = {1: paths[0], 2: paths[1]}
    cache = ArtCache()
    plain = compose_page(book, page, source, options=ComposeOptions())
    first = compose_page(book, page, source, options=ComposeOptions(), cache=cache)
    assert (cache.hits, cache.misses, len(cache)) == (0, 2, 2)
    second = compose_page(book, page, source, options=ComposeOptions(), cache=cache)
    assert cache.hits == 2
    for composed in (first, second):
        assert ImageChops.difference(plain.image, composed.image).getbbox() is None
        assert composed.warnings == plain.warnings and composed.warnings
    Image.new("RGB", (1200, 150), (10, 200, 10)).save(paths[1])  # a regenerated panel: new file contents
    stat = paths[1].stat()
    os.utime(paths[1], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    third = compose_page(book, page, source, options=ComposeOptions(), cache=cache)
    assert cache.misses == 3
    box = third.layout.slots[1].box
    assert third.image.getpixel((box.left + box.width // 2, box.bottom - 8)) == (10, 200, 10)


def test_art_cache_keeps_to_its_byte_budget():
    from app.comic.art_cache import FittedTile, TileKey

    cache = ArtCache(max_bytes=3 * 100 * 100 * 3)
    for n in range(5):
        cache.put(
            TileKey((f"/a{n}.png", 1, 1), (100, 100), (0.5, 0.5), (0, "square", 0), False),
            FittedTile(Image.new("RGB", (100, 100))),
        )
    assert len(cache) == 3 and cache.bytes == 3 * 100 * 100 * 3
    assert cache.get(TileKey(("/a0.png", 1, 1), (100, 100), (0.5, 0.5), (0, "square", 0), False)) is None


def test_jpeg_pages_for_the_workspace_and_a_bad_format_is_named(tmp_path):
    draft = compose_service.start_draft(
        art(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT, page_format="jpeg"
    )
    assert draft.page_files[1].name == "page-001.jpg"
    with Image.open(draft.page_files[1]) as page:
        assert page.format == "JPEG"
    edited = compose_service.edit_balloon(draft, 1, 1, 0, BalloonEdit(text="Hi!"))
    assert edited.page_files[1].suffix == ".jpg"
    with pytest.raises(compose_service.ComposeError, match="page format 'gif'"):
        compose_service.start_draft(art(tmp_path, ["c.png"]), tmp_path / "x", page_format="gif")


def test_panel_cards_list_every_panel_with_its_state(tmp_path):
    assert workspace.panel_cards(tmp_path, "", None) == []
    cards = workspace.panel_cards(tmp_path, SCRIPT, None)
    assert [(c.ref, c.status, c.balloons, c.image) for c in cards] == [
        ("1:1", "not built", 2, None),
        ("1:2", "not built", 1, None),
    ]
    assert cards[0].prompt == "A street." and cards[0].caption() == "1:1 not built"
    draft = compose_service.start_draft(art(tmp_path, ["p01_panel02.png"]), tmp_path / "w", script_text=SCRIPT)
    cards = workspace.panel_cards(tmp_path, SCRIPT, draft)
    assert [(c.ref, c.status) for c in cards] == [("1:1", "not built"), ("1:2", "composed")]
    assert cards[1].image.name == "p01_panel02.png"
    card = workspace.PanelCard(2, 3, "done", None, "x", 7, "MAYA 0.91", 0.7234, 1)
    assert card.caption() == "2:3 done · q 0.72 · id MAYA 0.91"
    thumb = workspace.no_art_thumbnail(tmp_path / "t")
    assert Image.open(thumb).size == workspace.NO_ART_SIZE and workspace.no_art_thumbnail(tmp_path / "t") == thumb


def test_page_settings_show_the_scripts_values_while_it_is_used():
    from app.ui.components.comic_pages import script_settings

    size, dpi, per_page = script_settings(SCRIPT, True)
    assert (size["value"], size["interactive"], dpi["value"], dpi["interactive"]) == ("a5", False, 72, False)
    assert "script" in size["info"] and per_page["interactive"] is False
    for script, used in ((SCRIPT, False), ("", True), ("PAGE one", True)):
        assert all(update["interactive"] is True and "value" not in update for update in script_settings(script, used))
