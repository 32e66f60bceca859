"""The Queue tab: live jobs with progress bars, sampler step, time left and preview (refreshed every 2 s),
pause / resume / cancel / retry / reorder, and the gallery of finished outputs with their settings and Re-run."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import progress_service
from .. import queue_view
from ..context import UiContext
from ..notices import error_html, notice_html
from . import backend_notice, gallery_panel

REFRESH_S = 2.0
ACTIVE = ["queued", "running", "paused"]
FINISHED = ["succeeded", "failed", "cancelled"]
PRIORITY_STEP = 10
_widgets: dict[str, Any] = {}


def render(context: UiContext) -> None:
    gr.Markdown(
        "Jobs run on the ComfyUI backends in priority order (higher first). Progress refreshes every 2 seconds."
    )
    backend_notice.render("queue")
    _widgets["status"] = gr.HTML("", elem_id="queue-status")
    _widgets["cards"] = gr.HTML(queue_view.progress_cards_html([]), elem_id="queue-cards")
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _widgets["job"] = gr.Dropdown(label="Job", choices=[], elem_id="queue-job", scale=3)
        _widgets["refresh"] = gr.Button("Refresh", size="sm", scale=0, min_width=90, elem_id="queue-refresh")
    with gr.Row(elem_id="queue-actions"):
        for action, label in (
            ("pause", "Pause"),
            ("resume", "Resume"),
            ("cancel", "Cancel"),
            ("retry", "Retry"),
            ("up", "Move up"),
            ("down", "Move down"),
        ):
            _widgets[action] = gr.Button(label, size="sm", min_width=80, elem_id=f"queue-{action}")
    gr.Markdown("### All recent jobs")
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _widgets["filter"] = gr.Radio(
            label="Show",
            choices=[("All", "all"), ("Running", "running"), ("Failed", "failed"), ("Done", "done")],
            value="all",
            elem_id="queue-filter",
            scale=3,
        )
        _widgets["batch"] = gr.Dropdown(
            label="Batch", choices=[("All batches", "")], value="", elem_id="queue-batch", scale=2
        )
    _widgets["table"] = gr.HTML(queue_view.jobs_table_html([]), elem_id="queue-table")
    _widgets.update(gallery_panel.render())
    _widgets["timer"] = gr.Timer(REFRESH_S, active=False)  # ticks only while the Queue tab is open


def _queue(context: UiContext):
    return context.services.queue()


def refresh(
    context: UiContext,
    selected: str | None,
    history_selected: str | None,
    status_filter: str | None = "all",
    batch: str | None = "",
) -> list[Any]:
    """Everything the tab shows, read from the job store; the table follows the status and batch filters."""
    try:
        service = _queue(context)
        active = _newest(service, ACTIVE, 200)
        finished = _newest(service, FINISHED, 48)
        recent = _newest(service, None, 100)
    except InkframeError as exc:
        empty = gr.update(choices=[], value=None)
        return [
            error_html(str(exc)),
            queue_view.progress_cards_html([]),
            empty,
            queue_view.jobs_table_html([]),
            [],
            empty,
            gr.update(),
        ]
    active.sort(key=lambda job: (job.status != "running", -job.priority, job.created_at))
    choices = [(queue_view.job_label(job), job.id) for job in recent]
    history = [(queue_view.job_label(job), job.id) for job in finished]
    ids = {job.id for job in recent}
    history_ids = {job.id for job in finished}
    status = f"{len(active)} active job{'s' if len(active) != 1 else ''}, {len(finished)} recently finished."
    return [
        notice_html(html.escape(status), ok=True),
        queue_view.progress_cards_html(active, context.output_dir, _book_places(service, active)),
        _picker(choices, selected, ids),
        queue_view.jobs_table_html(queue_view.filter_jobs(recent, status_filter, batch), context.output_dir),
        gallery_panel.gallery_items(context),
        _picker(history, history_selected, history_ids),
        gr.update(
            choices=[("All batches", "")] + [(name, name) for name in queue_view.batch_choices(recent)],
            value=batch if batch in queue_view.batch_choices(recent) else "",
        ),
    ]


def _picker(choices: list[tuple[str, str]], selected: str | None, ids: set[str]) -> Any:
    """New choices; the value is left alone (a pick made while this refresh ran stays) unless its job is gone."""
    return gr.update(choices=choices) if not selected or selected in ids else gr.update(choices=choices, value=None)


def _book_places(service: Any, active: list[Any]) -> dict[str, Any]:
    """Running books move with their panels (progress_service reads their child jobs)."""
    places = {}
    for job in active:
        if job.kind in progress_service.BOOK_KINDS and job.status == "running":
            try:
                places[job.id] = progress_service.snapshot(service, job.id)
            except InkframeError:
                continue
    return places


def _newest(service: Any, statuses: list[str] | None, limit: int) -> list[Any]:
    """The `limit` newest jobs with these statuses, newest first (the store lists oldest first)."""
    from ...services.queue_types import JobQuery

    total = service.list(JobQuery(status=statuses, limit=1)).total
    page = service.list(JobQuery(status=statuses, limit=limit, offset=max(0, total - limit)))
    return sorted(page.items, key=lambda job: job.created_at, reverse=True)


def act(context: UiContext, action: str, job_id: str | None) -> str:
    """Apply one control action to the picked job; one sentence back."""
    if not job_id:
        return error_html("Pick a job first.")
    try:
        service = _queue(context)
        if action in ("up", "down"):
            job = service.get(job_id)
            priority = job.priority + (PRIORITY_STEP if action == "up" else -PRIORITY_STEP)
            job = service.reprioritize(job_id, max(-100, min(100, priority)))
            return notice_html(f"Job {queue_view.short_id(job_id)} now has priority {job.priority}.", ok=True)
        job = getattr(service, action)(job_id)
    except InkframeError as exc:
        return error_html(str(exc))
    return notice_html(f"Job {queue_view.short_id(job_id)} is {html.escape(job.status)}.", ok=True)


def _outputs() -> list[Any]:
    w = _widgets
    return [w["status"], w["cards"], w["job"], w["table"], w["gallery"], w["history_job"], w["batch"]]


def _inputs() -> list[Any]:
    w = _widgets
    return [w["job"], w["history_job"], w["filter"], w["batch"]]


def on_tab_select(context: UiContext, tab: gr.Tab, other_tabs: list[gr.Tab]) -> None:
    """Opening the tab refreshes it at once and starts the 2 s refresh; leaving it stops the refresh."""
    timer = _widgets["timer"]
    tab.select(lambda: gr.Timer(active=True), outputs=timer, queue=False)
    tab.select(
        lambda s, h, f, b: refresh(context, s, h, f, b),
        inputs=_inputs(),
        outputs=_outputs(),
        show_progress="hidden",
        concurrency_id="queue-refresh",
    )
    for other in other_tabs:
        other.select(lambda: gr.Timer(active=False), outputs=timer, queue=False)


def listen(context: UiContext) -> None:
    w = _widgets
    outputs = _outputs()

    def do_refresh(selected, history_selected, status_filter, batch):
        return refresh(context, selected, history_selected, status_filter, batch)

    for trigger in (w["timer"].tick, w["refresh"].click, w["filter"].change, w["batch"].input):
        trigger(
            do_refresh,
            inputs=_inputs(),
            outputs=outputs,
            show_progress="hidden",
            trigger_mode="always_last",
            concurrency_id="queue-refresh",
            concurrency_limit=4,
        )
    for action in ("pause", "resume", "cancel", "retry", "up", "down"):
        w[action].click(lambda job_id, _a=action: act(context, _a, job_id), inputs=w["job"], outputs=w["status"]).then(
            do_refresh, inputs=_inputs(), outputs=outputs, show_progress="hidden"
        )
    w["job"].change(
        lambda job_id: gallery_panel.show(context, job_id),
        inputs=w["job"],
        outputs=[w["settings"], w["metadata"]],
        show_progress="hidden",
    )
    gallery_panel.listen(
        context, lambda event: event.then(do_refresh, inputs=_inputs(), outputs=outputs, show_progress="hidden")
    )
