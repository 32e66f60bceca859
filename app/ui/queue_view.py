"""How jobs look in the Queue tab: progress cards, table rows, gallery items (pure functions, no gradio)."""

from __future__ import annotations

import base64
import html
import io
import json
import time
from pathlib import Path
from typing import Any

from ..image_files import PREVIEW_IMAGE_SUFFIXES

IMAGE_SUFFIXES = frozenset(PREVIEW_IMAGE_SUFFIXES)
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mov"})  # the history gallery plays these too
STATUS_COLOURS = {
    "queued": "#6b7280",
    "running": "#4f46e5",
    "paused": "#d97706",
    "succeeded": "#16a34a",
    "failed": "#b91c1c",
    "cancelled": "#6b7280",
}
TABLE_HEADERS = ["job", "name", "kind", "status", "progress", "priority", "backend", "batch", "updated", "error"]


SHORT_PART = 8
NAME_WORDS = 6
NAME_MAX_CHARS = 48
ERROR_SUMMARY_CHARS = 110
THUMB_MAX_BYTES = 2_000_000  # larger outputs get no inline thumbnail
THUMB_SIDE = 56
FILTERS = {
    "all": None,
    "running": ("queued", "running", "paused"),
    "failed": ("failed", "cancelled"),
    "done": ("succeeded",),
}
PROMPT_KEYS = ("prompt", "positive", "positive_prompt", "text", "story_text", "caption")


def short_id(job_id: str) -> str:
    """The id as the UI shows it: 8 characters of each dot-separated part (the REST API and the CLI accept it)."""
    return ".".join(part[:SHORT_PART] for part in job_id.split("."))


def _first_words(text: str) -> str:
    words = " ".join(text.split()).split(" ")
    clipped = " ".join(words[:NAME_WORDS])
    if len(clipped) > NAME_MAX_CHARS:
        clipped = clipped[: NAME_MAX_CHARS - 1].rstrip()
    return clipped + ("…" if clipped != " ".join(words) else "")


def _prompt_text(parameters: dict[str, Any]) -> str:
    """The first words of the job's prompt: a text override, a text parameter, or a text node of an API prompt."""
    for source in (parameters.get("overrides"), parameters):
        if isinstance(source, dict):
            for key in PROMPT_KEYS:
                value = source.get(key)
                if isinstance(value, str) and value.strip():
                    return _first_words(value)
    prompt = parameters.get("prompt")
    if isinstance(prompt, dict):
        for node_id in sorted(prompt, key=lambda key: (len(str(key)), str(key))):
            node = prompt[node_id]
            inputs = node.get("inputs") if isinstance(node, dict) else None
            for key in ("text", "prompt", "positive"):
                value = inputs.get(key) if isinstance(inputs, dict) else None
                if isinstance(value, str) and value.strip():
                    return _first_words(value)
    return ""


def job_name(job: Any) -> str:
    """What the job is, in a few words: workflow or capability, book title and page:panel, first words of the prompt."""
    parameters = getattr(job, "parameters", None)
    parameters = parameters if isinstance(parameters, dict) else {}
    parts: list[str] = []
    label = parameters.get("label") or parameters.get("name")
    if isinstance(label, str) and label.strip():
        parts.append(_first_words(label))
    elif job.kind == "workflow" and isinstance(parameters.get("workflow"), str):
        parts.append(Path(parameters["workflow"]).stem)
    elif job.kind == "book":
        title = parameters.get("title") or (Path(str(parameters["script"])).stem if parameters.get("script") else "")
        parts.append(f"book {title}".strip())
    elif job.kind == "prompt" and isinstance(parameters.get("prompt"), dict):
        parts.append(f"prompt ({len(parameters['prompt'])} nodes)")
    else:
        parts.append(job.kind)
    capability = parameters.get("capability")
    if isinstance(capability, str) and capability and capability not in parts[0]:
        parts.append(capability)
    for title_key in ("book", "book_title"):
        if isinstance(parameters.get(title_key), str) and job.kind != "book":
            parts.append(parameters[title_key])
    if parameters.get("page") is not None and parameters.get("panel") is not None:
        parts.append(f"{parameters['page']}:{parameters['panel']}")
    elif parameters.get("page") is not None:
        parts.append(f"page {parameters['page']}")
    text = _prompt_text(parameters)
    if text:
        parts.append(f"“{text}”")
    return " · ".join(str(part) for part in parts if part)


def job_label(job: Any) -> str:
    """The label of a job in pickers: 'name · status · short id'."""
    return f"{job_name(job)} · {job.status} · {short_id(job.id)}"


def error_summary(message: str | None) -> str:
    """One short sentence of an error (the first sentence, or the first line, clipped)."""
    if not message:
        return ""
    text = " ".join(message.split())
    for mark in (". ", "; ", "\n"):
        head, sep, _ = text.partition(mark)
        if sep and len(head) >= 12:
            text = head + ("." if mark != "; " else "")
            break
    return text if len(text) <= ERROR_SUMMARY_CHARS else text[: ERROR_SUMMARY_CHARS - 1].rstrip() + "…"


def error_html(message: str | None) -> str:
    """The short sentence, with the whole message (and repeated lines once) behind a click."""
    if not message:
        return ""
    summary = error_summary(message)
    lines = list(dict.fromkeys(line.strip() for line in message.splitlines() if line.strip()))
    full = "\n".join(lines)
    if full == summary:
        return f'<div class="queue-error">{html.escape(summary)}</div>'
    return (
        f'<details class="queue-error"><summary>{html.escape(summary)}</summary>'
        f'<pre class="queue-error-detail">{html.escape(full)}</pre></details>'
    )


def filter_jobs(jobs: list[Any], status_filter: str | None, batch: str | None) -> list[Any]:
    """Jobs with a status in the filter's group ('all', 'running', 'failed', 'done') and, when given, of one batch."""
    statuses = FILTERS.get(status_filter or "all")
    return [
        job for job in jobs if (statuses is None or job.status in statuses) and (not batch or job.batch_id == batch)
    ]


def batch_choices(jobs: list[Any]) -> list[str]:
    return sorted({job.batch_id for job in jobs if job.batch_id})


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
        [
            short_id(job.id),
            job_name(job),
            job.kind,
            job.status,
            f"{round(job.progress * 100)}%",
            job.priority,
            job.backend or "",
            job.batch_id or "",
            age(job.updated_at, now),
            error_summary(job.last_error),
        ]
        for job in jobs
    ]


def thumbnail_html(job: Any, output_dir: Path | None) -> str:
    """The job's first image output as a small inline thumbnail (downscaled), or nothing."""
    if output_dir is None or not job.outputs:
        return ""
    for output in job.outputs:
        path = output_dir / output.path
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file() or path.stat().st_size > THUMB_MAX_BYTES:
            continue
        try:
            from PIL import Image

            with Image.open(path) as image:
                image.thumbnail((THUMB_SIDE * 2, THUMB_SIDE * 2))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, format="JPEG", quality=75)
        except (OSError, ValueError):
            continue  # unreadable or replaced meanwhile: no thumbnail
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f'<img class="queue-thumb" alt="output of job {short_id(job.id)}" src="data:image/jpeg;base64,{data}">'
    return ""


def jobs_table_html(jobs: list[Any], output_dir: Path | None = None, now: float | None = None) -> str:
    """The jobs as an HTML table: thumbnail, short id (as the REST API accepts it), name, status, progress,
    batch, age, and the error as one sentence with the details behind a click."""
    if not jobs:
        return '<p class="queue-empty">No jobs match this filter.</p>'
    rows = []
    for job in jobs:
        colour = STATUS_COLOURS.get(job.status, "#6b7280")
        error = error_html(job.last_error) if job.status != "succeeded" else ""
        rows.append(
            f'<tr data-job="{html.escape(job.id)}" data-status="{html.escape(job.status)}">'
            f'<td class="queue-thumb-cell">{thumbnail_html(job, output_dir)}</td>'
            f'<td><code class="queue-id">{html.escape(short_id(job.id))}</code></td>'
            f'<td class="queue-name">{html.escape(job_name(job))}<div class="queue-kind">{html.escape(job.kind)}'
            f"{' · ' + html.escape(job.backend) if job.backend else ''}</div></td>"
            f'<td style="color:{colour}">{html.escape(job.status)}</td>'
            f"<td>{round(job.progress * 100)}%</td><td>{job.priority}</td>"
            f"<td>{html.escape(job.batch_id or '')}</td><td>{age(job.updated_at, now)}</td>"
            f'<td class="queue-error-cell">{error}</td></tr>'
        )
    head = "".join(
        f"<th>{name}</th>" for name in ("", "id", "name", "status", "progress", "priority", "batch", "updated", "error")
    )
    body = "".join(rows)
    return (
        f'<div class="queue-table-wrap"><table class="queue-jobs"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


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


def progress_cards_html(jobs: list[Any], output_dir: Path | None = None, places: dict[str, Any] | None = None) -> str:
    """One card per active job with a progress bar (and its latest preview while it runs); a plain
    sentence when nothing runs. `places` (job id -> progress_service.JobProgress) overrides what a job's
    own record says (a book moves with its panels)."""
    if not jobs:
        return '<p class="queue-empty">No jobs are queued or running.</p>'
    cards = []
    for job in jobs:
        colour = STATUS_COLOURS.get(job.status, "#6b7280")
        place = (places or {}).get(job.id)
        percent = place.percent if place is not None else round(job.progress * 100)
        detail = html.escape(place.text if place is not None else job.progress_text or job.status)
        error = error_html(job.last_error) if job.status != "succeeded" else ""
        cards.append(
            f'<div class="queue-card" data-job="{html.escape(job.id)}">'
            f'<div class="queue-card-head"><b>{html.escape(job_name(job))}</b> <code>{short_id(job.id)}</code>'
            f'<span class="queue-status" style="color:{colour}">{html.escape(job.status)}</span></div>'
            f'<progress max="100" value="{percent}" aria-label="progress of job {short_id(job.id)}"></progress>'
            f'<div class="queue-card-detail">{percent}% · {detail}'
            f"{' · ' + html.escape(job.backend) if job.backend else ''}</div>"
            f"{_card_preview(job, output_dir, place)}{error}</div>"
        )
    return '<div class="queue-cards">' + "".join(cards) + "</div>"


def _card_preview(job: Any, output_dir: Path | None, place: Any) -> str:
    if place is None or place.preview is None or output_dir is None:
        return preview_html(job, output_dir)
    return preview_html(job.model_copy(update={"preview": str(place.preview.relative_to(output_dir))}), output_dir)


def output_images(job: Any, output_dir: Path) -> list[Path]:
    """The job's collected image and video outputs that exist on disk."""
    paths = [output_dir / output.path for output in job.outputs]
    return [path for path in paths if path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES and path.is_file()]


def job_metadata(job: Any) -> dict[str, Any]:
    """What the history shows about one job: settings, timings, outputs, errors."""
    data = json.loads(job.model_dump_json())
    data["duration_s"] = round(job.finished_at - job.started_at, 2) if job.finished_at and job.started_at else None
    return data
