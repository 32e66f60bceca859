"""Cancelling a book stops its panels (issue 15): queued panel jobs never start, running ones are taken off
their ComfyUI (deleted from its queue, interrupted only while they are the prompt running there), and the
book submits nothing more. In-memory backends (tests/fake_backends.py); the live run:
tests/integration/test_book_pool_live.py::test_cancelling_a_book_stops_its_running_panels."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import Config
from app.jobs import worker as worker_module
from app.jobs.backends import BackendSpec
from app.jobs.models import JobQuery, JobSpec
from app.jobs.withdraw import withdraw_prompt
from app.jobs.worker import Worker
from app.services import queue_service as queue_service_module
from app.services.queue_service import QueueService
from tests.fake_backends import (
    FakeBackend,
    FakeClient,
    fake_pool_factory,
    fake_prompt,
    no_preflight,
)
from tests.queue_fixtures import free_port
from tests.unit.test_book_pool import book_script


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def test_withdraw_deletes_a_pending_prompt_and_interrupts_only_our_running_one() -> None:
    backend = FakeBackend("b0", seconds=5.0)
    client = FakeClient(backend)
    for prompt_id in ("theirs", "ours-pending"):
        backend.submit(fake_prompt(prompt_id), prompt_id)
    wait_until(lambda: backend.queue().is_running("theirs"), 5, "the first prompt to run")
    assert withdraw_prompt(client, "ours-pending") == "deleted"
    assert withdraw_prompt(client, "ours-elsewhere") == "absent"
    assert backend.interrupted == [] and backend.queue().is_running("theirs")  # someone else's prompt runs on
    backend.submit(fake_prompt("ours"), "ours")
    backend.interrupt("theirs")
    wait_until(lambda: backend.queue().is_running("ours"), 5, "our prompt to run")
    assert withdraw_prompt(client, "ours") == "interrupted"
    assert backend.interrupted == ["theirs", "ours"] and backend.deleted == ["ours-pending"] and not backend.busy()
    backend.kill()
    assert withdraw_prompt(client, "ours") == "unreachable"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    no_preflight(monkeypatch)
    monkeypatch.setattr(worker_module, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(worker_module, "ORPHAN_CHECK_S", 0.5)
    backends = [{"name": f"b{i}", "url": f"http://fake-b{i}"} for i in range(2)]
    return Config.model_validate(
        {
            "app": {"output_dir": str(tmp_path / "out"), "library_dir": str(tmp_path / "library")},
            "queue": {"storage": "sqlite", "sqlite_path": str(tmp_path / "jobs.db"), "retry_backoff_s": 0.1},
            "comfyui": {"url": f"http://127.0.0.1:{free_port()}", "backends": backends},
        }
    )


def test_cancelling_a_book_cancels_queued_panels_and_interrupts_running_ones(
    config: Config, tmp_path: Path, object_info_core: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    backends = [FakeBackend(f"b{i}", seconds=3.0, object_info=object_info_core) for i in range(2)]
    by_url = {b.url: b for b in backends}
    monkeypatch.setattr(
        queue_service_module, "make_comfy_client", lambda spec, config, health=False: FakeClient(by_url[spec.url])
    )
    script = tmp_path / "book.txt"
    script.write_text(book_script(4, 3), encoding="utf-8")
    service = QueueService(config)
    worker = Worker(
        config,
        specs=[BackendSpec(b.name, b.url, 1) for b in backends],
        worker_id="w1",
        client_factory=fake_pool_factory(backends),
    )
    worker.start()
    try:
        [book] = service.submit([JobSpec(kind="book", parameters={"script": str(script), "max_side": 64, "steps": 1})])
        children = f"children-{book.id}"

        def states() -> dict[str, int]:
            return service.store.batch_summary(children).counts

        wait_until(
            lambda: states().get("running", 0) == 2 and states().get("queued", 0) >= 1,
            30,
            "a panel running on each backend and more queued",
        )
        running_prompts = {c.prompt_id for c in service.list(JobQuery(batch_id=children, status=["running"])).items}
        assert service.cancel(book.id).status == "cancelled"
        counts = states()
        assert counts.get("running", 0) == 0 and counts.get("queued", 0) == 0 and counts.get("paused", 0) == 0, counts
        wait_until(lambda: not any(b.busy() for b in backends), 5, "both ComfyUIs to have nothing of the book left")
        stopped = {p for b in backends for p in [*b.interrupted, *b.deleted]}
        assert running_prompts <= stopped  # taken off (interrupted; deleted when not running yet), never left to finish
        submitted = sum(len(b.submitted) for b in backends)
        time.sleep(2.0)  # the coordinator notices within a second: it submits nothing more
        assert sum(len(b.submitted) for b in backends) == submitted
        final = service.list(JobQuery(batch_id=children, limit=100)).items
        assert {c.status for c in final} <= {"cancelled", "succeeded"} and len(final) < 12
        assert service.get(book.id).status == "cancelled"
        wait_until(lambda: book.id not in worker.runner.active_ids(), 5, "the book's coordinator thread to end")
    finally:
        worker.stop()
        service.close()


def test_a_job_cancelled_while_its_prompt_is_posted_is_taken_off_the_backend(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel lands between the claim and the POST: it finds nothing on ComfyUI to stop, so the runner
    withdraws the prompt itself right after posting it (it never runs to the end)."""
    backend = FakeBackend("b0", seconds=5.0)
    service = QueueService(config)

    class CancelledOnTheWay(FakeClient):
        def submit(self, prompt, *, prompt_id=None, **extra):
            [job] = [j for j in service.list(JobQuery(status=["running"])).items if j.prompt_id == prompt_id]
            assert service.cancel(job.id).status == "cancelled"
            return super().submit(prompt, prompt_id=prompt_id, **extra)

    monkeypatch.setattr(
        queue_service_module, "make_comfy_client", lambda spec, config, health=False: FakeClient(backend)
    )
    worker = Worker(
        config,
        specs=[BackendSpec("b0", backend.url, 1)],
        worker_id="w1",
        client_factory=lambda spec: CancelledOnTheWay(backend),
    )
    worker.start()
    try:
        [job] = service.submit([JobSpec(kind="prompt", parameters={"prompt": fake_prompt("posted")})])
        wait_until(
            lambda: backend.submitted and not backend.busy(), 10, "the posted prompt to be taken off the backend"
        )
        assert service.get(job.id).status == "cancelled"
        assert backend.deleted + backend.interrupted == backend.submitted and not backend.executions
    finally:
        worker.stop()
        service.close()
