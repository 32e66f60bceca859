"""Restart safety: settle the jobs a dead worker left `running`, from the backends' own records.

For each such job the store already holds backend + prompt_id (written before the POST). The
backend's /history and /queue then say where the prompt is:
- in the history or still in the queue: the job is adopted, i.e. followed to its end and its
  outputs collected, without submitting it again;
- in neither (never posted, or the backend restarted) or the backend is gone: requeued at once.
Queued jobs whose messages were lost with the dead process are sent again.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from app.comfy.errors import ComfyError

from .backends import BackendPool
from .engine import QueueEngine
from .job_store_base import JobStore
from .models import Job, JobQuery, now
from .runner import LOCAL_BACKEND
from .transitions import JobTransitions, is_same_run

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
STALE_AFTER_S = 15.0


@dataclass
class ReconcileReport:
    adopted: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    quarantined: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.adopted)} running job(s) adopted, {len(self.requeued)} requeued, "
            f"{len(self.resent)} queued job(s) sent again, {self.quarantined} quarantined record(s)"
        )


def worker_alive(store: JobStore, worker_id: str | None, me: str) -> bool:
    """True when another worker holds worker_id and still sends heartbeats (a same-host pid must exist)."""
    if worker_id is None or worker_id == me:
        return False
    for info in store.workers():
        if info.worker_id != worker_id:
            continue
        if now() - info.heartbeat_at > STALE_AFTER_S:
            return False
        if info.host == socket.gethostname():
            try:
                os.kill(info.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
        return True
    return False


def locate(pool: BackendPool, job: Job) -> str:
    """'history', 'queue', 'absent' or 'unreachable': where the job's prompt is on its backend."""
    if job.backend not in pool.specs or not job.prompt_id:
        return "absent"
    client = pool.client(job.backend)
    try:
        if client.history(job.prompt_id).get(job.prompt_id):
            return "history"
        if client.queue().contains(job.prompt_id):
            return "queue"
        if client.history(job.prompt_id).get(job.prompt_id):  # finished in between
            return "history"
    except ComfyError as exc:
        log.warning("job %s: backend %s unreachable while reconciling (%s)", job.id, job.backend, exc)
        return "unreachable"
    return "absent"


@dataclass
class LostMessages:
    """Queued jobs seen without a live message in the previous round: (job id, dispatch_seq).
    A job is sent again when its holder is a dead worker, or when two rounds in a row find no
    message and no live holder for the same dispatch_seq (a message being taken right now gets
    its holder written within milliseconds, so it never looks lost twice)."""

    suspects: set[tuple[str, int]] = field(default_factory=set)


def reconcile(
    store: JobStore,
    pool: BackendPool,
    engine: QueueEngine,
    transitions: JobTransitions,
    *,
    worker_id: str,
    startup: bool = True,
    follow: Callable[[Job], bool] | None = None,
    active: Callable[[], Collection[str]] = frozenset,
    lost: LostMessages | None = None,
) -> ReconcileReport:
    """Settle running jobs whose worker is gone and send again queued jobs whose message is gone.

    At startup this worker's own id counts as gone (a restart under a fixed --worker-id) and every
    queued job is sent again. Later rounds (every worker, every few seconds) settle other workers'
    orphans and this worker's running jobs that no thread of it follows (`active` names the ones it
    works on; read after the running jobs are listed, as a thread enters a job before claiming it),
    and re-send queued jobs whose message was lost (see LostMessages).
    An adopted job is followed by `follow` (a thread of its own, no dispatch slot needed); without
    `follow` an adopt message is queued instead.
    """
    report = ReconcileReport(quarantined=len(store.quarantined()))
    messages = None if startup else engine.message_keys()  # read before the jobs: a later message is newer
    running = store.list(JobQuery(status=["running"], limit=100_000)).items
    busy = active()
    for job in running:
        if job.worker_id == worker_id:
            if not startup and job.id in busy:
                continue
        elif worker_alive(store, job.worker_id, worker_id):
            continue
        where = "absent" if job.backend == LOCAL_BACKEND else locate(pool, job)
        if where in ("history", "queue"):
            if _adopt(engine, store, job, worker_id, where, follow):
                report.adopted.append(job.id)
        else:
            reason = {
                "absent": f"prompt {job.prompt_id} was not found on backend {job.backend} after a restart",
                "unreachable": f"backend {job.backend} was unreachable after a restart",
            }[where]
            if transitions.requeue(job, reason) is not None:
                report.requeued.append(job.id)
    queued = store.list(JobQuery(status=["queued"], limit=100_000)).items
    if startup:
        for job in queued:
            if transitions.enqueue_if_ready(job) is not None:
                report.resent.append(job.id)
    elif messages is not None:
        report.resent += _resend_lost(store, transitions, queued, messages, worker_id, lost or LostMessages())
    if report.adopted or report.requeued or report.quarantined or report.resent:
        log.info("reconciled: %s", report.summary())
    return report


def _adopt(
    engine: QueueEngine, store: JobStore, job: Job, worker_id: str, where: str, follow: Callable[[Job], bool] | None
) -> bool:
    changes = {"worker_id": worker_id, "progress_text": f"adopted ({where})"}
    if follow is None:
        return (
            engine.enqueue(
                job.id, adopt=True, changes=changes, only_if=lambda cur, pid=job.prompt_id: is_same_run(cur, pid)
            )
            is not None
        )
    taken = store.mutate(
        job.id,
        lambda cur, pid=job.prompt_id: (
            cur.model_copy(update={**changes, "dispatch_seq": cur.dispatch_seq + 1}) if is_same_run(cur, pid) else None
        ),
    )
    if taken is None:
        return False
    follow(taken)
    return True


def _resend_lost(
    store: JobStore,
    transitions: JobTransitions,
    queued: list[Job],
    messages: set[tuple[str, int]],
    worker_id: str,
    lost: LostMessages,
) -> list[str]:
    resent: list[str] = []
    suspects: set[tuple[str, int]] = set()
    alive: dict[str, bool] = {}  # one look at the heartbeats per holder and round
    for job in queued:
        key = (job.id, job.dispatch_seq)
        if key in messages or job.not_before > now():
            continue
        holder = job.worker_id
        if holder is not None and holder != worker_id and holder not in alive:
            alive[holder] = worker_alive(store, holder, worker_id)
        if holder == worker_id or (holder is not None and alive[holder]):
            continue  # one of our threads, or a live worker's, holds its message
        if holder is None and key not in lost.suspects:
            suspects.add(key)  # maybe being taken right now: look again next round
            continue
        if transitions.enqueue_if_ready(job) is not None:
            log.warning(
                "job %s: its queue message was lost (%s); sent again",
                job.id,
                f"held by the dead worker {holder}" if holder else "no message and no holder",
            )
            resent.append(job.id)
    lost.suspects = suspects
    return resent
