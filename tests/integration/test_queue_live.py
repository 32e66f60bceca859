"""The queue against live ComfyUI backends (started here with the test node pack, `--cpu`, loopback).

Order matters: the last test kills a backend for good.
- capability-aware dispatch, validation/execution errors not retried, cancel of a running prompt,
  a backend that is down at start;
- `kill -9` of a worker process mid-batch and a restart, with the embedded store and with Redis:
  every job completes exactly once (the sleep node logs each run; outputs counted per job);
- a 102-job batch during which a backend is killed: the job it was running is resubmitted elsewhere,
  every job succeeds once with one set of outputs.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.comfy import ComfyClient
from app.config import load_config
from app.jobs.models import JobSpec
from app.jobs.worker import Worker
from app.services.queue_service import QueueService
from tests.queue_fixtures import free_port, redis_url  # noqa: F401  (fixture)

from .queue_backends import running_backends, sleep_prompt, wait_for, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory):
    yield from running_backends(2, tmp_path_factory.mktemp("queue-backends"))


def open_service(config_path: Path) -> QueueService:
    service = QueueService(load_config(config_path))
    if service.config.queue.storage == "redis":
        service.store._redis.flushdb()
        service.engine.huey.flush()
    return service


def run_counts(log: Path) -> collections.Counter:
    return collections.Counter(log.read_text().split()) if log.exists() else collections.Counter()


def start_worker_process(config_path: Path, log_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "main.py", "--config", str(config_path), "worker"],
        cwd=REPO_ROOT,
        stdout=open(log_path, "ab"),
        stderr=subprocess.STDOUT,
    )


def test_capabilities_errors_cancel_and_a_backend_down_at_start(backends, tmp_path: Path):
    dead = {"name": "dead", "url": f"http://127.0.0.1:{free_port()}", "max_concurrent": 1}
    config = load_config(write_config(tmp_path / "config.yaml", [s.url for s in backends], extra_backends=[dead]))
    service = open_service(tmp_path / "config.yaml")
    log = tmp_path / "runs.log"
    unknown = {
        "1": {"class_type": "NoSuchNode", "inputs": {}},
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
    }
    jobs = service.submit(
        [
            JobSpec(kind="prompt", key="ok", parameters={"prompt": sleep_prompt("ok", 0.1, log)}),
            JobSpec(kind="prompt", key="unknown", parameters={"prompt": unknown}),
            JobSpec(kind="prompt", key="fails", parameters={"prompt": sleep_prompt("fails", 0, log, fail=True)}),
            JobSpec(kind="prompt", key="slow", priority=10, parameters={"prompt": sleep_prompt("slow", 60, log)}),
            JobSpec(kind="workflow", key="panel", parameters={"workflow": "panel"}),
        ]
    )  # the library's, no models here
    by_key = {job.key: job.id for job in jobs}
    worker = Worker(config)
    worker.start()
    try:
        assert worker.pool.state("dead").healthy is False
        slow = wait_for(
            lambda: (j := service.get(by_key["slow"])).status == "running" and j, 60, "the slow job to start"
        )
        time.sleep(0.5)
        assert service.cancel(slow.id).status == "cancelled"
        backend_url = worker.pool.specs[slow.backend].url
        with ComfyClient(backend_url) as client:
            wait_for(lambda: not client.queue().contains(slow.prompt_id), 30, "the cancelled prompt to leave ComfyUI")
        done = wait_for(
            lambda: (
                all(service.get(i).terminal for i in by_key.values()) and {k: service.get(i) for k, i in by_key.items()}
            ),
            120,
            "every job to end",
        )
    finally:
        worker.stop()
    assert done["ok"].status == "succeeded" and len(done["ok"].outputs) == 1
    assert done["ok"].outputs[0].path == f"jobs/{done['ok'].id}/3_00.png"
    assert (service.output_dir / done["ok"].outputs[0].path).stat().st_size > 0
    unknown_error = done["unknown"].last_error
    assert done["unknown"].status == "failed" and unknown_error.startswith("no backend can run this job")
    assert (
        "b0:" in unknown_error
        and "b1:" in unknown_error
        and "NoSuchNode" in unknown_error
        and "dead: down" in unknown_error
    )
    assert done["fails"].status == "failed" and done["fails"].attempts == 1  # an execution error is not retried
    assert "job fails told to fail" in done["fails"].last_error
    assert done["slow"].status == "cancelled" and "slow" not in run_counts(log)
    panel_error = done["panel"].last_error  # converted with each backend's object_info, judged by preflight
    assert done["panel"].status == "failed" and panel_error.startswith("no backend can run this job (b0: ")
    assert "| b1: " in panel_error and done["panel"].attempts == 0
    service.close()


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_kill_9_of_the_worker_mid_batch_then_restart_runs_every_job_exactly_once(
    backends, tmp_path: Path, storage: str, request: pytest.FixtureRequest
):
    redis = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/3" if storage == "redis" else None
    config_path = write_config(tmp_path / "config.yaml", [s.url for s in backends], storage=storage, redis_url=redis)
    service = open_service(config_path)
    log = tmp_path / "runs.log"
    service.submit(
        [
            JobSpec(kind="prompt", key=f"j{i}", parameters={"prompt": sleep_prompt(f"j{i}", 0.7, log)})
            for i in range(10)
        ],
        batch_id="crash",
    )
    first = start_worker_process(config_path, tmp_path / "worker1.log")
    try:
        wait_for(
            lambda: (s := service.batch("crash")).counts["succeeded"] >= 2 and s.counts["running"] >= 1,
            120,
            "the batch to be under way",
        )
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    running_at_kill = [job.id for job in service.batch_jobs("crash") if job.status == "running"]
    assert running_at_kill, "the kill should leave jobs running"
    time.sleep(1.5)  # the prompts in flight finish inside ComfyUI while no worker watches
    second = start_worker_process(config_path, tmp_path / "worker2.log")
    try:
        wait_for(lambda: service.batch("crash").done, 180, "the batch to finish after the restart", interval=0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    final = service.batch_jobs("crash")
    assert [job.status for job in final] == ["succeeded"] * 10, [(j.key, j.status, j.last_error) for j in final]
    assert run_counts(log) == collections.Counter({f"j{i}": 1 for i in range(10)})  # nothing ran twice
    for job in final:
        files = list((service.output_dir / "jobs" / job.id).iterdir())
        assert [f.name for f in files] == ["3_00.png"] and job.outputs[0].path.endswith("3_00.png")
    assert "adopted" in (tmp_path / "worker2.log").read_text()
    service.close()


def test_two_worker_processes_share_one_redis_queue(backends, tmp_path: Path, redis_url: str):  # noqa: F811
    config_path = write_config(
        tmp_path / "config.yaml",
        [s.url for s in backends],
        storage="redis",
        redis_url=redis_url.rsplit("/", 1)[0] + "/4",
    )
    service = open_service(config_path)
    log = tmp_path / "runs.log"
    workers = [start_worker_process(config_path, tmp_path / f"worker{i}.log") for i in range(2)]
    most_running: dict[str, int] = {}
    try:
        wait_for(lambda: len(service.store.workers()) == 2, 60, "both workers to send heartbeats")
        service.submit(
            [
                JobSpec(kind="prompt", key=f"j{i}", parameters={"prompt": sleep_prompt(f"j{i}", 0.4, log)})
                for i in range(16)
            ],
            batch_id="shared",
        )

        def done() -> bool:
            for backend, count in service.store.running_counts().items():
                most_running[backend] = max(most_running.get(backend, 0), count)
            return service.batch("shared").done

        wait_for(done, 180, "the shared batch to finish", interval=0.02)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
    final = service.batch_jobs("shared")
    assert {job.status for job in final} == {"succeeded"}
    assert len({job.worker_id for job in final}) == 2, "both workers should have taken jobs"
    assert max(most_running.values()) == 1  # max_concurrent=1 per backend held across the two processes
    assert run_counts(log) == collections.Counter({f"j{i}": 1 for i in range(16)})
    service.close()


def test_rest_api_progress_stream_outputs_and_webhooks_end_to_end(backends, tmp_path: Path):
    import json as jsonlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from fastapi.testclient import TestClient

    from app.api.routes import create_api

    hooks: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            hooks.append(jsonlib.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            return None

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    config_path = write_config(
        tmp_path / "config.yaml",
        [s.url for s in backends],
        webhook_url=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
    )
    service = open_service(config_path)
    client = TestClient(create_api(service, auth_token="t0ken"))
    auth = {"Authorization": "Bearer t0ken"}
    worker = service.start_worker()
    try:
        created = client.post(
            "/api/batches",
            headers=auth,
            json={
                "batch_id": "api",
                "jobs": [
                    {"kind": "prompt", "key": f"a{i}", "parameters": {"prompt": sleep_prompt(f"a{i}", 0.5)}}
                    for i in range(3)
                ],
            },
        )
        assert created.status_code == 201, created.text
        seen: dict[str, set[str]] = {}
        batch_event: dict | None = None
        with client.stream("GET", "/api/events", headers=auth, params={"batch_id": "api", "duration": 60}) as stream:
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[len("event: ") :]
                elif line.startswith("data: "):
                    event = jsonlib.loads(line[len("data: ") :])
                    if kind == "batch":  # the stream's last event: the batch is done
                        batch_event = event
                        break
                    seen.setdefault(event["id"], set()).add(event["status"])
        assert len(seen) == 3 and all({"running", "succeeded"} <= statuses for statuses in seen.values()), seen
        assert batch_event is not None and batch_event["counts"]["succeeded"] == 3, batch_event
        job_id = created.json()["jobs"][0]["id"]
        [link] = client.get(f"/api/jobs/{job_id}/outputs", headers=auth).json()
        png = client.get(link["url"], headers=auth)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        wait_for(lambda: len(hooks) >= 4, 30, "the webhooks")
    finally:
        worker.stop()
        receiver.shutdown()
    assert sorted(hook["event"] for hook in hooks) == ["batch.finished"] + ["job.finished"] * 3
    assert next(h for h in hooks if h["event"] == "batch.finished")["batch"]["counts"]["succeeded"] == 3
    service.close()


def test_a_prompt_over_its_timeout_is_withdrawn_before_it_is_retried(backends, tmp_path: Path):
    config = load_config(write_config(tmp_path / "config.yaml", [s.url for s in backends]))
    config = config.model_copy(
        update={
            "comfyui": config.comfyui.model_copy(
                update={"timeouts": config.comfyui.timeouts.model_copy(update={"prompt": 1.0})}
            )
        }
    )
    service = open_service(tmp_path / "config.yaml")
    log = tmp_path / "runs.log"
    [job] = service.submit(
        [JobSpec(kind="prompt", key="stuck", max_attempts=2, parameters={"prompt": sleep_prompt("stuck", 6, log)})]
    )
    worker = Worker(config)
    worker.start()
    try:
        final = wait_for(lambda: (j := service.get(job.id)).terminal and j, 60, "the job to give up")
        time.sleep(6)  # long enough for a prompt left running to finish and log
    finally:
        worker.stop()
    assert final.status == "failed" and final.attempts == 2
    assert (
        final.last_error.startswith("gave up after 2 attempts; last error: prompt ")
        and "within 1 s" in final.last_error
    )
    assert {error.backend for error in final.errors} == {"b0", "b1"}  # the retry went to the other backend
    assert "stuck" not in run_counts(log)  # both runs were withdrawn, none ran on to the end
    for server in backends:
        with ComfyClient(server.url) as client:
            assert not client.queue().contains(final.prompt_id or "")
    service.close()


def test_reconcile_adopts_a_posted_prompt_and_requeues_one_never_posted(backends, tmp_path: Path):
    """The two crash windows around the POST: after it (adopt, no second run) and before it (requeue)."""
    config = load_config(write_config(tmp_path / "config.yaml", [s.url for s in backends]))
    service = open_service(tmp_path / "config.yaml")
    log = tmp_path / "runs.log"
    posted, lost = service.submit(
        [
            JobSpec(kind="prompt", key=key, parameters={"prompt": sleep_prompt(key, 0.5, log)})
            for key in ("posted", "lost")
        ]
    )
    for job in (posted, lost):  # what a worker that died right after its claim leaves behind
        service.store.claim(
            job.id,
            dispatch_seq=job.dispatch_seq,
            backend="b0",
            max_running=5,
            prompt_id=f"{job.key}-{job.id}",
            worker_id="gone-host:1",
        )
    from app.jobs.kinds import build_prompt

    with ComfyClient(backends[0].url) as client:
        client.submit(build_prompt(service.get(posted.id)), prompt_id=f"posted-{posted.id}")
    worker = Worker(config)
    report = worker.start()
    try:
        assert report.adopted == [posted.id] and report.requeued == [lost.id]
        wait_for(lambda: service.get(posted.id).terminal and service.get(lost.id).terminal, 60, "both jobs to end")
    finally:
        worker.stop()
    adopted, requeued = service.get(posted.id), service.get(lost.id)
    assert adopted.status == "succeeded" and adopted.prompt_id == f"posted-{posted.id}" and adopted.attempts == 1
    assert requeued.status == "succeeded" and requeued.errors[0].kind == "reconciled" and requeued.attempts == 1
    assert run_counts(log) == collections.Counter({"posted": 1, "lost": 1})
    assert [f.name for f in (service.output_dir / "jobs" / adopted.id).iterdir()] == ["3_00.png"]
    service.close()


def test_a_backend_killed_during_a_100_job_batch(backends, tmp_path: Path):
    config = load_config(write_config(tmp_path / "config.yaml", [s.url for s in backends]))
    service = open_service(tmp_path / "config.yaml")
    log = tmp_path / "runs.log"
    service.submit(
        [
            JobSpec(
                kind="prompt", key=f"long{i}", priority=50, parameters={"prompt": sleep_prompt(f"long{i}", 3.0, log)}
            )
            for i in range(2)
        ],
        batch_id="big",
    )
    service.submit(
        [JobSpec(kind="prompt", key=f"s{i}", parameters={"prompt": sleep_prompt(f"s{i}", 0, log)}) for i in range(100)],
        batch_id="big",
    )
    worker = Worker(config)
    worker.start()
    try:
        victim = backends[1]
        on_victim = wait_for(
            lambda: next((j for j in service.batch_jobs("big") if j.status == "running" and j.backend == "b1"), None),
            60,
            "a job running on b1",
        )
        time.sleep(1.0)  # mid-sleep
        victim.process.kill()  # SIGKILL: no goodbye to the WebSocket
        wait_for(lambda: service.batch("big").done, 300, "the batch to finish on the surviving backend", interval=0.2)
    finally:
        worker.stop()
    final = {job.id: job for job in service.batch_jobs("big")}
    assert len(final) == 102 and {job.status for job in final.values()} == {"succeeded"}
    moved = final[on_victim.id]
    assert moved.backend == "b0" and moved.attempts == 2
    assert moved.errors[0].kind == "transient" and moved.errors[0].backend == "b1"
    counts = run_counts(log)
    assert counts[moved.key] == 1  # the run on the killed backend never finished; the resubmitted one did
    assert set(counts) == {job.key for job in final.values()}
    assert all(counts[job.key] == 1 for job in final.values() if not job.errors)
    for job in final.values():
        assert [f.name for f in (service.output_dir / "jobs" / job.id).iterdir()] == ["3_00.png"]
    assert worker.pool.state("b1").healthy is False
    service.close()
