"""The script editor of the Comic tab: type or load a full script, see parse problems as you type."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from ...config import PROJECT_ROOT
from ...services.script_check_service import ScriptCheck, check_script_text
from ..context import UiContext
from ..core import get_ui_component, register_ui_component

SAMPLE_SCRIPT = PROJECT_ROOT / "docs" / "sample" / "lighthouse.txt"
FORMATS = [("Detect", "auto"), ("Full script", "script"), ("YAML", "yaml"), ("JSON", "json")]


def render(context: UiContext) -> None:
    script_format = gr.Radio(FORMATS, value="auto", label="Format", elem_id="comic-script-format")
    with gr.Row(equal_height=False):
        sample = gr.Button("Load the sample script", size="sm", elem_id="comic-load-sample", min_width=140)
        upload = gr.UploadButton(
            "Open a script file",
            file_types=[".txt", ".script", ".yaml", ".yml", ".json"],
            size="sm",
            elem_id="comic-open-script",
            min_width=140,
        )
    editor = gr.Code(
        value="",
        language=None,
        lines=18,
        max_lines=28,
        label="Script",
        elem_id="comic-script",
        show_line_numbers=True,
        wrap_lines=True,
        interactive=True,
    )
    status = gr.HTML(status_html(None), elem_id="comic-script-status")
    register_ui_component("comic_script", editor)
    register_ui_component("comic_script_status", status)
    _extra["format"] = script_format
    _extra["sample"] = sample
    _extra["upload"] = upload


_extra: dict[str, gr.components.Component] = {}


def status_html(check: ScriptCheck | None) -> str:
    """The live verdict on the script: a summary, then every problem with its line, column and hint."""
    if check is None:
        return (
            '<div class="inkframe-notice"><p>Type a script, load the sample or open a file; '
            "problems show here as you type.</p></div>"
        )
    if check.ok:
        warnings = "".join(f"<li>{html.escape(w)}</li>" for w in check.warnings)
        extra = f"<ul class='script-warnings'>{warnings}</ul>" if warnings else ""
        return f'<div class="inkframe-ok"><p>{html.escape(check.summary())}</p>{extra}</div>'
    items = "".join(
        f"<li><b>line {issue.line}{f', column {issue.column}' if issue.column else ''}</b>: "
        f"{html.escape(issue.message)}"
        f"{f' <i>({html.escape(issue.hint)})</i>' if issue.hint else ''}</li>"
        for issue in check.issues[:50]
    )
    return f'<div class="inkframe-notice inkframe-errors"><p>{html.escape(check.summary())}</p><ul>{items}</ul></div>'


def check(text: str | None, script_format: str) -> str:
    if not text or not text.strip():
        return status_html(None)
    return status_html(check_script_text(text, None if script_format == "auto" else script_format))


def read_upload(file: str | None) -> str:
    if not file:
        return gr.update()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise gr.Error(f"cannot read {Path(file).name} as UTF-8 text ({exc.__class__.__name__}).") from exc


def listen(context: UiContext) -> None:
    editor = get_ui_component("comic_script")
    status = get_ui_component("comic_script_status")
    script_format = _extra["format"]
    editor.change(
        check, inputs=[editor, script_format], outputs=status, show_progress="hidden", trigger_mode="always_last"
    )
    script_format.change(check, inputs=[editor, script_format], outputs=status, show_progress="hidden")
    _extra["sample"].click(lambda: SAMPLE_SCRIPT.read_text(encoding="utf-8"), outputs=editor)
    _extra["upload"].upload(read_upload, inputs=_extra["upload"], outputs=editor)
