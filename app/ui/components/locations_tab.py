"""The locations tab: a library of locations: create from text or photos."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('A library of locations: create from text or photos.')
    backend_notice.render("locations")
    if not module_available('app.services.library_service'):
        gr.HTML(notice_html(missing_capability('the location library', 'app.services.library_service')))


def listen(context: UiContext) -> None:
    return None
