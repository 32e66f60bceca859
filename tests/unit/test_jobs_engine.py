"""The queue engine end to end without ComfyUI: local job kinds through Huey consumer threads,
with the embedded store and with Redis. (ComfyUI dispatch is tested against live servers in
tests/integration/test_queue_*.py.)"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.config import Config
from app.jobs import kinds
from app.jobs.models import JobOutput, JobQuery, JobSpec
from app.jobs.worker import Worker
from app.services.queue_service import JobActionError, QueueService, SubmissionError
from tests.queue_fixtures import *  # noqa: F401,F403
from tests.queue_fixtures import free_port

RUN_LOG: list[str] = []


def record_step(job, dependencies, context) -> list[JobOutput]:
    """A local test kind: writes a file naming its dependencies, logs the order it ran in."""
    output_dir = context.output_dir
    if job.parameters.get("fail"):
        raise ValueError(f"step {job.key} was told to fail")
    time.sleep(job.parameters.get("sleep", 0))
    RUN_LOG.append(job.key or job.id)
    target = kinds.job_output_dir(output_dir, job.id)
    target.mkdir(parents=True, exist_ok=True)
    (target / "step.json").write_text(json.dumps(sorted(d.key for d in dependencies.values())))
    return [
        JobOutput(
            node_id="step", filename="step.json", kind="data", path=str((target / "step.json").relative_to(output_dir))
        )
    ]


@pytest.fixture
def config(tmp_path: Path, store_kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setitem(kinds.LOCAL_KINDS, "step", record_step)
    RUN_LOG.clear()
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


def wait_until_done(service: QueueService, ids: list[str], timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = {job_id: service.get(job_id) for job_id in ids}
        if all(job.terminal for job in jobs.values()):
            return jobs
        time.sleep(0.05)
    pytest.fail(f"jobs did not finish: { {i: j.status for i, j in jobs.items()} }")


def test_job_graph_runs_in_dependency_order_and_failures_cascade(config: Config, service: QueueService):
    specs = [
        JobSpec(kind="step", key="panel1", parameters={"sleep": 0.2}),
        JobSpec(kind="step", key="panel2"),
        JobSpec(kind="step", key="page", depends_on=["panel1", "panel2"]),
        JobSpec(kind="step", key="export", depends_on=["page"]),
        JobSpec(kind="step", key="broken", parameters={"fail": True}),
        JobSpec(kind="step", key="after_broken", depends_on=["broken"]),
    ]
    jobs = service.submit(specs)
    assert len({job.batch_id for job in jobs}) == 1
    worker = Worker(config, store=service.store, engine=service.engine, threads=3)
    worker.start()
    try:
        done = wait_until_done(service, [job.id for job in jobs])
    finally:
        worker.stop()
    by_key = {job.key: job for job in done.values()}
    assert [by_key[k].status for k in ("panel1", "panel2", "page", "export")] == ["succeeded"] * 4
    assert RUN_LOG.index("page") > max(RUN_LOG.index("panel1"), RUN_LOG.index("panel2"))
    assert RUN_LOG.index("export") > RUN_LOG.index("page")
    assert json.loads(service.outputs(by_key["page"].id)[0].read_text()) == ["panel1", "panel2"]
    assert by_key["broken"].status == "failed" and "was told to fail" in by_key["broken"].last_error
    assert by_key["after_broken"].status == "failed"
    assert by_key["after_broken"].last_error == f"dependency {by_key['broken'].id} failed"
    assert "after_broken" not in RUN_LOG and RUN_LOG.count("page") == 1
    summary = service.batch(jobs[0].batch_id)
    assert summary.done and summary.counts["succeeded"] == 4 and summary.counts["failed"] == 2


def test_pause_resume_cancel_retry_and_priority(config: Config, service: QueueService):
    low, high, paused, cancelled = service.submit(
        [
            JobSpec(kind="step", key="low", priority=-5),
            JobSpec(kind="step", key="high", priority=5),
            JobSpec(kind="step", key="paused"),
            JobSpec(kind="step", key="cancelled"),
        ]
    )
    service.pause(paused.id)
    service.cancel(cancelled.id)
    with pytest.raises(JobActionError, match="only failed or cancelled jobs can be retried"):
        service.retry(low.id)
    service.reprioritize(low.id, 50)
    worker = service.start_worker(threads=1)
    try:
        wait_until_done(service, [low.id, high.id])
        time.sleep(0.3)
        assert service.get(paused.id).status == "paused" and "paused" not in RUN_LOG
        assert RUN_LOG == ["low", "high"]  # low was re-prioritised above high
        service.resume(paused.id)
        service.retry(cancelled.id)
        done = wait_until_done(service, [paused.id, cancelled.id])
    finally:
        worker.stop()
    assert {job.status for job in done.values()} == {"succeeded"}
    assert sorted(RUN_LOG) == ["cancelled", "high", "low", "paused"]
    with pytest.raises(JobActionError, match="is succeeded; only queued, paused or running jobs can be cancelled"):
        service.cancel(low.id)


def test_bad_submissions_store_nothing(service: QueueService):
    with pytest.raises(SubmissionError, match=r"job 2 \(b\): kind 'nope' is unknown"):
        service.submit([JobSpec(kind="step", key="a"), JobSpec(kind="nope", key="b")])
    with pytest.raises(SubmissionError, match="depends_on 'ghost' is neither a key"):
        service.submit([JobSpec(kind="step", depends_on=["ghost"])])
    with pytest.raises(SubmissionError, match="cycle: a -> b -> a"):
        service.submit(
            [JobSpec(kind="step", key="a", depends_on=["b"]), JobSpec(kind="step", key="b", depends_on=["a"])]
        )
    with pytest.raises(SubmissionError, match="parameters.prompt must be a non-empty API-format prompt"):
        service.submit([JobSpec(kind="prompt", parameters={"prompt": {}})])
    assert service.list(JobQuery()).total == 0


def test_corrupt_record_is_reported_and_the_rest_runs(config: Config, service: QueueService, corrupt_record):
    good, bad = service.submit([JobSpec(kind="step", key="good"), JobSpec(kind="step", key="bad")])
    corrupt_record(service.store, bad.id, "{not json")
    worker = Worker(config, store=service.store, engine=service.engine, threads=2)
    worker.start()
    try:
        assert wait_until_done(service, [good.id])[good.id].status == "succeeded"
    finally:
        worker.stop()
    [record] = service.quarantined()
    assert record.job_id == bad.id and "is corrupt" in record.reason
    assert service.list(JobQuery()).quarantined == 1


def test_book_and_story_kinds_check_their_files_at_submit(tmp_path):
    from app.jobs.kinds import JobKindError, is_local, validate_kind

    assert is_local("book") and is_local("story")
    with pytest.raises(JobKindError) as error:
        validate_kind("book", {})
    assert error.value.field == "parameters.script"
    with pytest.raises(
        JobKindError, match=r"parameters.script: .*nope.txt does not exist on the machine that runs the queue."
    ):
        validate_kind("book", {"script": str(tmp_path / "nope.txt")})
    script = tmp_path / "s.txt"
    script.write_text("PAGE 1\n")
    validate_kind("book", {"script": str(script)})
    validate_kind("story", {"story_text": "Once upon a time."})
    with pytest.raises(JobKindError, match="parameters.story_text or parameters.story_path must give the story"):
        validate_kind("story", {"pages": 2})
