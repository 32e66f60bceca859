"""The comic tab: write a script, generate its panels, letter the pages and export them."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Write a script, generate its panels, letter the pages and export them.')
    backend_notice.render("comic")
    if not module_available('app.comic'):
        gr.HTML(notice_html(missing_capability('the comic book builder', 'app.comic')))


def listen(context: UiContext) -> None:
    return None
