"""Live feedback on a live stock ComfyUI: a txt2img workflow (tiny SD1.5, 16 steps, several seconds on CPU) run
from the Workflows tab shows the sampler's step advancing while it runs, a latent preview image, then the result;
a second run (another seed, many steps) cancelled mid-sampling stops on ComfyUI.

The ComfyUI is the product's managed launcher (app/comfy/managed.py), which passes `--preview-method auto`,
so the sampler sends preview frames; the workflow arrives as a PNG with an embedded API prompt.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_studio, stop_studio
from tests.browser.studio_page import open_studio, open_tab

from .launch import managed_comfyui_from_env
from .queue_backends import QUEUE_TIMEOUTS
from .sd15_fixture import TINY_CHECKPOINT, extra_model_paths_file

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]
STEPS = 16  # ~8 s on an idle CPU at 128 px (a minute or more on a busy one): several 1 s polls either way


def txt2img(steps: int) -> dict:
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": TINY_CHECKPOINT}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a lighthouse in a storm"}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 128, "height": 128, "batch_size": 1}},
        "5": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "positive": ["2", 0],
                "negative": ["3", 0],
                "latent_image": ["4", 0],
                "seed": 7,
                "steps": steps,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
            },
        },
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "live_progress"}},
    }


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("live-progress-comfyui")
    server = managed_comfyui_from_env(workdir, QUEUE_TIMEOUTS)
    if server is None:
        pytest.skip("no ComfyUI to start: set COMFYUI_PATH (+COMFYUI_PYTHON); the test builds a tiny SD1.5 checkpoint")
    extra = extra_model_paths_file(workdir)
    server.launch = server.launch.model_copy(
        update={"extra_args": [*server.launch.extra_args, "--extra-model-paths-config", str(extra)]}
    )
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def comfy_png(path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(txt2img(STEPS)))
    Image.new("RGB", (16, 16), (40, 40, 60)).save(path, pnginfo=info)
    return path


def test_a_workflow_run_shows_its_steps_advancing_and_a_latent_preview(backend, tmp_path):
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
                str(comfy_png(tmp_path / "lighthouse.png"))
            )
            page.locator("#workflows-upload-status").get_by_text("Added lighthouse").wait_for()
            page.locator("#workflows-submit").click()
            page.locator("#workflows-status").get_by_text("Queued job").wait_for()

            live = page.locator("#workflows-live-progress .live-progress")
            steps_seen: list[int] = []
            preview_seen = shot = False
            status = ""
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                state = page.evaluate("""() => {
                    const box = document.querySelector('#workflows-live-progress .live-progress');
                    const step = document.querySelector('#workflows-live-progress .live-step');
                    const img = document.querySelector('#workflows-live-preview');
                    return {status: box ? box.dataset.status : '', step: step ? Number(step.dataset.step) : null,
                            preview: !!(img && img.naturalWidth > 0)};
                }""")
                status = state["status"]
                if state["step"] is not None and (not steps_seen or state["step"] != steps_seen[-1]):
                    steps_seen.append(state["step"])
                preview_seen = preview_seen or state["preview"]
                if state["preview"] and not shot and (state["step"] or 0) >= STEPS // 3:  # for docs/screenshots
                    shot = True
                    page.locator("#workflows-live").first.screenshot(path=str(tmp_path / "live-progress.png"))
                if status in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(0.15)
            assert status == "succeeded", live.inner_text()
            advances = sum(1 for before, after in itertools.pairwise(steps_seen) if after > before)
            assert advances >= 2, f"the step shown advanced {advances} times before completion: {steps_seen}"
            assert all(0 < step <= STEPS for step in steps_seen)
            assert preview_seen, "no latent preview image appeared while the sampler ran"
            assert "100%" in live.inner_text()
            page.locator("#workflows-live-result img").wait_for()  # the result replaces the preview
            assert not page.locator("#workflows-live-cancel").is_visible()

            # Cancel while the sampler runs: the job ends cancelled and the prompt is interrupted on ComfyUI
            page.locator("#workflows-param-seed input").fill("8")  # the same prompt again would come from the cache
            page.locator("#workflows-param-steps input").fill("200")
            page.locator("#workflows-submit").click()
            first_job = live.get_attribute("data-job")
            page.wait_for_function(
                f"() => {{ const b = document.querySelector('#workflows-live-progress .live-progress');"
                f" const s = document.querySelector('#workflows-live-progress .live-step');"
                f" return b && b.dataset.job !== '{first_job}' && s && Number(s.dataset.step) >= 2; }}",
                timeout=600_000,
            )
            page.locator("#workflows-live-cancel").click()
            page.locator("#workflows-live-progress .live-progress[data-status='cancelled']").wait_for()
            second = live.get_attribute("data-job")
            assert page.request.get(studio.url + f"api/jobs/{second}").json()["status"] == "cancelled"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # the backend stops sampling instead of finishing the prompt
                with urllib.request.urlopen(backend + "/queue", timeout=10) as answer:
                    state = json.loads(answer.read())
                if not state["queue_running"] and not state["queue_pending"]:
                    break
                time.sleep(0.5)
            assert not state["queue_running"], state
            with urllib.request.urlopen(backend + "/history?max_items=10", timeout=10) as answer:
                runs = json.loads(answer.read())
            assert sum(1 for entry in runs.values() if entry.get("status", {}).get("status_str") == "success") == 1
            browser.close()
    finally:
        stop_studio(process)
