"""The characters tab: a library of characters: create from text or photos, character sheets."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('A library of characters: create from text or photos, character sheets.')
    backend_notice.render("characters")
    if not module_available('app.services.library_service'):
        gr.HTML(notice_html(missing_capability('the character library', 'app.services.library_service')))


def listen(context: UiContext) -> None:
    return None
