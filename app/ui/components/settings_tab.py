"""The settings tab: backends, models, safety, output folder and presets."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Backends, models, safety, output folder and presets.')
    backend_notice.render("settings")
    if not module_available('app.services.backend_service'):
        gr.HTML(notice_html(missing_capability('settings', 'app.services.backend_service')))


def listen(context: UiContext) -> None:
    return None
