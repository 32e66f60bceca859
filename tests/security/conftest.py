"""A running studio on loopback for the security probes: `python main.py ui` in a subprocess on a free
127.0.0.1 port, with its folders, config and a secret file in a temporary directory. Nothing leaves
the machine: the ComfyUI URL points at a closed loopback port and the worker is off unless asked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "probe-Token-0123456789abcdef"
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Studio:
    url: str
    root: Path
    config_path: Path
    secret_file: Path
    process: subprocess.Popen
    token: str | None = None
    log_path: Path = field(default=None)  # type: ignore[assignment]

    def client(self, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 30), **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def write_config(root: Path, *, token: str | None = None, extra: str = "") -> Path:
    for name in ("outputs", "library", "data"):
        (root / name).mkdir(parents=True, exist_ok=True)
    text = (
        f"app:\n  output_dir: {root / 'outputs'}\n  library_dir: {root / 'library'}\n  data_dir: {root / 'data'}\n"
        + (f"  auth_token: {token}\n" if token else "")
        + f"queue:\n  sqlite_path: {root / 'data' / 'jobs.db'}\n"
        + "comfyui:\n  url: http://127.0.0.1:9\n"
        + extra
    )
    path = root / "config.yaml"
    path.write_text(text)
    return path


def start_studio(root: Path, *, token: str | None = None, worker: bool = False, extra: str = "") -> Studio:
    config_path = write_config(root, token=token, extra=extra)
    secret = root / "secret.txt"
    secret.write_text("the-secret-content\n")
    port = free_port()
    log_path = root / "studio.log"
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "INKFRAME_CONFIG": str(config_path),
        "GRADIO_TEMP_DIR": str(root / "gradio-tmp"),
    }
    args = [
        sys.executable,
        "main.py",
        "--config",
        str(config_path),
        "ui",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--comfyui-url",
        "http://127.0.0.1:9",
    ] + ([] if worker else ["--no-worker"])
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    studio = Studio(f"http://127.0.0.1:{port}", root, config_path, secret, process, token, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the studio exited with {process.returncode}:\n{studio.log()[-3000:]}")
        try:
            if (
                httpx.get(
                    f"{studio.url}/api/jobs", headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=2
                ).status_code
                == 200
            ):
                return studio
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_studio(studio)
    raise RuntimeError(f"the studio did not answer within {START_TIMEOUT_S} s:\n{studio.log()[-3000:]}")


def stop_studio(studio: Studio, timeout: float = 15) -> int | None:
    if studio.process.poll() is None:
        studio.process.send_signal(signal.SIGTERM)
        try:
            studio.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(studio.process.pid, signal.SIGKILL)
            studio.process.wait(5)
            return None
    return studio.process.returncode


@pytest.fixture(scope="session")
def studio(tmp_path_factory) -> Studio:
    """The studio as installed by default: loopback, no token."""
    running = start_studio(
        tmp_path_factory.mktemp("studio"), extra="security:\n  max_event_streams: 4\n  event_keepalive_s: 1\n"
    )
    yield running
    stop_studio(running)


@pytest.fixture(scope="session")
def token_studio(tmp_path_factory) -> Studio:
    """The studio with an access token (as it must be beyond loopback)."""
    running = start_studio(
        tmp_path_factory.mktemp("studio-token"),
        token=TOKEN,
        extra="security:\n  login_attempts: 5\n  login_window_s: 60\n",
    )
    yield running
    stop_studio(running)
