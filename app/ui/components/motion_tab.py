"""The motion tab: transfer the motion of a reference video onto a target image."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Transfer the motion of a reference video onto a target image.')
    backend_notice.render("motion")
    if not module_available('app.services.motion_service'):
        gr.HTML(notice_html(missing_capability('motion transfer', 'app.services.motion_service')))


def listen(context: UiContext) -> None:
    return None
