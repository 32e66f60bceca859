"""Page sizes, templates, automatic template choice, gutters, reading order, generation sizes."""

from __future__ import annotations

import pytest

from app.comic.layout import choose_template, generation_size, layout_book, layout_page
from app.comic.model import Book, Page, Panel
from app.comic.pages import PageSizeError, page_geometry
from app.comic.templates import Rect, TemplateError, cut_cells, get_template, load_templates


def _page(count: int, **panel_fields: object) -> Page:
    return Page(number=1, panels=[Panel(number=i + 1, **panel_fields) for i in range(count)])


def test_page_geometry_at_dpi() -> None:
    us = page_geometry("us-comic", 300)
    assert (us.trim_width_px, us.trim_height_px) == (1988, 3075)  # 6.625 x 10.25 in
    assert us.bleed_px == 38 and us.width_px == 1988 + 76
    assert us.safe_box[0] == 38 + 94
    a4 = page_geometry("a4", 300)
    assert (a4.trim_width_px, a4.trim_height_px) == (2480, 3508)
    assert a4.size_inches[0] == pytest.approx((210 + 6) / 25.4, abs=0.01)
    web = page_geometry("webtoon", 300)
    assert web.trim_width_px == 800 and web.spec.flows
    with pytest.raises(PageSizeError, match="Unknown page size 'tabloid'"):
        page_geometry("tabloid", 300)
    with pytest.raises(PageSizeError, match="DPI 5 is out of range"):
        page_geometry("a4", 5)


def test_every_template_fills_its_area_without_overlap() -> None:
    area = Rect(100, 100, 1100, 1600)
    for template in load_templates().values():
        cells = cut_cells(template, area, 20)
        assert len(cells) == template.panel_count
        for i, a in enumerate(cells):
            assert a.width > 0 and a.height > 0
            assert area.left <= a.left and a.right <= area.right and area.top <= a.top and a.bottom <= area.bottom
            for b in cells[i + 1 :]:
                overlap_w = min(a.right, b.right) - max(a.left, b.left)
                overlap_h = min(a.bottom, b.bottom) - max(a.top, b.top)
                assert overlap_w <= 0 or overlap_h <= 0, template.name


def test_gutters_separate_neighbours() -> None:
    cells = cut_cells(get_template("grid-2x2"), Rect(0, 0, 1000, 1000), 30)
    assert cells[1].left - cells[0].right == 30
    assert cells[2].top - cells[0].bottom == 30


def test_automatic_choice_follows_count_and_emphasis() -> None:
    assert choose_template(_page(6).panels).name == "grid-2x3"
    assert choose_template(_page(1).panels).name == "splash"
    big_first = [Panel(number=1, emphasis="high"), Panel(number=2), Panel(number=3)]
    assert choose_template(big_first).name == "big-top"
    big_last = [Panel(number=1), Panel(number=2), Panel(number=3, emphasis="high")]
    assert choose_template(big_last).name == "big-bottom"
    assert choose_template(_page(13).panels).panel_count == 13  # generated grid beyond the table


def test_rtl_mirrors_the_reading_order() -> None:
    page = Page(number=1, layout="side-by-side", panels=_page(2).panels)
    ltr = layout_page(page, page_size="a4", dpi=100)
    rtl = layout_page(page, page_size="a4", dpi=100, reading_direction="rtl")
    assert ltr.slots[0].box.left < ltr.slots[1].box.left
    assert rtl.slots[0].box.left > rtl.slots[1].box.left
    assert rtl.slots[0].box.right == ltr.slots[1].box.right


def test_named_layout_must_match_the_panel_count() -> None:
    with pytest.raises(TemplateError, match="uses layout 'grid-2x2' with 4 panel"):
        layout_page(Page(number=1, layout="grid-2x2", panels=_page(3).panels), page_size="a4", dpi=100)
    with pytest.raises(TemplateError, match="Unknown layout template 'nope'"):
        layout_page(Page(number=1, layout="nope", panels=_page(3).panels), page_size="a4", dpi=100)


def test_splash_bleeds_and_others_stay_in_the_safe_area() -> None:
    splash = layout_page(_page(1), page_size="us-comic", dpi=150)
    assert splash.slots[0].box.as_tuple() == (0, 0, splash.size[0], splash.size[1])
    grid = layout_page(_page(4), page_size="us-comic", dpi=150)
    safe = grid.geometry.safe_box
    assert min(s.box.left for s in grid.slots) == safe[0] and max(s.box.bottom for s in grid.slots) == safe[3]


def test_generation_size_is_a_multiple_with_the_panel_aspect() -> None:
    w, h = generation_size(1500, 700)
    assert w % 64 == 0 and h % 64 == 0
    assert abs(w / h - 1500 / 700) < 0.15
    assert 0.8e6 < w * h < 1.25e6
    assert generation_size(300, 300, multiple=8, target_pixels=512 * 512) == (512, 512)


def test_webtoon_flows_vertically() -> None:
    book = Book(
        title="w", page_size="webtoon", pages=[_page(3), Page(number=2, panels=[Panel(number=1, emphasis="high")])]
    )
    first, second = layout_book(book)
    boxes = [s.box for s in first.slots]
    assert all(b.width == boxes[0].width for b in boxes)
    assert boxes[0].bottom < boxes[1].top < boxes[2].top
    assert first.size[1] > boxes[2].bottom
    assert second.slots[0].box.height > second.slots[0].box.width
