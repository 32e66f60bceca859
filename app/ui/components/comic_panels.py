"""The panel grid of the Comic tab: every panel with its art, prompt, seed and scores; build the book on
ComfyUI (live progress), or regenerate one panel with a new seed or prompt.

Built panels go straight into the page preview below (Pages), where the lettering can be edited.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import backend_models_service as backend_models
from ...services import book_session_service as books
from ...services import compose_service
from ...services.compose_service import ComposeDraft
from ...services.script_check_service import check_script_text
from ..context import UiContext
from ..core import get_ui_component, register_page_load
from ..notices import error_html, missing_capability, module_available, notice_html
from . import backend_notice, live_progress

BOOK_BUILDER_MODULE = "app.services.book_service"
BOOK_WORKFLOW = "panel"  # the workflow a book build draws panels with (its checkpoint is the default)
PANEL_HEADERS = ["page", "panel", "status", "shot", "prompt", "characters", "lettering", "art", "seed", "identity", "quality"]
PANEL_WIDTHS = ["70px", "70px", "110px", "110px", "320px", "150px", "240px", "160px", "100px", "100px", "100px"]  # scroll, never stack letters
LOG_LINES = 12
_w: dict[str, Any] = {}
GENERATE_HINT = "Build and Regenerate appear here once the script above has no errors."


def controls_visibility(script: str | None) -> tuple[Any, Any]:
    """(the build/regenerate controls, the hint): the controls only when the script parses without errors."""
    ready = bool(script and script.strip()) and check_script_text(script, None).ok
    return gr.update(visible=ready), gr.update(visible=not ready)


def render(context: UiContext) -> None:
    backend_notice.render("comic")
    _w["builder"] = module_available(BOOK_BUILDER_MODULE)
    if _w["builder"]:
        _w["hint"] = gr.HTML(notice_html(GENERATE_HINT), elem_id="comic-generate-hint")
        with gr.Column(visible=False, elem_id="comic-generate") as _w["controls"]:  # shown once the script can be built
            with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
                _w["build"] = gr.Button("Build the book on ComfyUI", variant="primary", scale=2, elem_id="comic-build")
                _w["resume"] = gr.Checkbox(True, label="Keep finished panels (resume)", scale=1, elem_id="comic-resume")
                _w["checkpoint"] = gr.Dropdown([], label="Checkpoint (the backend's)", scale=2, interactive=True,
                                               allow_custom_value=True, elem_id="comic-checkpoint")
            with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
                _w["ref"] = gr.Textbox(label="Panel (page:panel)", placeholder="1:2", scale=1, elem_id="comic-regen-ref")
                _w["seed"] = gr.Textbox(label="New seed (empty: the next one)", placeholder="e.g. 1234", scale=1, elem_id="comic-regen-seed")
                _w["prompt"] = gr.Textbox(label="New action text (optional)", scale=3, elem_id="comic-regen-prompt")
                _w["regen"] = gr.Button("Regenerate this panel", scale=1, elem_id="comic-regen")
        _w["log"] = gr.HTML("", elem_id="comic-build-log")
    else:
        gr.HTML(notice_html(missing_capability("generating and regenerating panel art", BOOK_BUILDER_MODULE)
                            + " Compose pages from your own panel images below."), elem_id="comic-builder-missing")
    _w["gallery"] = gr.Gallery(label="Panel art", columns=6, height="auto", elem_id="comic-panel-gallery")
    _w["table"] = gr.Dataframe(headers=PANEL_HEADERS, value=[], interactive=False, wrap=True, label="Panels",
                               elem_id="comic-panel-table", elem_classes=["inkframe-wide-table"], column_widths=PANEL_WIDTHS)


def _book(script: str | None):
    return check_script_text(script).book if script and script.strip() else None


def panel_rows(context: UiContext, script: str | None, draft: ComposeDraft | None) -> list[list[Any]]:
    """One row per panel of the script (or of the composed draft), with what a build recorded for it."""
    book = draft.book if draft is not None else _book(script)
    if book is None:
        return []
    built = {(v.page, v.panel): v for v in books.panel_views(books.book_folder(context.output_dir, book.title))}
    art = draft.art if draft is not None else {}
    rows = []
    for page in book.pages:
        for panel in page.panels:
            view = built.get((page.number, panel.number))
            path = art.get((page.number, panel.number)) or (view.image if view else None)
            rows.append([page.number, panel.number, view.status if view else "not built", panel.shot or "",
                         view.prompt if view and view.prompt else panel.description, ", ".join(panel.characters),
                         len(panel.dialogue), path.name if path else "", view.seed if view else "",
                         view.identity if view else "", round(view.quality, 3) if view and view.quality is not None else ""])
    return rows


def panel_gallery(context: UiContext, script: str | None, draft: ComposeDraft | None) -> list[tuple[str, str]]:
    if draft is not None and draft.art:
        return [(str(path), f"page {page} · panel {panel}") for (page, panel), path in sorted(draft.art.items())]
    book = _book(script)
    if book is None:
        return []
    return [(str(v.image), f"page {v.page} · panel {v.panel}" + (f" · seed {v.seed}" if v.seed is not None else ""))
            for v in books.panel_views(books.book_folder(context.output_dir, book.title)) if v.image]


def _log_html(lines: list[str], error: str | None = None) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[-LOG_LINES:])
    if error:
        return f'<div class="inkframe-notice inkframe-errors"><p>{html.escape(error)}</p><ul>{items}</ul></div>'
    return f'<div class="inkframe-ok"><ul>{items}</ul></div>'


def checkpoint_update(context: UiContext) -> Any:
    """The backend's checkpoints, on the panel workflow's own one when present (a missing one said in the info)."""
    try:
        choice = backend_models.workflow_checkpoint(context.config, context.comfyui_url, BOOK_WORKFLOW)
    except InkframeError as exc:
        return gr.update(choices=[], value=None, info=f"{exc} Empty: the panel workflow's own checkpoint.")
    return gr.update(choices=list(choice.files), value=choice.value, info=choice.note or None)


def build(context: UiContext, script: str, draft: ComposeDraft | None, resume: bool, ref: str | None = None,
          seed: str | None = None, prompt: str | None = None, checkpoint: str | None = None):
    """Stream a build: the log, the panel grid and (at the end) the composed pages for lettering."""
    seed_text = (seed or "").strip()
    if seed_text and not seed_text.isdigit():
        yield [error_html(f"The seed {seed_text!r} is not a whole number; leave it empty for the next seed."), gr.update(),
               gr.update(), draft]
        return
    book = _book(script)
    if book is None:
        yield [error_html("The script has problems (see above); fix them before building."), gr.update(), gr.update(), draft]
        return
    out_dir = books.book_folder(context.output_dir, book.title)
    lines: list[str] = []
    for update in books.run_build(context.config, context.comfyui_url, script, out_dir, regenerate=(ref or "").strip() or None,
                                  seed=int(seed_text) if seed_text else None, prompt=prompt, resume=resume,
                                  checkpoint=checkpoint or None, queue=context.services.queue()):
        if update.message and not update.done:
            lines.append(update.message)
        if update.error:
            yield [_log_html(lines, update.error), panel_rows(context, script, None), panel_gallery(context, script, None), draft]
            return
        if update.done:
            lines.append("done: the pages are in the preview below")
            yield [_log_html(lines), panel_rows(context, script, None), panel_gallery(context, script, None),
                   _draft_from_build(context, script, out_dir, draft)]
            return
        bar = live_progress.progress_html(update.progress, "comic") if update.progress is not None else ""  # panels, step, preview
        yield [_log_html(lines) + bar, panel_rows(context, script, None), panel_gallery(context, script, None), draft]


def _draft_from_build(context: UiContext, script: str, out_dir, draft: ComposeDraft | None) -> ComposeDraft | None:
    images = sorted((out_dir / "panels").glob("*.png"))
    if not images:
        return draft
    try:
        return compose_service.start_draft(images, context.output_dir / "compose" / uuid.uuid4().hex[:12], script_text=script)
    except InkframeError:
        return draft


def listen(context: UiContext) -> None:
    script = get_ui_component("comic_script")
    draft = get_ui_component("comic_draft")
    w = _w
    script.change(lambda s, d: panel_rows(context, s, d), inputs=[script, draft], outputs=w["table"],
                  show_progress="hidden", trigger_mode="always_last")
    draft.change(lambda s, d: (panel_rows(context, s, d), panel_gallery(context, s, d)), inputs=[script, draft],
                 outputs=[w["table"], w["gallery"]], show_progress="hidden")
    if w["builder"]:
        script.change(controls_visibility, inputs=script, outputs=[w["controls"], w["hint"]], show_progress="hidden",
                      trigger_mode="always_last", queue=False)
        outputs = [w["log"], w["table"], w["gallery"], draft]
        w["build"].click(lambda s, d, r, c: (yield from build(context, s, d, r, checkpoint=c)),
                         inputs=[script, draft, w["resume"], w["checkpoint"]], outputs=outputs)
        w["regen"].click(lambda s, d, ref, seed, prompt, c: (yield from build(context, s, d, True, ref, seed, prompt, c)),
                         inputs=[script, draft, w["ref"], w["seed"], w["prompt"], w["checkpoint"]], outputs=outputs)
        register_page_load(lambda: checkpoint_update(context), [w["checkpoint"]])
