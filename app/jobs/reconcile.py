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
        return (f"{len(self.adopted)} running job(s) adopted, {len(self.requeued)} requeued, "
                f"{len(self.resent)} queued job(s) sent again, {self.quarantined} quarantined record(s)")


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


def reconcile(store: JobStore, pool: BackendPool, engine: QueueEngine, transitions: JobTransitions, *,
              worker_id: str, startup: bool = True) -> ReconcileReport:
    """Settle running jobs whose worker is gone. At startup this worker's own id counts as gone (a
    restart under a fixed --worker-id) and queued jobs are sent again; later rounds leave this
    worker's own jobs alone (they are in flight) and only look for other workers' orphans."""
    report = ReconcileReport(quarantined=len(store.quarantined()))
    running = store.list(JobQuery(status=["running"], limit=100_000)).items
    for job in running:
        if (job.worker_id == worker_id and not startup) or worker_alive(store, job.worker_id, worker_id):
            continue
        where = "absent" if job.backend == LOCAL_BACKEND else locate(pool, job)
        if where in ("history", "queue"):
            taken = engine.enqueue(job.id, adopt=True, changes={"worker_id": worker_id, "progress_text": f"adopted ({where})"},
                                   only_if=lambda cur, pid=job.prompt_id: is_same_run(cur, pid))
            if taken is not None:
                report.adopted.append(job.id)
        else:
            reason = {"absent": f"prompt {job.prompt_id} was not found on backend {job.backend} after a restart",
                      "unreachable": f"backend {job.backend} was unreachable after a restart"}[where]
            if transitions.requeue(job, reason) is not None:
                report.requeued.append(job.id)
    for job in store.list(JobQuery(status=["queued"], limit=100_000)).items if startup else ():
        if transitions.enqueue_if_ready(job) is not None:
            report.resent.append(job.id)
    if report.adopted or report.requeued or report.quarantined:
        log.info("reconciled: %s", report.summary())
    return report
