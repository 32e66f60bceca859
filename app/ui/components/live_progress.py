"""Live feedback under a form that queues work: a progress bar with the sampler's step and the time left,
the latest sampler preview while it runs, the result when it is done, and a Cancel that stops it.

`render(key)` places the panel (hidden until a job is followed); `follow(job_id)` is what the form's submit
returns to start following; a 1 s timer polls the job store (through app.services.progress_service) and
stops itself when the job ends.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import progress_service
from ..context import UiContext
from ..notices import error_html

POLL_S = 1.0
STATUS_COLOURS = {
    "queued": "#6b7280",
    "running": "#4f46e5",
    "paused": "#d97706",
    "succeeded": "#16a34a",
    "failed": "#b91c1c",
    "cancelled": "#6b7280",
}


@dataclass(frozen=True)
class LivePanel:
    key: str
    job: gr.State
    progress: gr.HTML
    result: gr.Image
    cancel: gr.Button
    timer: gr.Timer

    def outputs(self) -> list[Any]:
        return [self.job, self.progress, self.result, self.cancel, self.timer]


def progress_html(place: progress_service.JobProgress, key: str) -> str:
    """The bar, one line of text, and the latest preview inlined (a few KB JPEG) while the job runs."""
    short = html.escape(place.job_id[:8])
    colour = STATUS_COLOURS.get(place.status, "#6b7280")
    text = html.escape(place.text)
    if place.step is not None and place.steps:  # the line names the step; the numbers ride along for scripts
        text = f'<span class="live-step" data-step="{place.step}" data-steps="{place.steps}">{text}</span>'
        if f"{place.step}/{place.steps}" not in place.text:
            text = f"step {place.step}/{place.steps} · {text}"
    preview = ""
    if place.preview is not None:
        try:
            data = base64.b64encode(place.preview.read_bytes()).decode("ascii")
            mime = "image/webp" if place.preview.suffix == ".webp" else "image/jpeg"
            preview = (
                f'<img class="live-preview" id="{key}-live-preview" alt="sampler preview" '
                f'src="data:{mime};base64,{data}">'
            )
        except OSError:
            preview = ""  # replaced between the read of the record and of the file: the next tick shows it
    error = f'<div class="queue-error">{html.escape(place.error)}</div>' if place.error else ""
    return (
        f'<div class="live-progress" data-job="{html.escape(place.job_id)}" data-status="{html.escape(place.status)}">'
        f'<div class="live-head"><code>{short}</code> <b style="color:{colour}">{html.escape(place.status)}</b>'
        f" · {place.percent}%</div>"
        f'<progress max="100" value="{place.percent}" aria-label="progress of job {short}"></progress>'
        f'<div class="live-detail">{text}</div>{preview}{error}</div>'
    )


def render(key: str) -> LivePanel:
    with gr.Group(elem_id=f"{key}-live", elem_classes=["live-panel"]):
        progress = gr.HTML("", elem_id=f"{key}-live-progress")
        result = gr.Image(
            label="Result", type="filepath", interactive=False, visible=False, height=320, elem_id=f"{key}-live-result"
        )
        cancel = gr.Button("Cancel", variant="stop", size="sm", visible=False, elem_id=f"{key}-live-cancel")
    return LivePanel(key, gr.State(None), progress, result, cancel, gr.Timer(POLL_S, active=False))


def _view(panel: LivePanel, place: progress_service.JobProgress) -> list[Any]:
    image = next(
        (
            str(path)
            for path in place.outputs
            if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp") and path.is_file()
        ),
        None,
    )
    return [
        place.job_id,
        progress_html(place, panel.key),
        gr.update(value=image, visible=image is not None) if place.terminal else gr.update(visible=False),
        gr.update(visible=not place.terminal),
        gr.Timer(active=not place.terminal),
    ]


def poll(context: UiContext, panel: LivePanel, job_id: str | None) -> list[Any]:
    if not job_id:
        return [None, "", gr.update(visible=False), gr.update(visible=False), gr.Timer(active=False)]
    try:
        return _view(panel, progress_service.snapshot(context.services.queue(), job_id))
    except InkframeError as exc:
        return [job_id, error_html(str(exc)), gr.update(), gr.update(visible=False), gr.Timer(active=False)]


def follow(context: UiContext, panel: LivePanel, job_id: str) -> list[Any]:
    """The panel's outputs that start following `job_id` (the form's submit returns these)."""
    return poll(context, panel, job_id)


def stop(context: UiContext, panel: LivePanel, job_id: str | None) -> list[Any]:
    if not job_id:
        return poll(context, panel, None)
    try:
        return _view(panel, progress_service.cancel(context.services.queue(), job_id))
    except InkframeError as exc:
        return [job_id, error_html(str(exc)), gr.update(), gr.update(), gr.update()]


def listen(context: UiContext, panel: LivePanel) -> None:
    panel.timer.tick(
        lambda job_id: poll(context, panel, job_id),
        inputs=panel.job,
        outputs=panel.outputs(),
        show_progress="hidden",
        trigger_mode="always_last",
    )
    panel.cancel.click(
        lambda job_id: stop(context, panel, job_id), inputs=panel.job, outputs=panel.outputs(), show_progress="hidden"
    )
