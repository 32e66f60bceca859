"""Save a PNG of every studio tab (desktop, 1280 px) and of the Comic, Queue and Settings tabs at phone width
(390 px) into docs/screenshots/, with a composed sample page and a few queued jobs to show; and the Comic
workspace as it first shows at 1440x900 (comic-workspace.png: the window, not the whole page) and the page
preview at phone width (comic-phone-preview.png).

    .venv/bin/python -m tests.browser.capture_screenshots [--out docs/screenshots] [--tabs queue,workflows]

Starts the studio like the browser tests do (free loopback port, no ComfyUI reachable).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

from PIL import Image, ImageDraw

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, start_studio
from tests.browser.studio_page import TAB_IDS, open_studio, open_tab

PHONE_TABS = ("comic", "queue", "settings")
MAX_HEIGHT = 2400
PANEL_COLOURS = [
    (38, 70, 83),
    (42, 157, 143),
    (233, 196, 106),
    (244, 162, 97),
    (231, 111, 81),
    (69, 123, 157),
    (29, 53, 87),
    (168, 218, 220),
]


def sample_panels(folder: Path) -> list[str]:
    """Flat-colour stand-ins for generated art: a horizon and a sun, one colour per panel."""
    paths = []
    for index, colour in enumerate(PANEL_COLOURS):
        image = Image.new("RGB", (768, 1024), colour)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 640, 768, 1024), fill=tuple(max(0, c - 40) for c in colour))
        draw.ellipse((480, 120, 640, 280), fill=(250, 240, 200))
        path = folder / f"p{1 + index // 4:02d}_panel{1 + index % 4:02d}.png"
        image.save(path)
        paths.append(str(path))
    return paths


def finished_sample(tmp: Path) -> None:
    """A finished job with one output in the studio's store, as a worker leaves it, for the gallery."""
    import time

    from app.config import Config
    from app.jobs.models import Job, JobOutput
    from app.jobs.store_factory import open_job_store

    folder = tmp / "outputs" / "jobs" / "sample0000finished"
    folder.mkdir(parents=True, exist_ok=True)
    Image.open(sample_panels(tmp)[2]).resize((384, 512)).save(folder / "panel.png")
    config = Config.model_validate(
        {"app": {"output_dir": str(tmp / "outputs")}, "queue": {"sqlite_path": str(tmp / "data" / "jobs.db")}}
    )
    store = open_job_store(config)
    stamp = time.time()
    store.add(
        [
            Job(
                id="sample0000finished",
                kind="workflow",
                status="succeeded",
                progress=1.0,
                backend="default",
                parameters={
                    "workflow": "panel",
                    "overrides": {"seed": 42, "steps": 20, "prompt": "the keeper lights the lamp at dusk"},
                },
                created_at=stamp - 30,
                updated_at=stamp,
                started_at=stamp - 25,
                finished_at=stamp,
                outputs=[JobOutput(node_id="9", filename="panel.png", path="jobs/sample0000finished/panel.png")],
            )
        ]
    )
    store.close()


def prepare(page, url: str, tmp: Path, compose: bool = True, jobs: bool = True) -> None:
    """A composed sample page in the Comic tab and two jobs in the queue (they fail: no ComfyUI)."""
    for seed, text in ((1, "a harbour at dusk, fishing boats and gulls"), (2, "the lighthouse stairs lit by one lamp")):
        body = json.dumps(
            {"kind": "workflow", "parameters": {"workflow": "background", "overrides": {"seed": seed, "prompt": text}}}
        ).encode()
        request = urllib.request.Request(
            url + "api/jobs", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        if jobs:
            urllib.request.urlopen(request, timeout=30).read()
    finished_sample(tmp)
    if not compose:
        return
    page.locator("#comic-load-sample").click()
    page.locator("#comic-script-status").get_by_text("The Last Lamp").wait_for()
    page.locator("#compose-files input[type=file]").set_input_files(sample_panels(tmp))
    page.locator("#compose-files").get_by_text("p02_panel04", exact=True).wait_for()
    page.locator("#compose-button").click()
    page.locator("#compose-preview img").wait_for(timeout=120_000)
    page.locator("#compose-balloon input").click()  # pick a balloon, as a click on the page does
    page.get_by_role("option", name=re.compile("MAYA: Hold the light")).click()
    page.wait_for_function("document.querySelector('#compose-balloon-text textarea').value.length > 0")
    page.keyboard.press("Escape")


def shoot(page, path: Path) -> None:
    page.wait_for_timeout(800)
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
    width = page.viewport_size["width"]
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True)
    _shrink(path)


def _shrink(path: Path) -> None:
    Image.open(path).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def capture(out_dir: Path, only: tuple[str, ...] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        process, server = start_studio(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                for label, viewport, tabs in (
                    ("desktop", {"width": 1280, "height": 900}, TAB_IDS),
                    ("workspace", {"width": 1440, "height": 900}, ("comic",)),
                    ("phone", {"width": 390, "height": 844}, PHONE_TABS),
                ):
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    open_studio(page, server.url)
                    tabs = tuple(tab for tab in tabs if only is None or tab in only)
                    if tabs:
                        prepare(page, server.url, Path(tmp), compose="comic" in tabs, jobs=label == "desktop")
                    for tab in tabs:
                        open_tab(page, tab)
                        path = out_dir / f"{tab}-{label}.png"
                        if label == "workspace":  # what an artist sees without scrolling
                            page.wait_for_timeout(800)
                            page.screenshot(path=str(path))
                            _shrink(path)
                        else:
                            shoot(page, path)
                        saved.append(path)
                        if tab == "comic" and label == "phone":  # where Compose takes a phone: the page, its balloon
                            page.locator("#compose-preview").scroll_into_view_if_needed()
                            page.wait_for_timeout(500)
                            path = out_dir / "comic-phone-preview.png"
                            page.screenshot(path=str(path))
                            _shrink(path)
                            saved.append(path)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=15)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument("--tabs", default="", help="comma-separated tab ids to capture (default: all)")
    args = parser.parse_args(argv)
    only = tuple(tab.strip() for tab in args.tabs.split(",") if tab.strip()) or None
    for path in capture(args.out, only):
        print(path, f"{path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
