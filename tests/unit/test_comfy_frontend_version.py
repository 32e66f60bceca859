"""Finding the frontend version a ComfyUI serves (system_stats fields, argv, the served bundle)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.comfy.client import ComfyClient, clear_object_info_cache
from app.comfy.frontend_version import detect_frontend_version
from app.comfy.http import HttpTransport
from app.config import Timeouts
from tests.conftest import shared_path

INDEX_158 = (
    '<!doctype html><html><head><script type="module" crossorigin src="./assets/index-B2rH.js"></script>'
    '<link rel="modulepreload" crossorigin href="./assets/rolldown-runtime.js"></head><body></body></html>'
)
ENTRY_158 = (
    'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["./main-EqDp.js","./api-BA.js"])))=>i.map(i=>d[i]);'
)
MAIN_158 = "contexts:{vue_directive_runtime:{frontend_version:`1.58.1`,frontend_commit:`1e5c7cb`}}"
INDEX_127 = '<html><head><script type="module" crossorigin src="./assets/index-BKeT.js"></script></head></html>'
ENTRY_127 = 'const config$1 = {\n  app_title: "ComfyUI",\n  app_version: "1.27.10"\n};'


class Site:
    def __init__(self) -> None:
        self.files: dict[str, tuple[str, str]] = {}
        self.requests: list[str] = []

    def stats(self, **system: object) -> None:
        self.files["/system_stats"] = ("application/json", json.dumps({"system": system, "devices": []}))


@pytest.fixture()
def site() -> Iterator[tuple[Site, str]]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.requests.append(self.path)
            found = state.files.get(self.path)
            if found is None:
                self.send_error(404)
                return
            body = found[1].encode()
            self.send_response(200)
            self.send_header("Content-Type", found[0])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def detect(url: str) -> tuple[str | None, str]:
    http = HttpTransport(url, Timeouts(connect=2, read=5))
    try:
        found = detect_frontend_version(http)
    finally:
        http.close()
    return found.version, found.source


def test_a_stats_field_wins(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(comfyui_frontend_version="1.60.2", required_frontend_version="1.27.10")
    assert detect(url) == ("1.60.2", "system_stats.comfyui_frontend_version")


def test_argv_pin(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(
        required_frontend_version="1.27.10",
        argv=["main.py", "--front-end-version", "Comfy-Org/ComfyUI_frontend@v1.58.1"],
    )
    assert detect(url) == ("1.58.1", "--front-end-version")


def test_served_bundle_of_1_58_through_its_main_chunk(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(required_frontend_version="1.27.10", argv=["main.py", "--front-end-root", "/srv/frontend"])
    state.files.update(
        {
            "/": ("text/html", INDEX_158),
            "/assets/index-B2rH.js": ("text/javascript", ENTRY_158),
            "/assets/main-EqDp.js": ("text/javascript", MAIN_158),
        }
    )
    assert detect(url) == ("1.58.1", "served bundle")


def test_served_bundle_of_1_27(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(required_frontend_version="1.26.0")
    state.files.update({"/": ("text/html", INDEX_127), "/assets/index-BKeT.js": ("text/javascript", ENTRY_127)})
    assert detect(url) == ("1.27.10", "served bundle")


def test_required_version_when_nothing_else_says(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(required_frontend_version="1.27.10", argv=["main.py"])
    assert detect(url) == ("1.27.10", "system_stats.required_frontend_version")
    state.stats(required_frontend_version="1.27.10", argv=["main.py", "--front-end-root", "/srv/x"])
    assert detect(url) == (None, "unknown")  # a custom folder that does not say its version


def test_recorded_system_stats_reads_1_27_10(site: tuple[Site, str]) -> None:
    recorded = shared_path() / "comfyui" / "misc" / "system_stats.json"
    if not recorded.is_file():
        pytest.skip("../shared/comfyui/misc/system_stats.json not present")
    state, url = site
    state.files["/system_stats"] = (
        "application/json",
        json.dumps(json.loads(recorded.read_text())["response"]["json"]),
    )
    assert detect(url) == ("1.27.10", "system_stats.required_frontend_version")


def test_client_caches_per_backend(site: tuple[Site, str]) -> None:
    state, url = site
    state.stats(required_frontend_version="1.27.10")
    clear_object_info_cache(url)
    with ComfyClient(url, timeouts=Timeouts(connect=2, read=5)) as client:
        assert client.frontend_version() == "1.27.10"
        state.stats(comfyui_frontend_version="1.58.1")
        assert client.frontend_version() == "1.27.10"
        assert client.frontend_version(refresh=True) == "1.58.1"
    clear_object_info_cache(url)
