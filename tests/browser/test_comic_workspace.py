"""The Comic workspace in Chromium: script and page preview side by side (stacked on a phone), the panel strip,
and a balloon edited by clicking it on the page (issue 18 acceptance)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from app.services import compose_service
from tests.browser.capture_screenshots import sample_panels
from tests.browser.studio_page import open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample" / "lighthouse.txt"
BALLOON_TEXT = "Hold the light steady! I can't see the gears."
NEW_TEXT = "Fix the lamp, now!"
IMAGE_BOX_JS = """
(img) => { const r = img.getBoundingClientRect();
  return {left: r.left, top: r.top, width: r.width, height: r.height, nw: img.naturalWidth, nh: img.naturalHeight}; }
"""


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def client_point(image: dict, x_px: float, y_px: float) -> tuple[float, float]:
    """Page pixel -> client coordinates of an <img> shown with object-fit: contain (Gradio's select maths reversed)."""
    scale = min(image["width"] / image["nw"], image["height"] / image["nh"])
    left = image["left"] + (image["width"] - image["nw"] * scale) / 2
    top = image["top"] + (image["height"] - image["nh"] * scale) / 2
    return left + x_px * scale, top + y_px * scale


def preview_pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator("#compose-preview img").first.screenshot())).convert("RGB")


def test_click_a_balloon_on_the_page_and_retype_it(studio, browser, tmp_path):
    panels = sample_panels(tmp_path)
    script = SAMPLE.read_text(encoding="utf-8")
    local = compose_service.start_draft(panels, tmp_path / "local", script_text=script, page_format="jpeg")
    assert len(local.book.pages) == 3
    row = next(r for r in compose_service.balloon_rows(local.book, 1) if r["text"] == BALLOON_TEXT)
    spot = next(s for s in local.spots[1] if (s.panel, s.index) == (row["panel"], row["index"]))

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_studio(page, studio.url)
        open_tab(page, "comic")
        page.locator("#comic-load-sample").click()
        page.locator("#comic-script-status").get_by_text("The Last Lamp").wait_for()
        page.locator("#compose-files input[type=file]").set_input_files(panels)
        page.locator("#compose-files").get_by_text("p02_panel04", exact=True).wait_for()
        page.locator("#compose-button").click()
        page.locator("#compose-status").get_by_text("Composed 3 pages").wait_for()
        page.locator("#compose-preview img").wait_for()
        page.evaluate("window.scrollTo(0, 0)")  # Compose sits lower in the editor column; the preview loads in view
        page.wait_for_function(
            "() => { const i = document.querySelector('#compose-preview img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )

        editor, preview = box(page, "#comic-script"), box(page, "#compose-preview img")
        assert editor["x"] + editor["width"] <= preview["x"] + 1, "the editor and the preview are not side by side"
        assert preview["y"] < editor["y"] + editor["height"], "the preview does not sit next to the editor"
        image = page.locator("#compose-preview img").first.evaluate(IMAGE_BOX_JS)
        shown_height = image["nh"] * min(image["width"] / image["nw"], image["height"] / image["nh"])
        assert shown_height >= 700, f"the page is shown {shown_height:.0f} px tall at 1440x900"

        strip = page.locator("#comic-panel-gallery")
        assert strip.is_visible()
        strip.get_by_text("1:1 composed").wait_for()
        assert strip.locator("img").count() == 8  # every panel of the 3 pages, with its status

        before = preview_pixels(page)
        page.mouse.click(*client_point(image, *spot.center))
        text = page.locator("#compose-balloon-text textarea")
        page.wait_for_function(f"document.querySelector('#compose-balloon-text textarea').value === {BALLOON_TEXT!r}")
        assert "Picked balloon" in page.locator("#compose-status").inner_text()
        assert "Hold the light" in page.locator("#compose-balloon input").input_value()
        page.wait_for_function("() => document.querySelector('#compose-preview img').src.includes('picked')")
        page.wait_for_timeout(500)  # the outlined preview loads
        outline = ImageChops.difference(before, preview_pixels(page)).getbbox()
        x, y = client_point(image, *spot.center)
        left, top = x - image["left"], y - image["top"]
        assert outline is not None and outline[0] < left < outline[2] and outline[1] < top < outline[3], (
            f"the picked balloon is not outlined on the preview ({outline}, click at {left:.0f}, {top:.0f})"
        )

        text.fill(NEW_TEXT[:-6])  # redrawn as typed, no Apply (fill alone sends no keystroke)
        page.keyboard.type(NEW_TEXT[-6:])
        page.locator("#compose-balloons").get_by_text(NEW_TEXT).wait_for()
        page.wait_for_function("() => document.querySelector('#compose-status').innerText.includes('Updated balloon')")
        page.wait_for_timeout(500)  # the new preview image loads
        after = preview_pixels(page)
        changed = ImageChops.difference(before, after).getbbox()
        assert changed is not None, "the preview was not redrawn"
        assert changed[0] - 40 <= left <= changed[2] + 40 and changed[1] - 40 <= top <= changed[3] + 40, (
            f"the redrawn area {changed} is not where the clicked balloon was ({left:.0f}, {top:.0f})"
        )
    finally:
        context.close()


def test_workspace_stacks_on_a_phone(studio, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_studio(page, studio.url)
        open_tab(page, "comic")
        editor, preview = box(page, "#comic-editor-column"), box(page, "#comic-preview-column")
        assert preview["y"] >= editor["y"] + editor["height"] - 1, "the preview column does not stack under the editor"
        assert page.locator("#comic-panel-gallery").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
