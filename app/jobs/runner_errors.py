"""Error classification for JobRunner (runner.py): which ComfyUI errors and full disks requeue a job and which
fail it, and withdrawing a job's prompt from its backend."""

from __future__ import annotations

import errno
from pathlib import Path

from app.comfy.errors import (
    BackendDiedError,
    ComfyConnectionError,
    ComfyError,
    ComfyHTTPError,
    ComfyTimeoutError,
    PromptInterrupted,
)
from app.errors import InkframeError

from .models import Job
from .transitions import is_same_run
from .withdraw import withdraw_prompt


class DiskFullError(InkframeError):
    """No space left where the outputs go; the job is requeued (retryable) once space is freed."""


def is_disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(where: Path | str) -> str:
    return f"disk full at {where}; free some space there (the job is retried)."


class ErrorMixin:
    """JobRunner's error handling and withdraw (runner.py builds the runner from this and FollowMixin)."""

    def _on_disk_full(self, job: Job, message: str) -> None:
        """Not the job's fault: requeue it with backoff (failed only after its attempts, and retryable then)."""
        current = self.store.get(job.id)
        if is_same_run(current, job.prompt_id):
            self.transitions.retry_or_fail(current, message, immediate=False)

    def _on_comfy_error(self, job: Job, exc: ComfyError) -> None:
        current = self.store.get(job.id)
        if not is_same_run(current, job.prompt_id):
            return  # cancelled or reconciled meanwhile: that decision stands
        transient = isinstance(exc, (ComfyConnectionError, ComfyTimeoutError, BackendDiedError, PromptInterrupted)) or (
            isinstance(exc, ComfyHTTPError) and (exc.status >= 500 or exc.status == 429)
        )
        if not transient:
            self.transitions.fail(current, str(exc))
            return
        if isinstance(exc, (ComfyConnectionError, BackendDiedError)):
            self.pool.mark_down(job.backend, str(exc))
        elif isinstance(exc, ComfyTimeoutError):  # it may still run there: stop it before it runs elsewhere too
            self.withdraw(job)
        others = [name for name in self.pool.specs if name != job.backend and self.pool.state(name).healthy]
        self.transitions.retry_or_fail(current, str(exc), immediate=bool(others))

    def withdraw(self, job: Job) -> str:
        """Take the job's prompt off its backend (deleted when pending, interrupted only while it runs)."""
        if not job.backend or not job.prompt_id or job.backend not in self.pool.specs:
            return "absent"
        return withdraw_prompt(self.pool.client(job.backend), job.prompt_id)
