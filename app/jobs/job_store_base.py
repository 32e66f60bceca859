"""The job store interface: the one source of truth for job records, shared by every worker.

Two implementations sit behind it, chosen by `config.queue.storage`: `job_store_sqlite` (embedded,
WAL, no server) and `job_store_redis` (several workers on several machines). Every state change
goes through `_atomic`, a read-modify-write that the implementation makes atomic across threads
and processes; `claim` also counts the jobs already running on the chosen backend inside that
same atomic step, so per-backend concurrency holds across workers.

A record that cannot be parsed is moved to a quarantine list with the reason and reported; it never
stops the other jobs.
"""

from __future__ import annotations

import builtins
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from app.errors import InkframeError

from .models import BatchSummary, Job, JobPage, JobQuery, QuarantinedRecord, WorkerInfo, now

log = logging.getLogger(__name__)

# fn(current job, jobs running on the watched backend) -> the new job, or None to leave it unchanged
Mutation = Callable[[Job, int], "Job | None"]


class JobStoreError(InkframeError):
    """The job store cannot be used (bad path, server down, conflicting ids)."""


class JobNotFoundError(InkframeError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}; list jobs with `python main.py queue ls`.")
        self.job_id = job_id


class CorruptJobError(InkframeError):
    def __init__(self, job_id: str, reason: str) -> None:
        super().__init__(
            f"job record {job_id!r} is corrupt ({reason}); it was quarantined, "
            "see `python main.py queue ls --quarantined`."
        )
        self.job_id = job_id


def parse_job(job_id: str, raw: str | bytes) -> Job:
    """Parse one stored record; raise CorruptJobError naming the first problem."""
    try:
        job = Job.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "record"
        raise CorruptJobError(job_id, f"{where}: {first['msg']}") from exc
    if job.id != job_id:
        raise CorruptJobError(job_id, f"it holds the id {job.id!r}")
    return job


class JobStore(ABC):
    """Persistent job records. Thread-safe; several processes may share one store."""

    # ---- implementation hooks -------------------------------------------------------------------
    @abstractmethod
    def add(self, jobs: Sequence[Job]) -> None:
        """Store new jobs all together, or none of them (raise JobStoreError on a duplicate id)."""

    @abstractmethod
    def _atomic(self, job_id: str, fn: Mutation, count_backend: str | None = None) -> Job | None:
        """Atomically apply fn to the stored job; write and return its result unless it is None."""

    @abstractmethod
    def get(self, job_id: str) -> Job:
        """The job; JobNotFoundError when absent, CorruptJobError (after quarantine) when unreadable."""

    @abstractmethod
    def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        """Readable jobs among job_ids (absent and corrupt ones are left out)."""

    @abstractmethod
    def list(self, query: JobQuery) -> JobPage:
        """Jobs matching the query in submission order, one page of them, with the total count."""

    @abstractmethod
    def running_counts(self) -> dict[str, int]:
        """How many jobs run on each backend now."""

    @abstractmethod
    def batch_summary(self, batch_id: str) -> BatchSummary:
        """Counts of the batch's jobs per status."""

    @abstractmethod
    def dependents(self, job_id: str) -> builtins.list[Job]:
        """Jobs whose depends_on names job_id."""

    @abstractmethod
    def quarantine(self, job_id: str, reason: str, raw: str) -> None:
        """Move an unreadable record aside."""

    @abstractmethod
    def quarantined(self) -> builtins.list[QuarantinedRecord]:
        """Every record set aside so far."""

    @abstractmethod
    def heartbeat(self, info: WorkerInfo) -> None:
        """Record that a worker is alive."""

    @abstractmethod
    def workers(self) -> builtins.list[WorkerInfo]:
        """Every worker that has sent a heartbeat and not stopped cleanly since."""

    @abstractmethod
    def forget_worker(self, worker_id: str) -> None:
        """Remove a worker's heartbeat (it stopped cleanly)."""

    @abstractmethod
    def mark_once(self, key: str) -> bool:
        """True the first time a key is marked (across processes), False afterwards."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # ---- shared behaviour ----------------------------------------------------------------------
    def mutate(self, job_id: str, fn: Callable[[Job], Job | None]) -> Job | None:
        """Atomically replace a job by fn(job) unless fn returns None; updated_at is set for you."""

        def apply(job: Job, _count: int) -> Job | None:
            new = fn(job)
            return None if new is None else new.model_copy(update={"updated_at": now()})

        return self._atomic(job_id, apply)

    def claim(
        self, job_id: str, *, dispatch_seq: int, backend: str, max_running: int, prompt_id: str, worker_id: str
    ) -> Job | None:
        """queued -> running on backend, recording backend and prompt_id before anything is posted.

        Returns None when the job is no longer queued under this dispatch_seq (paused, cancelled,
        re-enqueued, taken by another worker) or when the backend already runs max_running jobs.
        """

        def apply(job: Job, running: int) -> Job | None:
            if job.status != "queued" or job.dispatch_seq != dispatch_seq or running >= max_running:
                return None
            stamp = now()
            return job.model_copy(
                update={
                    "status": "running",
                    "backend": backend,
                    "prompt_id": prompt_id,
                    "worker_id": worker_id,
                    "attempts": job.attempts + 1,
                    "progress": 0.0,
                    "progress_text": "submitted",
                    "live": None,
                    "preview": None,
                    "started_at": stamp,
                    "updated_at": stamp,
                }
            )

        return self._atomic(job_id, apply, count_backend=backend)

    def _quarantine_raw(self, job_id: str, raw: str | bytes, error: CorruptJobError) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        log.error("%s", error)
        self.quarantine(job_id, str(error), text)
