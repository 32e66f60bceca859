"""What a local job handler gets from the worker that runs it: `JobContext`.

A local kind (`collect`, `book`, `story`) runs inside a worker. It reads the worker's own config (the one
given with `--config`, never a fresh `load_config()`), writes under the worker's folders, and may fan work
out as child jobs through the same backend pool (`submit_child` / `wait_child`): per-backend slots,
capability-aware placement, failover and restart safety all apply to the children.

Children have ids derived from the parent and their parameters, so a parent that runs again after a
crash finds the children it had already submitted (running, finished or failed) instead of adding new
ones: each piece of work runs once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import Config
from app.errors import InkframeError

from .job_store_base import JobStore, JobStoreError
from .models import Job, now

CHILD_POLL_S = 0.2


class ParentStopped(InkframeError):
    """The parent job was cancelled, paused or taken over while its children ran."""


@dataclass
class JobContext:
    config: Config
    output_dir: Path
    library_dir: Path
    store: JobStore
    pool: Any = None  # app.jobs.backends.BackendPool of the worker (None outside a worker)
    enqueue: Callable[[Job], Any] | None = (
        None  # send a queued job whose dependencies are met (transitions.enqueue_if_ready)
    )
    cancel: Callable[[Job], Any] | None = None  # end a job as cancelled (transitions.cancel)
    withdraw: Callable[[Job], Any] | None = None  # take a running job's prompt off its backend (runner.withdraw)
    worker_id: str = ""
    stopping: Callable[[], bool] = lambda: (
        False
    )  # the worker is shutting down: coordinators leave their job to the next start

    @classmethod
    def for_config(cls, config: Config, store: JobStore, **extra: Any) -> JobContext:
        return cls(
            config=config,
            output_dir=config.resolve(config.app.output_dir),
            library_dir=config.resolve(config.app.library_dir),
            store=store,
            **extra,
        )


def child_id(parent: Job, parameters: Mapping[str, Any], kind: str) -> str:
    digest = hashlib.sha256(
        json.dumps({"kind": kind, "parameters": parameters}, sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"{parent.id[:32]}.{digest[:28]}"


def child_batch(parent: Job) -> str:
    return f"children-{parent.id[:32]}"


def submit_child(context: JobContext, parent: Job, kind: str, parameters: dict[str, Any], *, retry_failed: bool) -> Job:
    """Submit (or find again) the child of `parent` with these parameters; a failed or cancelled one is
    queued again when retry_failed (the parent's first look at it in this run)."""
    from .kinds import validate_kind

    validate_kind(kind, parameters)
    current = context.store.get(parent.id)
    if current.status != "running" or current.prompt_id != parent.prompt_id:  # a cancelled book adds no new work
        raise ParentStopped(f"job {parent.id} is {current.status} now; no more child jobs are submitted for it.")
    job_id = child_id(parent, parameters, kind)
    stamp = now()
    job = Job(
        id=job_id,
        kind=kind,
        parameters=parameters,
        priority=parent.priority,
        batch_id=child_batch(parent),
        max_attempts=context.config.queue.max_attempts,
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        context.store.add([job])
    except JobStoreError:
        job = context.store.get(job_id)  # submitted by an earlier run of the parent
        if retry_failed and job.status in ("failed", "cancelled"):
            job = context.store.mutate(
                job_id,
                lambda cur: (
                    cur.model_copy(
                        update={
                            "status": "queued",
                            "attempts": 0,
                            "progress": 0.0,
                            "progress_text": "queued again by its parent",
                            "finished_at": None,
                            "not_before": 0.0,
                        }
                    )
                    if cur.status in ("failed", "cancelled")
                    else None
                ),
            ) or context.store.get(job_id)
        if job.status == "paused":
            job = context.store.mutate(
                job_id, lambda cur: cur.model_copy(update={"status": "queued"}) if cur.status == "paused" else None
            ) or context.store.get(job_id)
    if job.status == "queued" and context.enqueue is not None:
        context.enqueue(job)
    return context.store.get(job_id)


def wait_child(context: JobContext, parent: Job, job_id: str, *, timeout_s: float | None = None) -> Job:
    """Block until the child ends; raise ParentStopped when the parent stops being this run."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    checked = 0.0
    while True:
        child = context.store.get(job_id)
        if child.terminal:
            return child
        if context.stopping():
            raise ParentStopped(f"the worker is stopping; job {parent.id} is taken up again by the next worker start.")
        if time.monotonic() - checked > 1.0:
            checked = time.monotonic()
            current = context.store.get(parent.id)
            if current.status != "running" or current.prompt_id != parent.prompt_id:
                raise ParentStopped(
                    f"job {parent.id} is {current.status} now; its child {job_id} is left to the queue."
                )
        if deadline is not None and time.monotonic() > deadline:
            raise InkframeError(f"child job {job_id} did not end within {timeout_s:g} s.")
        time.sleep(CHILD_POLL_S)


def cancel_children(context: JobContext, parent: Job, *, running: bool = True) -> int:
    """Cancel the children of a parent that stopped: queued and paused ones never start; with `running` (the
    parent was cancelled) running ones are also taken off their backend (deleted from its queue, or
    interrupted while they run). Without it (a failed or paused parent) running ones finish, for its next run."""
    from .models import JobQuery

    cancelled = 0
    statuses: list = ["queued", "paused", "running"] if running else ["queued", "paused"]
    query = JobQuery(batch_id=child_batch(parent), status=statuses, limit=100_000)
    for child in context.store.list(query).items:
        ended = context.cancel(child) if context.cancel is not None else None
        if ended is None:
            continue
        cancelled += 1
        if ended.backend and ended.prompt_id and context.withdraw is not None:
            context.withdraw(ended)  # as it ended: a child listed as queued may have been posted since
    return cancelled
