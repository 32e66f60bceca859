"""The panel grid of the Comic tab: every panel of the script with its prompt, art, seed and scores.

Generating and regenerating panel art needs the book builder service; until it exists this grid shows
the script's panels and the art composed from uploaded images.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ...services.compose_service import ComposeDraft
from ...services.script_check_service import check_script_text
from ..context import UiContext
from ..core import get_ui_component
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice

BOOK_BUILDER_MODULE = "app.services.book_service"
PANEL_HEADERS = ["page", "panel", "shot", "prompt", "characters", "lettering", "art", "seed", "score"]
_w: dict[str, Any] = {}


def render(context: UiContext) -> None:
    backend_notice.render("comic")
    if not module_available(BOOK_BUILDER_MODULE):
        gr.HTML(notice_html(missing_capability("generating, regenerating and editing panel art", BOOK_BUILDER_MODULE)
                            + " Compose pages from your own panel images below."), elem_id="comic-builder-missing")
    _w["gallery"] = gr.Gallery(label="Panel art", columns=6, height="auto", elem_id="comic-panel-gallery")
    _w["table"] = gr.Dataframe(headers=PANEL_HEADERS, value=[], interactive=False, wrap=True, label="Panels",
                               elem_id="comic-panel-table")


def panel_rows(script: str | None, draft: ComposeDraft | None) -> list[list[Any]]:
    """One row per panel: of the composed draft when there is one, else of the script in the editor."""
    book = draft.book if draft is not None else (check_script_text(script).book if script and script.strip() else None)
    if book is None:
        return []
    art = draft.art if draft is not None else {}
    rows = []
    for page in book.pages:
        for panel in page.panels:
            path = art.get((page.number, panel.number))
            rows.append([page.number, panel.number, panel.shot or "", panel.description, ", ".join(panel.characters),
                         len(panel.dialogue), path.name if path else "", "", ""])
    return rows


def panel_gallery(draft: ComposeDraft | None) -> list[tuple[str, str]]:
    if draft is None:
        return []
    return [(str(path), f"page {page} · panel {panel}") for (page, panel), path in sorted(draft.art.items())]


def listen(context: UiContext) -> None:
    script = get_ui_component("comic_script")
    draft = get_ui_component("comic_draft")
    script.change(panel_rows, inputs=[script, draft], outputs=_w["table"], show_progress="hidden", trigger_mode="always_last")
    draft.change(lambda s, d: (panel_rows(s, d), panel_gallery(d)), inputs=[script, draft],
                 outputs=[_w["table"], _w["gallery"]], show_progress="hidden")
