"""Fixtures of the integration tier: a live ComfyUI on 127.0.0.1.

`live_comfyui` yields a base URL: $COMFYUI_URL when set; otherwise ComfyUI from $COMFYUI_PATH
(run with $COMFYUI_PYTHON, default this interpreter) started by `ManagedComfyUI` on a free loopback
port with `--cpu` and the project's custom_nodes/ and models/ added through a generated
--extra-model-paths-config; otherwise every test that needs it is skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from app.comfy import ComfyClient, ComfyError
from app.config import Timeouts

from .launch import managed_comfyui_from_env

INTEGRATION_TIMEOUTS = Timeouts(connect=5, read=60, upload=60, prompt=300, ready=240)


@pytest.fixture(scope="session")
def live_comfyui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("COMFYUI_URL")
    if url:
        with ComfyClient(url, timeouts=INTEGRATION_TIMEOUTS) as client:
            try:
                client.system_stats()
            except ComfyError as exc:
                pytest.fail(f"COMFYUI_URL is set but {exc}")
        yield url.rstrip("/")
        return
    server = managed_comfyui_from_env(tmp_path_factory.mktemp("managed-comfyui"), INTEGRATION_TIMEOUTS)
    if server is None:
        pytest.skip(
            "no live ComfyUI: set COMFYUI_URL to a running server, or COMFYUI_PATH (+COMFYUI_PYTHON) "
            "to a ComfyUI checkout the tests may start"
        )
    try:
        server.start()
    except ComfyError as exc:
        pytest.fail(f"COMFYUI_PATH={os.environ['COMFYUI_PATH']} could not be started: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def comfy_client(live_comfyui: str) -> Iterator[ComfyClient]:
    with ComfyClient(live_comfyui, timeouts=INTEGRATION_TIMEOUTS) as client:
        yield client
