"""The gallery under the queue: finished outputs newest first as thumbnails; opening one shows the settings
it was made with (workflow, parameters, seeds, and whether the PNG carries its prompt) and "Re-run" queues
the same settings again, with the same seed or a new one."""

from __future__ import annotations

import html
import json
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import gallery_service
from ...services.provenance_service import credential_rows
from ...services.queue_service import matches_short_id
from .. import queue_view
from ..context import UiContext
from ..notices import error_html, notice_html

VALUE_CHARS = 400
_widgets: dict[str, Any] = {}


def render() -> dict[str, Any]:
    gr.Markdown("### Gallery")
    _widgets["gallery"] = gr.Gallery(
        label="Finished outputs, newest first (open one for its settings)",
        columns=5,
        height="auto",
        object_fit="contain",
        elem_id="queue-gallery",
        allow_preview=True,
    )
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _widgets["history_job"] = gr.Dropdown(label="Finished job", choices=[], elem_id="queue-history-job", scale=3)
        _widgets["rerun"] = gr.Button("Re-run (same seed)", size="sm", scale=1, elem_id="queue-rerun")
        _widgets["rerun_new"] = gr.Button("Re-run with a new seed", size="sm", scale=1, elem_id="queue-rerun-new")
    _widgets["rerun_status"] = gr.HTML("", elem_id="queue-rerun-status")
    _widgets["settings"] = gr.HTML("", elem_id="queue-settings")
    with gr.Accordion("Everything the job record holds", open=False):
        _widgets["metadata"] = gr.JSON(label="Job metadata", elem_id="queue-metadata")
    return _widgets


def gallery_items(context: UiContext) -> list[tuple[str, str]]:
    found = gallery_service.items(
        context.services.queue(), caption=lambda job: f"{queue_view.job_name(job)} · {queue_view.short_id(job.id)}"
    )
    return [(str(item.path), item.caption) for item in found]


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _seed_label(place: str) -> str:
    """'prompt.3.inputs.seed' -> 'seed (node 3)'; 'overrides.seed' -> 'seed'."""
    parts = place.split(".")
    if parts[0] == "prompt" and len(parts) == 4:
        return f"{parts[3]} (node {parts[1]})"
    return parts[-1] if parts[0] == "overrides" else place


def _node_line(node: Any) -> str:
    if not isinstance(node, dict):
        return _value(node)
    inputs = node.get("inputs")
    if not isinstance(inputs, dict):
        inputs = {}
    plain = ", ".join(f"{name} {_value(value)}" for name, value in inputs.items() if not isinstance(value, list))
    return f"{node.get('class_type', '?')}" + (f": {plain}" if plain else "")


def settings_html(shown: gallery_service.OutputSettings) -> str:
    """The settings as a two-column table: what made it, then each parameter (overrides spelled out)."""
    rows = [
        ("job", f"<code>{html.escape(queue_view.short_id(shown.job_id))}</code>"),
        ("kind", html.escape(shown.kind)),
    ]
    if shown.workflow:
        rows.append(("workflow", html.escape(shown.workflow)))
    parameters = dict(shown.parameters)
    parameters.pop("workflow", None)
    overrides = parameters.pop("overrides", None)
    if isinstance(overrides, dict):
        rows += [(name, html.escape(_value(value))) for name, value in overrides.items()]
    prompt = parameters.pop("prompt", None)
    if isinstance(prompt, dict):  # an API prompt: one line per node with its plain inputs (links left out)
        rows += [(f"node {node_id}", html.escape(_node_line(node))) for node_id, node in prompt.items()]
    elif prompt is not None:
        rows.append(("prompt", html.escape(_value(prompt))))
    for name, value in parameters.items():
        rows.append((name, html.escape(_value(value))))
    for place, seed in shown.seeds.items():
        rows.append((_seed_label(place), f'<span class="gallery-seed">{seed}</span>'))
    rows.append(("backend", html.escape(shown.backend or "")))
    if shown.duration_s is not None:
        rows.append(("took", f"{shown.duration_s:g} s"))
    rows.append(
        (
            "in the file",
            f"the ComfyUI prompt ({shown.embedded_nodes} nodes) is embedded in the PNG"
            if shown.embedded_nodes
            else "no embedded prompt; the settings are kept in the job record",
        )
    )
    body = "".join(f"<tr><th>{html.escape(name)}</th><td>{value}</td></tr>" for name, value in rows)
    table = f'<table class="gallery-settings" data-job="{html.escape(shown.job_id)}">{body}</table>'
    return f'<div class="queue-table-wrap">{table}</div>'


def show(context: UiContext, job_id: str | None) -> list[Any]:
    if not job_id:
        return ["", None]
    try:
        queue = context.services.queue()
        shown = gallery_service.settings(queue, job_id)
        job = queue.get(job_id)
        credentials = credential_rows(list(shown.outputs), context.config)  # C2PA Content Credentials
    except InkframeError as exc:
        return [error_html(str(exc)), None]
    return [settings_html(shown), {**queue_view.job_metadata(job), "content_credentials": credentials}]


def rerun(context: UiContext, job_id: str | None, new_seed: bool) -> str:
    if not job_id:
        return error_html("Open a finished output (or pick a finished job) first.")
    try:
        job = gallery_service.rerun(context.services.queue(), job_id, new_seed=new_seed)
    except InkframeError as exc:
        return error_html(str(exc))
    seeds = gallery_service.seeds_of(job)
    how = f"new seed {', '.join(str(s) for s in seeds.values())}" if new_seed else "the same seed"
    return notice_html(
        f"Queued job <code>{html.escape(queue_view.short_id(job.id))}</code> with the settings of "
        f"{html.escape(queue_view.short_id(job_id))} and {html.escape(how)}.",
        ok=True,
    )


def pick_from_gallery(context: UiContext, evt: gr.SelectData) -> Any:
    """The gallery caption ends with the job's short id; pick that finished job."""
    caption = (evt.value or {}).get("caption") if isinstance(evt.value, dict) else None
    short = (caption or "").rsplit("·", 1)[-1].strip()
    if not short:
        return gr.update()
    try:
        matches = [
            item.job_id
            for item in gallery_service.items(context.services.queue())
            if matches_short_id(item.job_id, short)
        ]
    except InkframeError:
        return gr.update()
    return matches[0] if matches else gr.update()


def listen(context: UiContext, after: Any) -> None:
    """`after(event)` chains the queue's refresh after a re-run."""
    w = _widgets

    def on_select(evt: gr.SelectData) -> Any:
        return pick_from_gallery(context, evt)

    w["gallery"].select(on_select, outputs=w["history_job"])
    w["history_job"].change(
        lambda job_id: show(context, job_id),
        inputs=w["history_job"],
        outputs=[w["settings"], w["metadata"]],
        show_progress="hidden",
    )
    for button, new_seed in ((w["rerun"], False), (w["rerun_new"], True)):
        after(
            button.click(
                lambda job_id, _n=new_seed: rerun(context, job_id, _n),
                inputs=w["history_job"],
                outputs=w["rerun_status"],
            )
        )
