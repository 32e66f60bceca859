"""The batch queue as a use case: submit, inspect and control jobs (the UI, the CLI and the REST API call this).

Jobs are validated as a whole before anything is stored: one bad job (unknown kind, unknown
dependency, a cycle) stops the submission with a sentence naming it, and nothing is queued.
Control actions work per job and per batch. Cancelling a running job also takes it off its ComfyUI
backend; cancelling a book also cancels its panel jobs (queued ones and running ones).
"""

from __future__ import annotations

import builtins
import logging
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from app.config import Config
from app.errors import InkframeError
from app.jobs.backends import backend_specs, make_comfy_client
from app.jobs.context import child_batch
from app.jobs.engine import QueueEngine, build_huey
from app.jobs.job_store_base import JobNotFoundError, JobStore
from app.jobs.kinds import validate_kind
from app.jobs.models import (
    ACTIVE_STATUSES,
    PRIORITY_MAX,
    PRIORITY_MIN,
    BatchSummary,
    Job,
    JobPage,
    JobQuery,
    JobSpec,
    QuarantinedRecord,
    new_job_id,
    now,
)
from app.jobs.store_factory import open_job_store
from app.jobs.transitions import JobTransitions
from app.jobs.webhooks import WebhookNotifier
from app.jobs.withdraw import withdraw_prompt

log = logging.getLogger(__name__)
SHORT_ID_MIN = 6  # the shortest id prefix looked up (the UI shows 8 characters per id part)
SHORT_ID_SCAN_PAGE = 2000


def matches_short_id(job_id: str, short: str) -> bool:
    """`short` names `job_id` part by part: 'ab12cd34' and 'ab12cd34.9f8e7d6c' (a child job) are prefixes of
    each dot-separated part of the full id."""
    full_parts, short_parts = job_id.split("."), short.split(".")
    return len(full_parts) == len(short_parts) and all(f.startswith(s) for f, s in zip(full_parts, short_parts))


class JobActionError(InkframeError):
    """A control action that does not apply to the job's current state."""


class SubmissionError(InkframeError):
    """A submission that cannot be queued; nothing from it was stored. `index` is the 0-based job."""

    def __init__(
        self, message: str, *, index: int | None = None, detail: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.index = index
        self.detail = detail or message
        self.field = field


class QueueService:
    def __init__(self, config: Config, *, store: JobStore | None = None, engine: QueueEngine | None = None) -> None:
        self.config = config
        self.store = store or open_job_store(config)
        self.engine = engine or QueueEngine(build_huey(config), self.store)
        self.transitions = JobTransitions(
            self.store,
            self.engine,
            WebhookNotifier(config.queue.webhook_url),
            retry_backoff_s=config.queue.retry_backoff_s,
        )
        self.output_dir = config.resolve(config.app.output_dir)

    # ---- submit --------------------------------------------------------------------------------
    def submit(self, specs: Sequence[JobSpec], *, batch_id: str | None = None, local_paths: bool = False) -> list[Job]:
        """Validate every spec, store them all at once, and send the ready ones to the queue. `local_paths`
        (the CLI only): a book may be built in an absolute folder outside the output folder."""
        if not specs:
            raise SubmissionError("the submission holds no jobs.")
        if batch_id is None and len(specs) > 1:
            batch_id = f"batch-{uuid.uuid4().hex[:12]}"
        keys: dict[str, str] = {}
        for index, spec in enumerate(specs):
            try:
                validate_kind(spec.kind, spec.parameters, local_paths=local_paths)
            except InkframeError as exc:
                raise SubmissionError(
                    f"job {index + 1}{f' ({spec.key})' if spec.key else ''}: {exc}",
                    index=index,
                    detail=str(exc),
                    field=getattr(exc, "field", None),
                ) from exc
            if spec.key:
                if spec.key in keys:
                    raise SubmissionError(
                        f"job {index + 1}: key {spec.key!r} is used twice in this submission.",
                        index=index,
                        detail=f"key {spec.key!r} is used twice in this submission.",
                        field="key",
                    )
                keys[spec.key] = new_job_id()
        stamp = now()
        jobs: list[Job] = []
        for index, spec in enumerate(specs):
            job_id = keys.get(spec.key or "", "") or new_job_id()
            depends = [keys.get(ref, ref) for ref in spec.depends_on]
            jobs.append(
                Job(
                    id=job_id,
                    kind=spec.kind,
                    parameters=spec.parameters,
                    priority=spec.priority,
                    batch_id=spec.batch_id or batch_id,
                    key=spec.key,
                    depends_on=depends,
                    max_attempts=spec.max_attempts or self.config.queue.max_attempts,
                    created_at=stamp + index * 1e-6,
                    updated_at=stamp,
                )
            )
        self._check_dependencies(jobs)
        self.store.add(jobs)
        for job in jobs:
            self.transitions.enqueue_if_ready(job)
        return [self.store.get(job.id) for job in jobs]

    def _check_dependencies(self, jobs: list[Job]) -> None:
        new = {job.id: job for job in jobs}
        outside = {dep for job in jobs for dep in job.depends_on if dep not in new}
        existing = self.store.get_many(sorted(outside))
        for index, job in enumerate(jobs):
            for dep in job.depends_on:
                if dep not in new and dep not in existing:
                    detail = f"depends_on {dep!r} is neither a key in this submission nor an existing job id."
                    raise SubmissionError(
                        f"job {index + 1}{f' ({job.key})' if job.key else ''}: {detail}",
                        index=index,
                        detail=detail,
                        field="depends_on",
                    )
        state: dict[str, int] = {}

        def visit(job_id: str, path: list[str]) -> None:
            if state.get(job_id) == 2 or job_id not in new:
                return
            if state.get(job_id) == 1:
                cycle = path[path.index(job_id) :] + [job_id]
                names = [new[i].key or i for i in cycle]
                raise SubmissionError(f"the jobs depend on each other in a cycle: {' -> '.join(names)}.")
            state[job_id] = 1
            for dep in new[job_id].depends_on:
                visit(dep, path + [job_id])
            state[job_id] = 2

        for job in jobs:
            visit(job.id, [])

    # ---- read ----------------------------------------------------------------------------------
    def resolve_id(self, job_id: str) -> str:
        """The full id of a job named by its full id or by the short form the UI shows (a unique prefix of
        each id part, at least 6 characters); JobNotFoundError when none or several jobs match."""
        try:
            return self.store.get(job_id).id
        except JobNotFoundError:
            if len(job_id.split(".")[0]) < SHORT_ID_MIN:
                raise
        found: list[str] = []
        offset = 0
        while True:
            page = self.store.list(JobQuery(limit=SHORT_ID_SCAN_PAGE, offset=offset))
            found += [job.id for job in page.items if matches_short_id(job.id, job_id)]
            offset += SHORT_ID_SCAN_PAGE
            if offset >= page.total or not page.items:
                break
        if len(found) == 1:
            return found[0]
        if found:
            raise JobActionError(f"{len(found)} jobs start with {job_id!r}; give more of the id.")
        raise JobNotFoundError(job_id)

    def get(self, job_id: str) -> Job:
        return self.store.get(self.resolve_id(job_id))

    def list(self, query: JobQuery | None = None) -> JobPage:
        return self.store.list(query or JobQuery())

    def batch(self, batch_id: str) -> BatchSummary:
        summary = self.store.batch_summary(batch_id)
        if summary.total == 0:
            raise JobActionError(f"no batch with id {batch_id!r}; list batches with `python main.py queue ls`.")
        return summary

    def batch_jobs(self, batch_id: str) -> builtins.list[Job]:
        return self.store.list(JobQuery(batch_id=batch_id, limit=100_000)).items

    def outputs(self, job_id: str) -> builtins.list[Path]:
        """Absolute paths of the job's collected output files."""
        return [self.output_dir / output.path for output in self.get(job_id).outputs]

    def quarantined(self) -> builtins.list[QuarantinedRecord]:
        return self.store.quarantined()

    # ---- control -------------------------------------------------------------------------------
    def cancel(self, job_id: str) -> Job:
        job_id = self.resolve_id(job_id)
        job = self.store.get(job_id)
        if job.status not in ACTIVE_STATUSES:
            raise JobActionError(f"job {job_id} is {job.status}; only queued, paused or running jobs can be cancelled.")
        ended = self.transitions.cancel(job) or self.store.get(job_id)
        if job.status == "running" and ended.status == "cancelled" and job.backend and job.prompt_id:
            self._interrupt(job)
        if ended.status == "cancelled":
            self._cancel_children(job)
        return ended

    def _cancel_children(self, parent: Job) -> None:
        """A cancelled book's panel jobs (app.jobs.context): none stays queued, none keeps running on a ComfyUI.
        Its coordinator does the same when it notices, for children it submitted after this look."""
        query = JobQuery(batch_id=child_batch(parent), status=["queued", "paused", "running"], limit=100_000)
        for child in self.store.list(query).items:
            ended = self.transitions.cancel(child)  # the record as it ended: a child listed as queued may run by now
            if ended is not None and ended.backend and ended.prompt_id:
                self._interrupt(ended)

    def _interrupt(self, job: Job) -> None:
        """Take the job's prompt off its backend: deleted while pending, interrupted only while it is the one running
        (ComfyUI's /interrupt stops whatever runs on that server)."""
        specs = {spec.name: spec for spec in backend_specs(self.config)}
        spec = specs.get(job.backend or "")
        if spec is None or job.prompt_id is None:
            return
        client = make_comfy_client(spec, self.config)
        try:
            if withdraw_prompt(client, job.prompt_id) == "unreachable":
                log.warning("job %s cancelled, but its backend %s could not be reached to stop it", job.id, spec.name)
        finally:
            client.close()

    def pause(self, job_id: str) -> Job:
        job_id = self.resolve_id(job_id)
        job = self.store.get(job_id)
        if job.status == "running":
            raise JobActionError(
                f"job {job_id} is already running on {job.backend}; ComfyUI cannot suspend a prompt, cancel it instead."
            )
        if job.status != "queued":
            raise JobActionError(f"job {job_id} is {job.status}; only queued jobs can be paused.")
        paused = self.store.mutate(
            job_id,
            lambda cur: (
                cur.model_copy(update={"status": "paused", "progress_text": "paused"})
                if cur.status == "queued"
                else None
            ),
        )
        if paused is None:
            raise JobActionError(f"job {job_id} started meanwhile; it can no longer be paused.")
        return paused

    def resume(self, job_id: str) -> Job:
        job_id = self.resolve_id(job_id)
        job = self.store.get(job_id)
        if job.status != "paused":
            raise JobActionError(f"job {job_id} is {job.status}; only paused jobs can be resumed.")
        self.store.mutate(
            job_id,
            lambda cur: (
                cur.model_copy(update={"status": "queued", "progress_text": "resumed"})
                if cur.status == "paused"
                else None
            ),
        )
        return self.transitions.enqueue_if_ready(self.store.get(job_id)) or self.store.get(job_id)

    def retry(self, job_id: str) -> Job:
        job_id = self.resolve_id(job_id)
        """Queue a failed or cancelled job again; the dependents it took down with it come back too."""
        job = self.store.get(job_id)
        if job.status not in ("failed", "cancelled"):
            raise JobActionError(f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried.")
        _, broken = self.transitions.dependency_state(job)
        if broken:
            raise JobActionError(f"job {job_id} cannot run again: its {broken}; retry that job first.")
        self.store.mutate(
            job_id,
            lambda cur: (
                cur.model_copy(
                    update={
                        "status": "queued",
                        "attempts": 0,
                        "progress": 0.0,
                        "progress_text": "retried",
                        "finished_at": None,
                        "backend": None,
                        "prompt_id": None,
                        "not_before": 0.0,
                    }
                )
                if cur.status in ("failed", "cancelled")
                else None
            ),
        )
        retried = self.transitions.enqueue_if_ready(self.store.get(job_id)) or self.store.get(job_id)
        for dependent in self.store.dependents(job_id):
            if (
                dependent.status in ("failed", "cancelled")
                and dependent.errors
                and dependent.errors[-1].kind == "dependency"
            ):
                try:
                    self.retry(dependent.id)
                except JobActionError:
                    pass  # another of its dependencies is still down: it stays as it is
        return retried

    def reprioritize(self, job_id: str, priority: int) -> Job:
        job_id = self.resolve_id(job_id)
        job = self.store.get(job_id)
        if job.terminal:
            raise JobActionError(f"job {job_id} is {job.status}; its priority no longer matters.")
        if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
            raise JobActionError(
                f"priority {priority} is out of range; use {PRIORITY_MIN}..{PRIORITY_MAX} (higher runs first)."
            )
        updated = self.store.mutate(job_id, lambda cur: cur.model_copy(update={"priority": priority}))
        if updated is not None and updated.status == "queued":
            return self.transitions.enqueue_if_ready(updated) or updated
        return updated or job

    def for_batch(self, action: str, batch_id: str, *args: int) -> builtins.list[Job | JobActionError]:
        """Apply cancel / pause / resume / retry / reprioritize to every job of a batch that it fits."""
        methods: dict[str, Callable[..., Job]] = {
            "cancel": self.cancel,
            "pause": self.pause,
            "resume": self.resume,
            "retry": self.retry,
            "reprioritize": self.reprioritize,
        }
        method = methods[action]
        self.batch(batch_id)
        results: list[Job | JobActionError] = []
        for job in self.batch_jobs(batch_id):
            try:
                results.append(method(job.id, *args))
            except JobActionError as exc:
                results.append(exc)
        return results

    def start_worker(self, *, threads: int | None = None):
        """Run dispatch inside this process (the studio's embedded mode); returns the started
        app.jobs.worker.Worker, whose stop() ends it. `python main.py worker` does the same in its own process."""
        from app.jobs.worker import Worker

        worker = Worker(self.config, store=self.store, engine=self.engine, threads=threads)
        worker.start()
        return worker

    def close(self) -> None:
        self.store.close()
