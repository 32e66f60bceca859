"""Backend health: reachable with version and devices, or one sentence saying why not."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.config import load_config
from app.services import backend_service
from app.services.backend_service import MAIN_BACKEND

STATS = {
    "system": {"comfyui_version": "0.3.64", "python_version": "3.11.7"},
    "devices": [{"name": "cpu", "type": "cpu"}],
}


class StatsStub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps(STATS).encode()
        self.send_response(200 if self.path == "/system_stats" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StatsStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_reachable_backend_reports_version_and_devices(stub_url):
    health = backend_service.check_backend("main", stub_url)
    assert health.reachable and health.version == "0.3.64" and health.devices == ("cpu",)
    assert backend_service.describe_health(health) == f"ComfyUI 0.3.64 at {stub_url} is reachable on cpu."


def test_unreachable_backend_is_one_sentence_quickly():
    url = f"http://127.0.0.1:{closed_port()}"
    health = backend_service.check_backend("main", url, timeout_s=1.0)
    assert not health.reachable
    sentence = backend_service.describe_health(health)
    assert sentence.startswith("Cannot reach ComfyUI at") and url in sentence and sentence.endswith(".")


def test_configured_backends_are_listed_once():
    config = load_config(
        None,
        environ={
            "INKFRAME__COMFYUI__BACKENDS": '[{"name": "gpu2", "url": "http://10.0.0.2:8188"}, '
            '{"name": "dup", "url": "http://127.0.0.1:8188/"}]'
        },
    )
    assert backend_service.configured_backends(config, "http://127.0.0.1:8188") == [
        ("dup", "http://127.0.0.1:8188"),
        ("gpu2", "http://10.0.0.2:8188"),
    ]  # the queue's names (app.jobs.backends)
    main = "http://127.0.0.1:9999"
    assert backend_service.configured_backends(config, main)[0] == (MAIN_BACKEND, main)
