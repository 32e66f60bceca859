"""Typed job records: what a job is, what a client submits, and how the store is queried.

Everything that crosses the store, the queue engine, the API or a process boundary is one of these
pydantic models; nothing travels as a positional tuple.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

JobStatus = Literal["queued", "running", "paused", "succeeded", "failed", "cancelled"]
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "paused", "succeeded", "failed", "cancelled")
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "running", "paused"})
ErrorKind = Literal["transient", "permanent", "dependency", "cancelled", "reconciled"]
PRIORITY_MIN, PRIORITY_MAX = -100, 100
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def new_job_id() -> str:
    return uuid.uuid4().hex


def now() -> float:
    """Timestamps are UTC epoch seconds: cheap to index and compare in SQLite and Redis."""
    return time.time()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JobError(_Model):
    at: float
    attempt: int = Field(ge=0)
    backend: str | None = None
    kind: ErrorKind
    message: str


class JobOutput(_Model):
    """One file a job produced, copied under outputs/jobs/<job id>/ with a name derived from the job id."""

    node_id: str
    filename: str = Field(description="file name as the backend reported it")
    path: str = Field(description="local path of the collected file, relative to app.output_dir")
    kind: Literal["image", "video", "audio", "file", "data"] = "image"


class LiveProgress(_Model):
    """The sampler's place while a job runs (ComfyUI `progress` messages): step of steps on one node, the
    step rate and the time left at that rate. Cleared when a run starts."""

    step: int = Field(0, ge=0)
    steps: int = Field(0, ge=0)
    node: str | None = None
    node_type: str | None = None
    rate: float | None = Field(None, ge=0.0, description="steps per second on this node")
    eta_s: float | None = Field(None, ge=0.0, description="seconds left on this node at that rate")


class JobSpec(_Model):
    """What a client submits. `key` names the job inside one batch so `depends_on` can refer to it."""

    kind: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    parameters: dict[str, Any] = Field(default_factory=dict)
    priority: int = Field(0, ge=PRIORITY_MIN, le=PRIORITY_MAX, description="higher runs first")
    batch_id: str | None = Field(None, pattern=ID_PATTERN)
    depends_on: list[str] = Field(
        default_factory=list, description="job ids (or keys within the same batch) that must succeed first"
    )
    key: str | None = Field(None, pattern=ID_PATTERN, description="name of this job inside its batch")
    max_attempts: int | None = Field(None, ge=1, le=20)


class Job(_Model):
    id: str = Field(pattern=ID_PATTERN)
    kind: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    status: JobStatus = "queued"
    priority: int = Field(0, ge=PRIORITY_MIN, le=PRIORITY_MAX)
    attempts: int = Field(0, ge=0)
    max_attempts: int = Field(3, ge=1)
    backend: str | None = None
    prompt_id: str | None = None
    worker_id: str | None = None
    progress: float = Field(0.0, ge=0.0, le=1.0)
    progress_text: str = ""
    preview: str | None = Field(None, description="latest sampler preview while running, relative to app.output_dir")
    live: LiveProgress | None = Field(None, description="sampler step progress of the running attempt")
    outputs: list[JobOutput] = Field(default_factory=list)
    errors: list[JobError] = Field(default_factory=list)
    batch_id: str | None = None
    key: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    dispatch_seq: int = Field(0, ge=0, description="bumped on every enqueue; older queue messages become no-ops")
    not_before: float = Field(0.0, description="earliest time a retry may start (backoff)")
    created_at: float
    updated_at: float
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def last_error(self) -> str | None:
        return self.errors[-1].message if self.errors else None


class JobQuery(_Model):
    status: list[JobStatus] | None = None
    kind: str | None = None
    batch_id: str | None = None
    updated_since: float | None = None
    limit: int = Field(100, ge=1, le=100_000)
    offset: int = Field(0, ge=0, le=1_000_000_000)

    @field_validator("status", mode="before")
    @classmethod
    def _split_status(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class JobPage(_Model):
    items: list[Job]
    total: int
    quarantined: int = 0


class QuarantinedRecord(_Model):
    """A stored job record that could not be read; it is set aside and reported, the rest runs."""

    job_id: str
    reason: str
    raw: str
    at: float


class BatchSummary(_Model):
    batch_id: str
    total: int
    counts: dict[str, int]

    @property
    def done(self) -> bool:
        return sum(self.counts.get(status, 0) for status in TERMINAL_STATUSES) == self.total


class WorkerInfo(_Model):
    worker_id: str
    host: str
    pid: int
    heartbeat_at: float
