"""The Queue tab in Chromium: jobs named by what they are, filters, and ids the REST API accepts as shown."""

from __future__ import annotations

import pytest

from tests.browser.studio_page import open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROMPT = {
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "A lighthouse keeper climbs the stairs at dawn", "clip": ["4", 1]},
    },
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}},
}


def test_queue_names_jobs_filters_them_and_the_shown_id_works_in_the_api(studio, page):
    open_studio(page, studio.url)
    api = page.request
    created = api.post(studio.url + "api/jobs", data={"kind": "prompt", "parameters": {"prompt": PROMPT}})
    assert created.status == 201, created.text()
    prompt_id = created.json()["id"]
    batch = api.post(
        studio.url + "api/batches",
        data={
            "batch_id": "harbour-pages",
            "jobs": [
                {"kind": "collect", "key": "a", "parameters": {"label": "gather the harbour pages"}},
                {"kind": "collect", "key": "b", "parameters": {"label": "gather the epilogue"}},
            ],
        },
    )
    assert batch.status == 201, batch.text()

    open_tab(page, "queue")
    table = page.locator("#queue-table")
    table.get_by_text("A lighthouse keeper climbs the stairs").first.wait_for()
    row = table.locator(f"tr[data-job='{prompt_id}']")
    assert "prompt (2 nodes)" in row.inner_text()
    shown = row.locator("code.queue-id").inner_text().strip()
    assert len(shown) < len(prompt_id)
    answer = api.get(studio.url + f"api/jobs/{shown}")
    assert answer.status == 200, answer.text()
    assert answer.json()["id"] == prompt_id

    # the local collect jobs finish on the embedded worker; "Done" shows them and hides the prompt job
    page.locator("#queue-filter label", has_text="Done").click()
    page.wait_for_function(
        "() => document.querySelector('#queue-table').innerText.includes('gather the epilogue')"
        " && !document.querySelector('#queue-table').innerText.includes('lighthouse')"
    )
    page.locator("#queue-filter label", has_text="All").click()
    table.get_by_text("A lighthouse keeper climbs the stairs").first.wait_for()
    page.locator("#queue-batch input").click()
    page.get_by_role("option", name="harbour-pages", exact=True).click()
    page.wait_for_function(
        "() => !document.querySelector('#queue-table').innerText.includes('lighthouse')"
        " && document.querySelector('#queue-table').innerText.includes('gather the harbour pages')"
    )
    page.screenshot(path=str(studio.output_dir.parent / "queue.png"), full_page=True)
