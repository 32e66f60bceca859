"""Run one job: pick a capable, least-loaded backend, claim it, submit, follow, collect.

The claim writes backend + prompt_id to the job store BEFORE the POST, so a crash at any point can
be reconciled from the backend's /history and /queue. Transient errors (connection, timeout, a
backend that died) requeue the job with backoff, or at once when another backend can take it;
validation and execution errors fail it for good.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import InkframeError

from .backends import BackendPool, describe_missing
from .context import JobContext
from .engine import RunJob
from .job_store_base import CorruptJobError, JobNotFoundError, JobStore
from .kinds import (
    COORDINATOR_KINDS,
    build_prompt,
    is_local,
    local_handler,
    needs_object_info,
    uploads,
)
from .models import Job
from .runner_errors import DiskFullError, ErrorMixin, disk_full_message, is_disk_full
from .runner_follow import FollowMixin
from .transitions import JobTransitions, is_same_run

log = logging.getLogger(__name__)

LOCAL_BACKEND = "local"
WAIT_NOTE_EVERY_S = 5.0


class JobRunner(FollowMixin, ErrorMixin):
    def __init__(
        self,
        store: JobStore,
        pool: BackendPool,
        transitions: JobTransitions,
        *,
        worker_id: str,
        output_dir: Path,
        prompt_timeout_s: float,
        poll_s: float = 0.25,
        context: JobContext | None = None,
    ) -> None:
        self.store = store
        self.pool = pool
        self.transitions = transitions
        self.worker_id = worker_id
        self.output_dir = output_dir
        self.prompt_timeout_s = prompt_timeout_s
        self.context = context  # what local handlers get (config, folders, pool, child jobs)
        self.poll_s = poll_s  # re-check for free slots freed by other workers (this one wakes waiters itself)
        self.stopping = False
        self._freed = threading.Condition()
        self._generation = 0
        self._active: collections.Counter[str] = collections.Counter()  # jobs this process works on now
        self._active_lock = threading.Lock()
        transitions.on_released = self._signal_freed

    def active_ids(self) -> set[str]:
        """The jobs some thread of this worker is working on (reconciliation leaves them alone)."""
        with self._active_lock:
            return set(self._active)

    def _enter(self, job_id: str, *, only_once: bool = False) -> bool:
        with self._active_lock:
            if only_once and self._active[job_id]:
                return False
            self._active[job_id] += 1
            return True

    def _leave(self, job_id: str) -> None:
        with self._active_lock:
            self._active[job_id] -= 1
            if self._active[job_id] <= 0:
                del self._active[job_id]

    def adopt(self, job: Job) -> bool:
        """Follow a running prompt this worker just took over, on a thread of its own: following needs
        no dispatch slot (the job already holds its backend's slot), so it never waits behind
        consumer threads that wait for that very slot. False when a thread already follows it."""
        if not self._enter(job.id, only_once=True):
            return False

        def follow() -> None:
            self._run_owned(job, lambda: self._follow(job, submitted=True), release_client=True)

        threading.Thread(target=follow, name=f"inkframe-follow-{job.id[:8]}", daemon=True).start()
        return True

    def _run_owned(self, job: Job, work: Callable[[], None], *, release_client: bool = False) -> None:
        """Run `work` on the thread that owns `job` (an adopted prompt's follower, a coordinator): an unexpected
        error fails the job, never leaving it running without its thread; then the job is left, the threads
        waiting for a slot are woken and (`release_client`) this thread's client for its backend is closed."""
        try:
            work()
        except Exception as exc:
            log.exception("job %s: unexpected error", job.id)
            current = self.store.get(job.id)
            if is_same_run(current, job.prompt_id):
                self.transitions.fail(current, f"unexpected error: {type(exc).__name__}: {exc}")
        finally:
            self._leave(job.id)
            self._signal_freed()
            if release_client and job.backend in self.pool.specs:
                self.pool.release_client(job.backend)

    def _signal_freed(self) -> None:
        """A job of this worker ended or moved: wake the threads waiting for a backend slot."""
        with self._freed:
            self._generation += 1
            self._freed.notify_all()

    # ---- entry point (one Huey message) ------------------------------------------------------------
    def handle(self, message: RunJob) -> None:
        try:
            self._handle(message)
        finally:
            self._signal_freed()

    def _handle(self, message: RunJob) -> None:
        self._enter(message.job_id)
        try:
            self._handle_entered(message)
        finally:
            self._leave(message.job_id)

    def _handle_entered(self, message: RunJob) -> None:
        try:
            job = self.store.get(message.job_id)
        except (JobNotFoundError, CorruptJobError) as exc:
            log.error("message for job %s dropped: %s", message.job_id, exc)
            return
        if job.dispatch_seq != message.dispatch_seq:
            return  # an older message: the job was re-enqueued, paused or re-prioritised since
        try:
            if message.adopt:  # sent by older versions; reconciliation now follows adopted jobs itself
                if job.status == "running" and job.worker_id == self.worker_id:
                    self._follow(job, submitted=True)
                return
            if job.status != "queued":
                return
            ready, broken = self.transitions.dependency_state(job)
            if broken:
                self.transitions.fail(job, broken, kind="dependency", same_run=False)
            elif ready:
                self._dispatch(job)
        except Exception as exc:  # a bug must not kill the consumer thread or leave the job running
            log.exception("job %s: unexpected error", job.id)
            current = self.store.get(job.id)
            if current.status in ("queued", "running"):
                self.transitions.fail(current, f"unexpected error: {type(exc).__name__}: {exc}", same_run=False)

    # ---- dispatch -----------------------------------------------------------------------------------
    def _dispatch(self, job: Job) -> None:
        if is_local(job.kind):
            coordinator = job.kind in COORDINATOR_KINDS
            if coordinator:
                self._enter(job.id)  # before the claim: reconciliation must never see it running and unfollowed
            try:
                claimed = self.store.claim(
                    job.id,
                    dispatch_seq=job.dispatch_seq,
                    backend=LOCAL_BACKEND,
                    max_running=10_000,
                    prompt_id=uuid.uuid4().hex,
                    worker_id=self.worker_id,
                )
            except BaseException:
                if coordinator:
                    self._leave(job.id)
                raise
            if claimed is None:
                if coordinator:
                    self._leave(job.id)
            elif coordinator:  # it waits on child jobs: never on a consumer thread the children need
                threading.Thread(
                    target=self._run_coordinator, args=(claimed,), name=f"inkframe-{job.kind}-{job.id[:8]}", daemon=True
                ).start()
            else:
                self._run_local(claimed)
            return
        claimed, prompt = self._claim_backend(job)
        if claimed is not None and prompt is not None:
            self._submit_and_follow(claimed, prompt)

    def _prompts_for(self, job: Job) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
        """(each backend's prompt for the job, why it could not be built for the others). The same prompt for
        API prompts; a UI workflow is converted with each backend's own /object_info (backends never
        reached get none yet; one whose node types do not fit the workflow gets a reason instead)."""
        if needs_object_info(job.kind):
            prompts: dict[str, dict[str, Any]] = {}
            broken: dict[str, list[str]] = {}
            errors: list[InkframeError] = []
            for state in self.pool.states():
                if state.object_info is None:
                    continue
                try:
                    prompts[state.spec.name] = build_prompt(job, state.object_info)
                except InkframeError as exc:
                    broken[state.spec.name] = [str(exc)]
                    errors.append(exc)
            if errors and not prompts and not any(s.object_info is None for s in self.pool.states()):
                raise errors[0]  # it fits no backend at all: the job's own sentence
            return prompts, broken
        prompt = build_prompt(job)
        return {name: prompt for name in self.pool.specs}, {}

    def _hold(self, job: Job, note: str | None = None) -> None:
        """Mark a queued job as held by this worker (its message is in one of our threads): when this
        worker dies, reconciliation sees a dead holder and sends the job again at once."""

        def apply(cur: Job) -> Job | None:
            if cur.status != "queued" or cur.dispatch_seq != job.dispatch_seq:
                return None
            if cur.worker_id == self.worker_id and (note is None or cur.progress_text == note):
                return None
            return cur.model_copy(update={"worker_id": self.worker_id} | ({"progress_text": note} if note else {}))

        self.store.mutate(job.id, apply)

    def _claim_backend(self, job: Job) -> tuple[Job | None, dict[str, Any] | None]:
        held = False
        noted_at = 0.0
        prompts: dict[str, dict[str, Any]] = {}
        judged: tuple | None = None
        able: list[str] = []
        waiting: list[str] = []
        missing: dict[str, list[str]] = {}
        while not self.stopping:
            with self._freed:
                generation = self._generation
            if job.not_before > time.time():
                time.sleep(min(self.poll_s * 10, job.not_before - time.time()))
            self.pool.refresh_stale()
            if judged != self.pool.version():  # convert and preflight again only when a backend changed
                judged = self.pool.version()
                try:
                    prompts, broken = self._prompts_for(job)
                except InkframeError as exc:
                    self.transitions.fail(job, str(exc), same_run=False)
                    return None, None
                choice = self.pool.capable(per_backend=prompts, uploads=frozenset(uploads(job))).without(broken)
                able, waiting, missing = choice.able, choice.waiting, choice.missing
            if not able and not waiting:
                self.transitions.fail(job, describe_missing(missing) + ".", same_run=False)
                return None, None
            failed_on = frozenset(e.backend for e in job.errors if e.kind == "transient" and e.backend)
            backend = self.pool.pick(able, self.store.running_counts(), avoid=failed_on)
            if backend is not None:
                claimed = self.store.claim(
                    job.id,
                    dispatch_seq=job.dispatch_seq,
                    backend=backend,
                    max_running=self.pool.specs[backend].max_concurrent,
                    prompt_id=uuid.uuid4().hex,
                    worker_id=self.worker_id,
                )
                if claimed is not None:
                    return claimed, prompts[backend]
            if backend is None or not held:
                note = None
                if backend is None and time.monotonic() - noted_at > WAIT_NOTE_EVERY_S:
                    note = (
                        "waiting for a free backend"
                        if able
                        else "waiting for a backend: "
                        + describe_missing({name: [f"down ({self.pool.state(name).error})"] for name in waiting})
                    )
                    noted_at = time.monotonic()
                if note is not None or not held:
                    self._hold(job, note)
                    held = True
            if backend is None:
                with self._freed:
                    if self._generation == generation:
                        self._freed.wait(self.poll_s)
            current = self.store.get(job.id)
            if current.status != "queued" or current.dispatch_seq != job.dispatch_seq:
                return None, None
            job = current
        return None, None

    # ---- local kinds --------------------------------------------------------------------------------
    def _local_context(self) -> JobContext:
        if self.context is None:
            raise InkframeError("this worker has no job context for local kinds.")
        return self.context

    def _run_local(self, job: Job) -> None:
        from .context import ParentStopped, cancel_children

        try:
            dependencies = self.store.get_many(job.depends_on)
            outputs = local_handler(job.kind)(job, dependencies, self._local_context())
        except ParentStopped as exc:  # cancelled or taken over meanwhile: that decision stands
            log.info("job %s stopped: %s", job.id, exc)
            status = self.store.get(job.id).status
            if status in ("cancelled", "failed", "paused"):  # the user's cancel also stops the running children
                cancel_children(self._local_context(), job, running=status == "cancelled")
            return
        except DiskFullError as exc:
            self._on_disk_full(job, str(exc))
            return
        except OSError as exc:
            if is_disk_full(exc):
                self._on_disk_full(
                    job, disk_full_message(Path(exc.filename).parent if exc.filename else self.output_dir)
                )
            else:
                self.transitions.fail(job, f"{job.kind} step failed: {exc}")
            return
        except (InkframeError, ValueError, KeyError) as exc:
            self.transitions.fail(job, f"{job.kind} step failed: {exc}")
            return
        self.transitions.succeed(job, outputs)

    def _run_coordinator(self, job: Job) -> None:
        self._run_owned(job, lambda: self._run_local(job))
