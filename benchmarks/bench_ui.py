"""The studio UI in Debian's Chromium (headless), no ComfyUI reachable:

1. cold start to first paint: `python main.py ui` spawned -> the tabs painted in the browser, against a
   bare one-Markdown Gradio app started the same way in the same run (ratio studio / bare);
2. generate -> queue: click "Queue it" on the Workflows tab, open the Queue tab, until the job's row is
   shown; against a bare Gradio button round trip in the same page (ratio);
3. tab switch while a batch runs: click -> the tab's panel visible, median over the tabs, idle and while
   a 24-page export and a 40-job batch keep the server busy (ratio busy / idle).

    .venv/bin/python -m benchmarks ui
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BARE_APP = """
import os, sys, time
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
import gradio as gr
with gr.Blocks() as demo:
    gr.Markdown("bare")
    with gr.Tabs(elem_id="studio-tabs"):
        with gr.Tab("One"):
            box = gr.Textbox(elem_id="bare-out")
            gr.Button("go", elem_id="bare-go").click(lambda: str(time.time()), outputs=box)
demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]), ssr_mode=False)
"""
COLD_ROUNDS = 2
SWITCH_TABS = ("characters", "locations", "faceswap", "motion", "video", "workflows", "queue", "settings", "comic")


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "INKFRAME__APP__OUTPUT_DIR": str(tmp / "outputs"),
        "INKFRAME__APP__DATA_DIR": str(tmp / "data"),
        "INKFRAME__APP__LIBRARY_DIR": str(tmp / "library"),
        "INKFRAME__QUEUE__SQLITE_PATH": str(tmp / "data" / "jobs.db"),
    }


def _cold_start(
    browser, command: list[str], url: str, env: dict[str, str], ready_selector: str
) -> tuple[float, subprocess.Popen]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url + "config", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"{command} did not start") from None
            time.sleep(0.05)
    page.goto(url)
    page.wait_for_selector(ready_selector)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed, process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _tab_switch_ms(page, open_tab) -> float:
    times = []
    for tab in SWITCH_TABS:
        started = time.perf_counter()
        open_tab(page, tab)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


BUSY_DRIVER = """
import sys, time
from pathlib import Path
from PIL import Image
from playwright.sync_api import sync_playwright
sys.path.insert(0, sys.argv[3])
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.studio_page import open_studio
url, folder = sys.argv[1], Path(sys.argv[2])
stop = folder / "stop"
images = []
for i in range(24):
    path = folder / f"busy-{i}.png"
    Image.new("RGB", (900, 1300), (40 + i * 8, 90, 160)).save(path)
    images.append(str(path))
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = browser.new_page()
    page.set_default_timeout(120_000)
    open_studio(page, url)
    page.locator("#compose-use-script input").uncheck()
    page.locator("#compose-per-page input[type=number]").fill("1")
    page.locator("#compose-files input[type=file]").set_input_files(images)
    page.locator("#compose-files").get_by_text("busy-23", exact=True).wait_for()
    (folder / "ready").write_text("1")
    while not stop.exists():
        page.locator("#compose-button").click()
        page.locator("#compose-status").get_by_text("Composed 24 pages").wait_for()
        page.locator("#export-button").click()
        page.locator("#export-status").get_by_text("Exported").wait_for()
    browser.close()
"""


def _start_busy_load(url: str, tmp: Path) -> subprocess.Popen:
    """The studio kept busy: a 40-job batch through its REST API, and a second browser composing and
    exporting a 24-page book through the UI over and over (server-side work in the studio process)."""
    jobs = [{"kind": "workflow", "parameters": {"workflow": "background", "overrides": {"seed": i}}} for i in range(40)]
    request = urllib.request.Request(
        url + "api/batches",
        data=json.dumps({"jobs": jobs}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=30).read()
    folder = tmp / "busy"
    folder.mkdir()
    driver = subprocess.Popen([sys.executable, "-c", BUSY_DRIVER, url, str(folder), str(REPO_ROOT)], cwd=REPO_ROOT)
    deadline = time.monotonic() + 180
    while not (folder / "ready").exists():
        if driver.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the busy-load driver did not start")
        time.sleep(0.2)
    time.sleep(3.0)  # the first compose is under way
    return driver


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, free_port
    from tests.browser.studio_page import open_studio, open_tab

    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as playwright:
        tmp = Path(tmp_name)
        env = _env(tmp)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        dead_comfyui = f"http://127.0.0.1:{free_port()}"
        bare_times, studio_times = [], []
        for round_number in range(COLD_ROUNDS):  # alternate, so disk caches favour neither; keep the last pair running
            bare_port, port = free_port(), free_port()
            bare_s, bare = _cold_start(
                browser,
                [sys.executable, "-c", BARE_APP, str(bare_port)],
                f"http://127.0.0.1:{bare_port}/",
                env,
                "#studio-tabs",
            )
            studio_s, studio = _cold_start(
                browser,
                [sys.executable, "main.py", "ui", "--port", str(port), "--comfyui-url", dead_comfyui],
                f"http://127.0.0.1:{port}/",
                env,
                "#backend-banner",
            )
            bare_times.append(bare_s)
            studio_times.append(studio_s)
            if round_number < COLD_ROUNDS - 1:
                _stop(bare)
                _stop(studio)
        url = f"http://127.0.0.1:{port}/"
        try:
            studio_s, bare_s = min(studio_times), min(bare_times)
            print(
                f"cold start to first paint (best of {COLD_ROUNDS}): studio {studio_s:.2f} s, "
                f"bare Gradio {bare_s:.2f} s, ratio {studio_s / bare_s:.2f}"
            )

            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{bare_port}/")
            page.wait_for_selector("#bare-go")
            bare_round = []
            field = "document.querySelector('#bare-out textarea, #bare-out input')"
            for _ in range(5):
                before = page.evaluate(f"{field}.value")
                started = time.perf_counter()
                page.click("#bare-go")
                page.wait_for_function(f"{field}.value !== {json.dumps(before)}")
                bare_round.append(time.perf_counter() - started)
            page.close()

            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_studio(page, url)
            to_queue = []
            job_code = "(document.querySelector('#workflows-status code') || {}).innerText || ''"
            for _ in range(5):
                open_tab(page, "workflows")
                page.locator("#workflows-submit").wait_for()
                before = page.evaluate(job_code)
                started = time.perf_counter()
                page.locator("#workflows-submit").click()
                page.wait_for_function(f"({job_code}) !== '' && ({job_code}) !== {json.dumps(before)}")
                job = page.evaluate(job_code)
                open_tab(page, "queue")
                page.wait_for_function(f"document.querySelector('#queue-table').innerText.includes({json.dumps(job)})")
                to_queue.append(time.perf_counter() - started)
            generate_ms = statistics.median(to_queue) * 1000
            bare_ms = statistics.median(bare_round) * 1000
            print(
                f"generate -> job in the Queue tab: median {generate_ms:.0f} ms (5 runs); bare Gradio round trip "
                f"{bare_ms:.0f} ms; ratio {generate_ms / bare_ms:.1f}"
            )

            idle = statistics.median(_tab_switch_ms(page, open_tab) for _ in range(3))
            driver = _start_busy_load(url, tmp)
            busy = statistics.median(_tab_switch_ms(page, open_tab) for _ in range(3))
            (tmp / "busy" / "stop").write_text("1")
            try:
                driver.wait(timeout=180)
            except subprocess.TimeoutExpired:
                driver.kill()
            print(
                f"tab switch (median of {len(SWITCH_TABS)} tabs x 3): idle {idle:.0f} ms, "
                f"while a batch and exports run {busy:.0f} ms; ratio {busy / idle:.2f}"
            )
            page.close()
        finally:
            _stop(studio)
            _stop(bare)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
