"""The Queue tab follows a job to completion against a live ComfyUI (with the test node pack, `--cpu`).

The studio runs in a subprocess with its embedded worker pointed at the backend; a job is submitted
through the studio's REST API; the browser sees it running in the progress cards, then succeeded in
the table with its output image in the history gallery.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_studio
from tests.browser.studio_page import open_studio, open_tab

from .queue_backends import running_backends, sleep_prompt

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory):
    for servers in running_backends(1, tmp_path_factory.mktemp("ui-backend")):
        yield servers[0].url


def test_queue_tab_shows_a_job_running_then_done(backend, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    process, studio = start_studio(tmp_path, comfyui_url=backend)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})  # checking progress from a phone
            page.set_default_timeout(120_000)
            open_studio(page, studio.url)
            assert "is reachable" in page.locator("#backend-banner").inner_text()
            open_tab(page, "queue")
            body = json.dumps({"kind": "prompt", "parameters": {"prompt": sleep_prompt("ui-live", 6.0)}}).encode()
            request = urllib.request.Request(
                studio.url + "api/jobs", data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            job = json.loads(urllib.request.urlopen(request, timeout=30).read())
            short = job["id"][:8]
            card = page.locator(f"#queue-cards .queue-card[data-job='{job['id']}']")
            card.locator(".queue-status", has_text="running").wait_for()
            assert card.locator("progress").count() == 1
            page.wait_for_function(
                f"document.querySelector('#queue-table').innerText.includes('{short}') && "
                "document.querySelector('#queue-table').innerText.includes('succeeded')"
            )
            page.locator("#queue-gallery img").first.wait_for()
            row = page.locator(
                f"#queue-table tr[data-job='{job['id']}']"
            )  # a thumbnail, and an id the API takes as shown
            row.locator("img.queue-thumb").wait_for()
            shown = row.locator("code.queue-id").inner_text().strip()
            with urllib.request.urlopen(studio.url + f"api/jobs/{shown}", timeout=30) as answer:
                assert json.loads(answer.read())["id"] == job["id"]
            page.screenshot(path=str(tmp_path / "queue-live.png"), full_page=True)
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
