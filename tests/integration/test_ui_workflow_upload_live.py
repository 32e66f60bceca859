"""Upload a workflow in the Workflows tab and run it on a live ComfyUI, without restarting the studio.

The workflow arrives as a PNG with an embedded API prompt (as ComfyUI saves its images); the studio keeps
it in data/workflows, opens its form, queues it, and the embedded worker runs it on the backend.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_studio
from tests.browser.studio_page import open_studio, open_tab

from .queue_backends import running_backends

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]
PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 3355443}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "uploaded"}},
}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory):
    for servers in running_backends(1, tmp_path_factory.mktemp("upload-backend")):
        yield servers[0].url


def comfy_png(path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(PROMPT))
    Image.new("RGB", (16, 16), (51, 51, 51)).save(path, pnginfo=info)
    return path


def test_an_uploaded_png_workflow_runs_on_comfyui_without_a_restart(backend, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    process, studio = start_studio(tmp_path, comfyui_url=backend)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            open_studio(page, studio.url)
            open_tab(page, "workflows")
            page.locator("#workflows-add").get_by_text("Add your own workflow").click()
            page.locator("#workflows-upload input[type=file]").set_input_files(
                str(comfy_png(tmp_path / "ComfyUI_00042_.png"))
            )
            page.locator("#workflows-upload-status").get_by_text("Added comfyui_00042").wait_for()
            assert page.locator("#workflows-workflow input").input_value() == "comfyui_00042 (yours)"
            page.locator("#workflows-submit").click()
            page.locator("#workflows-status").get_by_text("Queued job").wait_for()
            shown = page.locator("#workflows-status code").inner_text().strip()
            deadline = time.monotonic() + 120
            while True:
                job = page.request.get(studio.url + f"api/jobs/{shown}").json()
                if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert job["status"] == "succeeded", job.get("errors")
            outputs = page.request.get(studio.url + f"api/jobs/{shown}/outputs").json()
            assert outputs and outputs[0]["filename"].endswith(".png")
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
