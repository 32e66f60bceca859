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
from tests.security.images import tiny_png


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

    def start(self) -> DroppingBackend:
        async def run():
            app = web.Application()
            app.add_routes(
                [web.get("/ws", self._ws), web.get("/queue", self._queue), web.get("/history/{pid}", self._history)]
            )
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            self._ready.set()

        threading.Thread(
            target=lambda: (self._loop.run_until_complete(run()), self._loop.run_forever()), daemon=True
        ).start()
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


# ---- disk full ----------------------------------------------------------------------------------------------
import errno  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from app.jobs import runner as runner_module  # noqa: E402
from app.jobs.models import Job  # noqa: E402
from app.jobs.runner import JobRunner  # noqa: E402
from app.jobs.runner_errors import DiskFullError  # noqa: E402
from app.jobs.runner_follow import save_outputs  # noqa: E402


def fill_disk_after(monkeypatch, writes_ok: int) -> None:
    """Path.write_bytes fails with ENOSPC after `writes_ok` writes (leaving a partial file, as a real
    full disk does)."""
    real = Path.write_bytes
    count = [0]

    def write_bytes(self, data):
        count[0] += 1
        if count[0] > writes_ok:
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def test_disk_full_cleans_up_and_names_the_folder(tmp_path, monkeypatch):
    files = [SimpleNamespace(node_id=str(i), filename=f"{i}.png", kind="image", data=tiny_png(i)) for i in range(3)]
    fill_disk_after(monkeypatch, 1)
    with pytest.raises(DiskFullError, match=r"^disk full at .*outputs/jobs/j1; free some space there"):
        save_outputs(files, "j1", tmp_path / "outputs")
    assert list((tmp_path / "outputs" / "jobs" / "j1").iterdir()) == []  # no .part, no orphan from the first file


def test_stale_part_files_are_removed_on_the_next_attempt(tmp_path):
    folder = tmp_path / "outputs" / "jobs" / "j1"
    folder.mkdir(parents=True)
    (folder / ".9_00.png.123.part").write_bytes(b"half")
    save_outputs(
        [SimpleNamespace(node_id="9", filename="a.png", kind="image", data=tiny_png(1))], "j1", tmp_path / "outputs"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["9_00.png"]


class RecordingTransitions:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.on_released = None

    def retry_or_fail(self, job, message, *, immediate):
        self.calls.append(("retry", message))

    def fail(self, job, message, **_kwargs):
        self.calls.append(("fail", message))

    def succeed(self, job, outputs):
        self.calls.append(("succeed", ""))


def make_runner(tmp_path, job: Job, transitions: RecordingTransitions, client=None) -> JobRunner:
    store = SimpleNamespace(get=lambda _id: job, get_many=lambda ids: {}, mutate=lambda *a, **k: None)
    pool = SimpleNamespace(client=lambda _name: client)
    context = SimpleNamespace(
        output_dir=tmp_path / "outputs"
    )  # what local handlers read here (app.jobs.context.JobContext)
    return JobRunner(
        store, pool, transitions, worker_id="w", output_dir=tmp_path / "outputs", prompt_timeout_s=5, context=context
    )


def test_disk_full_during_collection_keeps_the_job_retryable(tmp_path, monkeypatch):
    job = Job(id="j2", kind="prompt", status="running", prompt_id="p2", backend="b", created_at=1, updated_at=1)
    files = [SimpleNamespace(node_id="9", filename="a.png", kind="image", data=tiny_png(1))]
    client = SimpleNamespace(wait=lambda *a, **k: SimpleNamespace(files=files))
    transitions = RecordingTransitions()
    fill_disk_after(monkeypatch, 0)
    make_runner(tmp_path, job, transitions, client)._follow(job, submitted=True)
    assert transitions.calls == [
        ("retry", f"disk full at {tmp_path / 'outputs' / 'jobs' / 'j2'}; free some space there (the job is retried).")
    ]


def test_disk_full_in_a_local_step_keeps_the_job_retryable(tmp_path, monkeypatch):
    job = Job(id="j3", kind="book", status="running", prompt_id="p3", backend="local", created_at=1, updated_at=1)

    def handler(_job, _deps, context):
        raise OSError(errno.ENOSPC, "No space left on device", str(context.output_dir / "jobs" / "j3" / "page-01.png"))

    monkeypatch.setattr(runner_module, "local_handler", lambda _kind: handler)
    transitions = RecordingTransitions()
    make_runner(tmp_path, job, transitions)._run_local(job)
    assert transitions.calls == [
        ("retry", f"disk full at {tmp_path / 'outputs' / 'jobs' / 'j3'}; free some space there (the job is retried).")
    ]


# ---- webhooks: at least once, through a kill ----------------------------------------------------------------
import json as _json  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

from app.jobs.job_store_sqlite import SqliteJobStore  # noqa: E402
from app.jobs.webhook_outbox import outbox_for  # noqa: E402
from app.jobs.webhooks import WebhookNotifier  # noqa: E402

CHILD = """
import sys, time
from app.jobs.job_store_sqlite import SqliteJobStore
from app.jobs.models import Job, now
from app.jobs.webhooks import WebhookNotifier

store = SqliteJobStore(sys.argv[1])
job = Job(id="hooked", kind="collect", status="succeeded", created_at=now(), updated_at=now())
store.add([job])
WebhookNotifier(sys.argv[2], timeout_s=30, retries=0, lease_s=1).job_finished(store, job)
time.sleep(120)
"""


def test_webhook_survives_a_kill_and_is_delivered_with_its_id(tmp_path):
    seen: list[str] = []
    hold = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append(_json.loads(self.rfile.read(int(self.headers["Content-Length"])))["delivery_id"])
            if len(seen) == 1:
                hold.wait(30)  # the first delivery hangs: the worker is killed meanwhile
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "jobs.db"), url], cwd=Path(__file__).resolve().parents[2]
    )
    try:
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline:
            time.sleep(0.1)
        assert seen, "the child never tried to deliver"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        store = SqliteJobStore(tmp_path / "jobs.db")
        notifier = WebhookNotifier(url, lease_s=1)
        time.sleep(1.1)  # the killed process's claim runs out
        notifier.resume(store)  # what a worker does when it starts
        notifier.flush(timeout_s=20)
        assert len(seen) == 2 and seen[0] == seen[1], seen  # delivered again, with the same id for de-duplication
        assert outbox_for(store).count() == 0
        store.close()
    finally:
        hold.set()
        if child.poll() is None:
            child.kill()
        server.shutdown()
