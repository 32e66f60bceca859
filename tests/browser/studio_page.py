"""Page helpers shared by the browser tests, the screenshot script and the UI benchmark."""

from __future__ import annotations

TAB_IDS = ("comic", "characters", "locations", "faceswap", "motion", "video", "workflows", "queue", "settings")
TAB_TITLES = {
    "comic": "Comic",
    "characters": "Characters",
    "locations": "Locations",
    "faceswap": "Face swap",
    "motion": "Motion",
    "video": "Video",
    "workflows": "Workflows",
    "queue": "Queue",
    "settings": "Settings",
}


def open_studio(page, url: str) -> None:
    """Load the studio and wait until the backend check has finished (the banner leaves 'Checking')."""
    page.goto(url)
    page.wait_for_selector("#studio-tabs")
    page.wait_for_function(
        "() => { const b = document.querySelector('#backend-banner'); return b && !b.innerText.includes('Checking'); }"
    )


def open_tab(page, tab: str) -> None:
    """Click a tab button (or pick it from the overflow menu at phone width) and wait for its panel."""
    title = TAB_TITLES[tab]
    button = page.locator(f"#studio-tabs button[role=tab][data-tab-id={tab}]")
    if button.count() and button.first.is_visible():
        button.first.click()
    else:  # narrow screens put the other tabs behind a "More tabs" menu
        page.locator("#studio-tabs button[aria-label='More tabs']").first.click()
        page.locator("#studio-tabs .overflow-dropdown button", has_text=title).first.click()
    page.locator(f"#tab-{tab}").wait_for(state="visible")


BROKEN_WORDS_JS = """
() => {
  const broken = [];
  // gradio's rows are divs
  for (const cell of document.querySelectorAll('table td, table th, .virtual-row .body-cell')) {
    if (!cell.offsetParent) continue;  // hidden (another tab)
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (!text) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      const words = text.split(/[\\s\\/-]+/).length;  // a break at a space, '-' or '/' is fine
      if (tops.size <= words) continue;
      const id = cell.closest('[id]') ? cell.closest('[id]').id : '?';
      broken.push(`${id}: ${text.slice(0, 40)} (${tops.size} lines, ${words} words)`);
    }
  }
  return broken;
}
"""


def broken_table_words(page) -> list[str]:
    """Table cells whose text breaks inside a word (a column narrower than its content: letters stacked
    vertically); each as 'element id: text (lines, words)'."""
    return page.evaluate(BROKEN_WORDS_JS)
