"""The gallery in Chromium: finished outputs newest first; opening one shows the settings it was made with,
and Re-run queues them again with the same seed or a new one (checked through the REST API).

No backend is needed: the finished jobs are written into the studio's job store as a worker would leave
them (record + PNG with the embedded ComfyUI prompt); the re-runs stay queued.
"""

from __future__ import annotations

import json
import time

import pytest
from PIL import Image, PngImagePlugin

from app.config import Config
from app.jobs.models import Job, JobOutput
from app.jobs.store_factory import open_job_store
from tests.browser.studio_page import broken_table_words, open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def kite_prompt(seed: int) -> dict:
    return {
        "3": {"class_type": "KSampler", "inputs": {"seed": seed, "steps": 12, "cfg": 6.5}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": f"a red kite over the dunes number {seed}"}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "kite"}},
    }


def finished_job(store, output_dir, job_id: str, seed: int, at: float, colour) -> Job:
    folder = output_dir / "jobs" / job_id
    folder.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(kite_prompt(seed)))
    Image.new("RGB", (96, 64), colour).save(folder / "kite.png", pnginfo=info)
    job = Job(
        id=job_id,
        kind="prompt",
        parameters={"prompt": kite_prompt(seed)},
        status="succeeded",
        priority=2,
        backend="default",
        created_at=at - 5,
        updated_at=at,
        started_at=at - 4,
        finished_at=at,
        progress=1.0,
        outputs=[JobOutput(node_id="9", filename="kite.png", path=f"jobs/{job_id}/kite.png")],
    )
    store.add([job])
    return job


def test_the_gallery_opens_an_outputs_settings_and_reruns_them(studio, page):
    config = Config.model_validate(
        {
            "app": {"output_dir": str(studio.output_dir)},
            "queue": {"sqlite_path": str(studio.output_dir.parent / "data" / "jobs.db")},
        }
    )
    store = open_job_store(config)
    now = time.time()
    older = finished_job(store, studio.output_dir, "0ld" + "a" * 29, 111, now - 60, (30, 60, 200))
    newer = finished_job(store, studio.output_dir, "new" + "b" * 29, 222, now, (200, 60, 30))
    store.close()

    open_studio(page, studio.url)
    open_tab(page, "queue")
    gallery = page.locator("#queue-gallery")
    gallery.locator("img").nth(1).wait_for()
    first = gallery.locator("button.thumbnail-item, .thumbnail-item").first
    first.click()  # newest first: the red one, seed 222
    settings = page.locator("#queue-settings table.gallery-settings")
    settings.wait_for()
    assert settings.get_attribute("data-job") == newer.id
    text = settings.inner_text()
    assert "222" in text and "a red kite over the dunes number 222" in text
    assert "embedded in the PNG" in text

    page.locator("#queue-rerun-new").click()
    status = page.locator("#queue-rerun-status")
    status.get_by_text("new seed").wait_for()
    shown = status.locator("code").inner_text().strip()
    fresh = page.request.get(studio.url + f"api/jobs/{shown}").json()
    assert fresh["id"] not in (older.id, newer.id) and fresh["status"] in ("queued", "running")
    seed = fresh["parameters"]["prompt"]["3"]["inputs"]["seed"]
    assert seed != 222 and fresh["parameters"]["prompt"]["6"] == kite_prompt(222)["6"]
    assert fresh["priority"] == 2

    page.locator("#queue-history-job input").click()
    page.get_by_role("option", name=f"· {older.id[:8]}", exact=False).first.click()
    settings.and_(page.locator(f"[data-job='{older.id}']")).wait_for()
    page.locator("#queue-rerun").click()
    status.get_by_text("the same seed").wait_for()
    again = page.request.get(studio.url + f"api/jobs/{status.locator('code').inner_text().strip()}").json()
    assert again["parameters"] == older.parameters
    for job_id in (fresh["id"], again["id"]):  # no backend: they would hold the shared studio's worker threads
        assert page.request.post(studio.url + f"api/jobs/{job_id}/cancel").status == 200
    page.screenshot(path=str(studio.output_dir.parent / "gallery.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the settings table keeps its words whole
    page.wait_for_timeout(800)
    assert not broken_table_words(page), broken_table_words(page)[:5]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(studio.output_dir.parent / "gallery-phone.png"), full_page=True)
