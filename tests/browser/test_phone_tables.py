"""Phone and tablet widths: no table column narrower than its words (letters stacked vertically),
every tab reachable."""

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
            if tab == "settings":  # the tab's first refresh fills its tables
                page.wait_for_function(
                    "() => document.querySelector('#settings-models').innerText.includes('.safetensors')"
                )
            page.wait_for_timeout(1200)
            broken = broken_table_words(page)
            assert not broken, f"the {tab} tab at {width}px breaks words in tables: {broken[:5]}"
            page_width = page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= width, (
                f"the {tab} tab is {page_width}px wide at {width}px (tables scroll inside themselves)"
            )
        page.screenshot(path=str(studio.output_dir.parent / f"phone-{width}.png"), full_page=True)
    finally:
        context.close()


def test_every_tab_is_one_tap_away_at_phone_width(studio, browser):
    from tests.browser.studio_page import TAB_IDS

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_studio(page, studio.url)
        for tab in TAB_IDS:
            button = page.locator(f"#studio-tabs button[role=tab][data-tab-id={tab}]")
            assert button.count() == 1 and button.is_visible(), f"the {tab} tab is not visible at 390px"
        assert not page.locator("#studio-tabs button[aria-label='More tabs']").is_visible()
        page.locator("#studio-tabs button[role=tab][data-tab-id=queue]").click()
        page.locator("#tab-queue").wait_for(state="visible")
    finally:
        context.close()
