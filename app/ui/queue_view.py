"""How jobs look in the Queue tab: progress cards, table rows, gallery items (pure functions, no gradio)."""

from __future__ import annotations

import base64
import html
import json
import time
from pathlib import Path
from typing import Any

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mov"})  # the history gallery plays these too
STATUS_COLOURS = {
    "queued": "#6b7280", "running": "#4f46e5", "paused": "#d97706",
    "succeeded": "#16a34a", "failed": "#b91c1c", "cancelled": "#6b7280",
}
TABLE_HEADERS = ["job", "kind", "status", "progress", "priority", "backend", "batch", "updated", "error"]


def short_id(job_id: str) -> str:
    return job_id[:8]


def job_label(job: Any) -> str:
    """The label of a job in pickers: 'kind · status · id'."""
    return f"{job.kind} · {job.status} · {short_id(job.id)}"


def age(timestamp: float | None, now: float | None = None) -> str:
    if not timestamp:
        return ""
    seconds = max(0, int((now or time.time()) - timestamp))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    return f"{seconds // 3600}h ago"


def job_rows(jobs: list[Any], now: float | None = None) -> list[list[Any]]:
    return [
        [short_id(job.id), job.kind, job.status, f"{round(job.progress * 100)}%", job.priority,
         job.backend or "", job.batch_id or "", age(job.updated_at, now), job.last_error or ""]
        for job in jobs
    ]


def preview_html(job: Any, output_dir: Path | None) -> str:
    """The running job's latest sampler preview, inlined (a few KB), or nothing."""
    if output_dir is None or job.status != "running" or not getattr(job, "preview", None):
        return ""
    path = output_dir / job.preview
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return ""  # replaced between the listing and the read: the next refresh shows the new one
    mime = "image/webp" if path.suffix == ".webp" else "image/jpeg"
    return f'<img class="queue-preview" alt="preview of job {short_id(job.id)}" src="data:{mime};base64,{data}">'


def progress_cards_html(jobs: list[Any], output_dir: Path | None = None) -> str:
    """One card per active job with a progress bar (and its latest preview while it runs); a plain
    sentence when nothing runs."""
    if not jobs:
        return '<p class="queue-empty">No jobs are queued or running.</p>'
    cards = []
    for job in jobs:
        colour = STATUS_COLOURS.get(job.status, "#6b7280")
        percent = round(job.progress * 100)
        detail = html.escape(job.progress_text or job.status)
        error = f'<div class="queue-error">{html.escape(job.last_error)}</div>' if job.last_error and job.status != "succeeded" else ""
        cards.append(
            f'<div class="queue-card" data-job="{html.escape(job.id)}">'
            f'<div class="queue-card-head"><b>{html.escape(job.kind)}</b> <code>{short_id(job.id)}</code>'
            f'<span class="queue-status" style="color:{colour}">{html.escape(job.status)}</span></div>'
            f'<progress max="100" value="{percent}" aria-label="progress of job {short_id(job.id)}"></progress>'
            f'<div class="queue-card-detail">{percent}% · {detail}'
            f'{" · " + html.escape(job.backend) if job.backend else ""}</div>{preview_html(job, output_dir)}{error}</div>'
        )
    return '<div class="queue-cards">' + "".join(cards) + "</div>"


def output_images(job: Any, output_dir: Path) -> list[Path]:
    """The job's collected image and video outputs that exist on disk."""
    paths = [output_dir / output.path for output in job.outputs]
    return [path for path in paths if path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES and path.is_file()]


def gallery_items(jobs: list[Any], output_dir: Path) -> list[tuple[str, str]]:
    items = []
    for job in jobs:
        for path in output_images(job, output_dir):
            items.append((str(path), f"{job.kind} · {short_id(job.id)}"))
    return items


def job_metadata(job: Any) -> dict[str, Any]:
    """What the history shows about one job: settings, timings, outputs, errors."""
    data = json.loads(job.model_dump_json())
    data["duration_s"] = round(job.finished_at - job.started_at, 2) if job.finished_at and job.started_at else None
    return data
