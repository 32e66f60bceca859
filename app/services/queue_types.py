"""The queue's typed values and vocabularies for the entry points (UI, CLI, REST API), re-exported from app/jobs
so that app/ui, app/cli and app/api import only app.services (docs/architecture.md)."""

from __future__ import annotations

from ..jobs.batch_file import BatchFile, BatchFileError, parse_batch_file
from ..jobs.job_store_base import JobNotFoundError
from ..jobs.kinds import LOCAL_KINDS, known_kinds
from ..jobs.models import (
    ID_PATTERN,
    JOB_STATUSES,
    PRIORITY_MAX,
    PRIORITY_MIN,
    BatchSummary,
    Job,
    JobOutput,
    JobPage,
    JobQuery,
    JobSpec,
    JobStatus,
    now,
)
from ..jobs.reconcile import STALE_AFTER_S

__all__ = [
    "ID_PATTERN",
    "JOB_STATUSES",
    "LOCAL_KINDS",
    "PRIORITY_MAX",
    "PRIORITY_MIN",
    "STALE_AFTER_S",
    "BatchFile",
    "BatchFileError",
    "BatchSummary",
    "Job",
    "JobNotFoundError",
    "JobOutput",
    "JobPage",
    "JobQuery",
    "JobSpec",
    "JobStatus",
    "known_kinds",
    "now",
    "parse_batch_file",
]
