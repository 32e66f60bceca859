"""The two job stores behave the same: SQLite (embedded) and Redis (a real redis-server on loopback)."""

from __future__ import annotations

import threading

import pytest

from app.jobs.job_store_base import CorruptJobError, JobNotFoundError, JobStoreError
from app.jobs.models import Job, JobQuery, WorkerInfo, now
from tests.queue_fixtures import *  # noqa: F401,F403  (redis_url, job_store, corrupt_record)


def make_job(job_id: str, **extra) -> Job:
    stamp = now()
    return Job(
        id=job_id,
        kind=extra.pop("kind", "prompt"),
        created_at=extra.pop("created_at", stamp),
        updated_at=stamp,
        **extra,
    )


def test_add_get_and_duplicate_ids_add_nothing(job_store):
    job_store.add([make_job("a"), make_job("b", batch_id="b1")])
    assert job_store.get("b").batch_id == "b1"
    with pytest.raises(JobStoreError, match="already exists"):
        job_store.add([make_job("c"), make_job("a")])
    with pytest.raises(JobNotFoundError, match="no job with id 'c'"):
        job_store.get("c")


def test_list_filters_orders_and_pages(job_store):
    base = now()
    job_store.add(
        [
            make_job(
                f"j{i:02d}",
                created_at=base + i,
                kind="workflow" if i % 2 else "prompt",
                batch_id="b" if i < 6 else None,
            )
            for i in range(10)
        ]
    )
    job_store.mutate("j03", lambda job: job.model_copy(update={"status": "failed"}))
    page = job_store.list(JobQuery(limit=3, offset=2))
    assert [job.id for job in page.items] == ["j02", "j03", "j04"] and page.total == 10
    assert [j.id for j in job_store.list(JobQuery(kind="workflow", batch_id="b")).items] == ["j01", "j03", "j05"]
    assert [j.id for j in job_store.list(JobQuery(status="failed,cancelled")).items] == ["j03"]
    assert job_store.list(JobQuery(status=["queued"], batch_id="b")).total == 5
    summary = job_store.batch_summary("b")
    assert summary.total == 6 and summary.counts["failed"] == 1 and not summary.done


def test_claim_respects_dispatch_seq_status_and_backend_capacity(job_store):
    job_store.add([make_job("a"), make_job("b"), make_job("c")])
    assert job_store.claim("a", dispatch_seq=1, backend="gpu0", max_running=1, prompt_id="p", worker_id="w") is None
    claimed = job_store.claim("a", dispatch_seq=0, backend="gpu0", max_running=1, prompt_id="pa", worker_id="w")
    assert claimed.status == "running" and claimed.prompt_id == "pa" and claimed.attempts == 1
    assert job_store.get("a").backend == "gpu0"
    assert job_store.claim("b", dispatch_seq=0, backend="gpu0", max_running=1, prompt_id="pb", worker_id="w") is None
    assert (
        job_store.claim("b", dispatch_seq=0, backend="gpu1", max_running=1, prompt_id="pb", worker_id="w") is not None
    )
    assert job_store.running_counts() == {"gpu0": 1, "gpu1": 1}
    job_store.mutate("a", lambda job: job.model_copy(update={"status": "succeeded"}))
    assert job_store.running_counts() == {"gpu1": 1}
    assert job_store.claim("a", dispatch_seq=0, backend="gpu0", max_running=5, prompt_id="x", worker_id="w") is None


def test_concurrent_claims_never_exceed_capacity(job_store):
    job_store.add([make_job(f"j{i}") for i in range(12)])
    won: list[str] = []

    def grab(job_id: str) -> None:
        if job_store.claim(job_id, dispatch_seq=0, backend="gpu", max_running=3, prompt_id=job_id, worker_id="w"):
            won.append(job_id)

    threads = [threading.Thread(target=grab, args=(f"j{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 3 and job_store.running_counts() == {"gpu": 3}


def test_dependents_marks_and_workers(job_store):
    job_store.add([make_job("panel1"), make_job("panel2"), make_job("page", depends_on=["panel1", "panel2"])])
    assert [job.id for job in job_store.dependents("panel2")] == ["page"]
    assert job_store.mark_once("batch:x") and not job_store.mark_once("batch:x")
    job_store.heartbeat(WorkerInfo(worker_id="w1", host="h", pid=1, heartbeat_at=now()))
    assert [w.worker_id for w in job_store.workers()] == ["w1"]
    job_store.forget_worker("w1")
    assert job_store.workers() == []


def test_corrupt_record_is_quarantined_and_the_rest_still_lists(job_store, corrupt_record):
    job_store.add([make_job("good1"), make_job("bad"), make_job("good2")])
    corrupt_record(job_store, "bad", '{"id": "bad", "kind": 7')
    page = job_store.list(JobQuery())
    assert [job.id for job in page.items] == ["good1", "good2"]
    assert page.quarantined == 1
    [record] = job_store.quarantined()
    assert record.job_id == "bad" and "corrupt" in record.reason and record.raw.startswith('{"id": "bad"')
    with pytest.raises(JobNotFoundError):
        job_store.get("bad")
    corrupt_record(
        job_store, "good2", '{"id": "good2", "kind": "prompt", "status": "exploded", "created_at": 1, "updated_at": 1}'
    )
    with pytest.raises(CorruptJobError, match="status"):
        job_store.get("good2")
    assert job_store.list(JobQuery()).total == 1


def test_updated_since_lists_only_changed_jobs(job_store):
    job_store.add([make_job("a"), make_job("b"), make_job("c")])
    mark = now()
    job_store.mutate("b", lambda job: job.model_copy(update={"progress": 0.5}))
    assert [job.id for job in job_store.list(JobQuery(updated_since=mark)).items] == ["b"]
    assert job_store.list(JobQuery(updated_since=mark, status=["running"])).total == 0
