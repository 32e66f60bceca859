"""Compose pages from panel images (no ComfyUI needed) and edit their lettering on the page preview.

Upload images (named `p01_panel02.png` to pin them, else in upload order), optionally use the script
from the editor for pages and lettering, compose; then click a balloon on the page preview (or pick it from
the list) and change its text or kind, redrawn as you type, or click an empty spot of its panel to move it.
"""

from __future__ import annotations

import html
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import comic_workspace_service as workspace
from ...services import compose_service
from ...services.choices import BALLOON_KINDS, page_size_names
from ...services.compose_service import BalloonEdit, ComposeDraft
from ..context import UiContext
from ..core import get_ui_component, register_preset_field, register_ui_component
from ..notices import error_html, notice_html

BALLOON_HEADERS = ["panel", "#", "kind", "speaker", "text", "x", "y"]
SHOW_PREVIEW_JS = (
    "() => { const p = document.querySelector('#compose-preview'); if (p) p.scrollIntoView({block: 'nearest'}); }"
)
PREVIEW_HEIGHT = 712  # px: the whole page readable beside the editor in a 1440x900 window
_w: dict[str, Any] = {}


def render(context: UiContext) -> None:
    """The left column's part: panel images and page settings, Compose, and the balloon's placement fields."""
    gr.Markdown(
        "Compose lettered pages from panel images you already have — this works without ComfyUI. "
        "Name files like `p01_panel02.png` to pin them to a panel; others fill the panels in upload order."
    )
    _w["files"] = gr.File(
        label="Panel images", file_count="multiple", file_types=["image"], type="filepath", elem_id="compose-files"
    )
    with gr.Row():
        _w["use_script"] = gr.Checkbox(
            True, label="Use the script above for pages and lettering (when it parses)", elem_id="compose-use-script"
        )
        _w["page_size"] = gr.Dropdown(
            page_size_names(), value="us-comic", label="Page size", elem_id="compose-page-size"
        )
        _w["dpi"] = gr.Number(150, label="DPI", minimum=72, maximum=600, precision=0, elem_id="compose-dpi")
        _w["per_page"] = gr.Slider(
            1,
            compose_service.MAX_PANELS_PER_PAGE,
            value=4,
            step=1,
            label="Panels per page (no script)",
            elem_id="compose-per-page",
        )
    for key in ("use_script", "page_size", "dpi", "per_page"):
        register_preset_field(f"comic.{key}", _w[key])
    _w["compose"] = gr.Button("Compose pages", variant="primary", elem_id="compose-button")
    _w["status"] = gr.HTML("", elem_id="compose-status")
    draft = gr.State(None)
    register_ui_component("comic_draft", draft)


def render_lettering(context: UiContext) -> None:
    """The left column's lettering section: where the picked balloon sits, Apply/Add, every balloon of the page."""
    gr.Markdown(
        "Click a balloon on the page to pick it; its text and kind redraw the page as you type. "
        "Click an empty spot of its panel to move it there."
    )
    with gr.Row():
        _w["panel"] = gr.Number(1, label="Panel", minimum=1, precision=0, elem_id="compose-panel", min_width=80)
        _w["auto_place"] = gr.Checkbox(True, label="Let the letterer place it", elem_id="compose-auto-place")
    with gr.Row():
        _w["x"] = gr.Slider(0, 1, value=0.5, step=0.01, label="x (from the left)", elem_id="compose-x")
        _w["y"] = gr.Slider(0, 1, value=0.2, step=0.01, label="y (from the top)", elem_id="compose-y")
    with gr.Row():
        _w["apply"] = gr.Button("Apply to balloon", variant="primary", size="sm", elem_id="compose-apply")
        _w["add"] = gr.Button("Add as new balloon", size="sm", elem_id="compose-add")
    _w["table"] = gr.Dataframe(
        headers=BALLOON_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        label="Lettering on this page",
        elem_id="compose-balloons",
        column_widths=["80px", "50px", "90px", "120px", "340px", "70px", "70px"],
        elem_classes=["inkframe-wide-table"],
    )


def render_toolbar(context: UiContext) -> None:
    """Beside the page preview: which page, which balloon, and that balloon's text and kind."""
    _w["page"] = gr.Dropdown(choices=[], label="Page", elem_id="compose-page")
    _w["balloon"] = gr.Dropdown(choices=[], label="Balloon (or click one on the page)", elem_id="compose-balloon")
    _w["text"] = gr.Textbox(label="Its text (redraws as you type)", lines=3, elem_id="compose-balloon-text")
    _w["kind"] = gr.Dropdown(list(BALLOON_KINDS), value="speech", label="Kind", elem_id="compose-balloon-kind")


def render_preview(context: UiContext) -> None:
    _w["preview"] = gr.Image(
        label="Page preview: click a balloon to edit it",
        type="filepath",
        interactive=False,
        elem_id="compose-preview",
        height=PREVIEW_HEIGHT,
        show_label=False,
        buttons=["download", "fullscreen"],
    )


def script_settings(script: str | None, use_script: bool) -> list[Any]:
    """Page size, DPI and panels per page show the script's values, locked, while the script is used (a script
    that parses sets them: one source of truth, visibly); free again without one."""
    book = workspace.script_book(script) if use_script else None
    if book is None:
        return [
            gr.update(interactive=True, info=None),
            gr.update(interactive=True, info=None),
            gr.update(interactive=True, info=None),
        ]
    return [
        gr.update(value=book.page_size, interactive=False, info="Set by the script (Page size:)"),
        gr.update(value=book.dpi, interactive=False, info="Set by the script (DPI:)"),
        gr.update(interactive=False, info="The script lays out its panels"),
    ]


def _status(draft: ComposeDraft) -> str:
    pages = len(draft.page_files)
    head = f"Composed {pages} page{'s' if pages != 1 else ''} of “{html.escape(draft.book.title)}”."
    notes = [*draft.warnings, *draft.issues]
    if not notes:
        return notice_html(head, ok=True)
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes[:30])
    return f'<div class="inkframe-ok"><p>{head}</p><ul>{items}</ul></div>'


def _balloon_choices(draft: ComposeDraft | None, page: int | None) -> list[tuple[str, str]]:
    if draft is None or page is None:
        return []
    choices = []
    for row in compose_service.balloon_rows(draft.book, page):
        who = f"{row['speaker']}: " if row["speaker"] else ""
        text = row["text"] if len(row["text"]) <= 40 else row["text"][:39] + "…"
        choices.append(
            (
                f"panel {row['panel']} · {row['index'] + 1} · {row['kind']} · {who}{text}",
                f"{row['panel']}:{row['index']}",
            )
        )
    return choices


def _page_view(draft: ComposeDraft | None, page: int | None, balloon: str | None = None) -> list[Any]:
    """Preview, balloon picker and table for one page."""
    if draft is None or page is None or page not in draft.page_files:
        return [None, gr.update(choices=[], value=None), []]
    rows = compose_service.balloon_rows(draft.book, page)
    table = [[r["panel"], r["index"] + 1, r["kind"], r["speaker"], r["text"], r["x"], r["y"]] for r in rows]
    choices = _balloon_choices(draft, page)
    values = {value for _, value in choices}
    picked = balloon if balloon in values else None
    return [
        str(_preview_file(draft, page, picked)),
        gr.update(choices=choices, value=picked),
        table,
    ]


def _preview_file(draft: ComposeDraft, page: int, balloon: str | None) -> Path:
    """The page as composed, with the picked balloon outlined when there is one."""
    if balloon:
        panel, index = (int(part) for part in balloon.split(":"))
        outlined = workspace.picked_preview(draft, page, panel, index)
        if outlined is not None:
            return outlined
    return draft.page_files[page]


def compose(
    context: UiContext,
    files: list[str] | None,
    use_script: bool,
    script: str,
    page_size: str,
    dpi: float,
    per_page: float,
) -> list[Any]:
    if not files:
        return [None, error_html("Upload at least one panel image first."), gr.update(), *_page_view(None, None)]
    work_dir = context.output_dir / "compose" / uuid.uuid4().hex[:12]
    try:
        draft = compose_service.start_draft(
            files,
            work_dir,
            script_text=script if use_script else None,
            page_size=page_size,
            dpi=int(dpi or 150),
            panels_per_page=int(per_page or 4),
            page_format="jpeg",
        )
    except InkframeError as exc:
        return [None, error_html(str(exc)), gr.update(choices=[], value=None), *_page_view(None, None)]
    first = min(draft.page_files)
    pages = gr.update(choices=[(f"Page {n}", n) for n in sorted(draft.page_files)], value=first)
    return [draft, _status(draft), pages, *_page_view(draft, first)]


def pick_balloon(draft: ComposeDraft | None, page: int | None, balloon: str | None) -> list[Any]:
    """The balloon list's pick fills the balloon's fields and outlines it on the preview (the one path that does)."""
    if draft is None or page is None or not balloon or page not in draft.page_files:
        return [gr.update()] * 7
    panel, index = (int(part) for part in balloon.split(":"))
    rows = compose_service.balloon_rows(draft.book, page)
    row = next((r for r in rows if r["panel"] == panel and r["index"] == index), None)
    if row is None:
        return [gr.update()] * 7
    placed = row["x"] is not None
    return [
        row["text"],
        row["kind"],
        panel,
        not placed,
        row["x"] if placed else 0.5,
        row["y"] if placed else 0.2,
        str(_preview_file(draft, page, balloon)),
    ]


def edit(
    draft: ComposeDraft | None,
    page: int | None,
    balloon: str | None,
    text: str,
    kind: str,
    new_panel: float | None,
    auto_place: bool,
    x: float,
    y: float,
    add: bool,
) -> list[Any]:
    if draft is None or page is None:
        return [draft, error_html("Compose pages first."), *_page_view(draft, page)]
    if not add and not balloon:
        return [draft, error_html("Pick a balloon to change, or use “Add as new balloon”."), *_page_view(draft, page)]
    if add:
        panel, index = int(new_panel or 1), -1
    else:
        panel, index = (int(part) for part in balloon.split(":"))
    change = BalloonEdit(text=text, kind=kind, position=None if auto_place else (x, y))
    try:
        if not add and auto_place:
            draft = _clear_position(draft, page, panel, index)
        draft = compose_service.edit_balloon(draft, page, panel, index, change)
    except InkframeError as exc:
        return [draft, error_html(str(exc)), *_page_view(draft, page, balloon)]
    if add:
        balloon = (
            f"{panel}:{len([r for r in compose_service.balloon_rows(draft.book, page) if r['panel'] == panel]) - 1}"
        )
    return [
        draft,
        edit_confirmation(page, balloon, text, kind, auto_place, x, y, add),
        *_page_view(draft, page, balloon),
    ]


def edit_confirmation(
    page: int, balloon: str, text: str, kind: str, auto_place: bool, x: float, y: float, add: bool
) -> str:
    """One sentence saying what changed on the page (shown after Apply / Add)."""
    words = " ".join(text.split())
    words = words if len(words) <= 60 else words[:59].rstrip() + "…"
    where = "placed by the letterer" if auto_place else f"at ({x:.2f}, {y:.2f})"
    verb = "Added" if add else "Updated"
    return notice_html(
        f"{verb} balloon {html.escape(balloon)} on page {page}: {html.escape(kind)} “{html.escape(words)}”, "
        f"{where}; the page preview is redrawn.",
        ok=True,
    )


def _clear_position(draft: ComposeDraft, page: int, panel: int, index: int) -> ComposeDraft:
    """Hand a pinned balloon back to the letterer (edit_balloon keeps a position it is not given)."""
    from dataclasses import replace

    pages = []
    for book_page in draft.book.pages:
        if book_page.number == page:
            panels = []
            for book_panel in book_page.panels:
                if book_panel.number == panel and 0 <= index < len(book_panel.dialogue):
                    dialogue = list(book_panel.dialogue)
                    dialogue[index] = dialogue[index].model_copy(update={"position": None})
                    book_panel = book_panel.model_copy(update={"dialogue": dialogue})
                panels.append(book_panel)
            book_page = book_page.model_copy(update={"panels": panels})
        pages.append(book_page)
    return replace(draft, book=draft.book.model_copy(update={"pages": pages}))


CLICK_OUTPUTS = ("draft", "status", "preview", "balloon", "table", "text", "kind", "panel", "auto_place", "x", "y")


def click_preview(
    draft: ComposeDraft | None, page: int | None, balloon: str | None, text: str, kind: str, evt: gr.SelectData
) -> list[Any]:
    """A click on the page: on a balloon, pick it for editing; on an empty spot of the picked balloon's panel,
    move it there (redrawn at once); with no balloon picked, set where “Add as new balloon” puts one."""
    out: dict[str, Any] = {name: gr.update() for name in CLICK_OUTPUTS}
    if draft is None or page is None or evt.index is None:
        out["status"] = error_html("Compose pages first, then click a balloon on the page.")
        return [out[name] for name in CLICK_OUTPUTS]
    x_px, y_px = float(evt.index[0]), float(evt.index[1])
    hit = workspace.balloon_at_point(draft, page, x_px, y_px)
    if hit is not None:
        _preview, choices, table = _page_view(draft, page, hit.key)
        # The pick's fields are filled by the balloon list's change event (pick_balloon), the one path that fills
        # them: filling them here too would let that later event overwrite what the artist starts typing.
        out.update(balloon=choices, table=table)
        out["status"] = notice_html(
            f"Picked balloon {hit.key} on page {page} ({html.escape(hit.kind)}): edit its text "
            "or kind beside the page, or click an empty spot of its panel to move it.",
            ok=True,
        )
        return [out[name] for name in CLICK_OUTPUTS]
    point = compose_service.locate_point(draft, page, x_px, y_px)
    if point is None:
        out["status"] = error_html("That spot is in a gutter; click a balloon, or a spot inside a panel.")
    elif balloon and int(balloon.split(":")[0]) != point.panel:
        panel = int(balloon.split(":")[0])
        out["status"] = error_html(
            f"The picked balloon belongs to panel {panel}; click inside panel {panel} to move "
            "it, or clear the pick to add a new balloon."
        )
    elif balloon:  # move the picked balloon to the spot, redrawn at once
        moved = edit(draft, page, balloon, text, kind, point.panel, False, point.x, point.y, add=False)
        out.update(zip(("draft", "status", "preview", "balloon", "table"), moved))
        out.update(auto_place=False, x=point.x, y=point.y)
    else:
        out.update(panel=point.panel, auto_place=False, x=point.x, y=point.y)
        out["status"] = notice_html(
            f"Position ({point.x}, {point.y}) in panel {point.panel}; press “Add as new balloon”.", ok=True
        )
    return [out[name] for name in CLICK_OUTPUTS]


def live_edit(
    draft: ComposeDraft | None,
    page: int | None,
    balloon: str | None,
    text: str,
    kind: str,
    new_panel: float | None,
    auto_place: bool,
    x: float,
    y: float,
) -> list[Any]:
    """Typing in the text box or choosing a kind redraws the picked balloon at once (nothing when none is picked)."""
    if draft is None or page is None or not balloon or not (text or "").strip():
        return [gr.update()] * 5
    result = edit(draft, page, balloon, text, kind, new_panel, auto_place, x, y, add=False)
    result[3] = gr.update()  # keep the balloon list as it is: re-picking would overwrite the text being typed
    return result


def listen(context: UiContext) -> None:
    draft = get_ui_component("comic_draft")
    script = get_ui_component("comic_script")
    w = _w
    view = [w["preview"], w["balloon"], w["table"]]
    w["compose"].click(
        lambda *args: compose(context, *args),
        inputs=[w["files"], w["use_script"], script, w["page_size"], w["dpi"], w["per_page"]],
        outputs=[draft, w["status"], w["page"], *view],
    ).then(None, js=SHOW_PREVIEW_JS)  # the composed page comes into view (and loads: the preview image is lazy)
    w["page"].change(_page_view, inputs=[draft, w["page"]], outputs=view, show_progress="hidden")
    settings = [w["page_size"], w["dpi"], w["per_page"]]
    script.change(
        script_settings,
        inputs=[script, w["use_script"]],
        outputs=settings,
        show_progress="hidden",
        trigger_mode="always_last",
    )
    w["use_script"].change(script_settings, inputs=[script, w["use_script"]], outputs=settings, show_progress="hidden")
    w["balloon"].change(
        pick_balloon,
        inputs=[draft, w["page"], w["balloon"]],
        outputs=[w["text"], w["kind"], w["panel"], w["auto_place"], w["x"], w["y"], w["preview"]],
        show_progress="hidden",
    )
    fields = [draft, w["page"], w["balloon"], w["text"], w["kind"], w["panel"], w["auto_place"], w["x"], w["y"]]
    w["apply"].click(lambda *a: edit(*a, add=False), inputs=fields, outputs=[draft, w["status"], *view])
    w["add"].click(lambda *a: edit(*a, add=True), inputs=fields, outputs=[draft, w["status"], *view])
    for field in (w["text"], w["kind"]):
        field.input(
            live_edit,
            inputs=fields,
            outputs=[draft, w["status"], *view],
            show_progress="hidden",
            trigger_mode="always_last",
        )
    w["preview"].select(
        click_preview,
        inputs=[draft, w["page"], w["balloon"], w["text"], w["kind"]],
        outputs=[draft if name == "draft" else w[name] for name in CLICK_OUTPUTS],
        show_progress="hidden",
    )
