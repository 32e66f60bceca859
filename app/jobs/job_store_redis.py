"""The distributed job store: Redis, so workers on several machines share one queue.

Layout under a prefix (default `inkframe:`): `job:<id>` holds the JSON record; sorted sets
`created` and `updated` order every job; sets `status:<s>`, `batch:<b>`, `kind:<k>`,
`running:<backend>` (with `backends` naming them) and `deps:<id>` index it. Every change runs in a
WATCH/MULTI transaction on the job key (and on the backend's running set for a claim), so it is atomic
across processes.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Sequence

import redis

from .job_store_base import CorruptJobError, JobNotFoundError, JobStore, JobStoreError, Mutation, parse_job
from .models import JOB_STATUSES, BatchSummary, Job, JobPage, JobQuery, QuarantinedRecord, WorkerInfo, now


class RedisJobStore(JobStore):
    def __init__(self, url: str, *, prefix: str = "inkframe:", timeout_s: float = 5.0) -> None:
        self.url = url
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise JobStoreError(
                f"cannot reach the Redis job store at {url} ({exc}); start redis-server or fix queue.redis_url."
            ) from exc

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # ---- writes ---------------------------------------------------------------------------------
    def _index(self, pipe: redis.client.Pipeline, old: Job | None, new: Job) -> None:
        pipe.set(self._k("job", new.id), new.model_dump_json())
        if old is None or old.status != new.status:
            if old is not None:
                pipe.srem(self._k("status", old.status), new.id)
            pipe.sadd(self._k("status", new.status), new.id)
        if old is not None and old.status == "running" and old.backend:
            pipe.srem(self._k("running", old.backend), new.id)
        if new.status == "running" and new.backend:
            pipe.sadd(self._k("running", new.backend), new.id)
            pipe.sadd(self._k("backends"), new.backend)
        pipe.zadd(self._k("updated"), {new.id: new.updated_at})

    def add(self, jobs: Sequence[Job]) -> None:
        keys = [self._k("job", job.id) for job in jobs]
        if keys and self._redis.exists(*keys):
            raise JobStoreError("a job with one of these ids already exists; nothing was added.")
        pipe = self._redis.pipeline(transaction=True)
        for job in jobs:
            self._index(pipe, None, job)
            pipe.zadd(self._k("created"), {job.id: job.created_at})
            pipe.sadd(self._k("kind", job.kind), job.id)
            if job.batch_id:
                pipe.sadd(self._k("batch", job.batch_id), job.id)
            for dep in job.depends_on:
                pipe.sadd(self._k("deps", dep), job.id)
        pipe.execute()

    def _atomic(self, job_id: str, fn: Mutation, count_backend: str | None = None) -> Job | None:
        job_key = self._k("job", job_id)
        watched = [job_key] + ([self._k("running", count_backend)] if count_backend else [])
        result: dict[str, Job | None] = {"new": None}
        corrupt: dict[str, object] = {}

        def transaction(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(job_key)
            if raw is None:
                raise JobNotFoundError(job_id)
            try:
                job = parse_job(job_id, raw)
            except CorruptJobError as exc:
                corrupt.update(error=exc, raw=raw)
                return
            running = pipe.scard(self._k("running", count_backend)) if count_backend else 0
            new = fn(job, running)
            result["new"] = new
            if new is None:
                return
            pipe.multi()
            self._index(pipe, job, new)

        self._redis.transaction(transaction, *watched)
        if corrupt:
            self._quarantine_raw(job_id, corrupt["raw"], corrupt["error"])  # type: ignore[arg-type]
            raise corrupt["error"]  # type: ignore[misc]
        return result["new"]

    def quarantine(self, job_id: str, reason: str, raw: str) -> None:
        record = QuarantinedRecord(job_id=job_id, reason=reason, raw=raw, at=now())
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._k("quarantine"), job_id, record.model_dump_json())
        pipe.delete(self._k("job", job_id))
        pipe.zrem(self._k("created"), job_id)
        pipe.zrem(self._k("updated"), job_id)
        for status in JOB_STATUSES:
            pipe.srem(self._k("status", status), job_id)
        pipe.execute()

    # ---- reads ----------------------------------------------------------------------------------
    @staticmethod
    def _text(raw: bytes | str) -> str:
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw

    def get(self, job_id: str) -> Job:
        raw = self._redis.get(self._k("job", job_id))
        if raw is None:
            raise JobNotFoundError(job_id)
        try:
            return parse_job(job_id, raw)
        except CorruptJobError as exc:
            self._quarantine_raw(job_id, raw, exc)
            raise

    def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        ids = list(dict.fromkeys(job_ids))
        found: dict[str, Job] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for job_id, raw in zip(chunk, self._redis.mget([self._k("job", i) for i in chunk])):
                if raw is None:
                    continue
                try:
                    found[job_id] = parse_job(job_id, raw)
                except CorruptJobError as exc:
                    self._quarantine_raw(job_id, raw, exc)
        return found

    def _members(self, key: str) -> set[str]:
        return {self._text(member) for member in self._redis.smembers(key)}

    def list(self, query: JobQuery) -> JobPage:
        """Filtering and ordering run inside Redis: the filter sets are intersected with the `created`
        sorted set into a short-lived key, and only one page of ids comes back."""
        sources: list[str] = []
        temp = self._k("tmp", uuid.uuid4().hex)
        pipe = self._redis.pipeline(transaction=True)
        if query.status:
            if len(query.status) == 1:
                sources.append(self._k("status", query.status[0]))
            else:
                pipe.sunionstore(temp + ":status", [self._k("status", s) for s in query.status])
                sources.append(temp + ":status")
        if query.kind is not None:
            sources.append(self._k("kind", query.kind))
        if query.batch_id is not None:
            sources.append(self._k("batch", query.batch_id))
        if query.updated_since is not None:
            pipe.zrangestore(temp + ":updated", self._k("updated"), f"({query.updated_since}", "+inf", byscore=True)
            sources.append(temp + ":updated")
        if sources:
            weights = {self._k("created"): 1, **{source: 0 for source in sources}}
            pipe.zinterstore(temp, weights, aggregate="SUM")
            pipe.zrange(temp, query.offset, query.offset + query.limit - 1)
            pipe.delete(temp, temp + ":status", temp + ":updated")
            total, page = pipe.execute()[-3:-1]
        else:
            pipe.zcard(self._k("created"))
            pipe.zrange(self._k("created"), query.offset, query.offset + query.limit - 1)
            total, page = pipe.execute()
        page_ids = [self._text(member) for member in page]
        found = self.get_many(page_ids)
        items = [found[i] for i in page_ids if i in found]
        return JobPage(
            items=items, total=total - (len(page_ids) - len(items)), quarantined=self._redis.hlen(self._k("quarantine"))
        )

    def running_counts(self) -> dict[str, int]:
        backends = sorted(self._members(self._k("backends")))
        pipe = self._redis.pipeline(transaction=False)
        for name in backends:
            pipe.scard(self._k("running", name))
        return {name: count for name, count in zip(backends, pipe.execute()) if count}

    def batch_summary(self, batch_id: str) -> BatchSummary:
        members = list(self._members(self._k("batch", batch_id)))
        counts = {status: 0 for status in JOB_STATUSES}
        if members:
            pipe = self._redis.pipeline(transaction=False)
            for status in JOB_STATUSES:
                pipe.smismember(self._k("status", status), members)
            counts = {status: sum(flags) for status, flags in zip(JOB_STATUSES, pipe.execute())}
        return BatchSummary(batch_id=batch_id, total=sum(counts.values()), counts=counts)

    def dependents(self, job_id: str) -> builtins.list[Job]:
        ids = sorted(self._members(self._k("deps", job_id)))
        found = self.get_many(ids)
        return [found[i] for i in ids if i in found]

    def quarantined(self) -> builtins.list[QuarantinedRecord]:
        records = [QuarantinedRecord.model_validate_json(raw) for raw in self._redis.hvals(self._k("quarantine"))]
        return sorted(records, key=lambda record: record.at)

    # ---- workers and marks ----------------------------------------------------------------------
    def heartbeat(self, info: WorkerInfo) -> None:
        self._redis.hset(self._k("workers"), info.worker_id, info.model_dump_json())

    def workers(self) -> builtins.list[WorkerInfo]:
        return [WorkerInfo.model_validate(json.loads(raw)) for raw in self._redis.hvals(self._k("workers"))]

    def forget_worker(self, worker_id: str) -> None:
        self._redis.hdel(self._k("workers"), worker_id)

    def mark_once(self, key: str) -> bool:
        return bool(self._redis.set(self._k("mark", key), now(), nx=True))

    def close(self) -> None:
        self._redis.close()
