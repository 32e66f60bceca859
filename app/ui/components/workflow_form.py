"""A form built from a workflow's declared parameters, queued as a job on submit.

Used by the Workflows tab (every workflow in workflows/) and by the Characters, Locations, Motion and
Video tabs (the workflows of their capability). The form is rebuilt from disk whenever the picked
workflow changes or "Reload" is pressed, so edits saved in the ComfyUI editor show up.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import backend_models_service as backend_models
from ...services import workflow_form_service as forms
from ...services.workflow_form_service import Parameter
from ..context import UiContext
from ..notices import error_html, notice_html
from . import live_progress


def widget(
    parameter: Parameter, key: str, models: backend_models.ModelChoices | None = None, workflow: str = ""
) -> gr.components.Component:
    """The input widget of one parameter; a model parameter lists the backend's files (`models`). Keyed by
    workflow: a re-render for another workflow makes new widgets, so no help text (or value) of the previous
    workflow stays behind."""
    label = parameter.label or parameter.name.replace("_", " ")
    common = {
        "label": label,
        "info": parameter.description or None,
        "elem_id": f"{key}-param-{parameter.name}",
        "key": f"{key}:{workflow}:{parameter.name}",
        "interactive": True,
    }
    kind, default = parameter.kind, parameter.default
    if kind in backend_models.MODEL_KINDS or models is not None:
        if models is not None:
            return gr.Dropdown(list(models.files), value=models.value, **common)
        # backend unreachable: its files are unknown, so the workflow's own value stays and can be typed over
        return gr.Dropdown([default] if default else [], value=default or None, allow_custom_value=True, **common)
    if kind == "multiline":
        return gr.Textbox(value=default or "", lines=3, **common)
    if kind in ("int", "seed"):
        return gr.Number(value=default, precision=0, minimum=parameter.minimum, maximum=parameter.maximum, **common)
    if kind == "float":
        if parameter.minimum is not None and parameter.maximum is not None:
            return gr.Slider(parameter.minimum, parameter.maximum, value=default, step=parameter.step or 0.01, **common)
        return gr.Number(value=default, minimum=parameter.minimum, maximum=parameter.maximum, **common)
    if kind == "boolean":
        return gr.Checkbox(
            value=bool(default),
            label=label,
            info=common["info"],
            elem_id=common["elem_id"],
            key=common["key"],
            interactive=True,
        )
    if kind == "choice" and parameter.choices:
        return gr.Dropdown(list(parameter.choices), value=default if default in parameter.choices else None, **common)
    if kind in ("image", "mask", "video"):  # these take no `info`: the description goes in the label
        keeps = f" (empty keeps {default})" if default else ""
        file_label = f"{label}{keeps}" + (f" — {parameter.description}" if parameter.description else "")
        if kind == "video":
            return gr.File(
                file_types=["video"],
                type="filepath",
                label=file_label,
                elem_id=common["elem_id"],
                key=common["key"],
                interactive=True,
            )
        return gr.Image(
            type="filepath",
            height=200,
            sources=["upload", "clipboard"],
            label=file_label,
            elem_id=common["elem_id"],
            key=common["key"],
            interactive=True,
        )
    return gr.Textbox(value="" if default is None else str(default), **common)


def model_choices(context: UiContext, info: forms.WorkflowInfo) -> tuple[dict[str, backend_models.ModelChoices], str]:
    """The backend's files for each model parameter, and one notice with every missing default (said once)."""
    try:
        models = backend_models.form_choices(
            context.config, context.comfyui_url, info.path, info.parameters, workflow=info.name
        )
    except InkframeError as exc:
        return {}, notice_html(html.escape(f"{exc} The model fields keep the workflow's own files."))
    notes = list(dict.fromkeys(choice.note for choice in models.values() if choice.note))
    return models, notice_html("<br>".join(html.escape(note) for note in notes)) if notes else ""


def picker_choices(infos: list[Any], user_paths: list[Any]) -> list[tuple[str, str]]:
    """Built-in workflows by name, then the user's own ones by path, labelled "(yours)"."""
    return [(info.name, info.name) for info in infos] + [(f"{path.stem} (yours)", str(path)) for path in user_paths]


def render(
    context: UiContext, key: str, names: list[str] | None = None, intro: str = "", user_paths: list[Any] | None = None
) -> gr.Dropdown | None:
    """A workflow picker and its form, returning the picker. `names` limits the picker (None: the whole
    library); `user_paths` adds the user's own workflow files."""
    try:
        infos = [info for info in forms.library() if names is None or info.name in names]
    except InkframeError as exc:
        gr.HTML(error_html(str(exc)))
        return None
    if not infos:
        gr.HTML(
            notice_html(f"No workflow for this tab is in workflows/ (expected: {html.escape(', '.join(names or []))}).")
        )
        return None
    if intro:
        gr.Markdown(intro)
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        picker = gr.Dropdown(
            picker_choices(infos, user_paths or []),
            value=infos[0].name,
            label="Workflow",
            scale=3,
            elem_id=f"{key}-workflow",
        )
        reload_button = gr.Button("Reload", size="sm", scale=0, min_width=90, elem_id=f"{key}-reload")
        editor_button = gr.Button("Open in ComfyUI", size="sm", scale=0, min_width=140, elem_id=f"{key}-editor")
    version = gr.State(0)
    status = gr.HTML("", elem_id=f"{key}-status")
    live = live_progress.render(key)  # the queued run's step progress, preview, result and Cancel
    live_progress.listen(context, live)

    # one form renders at a time: gradio's render attaches load events by walking the shared block table,
    # which a second render running at the same moment changes ("dictionary changed size during iteration")
    @gr.render(inputs=[picker, version], concurrency_limit=1, concurrency_id="workflow-form-render")
    def form(name: str | None, _version: int) -> None:
        if not name:
            return
        try:
            info = forms.describe(name)
        except InkframeError as exc:
            gr.HTML(error_html(str(exc)))
            return
        models, models_note = model_choices(context, info)
        if models_note:
            gr.HTML(models_note, elem_id=f"{key}-models-note")
        widgets: dict[str, gr.components.Component] = {}
        basic = [p for p in info.parameters if not p.advanced]
        advanced = [p for p in info.parameters if p.advanced]
        for parameter in basic:
            widgets[parameter.name] = widget(parameter, key, models.get(parameter.name), name)
        if advanced:
            with gr.Accordion("Advanced", open=False):
                for parameter in advanced:
                    widgets[parameter.name] = widget(parameter, key, models.get(parameter.name), name)
        priority = gr.Slider(
            -100, 100, value=0, step=1, label="Priority (higher runs first)", elem_id=f"{key}-priority"
        )
        blocker = forms.queue_blocker(context.config, context.comfyui_url, info.name)
        if blocker:  # said up front, and the button stays off: nothing is queued that cannot run
            gr.HTML(error_html(blocker), elem_id=f"{key}-blocked")
        submit = gr.Button("Queue it", variant="primary", interactive=not blocker, elem_id=f"{key}-submit")
        names_in_order = list(widgets)

        def queue_it(priority_value: float, *values: Any) -> list[Any]:
            chosen = dict(zip(names_in_order, values))
            try:
                job = forms.submit(
                    context.config,
                    context.comfyui_url,
                    name,
                    chosen,
                    queue=context.services.queue(),
                    priority=int(priority_value or 0),
                )
            except InkframeError as exc:
                return [error_html(str(exc))] + [gr.update()] * len(live.outputs())
            shown = html.escape(job.parameters.get("workflow", name).rsplit("/", 1)[-1])
            return [
                notice_html(
                    f"Queued job <code>{html.escape(job.id[:8])}</code> ({shown}); its progress shows below "
                    "and in the Queue tab.",
                    ok=True,
                ),
                *live_progress.follow(context, live, job.id),
            ]

        submit.click(queue_it, inputs=[priority, *widgets.values()], outputs=[status, *live.outputs()])

    def reload(name: str | None, current: int) -> tuple[int, str]:
        if not name:
            return current, ""
        backend_models.forget(context.comfyui_url)  # files added to the backend since show up in the model lists
        try:
            changed = forms.pull_edits(context.config, context.comfyui_url, name)
        except InkframeError as exc:
            return current + 1, notice_html(
                f"Reloaded {html.escape(name)} from disk; the ComfyUI editor's copy could not be read: "
                f"{html.escape(str(exc))}"
            )
        message = (
            "took the version saved in the ComfyUI editor" if changed else "no newer version in the ComfyUI editor"
        )
        return current + 1, notice_html(f"Reloaded {html.escape(name)} from disk ({message}).", ok=True)

    def open_editor(name: str | None) -> str:
        if not name:
            return error_html("Pick a workflow first.")
        try:
            saved_as = forms.publish(context.config, context.comfyui_url, name)
        except InkframeError as exc:
            return error_html(f"Cannot open {name} in the ComfyUI editor: {exc}")
        link = html.escape(forms.editor_url(context.comfyui_url))
        return notice_html(
            f'<a href="{link}" target="_blank" rel="noopener">Open the ComfyUI editor</a> and load '
            f"<code>{html.escape(saved_as.removeprefix('workflows/'))}</code> from its Workflows panel. "
            "Save there, then press Reload here to pick up the edits.",
            ok=True,
        )

    reload_button.click(reload, inputs=[picker, version], outputs=[version, status])
    editor_button.click(open_editor, inputs=picker, outputs=status)
    return picker
