"""The faceswap tab: swap a face into an image or a video, with a consent confirmation and a preview frame first."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Swap a face into an image or a video, with a consent confirmation and a preview frame first.')
    if not module_available('app.services.faceswap_service'):
        gr.HTML(notice_html(missing_capability('face swap', 'app.services.faceswap_service')))


def listen(context: UiContext) -> None:
    return None
