"""The Settings tab: backends with health and version, models with status and download, safety,
output folder, and presets of studio settings."""

from __future__ import annotations

import html
import os
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import (
    backend_models_service,
    backend_service,
    capability_service,
    models_service,
    preset_service,
    provenance_service,
)
from ...services.capability_service import summarise
from ..context import UiContext
from ..core import preset_fields, register_page_load
from ..notices import error_html, notice_html

BACKEND_HEADERS = ["name", "url", "reachable", "ComfyUI", "devices", "message"]
MODEL_HEADERS = ["model", "folder", "status", "on the backend", "size", "used by", "licence"]
CAPABILITY_HEADERS = ["capability", "on this backend"]
# Fixed pixel widths: a narrow screen scrolls the table sideways instead of stacking letters vertically.
BACKEND_WIDTHS = ["120px", "220px", "100px", "100px", "180px", "380px"]
MODEL_WIDTHS = ["400px", "200px", "100px", "130px", "90px", "220px", "180px"]  # one per MODEL_HEADERS
CAPABILITY_WIDTHS = ["220px", "620px"]
OUTPUT_COUNT_CAP = 5000
_w: dict[str, Any] = {}


def render(context: UiContext) -> None:
    gr.Markdown("### Backends")
    _w["backends"] = gr.Dataframe(
        headers=BACKEND_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="settings-backends",
        elem_classes=["inkframe-wide-table"],
        column_widths=BACKEND_WIDTHS,
    )
    _w["check"] = gr.Button("Check backends", size="sm", elem_id="settings-check")
    gr.Markdown("### What the main backend can run")
    _w["capabilities"] = gr.Dataframe(
        headers=CAPABILITY_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="settings-capabilities",
        elem_classes=["inkframe-wide-table"],
        column_widths=CAPABILITY_WIDTHS,
    )
    _w["capability_notes"] = gr.HTML("", elem_id="settings-capability-notes")
    gr.Markdown("### Models")
    _w["models"] = gr.Dataframe(
        headers=MODEL_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="settings-models",
        elem_classes=["inkframe-wide-table"],
        column_widths=MODEL_WIDTHS,
    )
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _w["model"] = gr.Dropdown([], label="Model to download", scale=3, elem_id="settings-model")
        _w["download"] = gr.Button("Download", size="sm", scale=0, min_width=110, elem_id="settings-download")
    _w["model_status"] = gr.HTML("", elem_id="settings-model-status")
    gr.Markdown("### Safety")
    gr.HTML(safety_html(context), elem_id="settings-safety")
    gr.Markdown("### Output folder")
    _w["output"] = gr.HTML("", elem_id="settings-output")
    gr.Markdown("### Presets\nSave the comic page, export and face-swap settings under a name, and load them back.")
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _w["preset_name"] = gr.Textbox(label="Preset name", scale=2, elem_id="settings-preset-name")
        _w["save"] = gr.Button("Save preset", size="sm", scale=0, min_width=120, elem_id="settings-preset-save")
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _w["preset"] = gr.Dropdown([], label="Saved presets", scale=2, elem_id="settings-preset")
        _w["load"] = gr.Button("Load preset", size="sm", scale=0, min_width=120, elem_id="settings-preset-load")
    _w["preset_status"] = gr.HTML("", elem_id="settings-preset-status")


def safety_html(context: UiContext) -> str:
    swap = context.config.faceswap
    gate = (
        (
            f"on: images scoring {swap.nsfw_threshold:.2f} or more are refused; a video is refused when "
            f"{swap.nsfw_video_share:.0%} of its sampled frames are"
        )
        if swap.nsfw_gate
        else "off"
    )
    rows = [
        (
            "Listening on",
            f"{context.config.app.host}:{context.config.app.port}"
            + (" with an access token" if context.config.app.auth_token else " (this computer only)"),
        ),
        ("Explicit-content gate (face swap)", gate),
        ("Visible mark on face-swapped output", "on" if swap.visible_mark else "off"),
        ("Consent", "every face swap asks to confirm consent of the people shown"),
        ("Content Credentials", provenance_service.settings_text(context.config)),
    ]
    items = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in rows)
    return (
        f"<ul>{items}</ul><p>Change these in <code>config.yaml</code> "
        "(section <code>faceswap</code>/<code>app</code>/<code>provenance</code>) "
        "or with <code>INKFRAME__SECTION__KEY</code> environment variables, then restart the studio.</p>"
    )


def backends_table(context: UiContext) -> list[list[Any]]:
    rows = []
    for health in backend_service.check_backends(context.config, context.comfyui_url):
        rows.append(
            [
                health.name,
                health.url,
                "yes" if health.reachable else "no",
                health.version or "",
                ", ".join(health.devices),
                "" if health.reachable else health.describe(),
            ]
        )
    return rows


def capabilities_view(context: UiContext) -> list[Any]:
    """[table rows, notes html]: ready / what is missing per capability, then one line per missing pack or model."""
    result = capability_service.check(context.comfyui_url)
    if result.report is None:
        return [[], error_html(result.error)]
    report = result.report
    items = [
        f"<li>{html.escape(item.sentence())} <i>({html.escape(summarise(labels))})</i></li>"
        for item, labels in [*report.missing_packs(), *report.missing_models()]
    ]
    summary = f"{len(report.ready)} of {len(report.statuses)} capabilities can run on {html.escape(result.url)}."
    return [report.table(), notice_html(summary + (f"<ul>{''.join(items)}</ul>" if items else ""), ok=not items)]


def _size(size: int | None) -> str:
    if not size:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def models_view(context: UiContext) -> list[Any]:
    try:
        statuses = models_service.model_statuses(context.config)
    except InkframeError as exc:
        return [[], gr.update(choices=[]), error_html(str(exc))]
    on_backend = backend_models_service.presence(
        context.config, context.comfyui_url, [(s.folder, s.name) for s in statuses]
    )
    rows = []
    for status in statuses:
        state = status.state if status.state != "partial" else f"partial ({_size(status.have_bytes)})"
        listed = {True: "yes", False: "no", None: "?"}[on_backend[(status.folder, status.name)]]
        rows.append(
            [status.name, status.folder, state, listed, _size(status.size), ", ".join(status.used_by), status.licence]
        )
    missing = [s.name for s in statuses if s.state != "present"]
    models_dir = models_service.models_dir(context.config)
    summary = f"{len(statuses) - len(missing)} of {len(statuses)} models present in {models_dir}."
    return [
        rows,
        gr.update(choices=missing, value=missing[0] if missing else None),
        notice_html(html.escape(summary), ok=not missing),
    ]


def output_html(context: UiContext) -> str:
    folder = context.output_dir
    if not folder.exists():
        return notice_html(
            f"<code>{html.escape(str(folder))}</code> does not exist yet; it is created on the first output."
        )
    writable = os.access(folder, os.W_OK)
    count, size = 0, 0
    for path in folder.rglob("*"):  # counted up to a cap: a page load must stay quick
        if path.is_file():
            count, size = count + 1, size + path.stat().st_size
            if count >= OUTPUT_COUNT_CAP:
                break
    counted = f"{count}+" if count >= OUTPUT_COUNT_CAP else str(count)
    text = f"<code>{html.escape(str(folder))}</code>: {counted} files, {_size(size)}" + (
        "" if writable else " — not writable!"
    )
    return notice_html(text, ok=writable)


def download(context: UiContext, name: str | None, progress=gr.Progress()) -> list[Any]:
    if not name:
        return [*models_view(context)[:2], error_html("Pick a model to download.")]

    def report(done: int, total: int | None) -> None:
        progress(done / total if total else None, desc=f"{name}: {_size(done)} of {_size(total)}")

    try:
        path = models_service.download(context.config, name, report)
    except InkframeError as exc:
        return [*models_view(context)[:2], error_html(str(exc))]
    done = f"{html.escape(name)} is in <code>{html.escape(str(path))}</code>."
    seen = backend_models_service.lists_file(context.config, context.comfyui_url, path.parent.name, name)
    if seen is False:  # a ComfyUI of the user's own that does not read the project's models folder
        return [
            *models_view(context)[:2],
            notice_html(
                f"{done} The backend does not list it: point it at that folder with "
                "<code>python scripts/download_models.py --extra-model-paths /path/to/ComfyUI</code> and restart it."
            ),
        ]
    return [*models_view(context)[:2], notice_html(done + (" The backend lists it." if seen else ""), ok=True)]


def save_preset(context: UiContext, name: str, *values: Any) -> list[Any]:
    fields = list(preset_fields())
    try:
        preset_service.save_preset(context.data_dir, name, dict(zip(fields, values)))
    except InkframeError as exc:
        return [gr.update(), error_html(str(exc))]
    names = preset_service.list_presets(context.data_dir)
    return [
        gr.update(choices=names, value=name.strip()),
        notice_html(f"Saved preset {html.escape(name.strip())}.", ok=True),
    ]


def load_preset(context: UiContext, name: str | None) -> list[Any]:
    fields = list(preset_fields())
    if not name:
        return [error_html("Pick a saved preset."), *[gr.update() for _ in fields]]
    try:
        values = preset_service.load_preset(context.data_dir, name)
    except InkframeError as exc:
        return [error_html(str(exc)), *[gr.update() for _ in fields]]
    unknown = sorted(set(values) - set(fields))
    note = f" (ignored settings this studio no longer has: {', '.join(unknown)})" if unknown else ""
    return [
        notice_html(f"Loaded preset {html.escape(name)}{html.escape(note)}.", ok=True),
        *[values[key] if key in values else gr.update() for key in fields],
    ]


def listen(context: UiContext) -> None:
    w = _w
    fields = preset_fields()
    w["check"].click(
        lambda: [backends_table(context), *capabilities_view(context)],
        outputs=[w["backends"], w["capabilities"], w["capability_notes"]],
    )
    w["download"].click(
        lambda name, progress=gr.Progress(): download(context, name, progress),
        inputs=w["model"],
        outputs=[w["models"], w["model"], w["model_status"]],
    )
    w["save"].click(
        lambda name, *values: save_preset(context, name, *values),
        inputs=[w["preset_name"], *fields.values()],
        outputs=[w["preset"], w["preset_status"]],
    )
    w["load"].click(
        lambda name: load_preset(context, name), inputs=w["preset"], outputs=[w["preset_status"], *fields.values()]
    )

    def on_load() -> list[Any]:
        names = preset_service.list_presets(context.data_dir)
        return [
            backends_table(context),
            *capabilities_view(context),
            *models_view(context),
            output_html(context),
            gr.update(choices=names),
        ]

    register_page_load(
        on_load,
        [
            w["backends"],
            w["capabilities"],
            w["capability_notes"],
            w["models"],
            w["model"],
            w["model_status"],
            w["output"],
            w["preset"],
        ],
    )
