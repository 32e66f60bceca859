"""Browser tests: start the studio in a subprocess on a free loopback port (no ComfyUI reachable) and
drive Debian's Chromium through Playwright. Skipped with a reason when Chromium or Playwright is absent."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("INKFRAME_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class StudioServer:
    url: str
    output_dir: Path
    log_path: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the studio exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the studio did not answer within {timeout_s:.0f} s: {log_path.read_text()[-2000:]}")


def start_studio(
    tmp: Path, extra_env: dict[str, str] | None = None, comfyui_url: str | None = None
) -> tuple[subprocess.Popen, StudioServer]:
    """The studio on a free loopback port; by default pointed at a port where no ComfyUI listens."""
    port = free_port()
    comfyui_url = comfyui_url or f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "INKFRAME__APP__OUTPUT_DIR": str(tmp / "outputs"),
        "INKFRAME__APP__DATA_DIR": str(tmp / "data"),
        "INKFRAME__APP__LIBRARY_DIR": str(tmp / "library"),
        "INKFRAME__QUEUE__SQLITE_PATH": str(tmp / "data" / "jobs.db"),
        **(extra_env or {}),
    }
    log_path = tmp / "studio.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "main.py", "ui", "--port", str(port), "--comfyui-url", comfyui_url],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process, log_path, START_TIMEOUT_S)
    except RuntimeError:
        process.kill()
        raise
    return process, StudioServer(url, tmp / "outputs", log_path)


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[StudioServer]:
    """The studio for the session's browser tests (skipped with the browser when Chromium is absent)."""
    process, server = start_studio(tmp_path_factory.mktemp("studio"))
    try:
        yield server
    finally:
        stop_studio(process)


def stop_studio(process: subprocess.Popen) -> None:
    """Stop a studio started by start_studio: terminate, then kill after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (bash scripts/setup.sh dev installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def has_executable(name: str) -> bool:
    return shutil.which(name) is not None
