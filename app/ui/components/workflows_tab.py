"""The Workflows tab: every workflow in workflows/ and the user's own ones (added here by upload or drop)
as a form built from its declared parameters."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import workflow_form_service as forms
from ...services import workflow_upload_service as uploads
from ..context import UiContext
from ..notices import error_html, notice_html
from . import backend_notice, workflow_form

_widgets: dict[str, Any] = {}


def render(context: UiContext) -> None:
    backend_notice.render("workflows")
    gr.Markdown(
        "Each workflow in `workflows/` becomes a form from its declared parameters. "
        "“Open in ComfyUI” puts it in the backend's editor; after saving there, “Reload” picks up the edits."
    )
    with gr.Accordion("Add your own workflow", open=False, elem_id="workflows-add"):
        _widgets["upload"] = gr.File(
            label="Drop a ComfyUI workflow: .json (UI or API format) or a .png saved by ComfyUI",
            file_types=[".json", ".png"],
            type="filepath",
            height=120,
            elem_id="workflows-upload",
        )
        _widgets["upload_status"] = gr.HTML("", elem_id="workflows-upload-status")
    _widgets["picker"] = workflow_form.render(context, "workflows", user_paths=uploads.user_workflows(context.config))


def add_uploaded(context: UiContext, file_path: str | None) -> tuple[Any, str, None]:
    """Keep the dropped file as a user workflow and pick it, so its form shows at once; the drop zone is
    emptied for the next file."""
    if not file_path:
        return gr.update(), "", None
    path = Path(file_path)
    try:
        if path.stat().st_size > uploads.MAX_WORKFLOW_BYTES:
            raise uploads.WorkflowUploadError(f"{path.name} is larger than {uploads.MAX_WORKFLOW_BYTES // 2**20} MiB.")
        saved = uploads.add_workflow(context.config, path.name, path.read_bytes())
        infos = forms.library()
    except (InkframeError, OSError) as exc:
        return gr.update(), error_html(str(exc)), None
    choices = workflow_form.picker_choices(infos, uploads.user_workflows(context.config))
    return (
        gr.update(choices=choices, value=str(saved)),
        notice_html(
            f"Added <code>{html.escape(saved.stem)}</code> to your workflows ({html.escape(str(saved.parent))}).",
            ok=True,
        ),
        None,
    )


def listen(context: UiContext) -> None:
    if _widgets.get("picker") is None:
        return
    _widgets["upload"].upload(
        lambda file_path: add_uploaded(context, file_path),
        inputs=_widgets["upload"],
        outputs=[_widgets["picker"], _widgets["upload_status"], _widgets["upload"]],
    )


def current_choices(context: UiContext, selected: str | None) -> Any:
    """The picker as the disk has it now (a workflow added in another browser tab shows up on opening this one)."""
    try:
        choices = workflow_form.picker_choices(forms.library(), uploads.user_workflows(context.config))
    except InkframeError:
        return gr.update()
    values = {value for _, value in choices}
    return gr.update(choices=choices, value=selected if selected in values else (choices[0][1] if choices else None))


def on_tab_select(context: UiContext, tab: gr.Tab, other_tabs: list[gr.Tab]) -> None:
    if _widgets.get("picker") is None:
        return
    tab.select(
        lambda selected: current_choices(context, selected),
        inputs=_widgets["picker"],
        outputs=_widgets["picker"],
        show_progress="hidden",
    )
