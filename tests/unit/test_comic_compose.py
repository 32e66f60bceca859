"""Page composition: cover-crop with focus, placeholders, warnings, unreadable art, a golden page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comic.compose import ComposeOptions, compose_book, compose_page
from app.comic.model import Balloon, Book, Page, Panel, Point
from app.comic.panel_images import PanelImageError, cover_crop, find_panel_images, open_panel_image, panel_file_name

from .comic_golden import assert_matches_golden


def _book(**fields: object) -> Book:
    panels = [
        Panel(
            number=1,
            emphasis="high",
            characters=["MAYA"],
            character_positions={"MAYA": Point(x=0.3, y=0.5)},
            dialogue=[Balloon(kind="caption", text="Night fell."), Balloon(speaker="MAYA", text="Light the lamp!")],
        ),
        Panel(number=2, dialogue=[Balloon(speaker="TOM", text="On it.", off_panel=True)]),
        Panel(number=3, dialogue=[Balloon(kind="sfx", text="FWOOM")]),
    ]
    data = {"title": "Compose test", "page_size": "a5", "dpi": 50, "pages": [Page(number=1, panels=panels)]}
    data.update(fields)
    return Book(**data)


def _gradient(size: tuple[int, int], color: tuple[int, int, int]) -> Image.Image:
    w, h = size
    ramp = np.linspace(0.55, 1.0, h)[:, None, None] * np.array(color)[None, None, :]
    return Image.fromarray(np.repeat(ramp, w, axis=1).astype(np.uint8))


def test_cover_crop_keeps_the_focus_and_the_aspect() -> None:
    image = Image.new("RGB", (400, 100), (0, 0, 0))
    image.paste((255, 0, 0), (0, 0, 100, 100))
    image.paste((0, 0, 255), (300, 0, 400, 100))
    left = cover_crop(image, (50, 50), (0.0, 0.5))
    right = cover_crop(image, (50, 50), (1.0, 0.5))
    assert left.size == (50, 50) and left.getpixel((25, 25))[0] > 200
    assert right.getpixel((25, 25))[2] > 200


def test_find_panel_images_by_naming_convention(tmp_path: Path) -> None:
    book = _book()
    for name in ("p01_panel01.png", "page1_panel3.jpg", "p01_panel09.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    found = find_panel_images(book, tmp_path)
    assert set(found.paths) == {(1, 1), (1, 3)}
    assert found.missing == [(1, 2)]
    assert "page 1 panel 2" in found.describe_missing() and panel_file_name(1, 2) == "p01_panel02.png"


def test_missing_art_gets_a_marked_placeholder_and_one_warning() -> None:
    book = _book()
    art = {(1, 1): _gradient((600, 400), (60, 90, 140)), (1, 3): _gradient((300, 300), (140, 70, 40))}
    result = compose_book(book, art)
    assert result.warnings == [
        "1 panel image(s) missing (page 1 panel 2); placeholders were drawn. Expected names like p01_panel02.png."
    ]
    page = result.pages[0]
    slot = page.layout.slot(2)
    crop = np.asarray(page.image.crop(slot.box.as_tuple()))
    assert (np.abs(crop.astype(int) - [200, 40, 40]).sum(axis=2) < 60).any()  # the red cross is there


def test_far_off_aspect_warns_with_the_size_to_generate(tmp_path: Path) -> None:
    book = _book()
    path = tmp_path / "wide.png"
    Image.new("RGB", (1600, 200), (10, 10, 10)).save(path)
    page = compose_page(book, book.pages[0], {1: path, 2: None, 3: None}, options=ComposeOptions(letter=False))
    assert (
        len(page.warnings) == 1 and "wide.png is 1600x200" in page.warnings[0] and "generate it at" in page.warnings[0]
    )


def test_unreadable_art_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p01_panel01.png"
    path.write_text("not an image")
    with pytest.raises(PanelImageError, match="p01_panel01.png' cannot be read as an image"):
        open_panel_image(path)
    book = _book()
    with pytest.raises(PanelImageError, match="cannot be read"):
        compose_book(book, find_panel_images(book, tmp_path))
    with pytest.raises(PanelImageError, match="does not exist or is not a folder"):
        find_panel_images(book, tmp_path / "nowhere")


def test_transparent_art_is_flattened_on_white(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(path)
    assert open_panel_image(path).getpixel((5, 5)) == (255, 255, 255)


def test_golden_page() -> None:
    book = _book()
    art = {
        (1, 1): _gradient((600, 400), (60, 90, 140)),
        (1, 2): _gradient((300, 300), (40, 120, 90)),
        (1, 3): _gradient((300, 300), (140, 70, 40)),
    }
    result = compose_book(book, art)
    assert result.issues == [] and result.warnings == []
    assert_matches_golden(result.pages[0].image, "comic_page_a5")


def test_webtoon_pages_flow_and_letter_at_screen_scale() -> None:
    book = _book(page_size="webtoon")
    result = compose_book(book, {})
    page = result.pages[0]
    assert page.image.width == 800 and page.image.height > 1500
    assert result.issues == []


def test_splash_bleeds_without_a_border_and_letters_inside_the_safe_area() -> None:
    book = Book(
        title="s",
        page_size="us-comic",
        dpi=40,
        pages=[Page(number=1, panels=[Panel(number=1, dialogue=[Balloon(kind="caption", text="Far away.")])])],
    )
    page = compose_book(book, {(1, 1): _gradient((300, 400), (200, 30, 30))}).pages[0]
    assert page.image.getpixel((0, 0))[0] > 60  # art reaches the corner (no white margin, no border)
    from app.comic.lettering import plan_panel

    plan, _ = plan_panel(
        book.pages[0].panels[0],
        page.layout.slots[0].box.as_tuple(),
        page_number=1,
        px_per_pt=40 / 72,
        limit=page.layout.geometry.safe_box,
    )
    safe = page.layout.geometry.safe_box
    body = plan.items[0].body
    assert body[0] >= safe[0] and body[1] >= safe[1]


@pytest.mark.parametrize(
    "source, size", [((640, 480), (381, 535)), ((768, 1024), (623, 601)), ((1000, 1), (3, 7)), ((333, 777), (777, 333))]
)
def test_cover_crop_survives_float_rounding(source, size) -> None:
    """Crops that come out a hair larger than the image after rounding are clamped, not refused."""
    tile = cover_crop(Image.new("RGB", source, (10, 20, 30)), size, (0.9, 0.1))
    assert tile.size == size
    assert tile.getpixel((0, 0)) == (10, 20, 30)
