"""What a queued book build tells whoever follows it: its events as they happen and its summary at the end.

A `book` job runs in a worker (this process or another one sharing the queue and the output storage).
It appends every build event (a plate drawn, a panel done or failed, a page composed, the export) to
OUT/events.jsonl and writes OUT/summary.json when the build ends, so `comic build` prints progress as
panels and pages finish and the same result lines as an in-process build, whichever worker ran it.

    append_event(out, LoggedEvent(job_id=job.id, kind="panel", message="page 1 panel 2: ...", page=1, panel=2))
    events, offset = read_events(out, offset)        # new events since offset (bytes)
    summary = read_summary(out, job.id)              # None until that job's build ended
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .plan import PanelRef

EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
MAX_READ_BYTES = 1 << 20  # one read of the log at most (a 150-panel book logs ~60 KB per run)
MAX_EVENT_CHARS = 2000

_append_lock = threading.Lock()


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LoggedEvent(_Model):
    job_id: str
    kind: str  # BuildEvent.kind: plate, panel, reused, failed, page, export, report
    message: str = Field(max_length=MAX_EVENT_CHARS)
    page: int | None = None
    panel: int | None = None
    at: float = 0.0


class BuildSummary(_Model):
    """The end of one build (app.book.build_types.BuildResult, in a form that crosses processes)."""

    job_id: str
    out_dir: str
    panels: int
    generated: list[str] = Field(default_factory=list)  # "page P panel N"
    reused: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    lettering_errors: list[str] = Field(default_factory=list)
    outputs: dict[str, list[str]] = Field(default_factory=dict)
    report: str = ""
    figures: dict[str, Any] = Field(default_factory=dict)


def summary_of(job_id: str, result: Any) -> BuildSummary:
    """A BuildSummary of an app.book.build_types.BuildResult."""
    return BuildSummary(
        job_id=job_id,
        out_dir=str(result.out_dir),
        panels=len(result.records),
        generated=[str(ref) for ref in result.generated],
        reused=[str(ref) for ref in result.reused],
        failed=[str(ref) for ref in result.failed],
        warnings=[str(w) for w in result.warnings],
        lettering_errors=[str(w) for w in result.lettering_errors],
        outputs=dict(result.outputs),
        report=str(result.report),
        figures=dict(result.figures),
    )


def append_event(out_dir: Path, event: LoggedEvent) -> None:
    line = (event.model_dump_json() + "\n").encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _append_lock:  # panels finish on several threads; O_APPEND keeps whole lines across processes
        fd = os.open(out_dir / EVENTS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def log_offset(out_dir: Path) -> int:
    """Where the next event will start (read_events from here sees only what comes after)."""
    try:
        return (out_dir / EVENTS_FILE).stat().st_size
    except OSError:
        return 0


def read_events(out_dir: Path, offset: int, job_id: str | None = None) -> tuple[list[LoggedEvent], int]:
    """(whole events written since byte offset, the offset after them); only job_id's when given.
    A line cut off mid-write is left for the next read; an unreadable one is skipped."""
    path = out_dir / EVENTS_FILE
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(MAX_READ_BYTES)
    except OSError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    events: list[LoggedEvent] = []
    for raw in data[:end].split(b"\n"):
        try:
            event = LoggedEvent.model_validate_json(raw)
        except ValidationError:
            continue
        if job_id is None or event.job_id == job_id:
            events.append(event)
    return events, offset + end + 1


def event_of(job_id: str, event: Any, at: float) -> LoggedEvent:
    """A LoggedEvent of an app.book.build_types.BuildEvent."""
    ref: PanelRef | None = getattr(event, "ref", None)
    return LoggedEvent(
        job_id=job_id,
        kind=event.kind,
        message=event.message[:MAX_EVENT_CHARS],
        at=at,
        page=ref.page if ref else None,
        panel=ref.panel if ref else None,
    )


def write_summary(out_dir: Path, summary: BuildSummary) -> Path:
    path = out_dir / SUMMARY_FILE
    temporary = path.with_name(f".{SUMMARY_FILE}.{os.getpid()}.part")
    temporary.write_text(summary.model_dump_json(indent=1), encoding="utf-8")
    os.replace(temporary, path)
    return path


def clear_summary(out_dir: Path) -> None:
    (out_dir / SUMMARY_FILE).unlink(missing_ok=True)


def read_summary(out_dir: Path, job_id: str) -> BuildSummary | None:
    """The summary of job_id's build in out_dir; None when absent, unreadable or another job's."""
    try:
        summary = BuildSummary.model_validate_json((out_dir / SUMMARY_FILE).read_bytes()[:MAX_READ_BYTES])
    except (OSError, ValidationError):
        return None
    return summary if summary.job_id == job_id else None
