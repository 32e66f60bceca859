"""A ComfyUI the app supervises: dying mid-prompt ends the run with the reason, then it is restarted."""

from __future__ import annotations

import time

import pytest

from app.backoff import Backoff
from app.comfy import BackendDiedError, ComfyClient, ComfyError
from app.comfy.events import ExecutingEvent
from app.config import Timeouts

from .graph import GraphBuilder, trivial_image_graph
from .launch import managed_comfyui_from_env

pytestmark = pytest.mark.timeout(400)
TIMEOUTS = Timeouts(connect=5, read=60, upload=60, prompt=300, ready=240)


def slow_graph() -> dict:
    g = GraphBuilder()
    link = g.node("EmptyImage", width=1024, height=1024, batch_size=1, color=0x123456).out(0)
    for _ in range(3):
        link = g.node("ImageBlur", image=link, blur_radius=31, sigma=9.0).out(0)
    g.node("SaveImage", images=link, filename_prefix="inkframe_it/dies")
    return g.to_prompt()


def test_comfyui_dying_mid_prompt_fails_the_run_and_comes_back(tmp_path):
    server = managed_comfyui_from_env(tmp_path / "comfyui", TIMEOUTS, restart_on_exit=True, max_restarts=1)
    if server is None:
        pytest.skip("needs COMFYUI_PATH (+COMFYUI_PYTHON): this test starts and kills its own ComfyUI")
    with server:
        client = ComfyClient(server.url, timeouts=TIMEOUTS, reconnect=Backoff(attempts=4, base=0.2, cap=1.0))

        def kill_while_blurring(event):
            if isinstance(event, ExecutingEvent) and event.node == "2":
                server.process.kill()

        started = time.monotonic()
        with pytest.raises(BackendDiedError) as caught:
            client.run(slow_graph(), on_event=kill_while_blurring)
        assert time.monotonic() - started < 120
        assert server.url in str(caught.value) and caught.value.prompt_id
        deadline = time.monotonic() + TIMEOUTS.ready
        while time.monotonic() < deadline:
            try:
                client.system_stats()
                break
            except ComfyError:
                time.sleep(1)
        assert server.restarts == 1
        assert len(client.run(trivial_image_graph(prefix="inkframe_it/after_restart")).files) == 1
        client.close()
