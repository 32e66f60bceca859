"""The queue engine: Huey carries "run job X" messages; the job store stays the source of truth.

`SqliteHuey` (embedded, the default) or `PriorityRedisHuey` (several workers on several machines)
is chosen by `config.queue.storage`, next to the job store of the same kind. A message holds only
`RunJob(job_id, dispatch_seq, adopt)`; every enqueue bumps the job's `dispatch_seq`, so pausing,
re-prioritising or re-enqueueing a job turns its older messages into no-ops. Huey gives us the
priority order, delayed retries (its scheduler), the worker threads and Redis delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from app.config import Config

from .job_store_base import JobStore
from .models import Job

log = logging.getLogger(__name__)

TASK_NAME = "inkframe.run_job"


class _EmbeddedConsumer(Consumer):
    """Huey's consumer without its signal handlers: it may start from any thread, and the worker
    command (or the app) owns SIGINT/SIGTERM."""

    def _set_signal_handlers(self) -> None:
        return None


@dataclass(frozen=True)
class RunJob:
    """The one message that crosses the queue."""

    job_id: str
    dispatch_seq: int
    adopt: bool = False


def huey_sqlite_path(config: Config) -> Path:
    path = config.resolve(config.queue.sqlite_path)
    return path.with_name(path.stem + ".huey" + path.suffix)


def build_huey(config: Config, *, name: str = "inkframe") -> Huey:
    if config.queue.storage == "redis":
        return PriorityRedisHuey(name, url=config.queue.redis_url, results=False, blocking=True, read_timeout=0.2)
    path = huey_sqlite_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, timeout=30)


class QueueEngine:
    """Enqueue jobs and run the Huey consumer that hands messages to a handler."""

    def __init__(self, huey: Huey, store: JobStore) -> None:
        self.huey = huey
        self.store = store
        self._handler: Callable[[RunJob], None] | None = None
        self._task = huey.task(name=TASK_NAME)(self._on_message)
        self._consumer: Consumer | None = None

    def _on_message(self, message: dict) -> None:
        if self._handler is None:
            raise RuntimeError("this process enqueues only; run `python main.py worker` to execute jobs")
        self._handler(RunJob(**message))

    def put(self, message: RunJob, *, priority: int = 0, delay: float = 0.0) -> None:
        """Send one message (delay > 0 goes through Huey's scheduler)."""
        payload = asdict(message)
        if delay > 0:
            self._task.schedule(args=(payload,), delay=delay, priority=priority)
        else:
            self.huey.enqueue(self._task.s(payload, priority=priority))

    def enqueue(
        self,
        job_id: str,
        *,
        delay: float = 0.0,
        changes: dict | None = None,
        adopt: bool = False,
        only_if: Callable[[Job], bool] | None = None,
    ) -> Job | None:
        """Bump the job's dispatch_seq (applying changes) and send a message; None when only_if refused."""

        def bump(job: Job) -> Job | None:
            if only_if is not None and not only_if(job):
                return None
            new = job.model_copy(update={**(changes or {}), "dispatch_seq": job.dispatch_seq + 1})
            if new.status == "queued" and not adopt:  # a fresh message: no worker holds it yet
                new = new.model_copy(update={"worker_id": None})
            return new

        job = self.store.mutate(job_id, bump)
        if job is not None:
            self.put(RunJob(job.id, job.dispatch_seq, adopt), priority=job.priority, delay=delay)
        return job

    def message_keys(self) -> set[tuple[str, int]]:
        """(job id, dispatch_seq) of every message waiting in the queue or the scheduler (delayed retries)."""
        keys: set[tuple[str, int]] = set()
        for task in [*self.huey.pending(), *self.huey.scheduled()]:
            args = getattr(task, "args", None) or ()
            payload = args[0] if args else None
            if isinstance(payload, dict) and "job_id" in payload:
                keys.add((str(payload["job_id"]), int(payload.get("dispatch_seq", -1))))
        return keys

    def start(self, handler: Callable[[RunJob], None], *, threads: int) -> None:
        """Start consumer threads in this process (non-blocking); stop() ends them."""
        self._handler = handler
        self._consumer = _EmbeddedConsumer(
            self.huey,
            workers=threads,
            worker_type="thread",
            periodic=False,
            initial_delay=0.005,
            backoff=1.3,
            max_delay=0.1,
            scheduler_interval=1,
            check_worker_health=True,
            health_check_interval=5,
            shutdown_timeout=3.0,
        )
        self._consumer.start()
        log.info("queue consumer started with %d threads", threads)

    def stop(self) -> None:
        """Let the consumer threads finish their current message (at most 3 s; a job still
        running then is settled by the next start's reconciliation)."""
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
