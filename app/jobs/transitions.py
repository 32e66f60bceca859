"""Job state changes after work: success, failure, retry with backoff, and what follows (dependents, webhooks).

Every change is conditional on the job still being the run that produced it (status running and
the same prompt_id), so a cancel or a reconciliation that happened meanwhile wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..backoff import Backoff
from .engine import QueueEngine
from .job_store_base import JobNotFoundError, JobStore
from .models import ErrorKind, Job, JobError, JobOutput, JobStatus, now
from .webhooks import WebhookNotifier

log = logging.getLogger(__name__)


def is_same_run(job: Job, prompt_id: str | None) -> bool:
    return job.status == "running" and job.prompt_id == prompt_id


class JobTransitions:
    def __init__(
        self,
        store: JobStore,
        engine: QueueEngine,
        notifier: WebhookNotifier,
        *,
        retry_backoff_s: float = 2.0,
        max_backoff_s: float = 300.0,
    ) -> None:
        self.store = store
        self.engine = engine
        self.notifier = notifier
        self.retry_backoff_s = retry_backoff_s
        self.max_backoff_s = max_backoff_s
        self.on_released: Callable[[], None] | None = None  # called as soon as a job leaves its backend slot

    def _end(
        self,
        job: Job,
        status: JobStatus,
        *,
        outputs: list[JobOutput] | None = None,
        error: JobError | None = None,
        guard: Callable[[Job], bool] | None = None,
    ) -> Job | None:
        def apply(current: Job) -> Job | None:
            if guard is not None and not guard(current):
                return None
            if current.terminal:
                return None
            update: dict = {"status": status, "finished_at": now(), "progress_text": status}
            if status == "succeeded":
                update.update(progress=1.0, outputs=outputs or [])
            if error is not None:
                update["errors"] = [*current.errors, error]
            return current.model_copy(update=update)

        ended = self.store.mutate(job.id, apply)
        if ended is not None:
            if self.on_released is not None and job.status == "running":
                self.on_released()
            self.after_end(ended)
        return ended

    def succeed(self, job: Job, outputs: list[JobOutput]) -> Job | None:
        return self._end(job, "succeeded", outputs=outputs, guard=lambda cur: is_same_run(cur, job.prompt_id))

    def fail(self, job: Job, message: str, *, kind: ErrorKind = "permanent", same_run: bool = True) -> Job | None:
        error = JobError(at=now(), attempt=job.attempts, backend=job.backend, kind=kind, message=message)
        guard = (lambda cur: is_same_run(cur, job.prompt_id)) if same_run else None
        return self._end(job, "failed", error=error, guard=guard)

    def cancel(self, job: Job) -> Job | None:
        error = JobError(
            at=now(), attempt=job.attempts, backend=job.backend, kind="cancelled", message="cancelled by the user"
        )
        return self._end(job, "cancelled", error=error)

    def retry_or_fail(self, job: Job, message: str, *, immediate: bool) -> Job | None:
        """A transient failure: queue the job again after a backoff, unless it used all its attempts."""
        if job.attempts >= job.max_attempts:
            return self.fail(job, f"gave up after {job.attempts} attempts; last error: {message}", kind="transient")
        backoff = Backoff(
            attempts=job.max_attempts, base=self.retry_backoff_s, cap=self.max_backoff_s, jitter=(0.8, 1.2)
        )
        delay = 0.0 if immediate else backoff.delay(job.attempts - 1)
        error = JobError(at=now(), attempt=job.attempts, backend=job.backend, kind="transient", message=message)
        changes = {
            "status": "queued",
            "prompt_id": None,
            "worker_id": None,
            "progress": 0.0,
            "progress_text": f"retrying in {delay:.1f} s" if delay else "resubmitting on another backend",
            "errors": [*job.errors, error],
            "not_before": now() + delay,
        }
        log.info("job %s: transient failure (%s); requeued, delay %.1f s", job.id, message, delay)
        return self.engine.enqueue(
            job.id, delay=delay, changes=changes, only_if=lambda cur: is_same_run(cur, job.prompt_id)
        )

    def requeue(self, job: Job, reason: str) -> Job | None:
        """Put a job whose run was lost back in the queue at once (reconciliation); no attempt is charged."""
        error = JobError(at=now(), attempt=job.attempts, backend=job.backend, kind="reconciled", message=reason)
        changes = {
            "status": "queued",
            "prompt_id": None,
            "worker_id": None,
            "progress": 0.0,
            "progress_text": "requeued",
            "attempts": max(0, job.attempts - 1),
            "errors": [*job.errors, error],
        }
        return self.engine.enqueue(job.id, changes=changes, only_if=lambda cur: is_same_run(cur, job.prompt_id))

    def after_end(self, job: Job) -> None:
        """Release or fail the dependents, then send webhooks."""
        for dependent in self.store.dependents(job.id):
            if dependent.terminal:
                continue
            if job.status == "succeeded":
                self.enqueue_if_ready(dependent)
            else:  # a cancelled dependency cancels its dependents; a failed one fails them
                error = JobError(
                    at=now(),
                    attempt=dependent.attempts,
                    backend=None,
                    kind="dependency",
                    message=f"dependency {job.id} {job.status}",
                )
                self._end(dependent, "cancelled" if job.status == "cancelled" else "failed", error=error)
        self.notifier.job_finished(self.store, job)

    def dependency_state(self, job: Job) -> tuple[bool, str | None]:
        """(all dependencies succeeded, the sentence of a dependency that cannot succeed any more)."""
        found = self.store.get_many(job.depends_on)
        for dep_id in job.depends_on:
            dep = found.get(dep_id)
            if dep is None:
                return False, f"dependency {dep_id} does not exist (or its record was quarantined)"
            if dep.status in ("failed", "cancelled"):
                return False, f"dependency {dep_id} {dep.status}"
        return all(found[d].status == "succeeded" for d in job.depends_on), None

    def enqueue_if_ready(self, job: Job) -> Job | None:
        """Send a message for a queued job whose dependencies all succeeded; fail it if one cannot."""
        if job.status != "queued":
            return None
        ready, broken = self.dependency_state(job)
        if broken:
            return self.fail(job, broken, kind="dependency", same_run=False)
        if not ready:
            return None
        try:
            return self.engine.enqueue(job.id, only_if=lambda cur: cur.status == "queued")
        except JobNotFoundError:
            return None
