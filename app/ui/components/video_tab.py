"""The video tab: text or image to video."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Text or image to video.')
    backend_notice.render("video")
    if not module_available('app.services.video_service'):
        gr.HTML(notice_html(missing_capability('video generation', 'app.services.video_service')))


def listen(context: UiContext) -> None:
    return None
