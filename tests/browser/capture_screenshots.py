"""Save a PNG of every studio tab (desktop) and of the Queue and Comic tabs at phone width into docs/screenshots/.

    .venv/bin/python -m tests.browser.capture_screenshots [--out docs/screenshots]

Starts the studio like the browser tests do (free loopback port, no ComfyUI reachable).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, start_studio
from tests.browser.studio_page import TAB_IDS, open_studio, open_tab

PHONE_TABS = ("comic", "queue")


def capture(out_dir: Path) -> list[Path]:
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
                    ("phone", {"width": 390, "height": 844}, PHONE_TABS),
                ):
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    page = context.new_page()
                    open_studio(page, server.url)
                    for tab in tabs:
                        open_tab(page, tab)
                        path = out_dir / f"{tab}-{label}.png"
                        page.screenshot(path=str(path), full_page=True)
                        saved.append(path)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in capture(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
