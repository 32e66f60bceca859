"""The queue never stalls after a crash (issue 15), with the embedded store and with Redis.

Dispatch runs against in-memory backends (tests/fake_backends.py); what a `kill -9`ed worker leaves
behind is planted in the store as it would be: running jobs claimed by a worker whose pid is gone
(their prompts on a backend), queued jobs whose message died with it. The same scenarios run with
real worker processes and live ComfyUIs in tests/integration/test_queue_liveness_live.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import Config
from app.jobs import worker as worker_module
from app.jobs.backends import BackendSpec
from app.jobs.kinds import build_prompt
from app.jobs.models import JobSpec, WorkerInfo, now
from app.jobs.worker import Worker
from app.services.queue_service import QueueService
from tests.fake_backends import FakeBackend, fake_pool_factory, fake_prompt, no_preflight
from tests.queue_fixtures import *  # noqa: F401,F403
from tests.queue_fixtures import free_port


@pytest.fixture
def config(tmp_path: Path, store_kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Config:
    no_preflight(monkeypatch)
    monkeypatch.setattr(worker_module, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(worker_module, "ORPHAN_CHECK_S", 0.5)
    queue = {"storage": store_kind, "sqlite_path": str(tmp_path / "jobs.db"), "retry_backoff_s": 0.1}
    if store_kind == "redis":
        queue["redis_url"] = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + f"/{free_port() % 15 + 1}"
    return Config.model_validate(
        {
            "app": {"output_dir": str(tmp_path / "out")},
            "queue": queue,
            "comfyui": {"url": f"http://127.0.0.1:{free_port()}"},
        }
    )


@pytest.fixture
def service(config: Config):
    service = QueueService(config)
    if config.queue.storage == "redis":
        service.store._redis.flushdb()
        service.engine.huey.flush()
    yield service
    service.close()


def start_worker(config: Config, backends: list[FakeBackend], worker_id: str, **kwargs) -> Worker:
    worker = Worker(
        config,
        specs=[BackendSpec(b.name, b.url, 1) for b in backends],
        worker_id=worker_id,
        client_factory=fake_pool_factory(backends),
        **kwargs,
    )
    worker.start()
    return worker


def dead_worker(service: QueueService, worker_id: str = "crashed") -> str:
    """A worker that sent heartbeats from this host and was kill -9ed: its pid no longer exists."""
    pid = int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout
    )
    service.store.heartbeat(WorkerInfo(worker_id=worker_id, host=socket.gethostname(), pid=pid, heartbeat_at=now()))
    return worker_id


def running_on(service: QueueService, backend: FakeBackend, job, worker_id: str):
    """What a worker leaves behind when it dies after posting a prompt: the job claimed, the prompt on the backend."""
    prompt_id = f"p-{job.id}"
    claimed = service.store.claim(
        job.id,
        dispatch_seq=service.get(job.id).dispatch_seq,
        backend=backend.name,
        max_running=1,
        prompt_id=prompt_id,
        worker_id=worker_id,
    )
    assert claimed is not None
    backend.submit(build_prompt(claimed), prompt_id)
    return claimed


def wait_done(service: QueueService, ids: list[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = {job_id: service.get(job_id) for job_id in ids}
        if all(job.terminal for job in jobs.values()):
            return jobs
        time.sleep(0.05)
    states = {
        job_id: (job.status, job.worker_id, job.progress_text) for job_id, job in ((i, service.get(i)) for i in ids)
    }
    pytest.fail(f"the queue stalled: after {timeout:g} s the jobs are {states}")


def prompt_job(label: str, priority: int = 0) -> JobSpec:
    return JobSpec(kind="prompt", key=label, priority=priority, parameters={"prompt": fake_prompt(label)})


def executions(backends: list[FakeBackend]) -> dict[str, int]:
    total: dict[str, int] = {}
    for backend in backends:
        for prefix, count in backend.executions.items():
            total[prefix] = total.get(prefix, 0) + count
    return total


def test_an_adopted_job_needs_no_dispatch_slot_when_higher_priority_jobs_wait(service: QueueService, config: Config):
    """Issue 15, scenario 1: one worker, one backend, a slow priority-0 job running when the worker
    was killed, three priority-50 jobs waiting. The restarted worker (default threads: slots + 1)
    adopts the slow job and follows it without a consumer thread, then runs the other three."""
    backend = FakeBackend("b0", seconds=0.6)
    slow, *urgent = service.submit([prompt_job("slow"), *(prompt_job(f"p{i}", 50) for i in range(3))])
    running_on(service, backend, slow, dead_worker(service))
    worker = start_worker(config, [backend], "restarted")
    try:
        assert worker.threads == 2 and worker.last_reconcile.adopted == [slow.id]
        jobs = wait_done(service, [slow.id, *(job.id for job in urgent)], timeout=15)
    finally:
        worker.stop()
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert jobs[slow.id].attempts == 1 and jobs[slow.id].prompt_id == f"p-{slow.id}"  # followed, not resubmitted
    assert executions([backend]) == {f"inkframe_jobs/{job_id}/9": 1 for job_id in jobs}


def test_a_survivor_adopts_and_follows_the_job_of_a_worker_killed_mid_run(service: QueueService, config: Config):
    """Issue 15, scenario 2: two workers share the store; the one running a job dies. The survivor's
    periodic reconciliation adopts it and follows it to the end while its own threads keep working."""
    backends = [FakeBackend("b0", seconds=1.0)]  # its one slot is the orphan's: the survivor's threads wait for it
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    service.store.heartbeat(
        WorkerInfo(worker_id="victim", host=socket.gethostname(), pid=victim.pid, heartbeat_at=now())
    )
    [orphan] = service.submit([prompt_job("orphan")])
    running_on(service, backends[0], orphan, "victim")
    survivor = start_worker(config, backends, "survivor")
    try:
        assert survivor.last_reconcile.adopted == []  # the victim is alive at first
        others = service.submit([prompt_job(f"o{i}") for i in range(4)])
        victim.kill()
        victim.wait()
        jobs = wait_done(service, [orphan.id, *(job.id for job in others)], timeout=15)
    finally:
        victim.kill()
        survivor.stop()
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert jobs[orphan.id].worker_id == "survivor" and jobs[orphan.id].prompt_id == f"p-{orphan.id}"
    assert executions(backends) == {f"inkframe_jobs/{job_id}/9": 1 for job_id in jobs}


def test_queued_jobs_whose_messages_died_are_sent_again_to_a_live_worker(service: QueueService, config: Config):
    """Issue 15, scenario 3: a worker whose threads had taken messages (waiting for a slot) is killed;
    those jobs are queued with no message. A live worker re-sends them (holder dead: at once; no
    holder at all: after two rounds), instead of idling next to them until a restart."""
    backend = FakeBackend("b0", seconds=0.1)
    survivor = start_worker(config, [backend], "survivor")
    try:
        held = service.submit([prompt_job(f"held{i}") for i in range(3)] + [prompt_job("dropped")])
        service.engine.huey.flush()  # their messages died with the process that took them
        crashed = dead_worker(service)
        for job in held[:3]:
            service.store.mutate(job.id, lambda cur: cur.model_copy(update={"worker_id": crashed}))
        jobs = wait_done(service, [job.id for job in held], timeout=15)
    finally:
        survivor.stop()
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert executions([backend]) == {f"inkframe_jobs/{job_id}/9": 1 for job_id in jobs}


def test_a_thread_waiting_for_a_slot_marks_the_job_as_held(service: QueueService, config: Config):
    backend = FakeBackend("b0", seconds=4.0)  # long enough to look at the waiting job on a loaded machine
    worker = start_worker(config, [backend], "holder")
    try:
        [first] = service.submit([prompt_job("first", 10)])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and service.get(first.id).status != "running":
            time.sleep(0.02)
        [second] = service.submit([prompt_job("second")])
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and service.get(second.id).worker_id != "holder":
            time.sleep(0.02)
        waiting = service.get(second.id)
        assert waiting.status == "queued" and waiting.worker_id == "holder", (
            waiting.status,
            service.get(first.id).status,
        )
        jobs = wait_done(service, [first.id, second.id], timeout=30)
    finally:
        worker.stop()
    assert {job.status for job in jobs.values()} == {"succeeded"}


def test_a_running_job_of_this_worker_that_no_thread_follows_is_settled(service: QueueService, config: Config):
    """A job recorded as running under this worker's own id but followed by none of its threads (an
    old adopt message taken by another worker, a lost thread) is settled by the next round."""
    backend = FakeBackend("b0", seconds=0.2)
    worker = start_worker(config, [backend], "me")
    try:
        worker.runner.stopping = True  # none of our threads takes it: plant it as running under our id
        [stray] = service.submit([prompt_job("stray")])
        service.engine.huey.flush()
        running_on(service, backend, stray, "me")
        worker.runner.stopping = False
        jobs = wait_done(service, [stray.id], timeout=10)
    finally:
        worker.stop()
    assert jobs[stray.id].status == "succeeded" and jobs[stray.id].prompt_id == f"p-{stray.id}"
    assert executions([backend])[f"inkframe_jobs/{stray.id}/9"] == 1


@pytest.mark.parametrize("store_kind", ["redis"])
def test_workers_on_two_machines_with_their_own_backends_share_one_redis_queue(service: QueueService, config: Config):
    """The scale-out setup of docs/queue.md: each worker lists only the backends it reaches (b0 on one
    machine, b1 and b2 on the other), one Redis queue, one shared output folder."""
    machine_a = [FakeBackend("b0", seconds=0.2)]
    machine_b = [FakeBackend("b1", seconds=0.2), FakeBackend("b2", seconds=0.2)]
    workers = [start_worker(config, machine_a, "machine-a:1"), start_worker(config, machine_b, "machine-b:1")]
    try:
        jobs = service.submit([prompt_job(f"s{i}") for i in range(12)])
        done = wait_done(service, [job.id for job in jobs], timeout=30)
    finally:
        for worker in workers:
            worker.stop()
    assert {job.status for job in done.values()} == {"succeeded"}
    assert {job.backend for job in done.values()} == {"b0", "b1", "b2"}
    assert {(job.worker_id, job.backend in ("b1", "b2")) for job in done.values()} <= {
        ("machine-a:1", False),
        ("machine-b:1", True),
    }
    assert executions(machine_a + machine_b) == {f"inkframe_jobs/{job_id}/9": 1 for job_id in done}
    for job in done.values():
        assert (service.output_dir / job.outputs[0].path).is_file()  # one output folder for both
