"""The job runner's failover and retry rules against replayed ComfyUI traffic (no live ComfyUI needed):
a backend that dies mid-prompt hands the job to another backend at once; a transient error on the only
backend is retried after the queue's backoff; a permanent error (validation) fails the job without a retry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from aiohttp import web

from app.config import Config
from app.jobs.models import JobSpec
from app.jobs.worker import Worker
from app.services.queue_service import QueueService
from tests.contract.replay_server import ReplayServer

RETRY_BACKOFF_S = 0.6


def recorded_prompt(comfy_shared: Path) -> dict:
    transcript = json.loads((comfy_shared / "transcripts" / "a_simple_success.json").read_text())
    return next(call["json"]["prompt"] for call in transcript["http"] if call["path"] == "/prompt")


class BusyOnce(ReplayServer):
    """The recorded success, except that the first POST /prompt is answered 503 (a transient refusal)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prompt_posts: list[float] = []

    def _post_prompt(self, seen):  # type: ignore[override]
        self.prompt_posts.append(time.monotonic())
        if len(self.prompt_posts) == 1:
            return web.Response(status=503, text="busy")
        return super()._post_prompt(seen)


class DiesAfterAccepting(ReplayServer):
    """Accepts the prompt (its recorded 200), then the whole server goes away: a backend that died mid-prompt."""

    def _post_prompt(self, seen):  # type: ignore[override]
        import asyncio

        response = super()._post_prompt(seen)
        asyncio.ensure_future(self._shutdown())
        return response


@pytest.fixture
def servers():
    started: list[ReplayServer] = []

    def start(server: ReplayServer) -> ReplayServer:
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def run_job(
    tmp_path: Path,
    backends: dict[str, str],
    prompt: dict,
    timeout: float = 150.0,
    retry_backoff_s: float = RETRY_BACKOFF_S,
):
    """Submit one `prompt` job, run a worker on `backends` (name -> url) until the job ends, return it."""
    first = next(iter(backends.values()))
    config = Config.model_validate(
        {
            "app": {"output_dir": str(tmp_path / "out")},
            "queue": {
                "storage": "sqlite",
                "sqlite_path": str(tmp_path / "jobs.db"),
                "retry_backoff_s": retry_backoff_s,
            },
            "comfyui": {
                "url": first,
                "backends": [{"name": name, "url": url} for name, url in backends.items()],
                "timeouts": {"connect": 2, "read": 30, "prompt": 120},
            },
        }
    )
    service = QueueService(config)
    worker = Worker(config, store=service.store, engine=service.engine, threads=2)
    try:
        [job] = service.submit([JobSpec(kind="prompt", parameters={"prompt": prompt})])
        worker.start()
        deadline = time.monotonic() + timeout
        while not (job := service.get(job.id)).terminal:
            if time.monotonic() > deadline:
                pytest.fail(f"the job did not end: {job.status}, {job.progress_text}, errors {job.errors}")
            time.sleep(0.05)
        return job
    finally:
        worker.stop()
        service.close()


def test_a_backend_that_dies_mid_prompt_fails_over_to_another(comfy_shared: Path, tmp_path: Path, servers) -> None:
    dying = servers(DiesAfterAccepting(comfy_shared, "a_simple_success"))
    healthy = servers(ReplayServer(comfy_shared, "a_simple_success"))
    # at once, not after the backoff: a retry that waited (at least 240 s here) would outlast the 120 s given
    job = run_job(
        tmp_path,
        {"a": dying.base_url, "b": healthy.base_url},
        recorded_prompt(comfy_shared),
        timeout=120,
        retry_backoff_s=300,
    )
    assert job.status == "succeeded", job.errors
    assert job.backend == "b" and job.attempts == 2
    [error] = job.errors
    assert error.kind == "transient" and error.backend == "a"
    assert dying.count("POST", "/prompt") == 1 and healthy.count("POST", "/prompt") == 1
    [output] = job.outputs
    assert (tmp_path / "out" / output.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_transient_error_on_the_only_backend_is_retried_after_a_backoff(
    comfy_shared: Path, tmp_path: Path, servers
) -> None:
    server = servers(BusyOnce(comfy_shared, "a_simple_success"))
    job = run_job(tmp_path, {"only": server.base_url}, recorded_prompt(comfy_shared))
    assert job.status == "succeeded", job.errors
    assert job.attempts == 2 and len(server.prompt_posts) == 2
    [error] = job.errors
    assert error.kind == "transient" and error.backend == "only" and "503" in error.message
    waited = server.prompt_posts[1] - server.prompt_posts[0]
    assert waited >= 0.8 * RETRY_BACKOFF_S, f"retried after {waited:.2f} s, before the backoff"


def test_a_permanent_error_fails_the_job_without_a_retry(comfy_shared: Path, tmp_path: Path, servers) -> None:
    refusing = servers(ReplayServer(comfy_shared, "h_validation_errors"))
    other = servers(ReplayServer(comfy_shared, "a_simple_success"))
    job = run_job(tmp_path, {"a": refusing.base_url, "b": other.base_url}, recorded_prompt(comfy_shared))
    assert job.status == "failed" and job.attempts == 1
    [error] = job.errors
    assert error.kind != "transient" and error.backend == "a"
    assert refusing.count("POST", "/prompt") == 1 and other.count("POST", "/prompt") == 0
