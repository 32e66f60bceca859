"""Where a job is now, as the UI shows it while it runs: a fraction, one line of text, the time left and the
latest sampler preview.

A prompt or workflow job reads its own record (the worker writes the sampler's step, rate and time left
into `job.live`). A book job draws its pictures as child jobs, so its place is theirs: panels done of
panels queued, the running panel's step and preview, and the time left at the pace of the panels done.
Read-only; one store read per job (two for a book).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.jobs.context import child_batch
from app.jobs.models import Job, JobQuery
from app.jobs.progress import ProgressFollower, eta_text

BOOK_KINDS = frozenset({"book"})
MAX_CHILDREN = 2000
PREVIEW_MAX_BYTES = 4_000_000


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    status: str
    fraction: float
    text: str
    step: int | None = None
    steps: int | None = None
    eta_s: float | None = None
    preview: Path | None = None
    panels_done: int | None = None
    panels_total: int | None = None
    error: str | None = None
    outputs: tuple[Path, ...] = ()

    @property
    def terminal(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)


def _preview(job: Job, output_dir: Path) -> Path | None:
    if job.status != "running" or not job.preview:
        return None
    path = output_dir / job.preview
    try:
        return (
            path
            if path.resolve().is_relative_to(output_dir.resolve()) and 0 < path.stat().st_size <= PREVIEW_MAX_BYTES
            else None
        )
    except OSError:
        return None


def _outputs(job: Job, output_dir: Path) -> tuple[Path, ...]:
    return tuple(output_dir / output.path for output in job.outputs if output.kind in ("image", "video"))


def of_job(job: Job, output_dir: Path) -> JobProgress:
    """The place of a prompt/workflow job from its own record."""
    live = job.live if job.status == "running" else None
    return JobProgress(
        job.id,
        job.status,
        job.progress,
        job.progress_text or job.status,
        step=live.step if live else None,
        steps=live.steps if live else None,
        eta_s=live.eta_s if live else None,
        preview=_preview(job, output_dir),
        error=job.last_error if job.status in ("failed", "cancelled") else None,
        outputs=_outputs(job, output_dir),
    )


def of_book(job: Job, children: list[Job], output_dir: Path, now: float | None = None) -> JobProgress:
    """A book's place from its child jobs: panels done of those queued, the running one's step and preview."""
    if job.status != "running" or not children:
        return of_job(job, output_dir)
    done = [child for child in children if child.status == "succeeded"]
    running = sorted((child for child in children if child.status == "running"), key=lambda child: child.updated_at)
    share = (len(done) + sum(child.progress for child in running)) / len(children)
    fraction = max(job.progress, 0.02 + 0.9 * share)
    eta = None
    if done and job.started_at:
        per_panel = ((now or time.time()) - job.started_at) / (len(done) + sum(child.progress for child in running))
        eta = per_panel * (len(children) - len(done) - sum(child.progress for child in running))
    newest = running[-1] if running else None
    parts = [f"panels {len(done)}/{len(children)} done"]
    if newest is not None and newest.live is not None:
        parts.append(f"panel step {newest.live.step}/{newest.live.steps}")
    if job.progress_text:
        parts.append(job.progress_text)
    if eta_text(eta):
        parts.append(eta_text(eta))
    preview = next((p for p in (_preview(child, output_dir) for child in reversed(running)) if p), None)
    return JobProgress(
        job.id,
        job.status,
        round(fraction, 4),
        " · ".join(parts),
        step=newest.live.step if newest and newest.live else None,
        steps=newest.live.steps if newest and newest.live else None,
        eta_s=eta,
        preview=preview,
        panels_done=len(done),
        panels_total=len(children),
    )


def snapshot(queue: Any, job_id: str) -> JobProgress:
    """Where job `job_id` (full or short id) is now; raises the queue's InkframeError for an unknown id."""
    job = queue.get(job_id)
    if job.kind in BOOK_KINDS and job.status == "running":
        children = queue.list(JobQuery(batch_id=child_batch(job), limit=MAX_CHILDREN)).items
        return of_book(job, children, queue.output_dir)
    return of_job(job, queue.output_dir)


def cancel(queue: Any, job_id: str) -> JobProgress:
    """Cancel the job (a running prompt is interrupted on its backend) and return its place after that."""
    queue.cancel(job_id)
    return snapshot(queue, job_id)


def event_reader() -> Callable[[object], str | None]:
    """For a run followed directly (not on the queue): a function that turns each ComfyUI event into a line
    such as 'KSampler (node 3) step 5/20 · about 6 s left' when one is due, else None."""
    follower = ProgressFollower()

    def read(event: object) -> str | None:
        update = follower.offer(event)
        return update["progress_text"] if update else None

    return read
