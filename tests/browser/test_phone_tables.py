"""Phone and tablet widths: no table column narrower than its words (letters stacked vertically)."""

from __future__ import annotations

import pytest

from tests.browser.studio_page import broken_table_words, open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [390, 820])
def test_no_table_breaks_its_words_at_phone_and_tablet_width(studio, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_studio(page, studio.url)
        for tab in ("settings", "comic", "queue"):
            open_tab(page, tab)
            page.wait_for_timeout(1200)  # the tab's first refresh fills its tables
            broken = broken_table_words(page)
            assert not broken, f"the {tab} tab at {width}px breaks words in tables: {broken[:5]}"
            page_width = page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= width, f"the {tab} tab is {page_width}px wide at {width}px (tables scroll inside themselves)"
        page.screenshot(path=str(studio.output_dir.parent / f"phone-{width}.png"), full_page=True)
    finally:
        context.close()
