"""The panels of the Comic tab: build the book on ComfyUI (live progress, left column); the panel strip under
the page preview with every panel's art, status and scores (right column): click a panel to see its prompt and
seed and regenerate it with a new seed or prompt (a book job on the queue, as the CLI and REST API run).

Built panels go straight into the page preview, where the lettering can be edited.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import backend_models_service as backend_models
from ...services import book_session_service as books
from ...services import comic_workspace_service as workspace
from ...services import compose_service
from ...services.compose_service import ComposeDraft
from ...services.script_check_service import check_script_text
from ..context import UiContext
from ..core import get_ui_component, register_page_load
from ..notices import error_html, notice_html
from . import backend_notice, live_progress, panel_clip

BOOK_WORKFLOW = "panel"  # the workflow a book build draws panels with (its checkpoint is the default)
PANEL_HEADERS = [
    "page",
    "panel",
    "status",
    "shot",
    "prompt",
    "characters",
    "lettering",
    "art",
    "seed",
    "identity",
    "quality",
]
PANEL_WIDTHS = [
    "70px",
    "70px",
    "110px",
    "110px",
    "320px",
    "150px",
    "240px",
    "160px",
    "100px",
    "100px",
    "100px",
]  # scroll, never stack letters
LOG_LINES = 12
STRIP_HEIGHT = 420  # px: the strip beside the page preview, two thumbnails to a row, scrolling
_w: dict[str, Any] = {}
GENERATE_HINT = "Build and Regenerate appear here once the script above has no errors."


def controls_visibility(script: str | None) -> tuple[Any, Any, Any]:
    """(the build controls, the hint, the panel strip's regenerate controls): the controls only when the script
    parses without errors."""
    ready = bool(script and script.strip()) and check_script_text(script, None).ok
    return gr.update(visible=ready), gr.update(visible=not ready), gr.update(visible=ready)


def render(context: UiContext) -> None:
    """The left column's part: build the whole book on ComfyUI, its log, and every panel's details."""
    backend_notice.render("comic")
    _w["hint"] = gr.HTML(notice_html(GENERATE_HINT), elem_id="comic-generate-hint")
    with gr.Column(visible=False, elem_id="comic-generate") as _w["controls"]:  # shown once the script can be built
        with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
            _w["build"] = gr.Button("Build the book on ComfyUI", variant="primary", scale=2, elem_id="comic-build")
            _w["resume"] = gr.Checkbox(True, label="Keep finished panels (resume)", scale=1, elem_id="comic-resume")
            _w["checkpoint"] = gr.Dropdown(
                [],
                label="Checkpoint (the backend's)",
                scale=2,
                interactive=True,
                allow_custom_value=True,
                elem_id="comic-checkpoint",
            )
    _w["log"] = gr.HTML("", elem_id="comic-build-log")
    with gr.Accordion("Every panel in detail", open=False, elem_id="comic-panel-details"):
        _w["table"] = gr.Dataframe(
            headers=PANEL_HEADERS,
            value=[],
            interactive=False,
            wrap=True,
            label="Panels",
            elem_id="comic-panel-table",
            elem_classes=["inkframe-wide-table"],
            column_widths=PANEL_WIDTHS,
        )


def render_strip(context: UiContext) -> None:
    """Beside the page preview: every panel with its status and scores; click one to regenerate or edit it."""
    _w["gallery"] = gr.Gallery(
        label="Panels (click one to regenerate it)",
        columns=2,
        height=STRIP_HEIGHT,
        allow_preview=False,
        object_fit="contain",
        elem_id="comic-panel-gallery",
        elem_classes=["comic-panel-strip"],
    )
    _w["picked"] = gr.HTML("", elem_id="comic-panel-picked")
    with gr.Row(
        equal_height=False, elem_classes=["inkframe-toolbar"], visible=False, elem_id="comic-regen-controls"
    ) as _w["regen_controls"]:
        _w["ref"] = gr.Textbox(
            label="Panel (page:panel)", placeholder="1:2", scale=1, min_width=100, elem_id="comic-regen-ref"
        )
        _w["seed"] = gr.Textbox(
            label="New seed (empty: the next one)",
            placeholder="e.g. 1234",
            scale=1,
            min_width=120,
            elem_id="comic-regen-seed",
        )
        _w["prompt"] = gr.Textbox(label="New action text (optional)", scale=3, elem_id="comic-regen-prompt")
        _w["regen"] = gr.Button("Regenerate this panel", scale=1, elem_id="comic-regen")
    panel_clip.render(context)


def _book(script: str | None):
    return check_script_text(script).book if script and script.strip() else None


def panel_rows(context: UiContext, script: str | None, draft: ComposeDraft | None) -> list[list[Any]]:
    """One row per panel of the script (or of the composed draft), with what a build recorded for it."""
    return [
        [
            c.page,
            c.panel,
            c.status,
            c.shot,
            c.prompt,
            ", ".join(c.characters),
            c.balloons,
            c.image.name if c.image else "",
            c.seed if c.seed is not None else "",
            c.identity,
            round(c.quality, 3) if c.quality is not None else "",
        ]
        for c in workspace.panel_cards(context.output_dir, script, draft)
    ]


def panel_gallery(context: UiContext, script: str | None, draft: ComposeDraft | None) -> list[tuple[str, str]]:
    """The panel strip: every panel's art (a marked tile when it has none) captioned with its status and scores."""
    cards = workspace.panel_cards(context.output_dir, script, draft)
    no_art = workspace.no_art_thumbnail(context.output_dir / "compose") if any(c.image is None for c in cards) else None
    return [(str(c.image or no_art), c.caption()) for c in cards]


def pick_panel(context: UiContext, script: str | None, draft: ComposeDraft | None, evt: gr.SelectData) -> list[Any]:
    """A click in the strip: the panel's details, its page in the preview, and its ref/seed/prompt to regenerate."""
    cards = workspace.panel_cards(context.output_dir, script, draft)
    index = evt.index if isinstance(evt.index, int) else None
    if index is None or not 0 <= index < len(cards):
        return [gr.update()] * 5
    card = cards[index]
    seed = f" · seed {card.seed}" if card.seed is not None else ""
    info = notice_html(
        f"Panel {card.ref}: {html.escape(card.caption())}{seed} · {card.balloons} balloon(s). "
        f"Prompt: {html.escape(card.prompt or '(none)')}",
        ok=True,
    )
    page = gr.update(value=card.page) if draft is not None and card.page in draft.page_files else gr.update()
    return [info, card.ref, str(card.seed) if card.seed is not None else "", card.prompt, page]


def _log_html(lines: list[str], error: str | None = None) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[-LOG_LINES:])
    if error:
        return f'<div class="inkframe-notice inkframe-errors"><p>{html.escape(error)}</p><ul>{items}</ul></div>'
    return f'<div class="inkframe-ok"><ul>{items}</ul></div>'


def checkpoint_update(context: UiContext) -> Any:
    """The backend's checkpoints, on the panel workflow's own one when present (a missing one said in the info)."""
    try:
        choice = backend_models.book_checkpoint(context.config, context.comfyui_url, BOOK_WORKFLOW)
    except InkframeError as exc:
        return gr.update(choices=[], value=None, info=f"{exc} Empty: the panel workflow's own checkpoint.")
    return gr.update(choices=list(choice.files), value=choice.value, info=choice.note or None)


def build(
    context: UiContext,
    script: str,
    draft: ComposeDraft | None,
    resume: bool,
    ref: str | None = None,
    seed: str | None = None,
    prompt: str | None = None,
    checkpoint: str | None = None,
):
    """Stream a build: the log, the panel grid and (at the end) the composed pages for lettering."""
    seed_text = (seed or "").strip()
    if seed_text and not seed_text.isdigit():
        yield [
            error_html(f"The seed {seed_text!r} is not a whole number; leave it empty for the next seed."),
            gr.update(),
            gr.update(),
            draft,
        ]
        return
    book = _book(script)
    if book is None:
        yield [
            error_html("The script has problems (see above); fix them before building."),
            gr.update(),
            gr.update(),
            draft,
        ]
        return
    out_dir = books.book_folder(context.output_dir, book.title)
    lines: list[str] = []
    for update in books.run_build(
        context.config,
        context.comfyui_url,
        script,
        out_dir,
        regenerate=(ref or "").strip() or None,
        seed=int(seed_text) if seed_text else None,
        prompt=prompt,
        resume=resume,
        checkpoint=checkpoint or None,
        queue=context.services.queue(),
    ):
        if update.message and not update.done:
            lines.append(update.message)
        if update.error:
            yield [
                _log_html(lines, update.error),
                panel_rows(context, script, None),
                panel_gallery(context, script, None),
                draft,
            ]
            return
        if update.done:
            lines.append("done: the pages are in the preview below")
            yield [
                _log_html(lines),
                panel_rows(context, script, None),
                panel_gallery(context, script, None),
                _draft_from_build(context, script, out_dir, draft),
            ]
            return
        bar = (
            live_progress.progress_html(update.progress, "comic") if update.progress is not None else ""
        )  # panels, step, preview
        yield [_log_html(lines) + bar, panel_rows(context, script, None), panel_gallery(context, script, None), draft]


def _draft_from_build(context: UiContext, script: str, out_dir, draft: ComposeDraft | None) -> ComposeDraft | None:
    images = sorted((out_dir / "panels").glob("*.png"))
    if not images:
        return draft
    try:
        work_dir = context.output_dir / "compose" / uuid.uuid4().hex[:12]
        return compose_service.start_draft(images, work_dir, script_text=script, page_format="jpeg")  # fast previews
    except InkframeError:
        return draft


def listen(context: UiContext) -> None:
    from . import comic_pages

    script = get_ui_component("comic_script")
    draft = get_ui_component("comic_draft")
    w = _w
    script.change(
        lambda s, d: (panel_rows(context, s, d), panel_gallery(context, s, d)),
        inputs=[script, draft],
        outputs=[w["table"], w["gallery"]],
        show_progress="hidden",
        trigger_mode="always_last",
    )
    draft.change(
        lambda s, d: (panel_rows(context, s, d), panel_gallery(context, s, d)),
        inputs=[script, draft],
        outputs=[w["table"], w["gallery"]],
        show_progress="hidden",
    )

    def on_pick(script_text: str | None, composed: ComposeDraft | None, evt: gr.SelectData) -> list[Any]:
        info, ref, seed, prompt, page = pick_panel(context, script_text, composed, evt)
        return [info, ref, seed, prompt, page]

    w["gallery"].select(
        on_pick,
        inputs=[script, draft],
        outputs=[w["picked"], w["ref"], w["seed"], w["prompt"], comic_pages._w["page"]],
        show_progress="hidden",
    )
    script.change(
        controls_visibility,
        inputs=script,
        outputs=[w["controls"], w["hint"], w["regen_controls"]],
        show_progress="hidden",
        trigger_mode="always_last",
        queue=False,
    )
    outputs = [w["log"], w["table"], w["gallery"], draft]
    w["build"].click(
        lambda s, d, r, c: (yield from build(context, s, d, r, checkpoint=c)),
        inputs=[script, draft, w["resume"], w["checkpoint"]],
        outputs=outputs,
    )
    w["regen"].click(
        lambda s, d, ref, seed, prompt, c: (yield from build(context, s, d, True, ref, seed, prompt, c)),
        inputs=[script, draft, w["ref"], w["seed"], w["prompt"], w["checkpoint"]],
        outputs=outputs,
    )
    register_page_load(lambda: checkpoint_update(context), [w["checkpoint"]])
    panel_clip.listen(context, script, draft, w["ref"])
