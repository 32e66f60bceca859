"""ManagedComfyUI against a fake ComfyUI checkout (a main.py that serves /system_stats)."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests
import yaml

from app.comfy.managed import ManagedComfyError, ManagedComfyUI, write_extra_model_paths
from app.config import LaunchConfig, Timeouts

pytestmark = pytest.mark.timeout(60)

FAKE_MAIN = textwrap.dedent("""
    import http.server, json, os, sys, time
    args = sys.argv[1:]
    open(os.environ["FAKE_ARGV"], "a").write(json.dumps(args) + "\\n")
    if os.environ.get("FAKE_MODE") == "crash":
        print("Traceback: something is broken in custom node X", flush=True)
        sys.exit(3)
    if os.environ.get("FAKE_MODE") == "hang":
        time.sleep(60)
    port = int(args[args.index("--port") + 1])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"system": {"comfyui_version": "fake"}}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
""")


@pytest.fixture
def fake_comfy(tmp_path, monkeypatch):
    checkout = tmp_path / "ComfyUI"
    (checkout / "comfy").mkdir(parents=True)
    (checkout / "main.py").write_text(FAKE_MAIN)
    (checkout / "comfy" / "cli_args.py").write_text(
        'parser.add_argument("--output-directory")\nparser.add_argument("--input-directory")\n'
    )
    monkeypatch.setenv("FAKE_ARGV", str(tmp_path / "argv.jsonl"))
    return checkout


def managed(checkout: Path, tmp_path: Path, **launch) -> ManagedComfyUI:
    config = LaunchConfig(path=checkout, python=Path(sys.executable), extra_args=["--cpu"], **launch)
    return ManagedComfyUI(config, tmp_path / "project", timeouts=Timeouts(ready=15), data_dir=tmp_path / "data")


def test_extra_model_paths_yaml(tmp_path):
    project = tmp_path / "project"
    (project / "models" / "insightface").mkdir(parents=True)
    path = write_extra_model_paths(tmp_path / "data" / "x.yaml", project, [tmp_path / "more_nodes"])
    config = yaml.safe_load(path.read_text())
    models = config["inkframe_models"]
    assert models["base_path"] == str(project / "models") and models["is_default"] is False
    assert models["checkpoints"] == "checkpoints" and models["insightface"] == "insightface"
    assert config["inkframe_nodes"]["custom_nodes"].split("\n") == [
        str((project / "custom_nodes").resolve()),
        str((tmp_path / "more_nodes").resolve()),
    ]


def test_start_restart_and_stop(fake_comfy, tmp_path):
    server = managed(fake_comfy, tmp_path, restart_on_exit=False, max_restarts=1)
    url = server.start()
    assert requests.get(url + "/system_stats", timeout=5).json()["system"]["comfyui_version"] == "fake"
    argv = (tmp_path / "argv.jsonl").read_text().splitlines()[0]
    assert '"--listen", "127.0.0.1"' in argv and f'"--port", "{server.port}"' in argv
    assert f'"--extra-model-paths-config", "{server.config_path}"' in argv and argv.endswith('"--cpu"]')
    assert '"--output-directory"' in argv and '"--user-directory"' not in argv  # only flags this ComfyUI has
    assert server.config_path.parent == tmp_path / "data"
    server.process.kill()
    server.process.wait()
    assert server.ensure_running() == url and server.restarts == 1
    assert requests.get(url + "/system_stats", timeout=5).status_code == 200
    server.process.kill()
    server.process.wait()
    with pytest.raises(ManagedComfyError, match="exited 2 times \\(limit comfyui.launch.max_restarts=1\\)"):
        server.ensure_running()
    server.stop()


def test_watchdog_restarts_a_dead_process(fake_comfy, tmp_path):
    server = managed(fake_comfy, tmp_path, restart_on_exit=True, max_restarts=2)
    with server:
        first = server.process.pid
        server.process.kill()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (server.restarts == 0 or not server.is_running()):
            time.sleep(0.2)
        assert server.restarts == 1 and server.process.pid != first
        process = server.process
    assert process.poll() is not None  # stopped on exit


def test_early_exit_reports_the_log_tail(fake_comfy, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "crash")
    with pytest.raises(ManagedComfyError, match="exited with code 3 while starting; last log lines: .*custom node X"):
        managed(fake_comfy, tmp_path).start()


def test_ready_timeout_and_bad_paths(fake_comfy, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "hang")
    server = managed(fake_comfy, tmp_path)
    server.timeouts = Timeouts(ready=1)
    with pytest.raises(ManagedComfyError, match="did not answer on http://127.0.0.1:\\d+ within 1 s"):
        server.start()
    assert server.process is None
    with pytest.raises(ManagedComfyError, match="holds no main.py"):
        managed(tmp_path, tmp_path).start()


def test_extra_model_paths_follow_a_configured_models_folder(tmp_path):
    elsewhere = tmp_path / "big-disk" / "models"
    (elsewhere / "checkpoints").mkdir(parents=True)
    path = write_extra_model_paths(tmp_path / "data" / "x.yaml", tmp_path / "project", models_dir=elsewhere)
    assert yaml.safe_load(path.read_text())["inkframe_models"]["base_path"] == str(elsewhere)
