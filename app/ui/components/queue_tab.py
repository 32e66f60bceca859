"""The queue tab: live jobs with progress and previews; history of finished work."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Live jobs with progress and previews; history of finished work.')
    backend_notice.render("queue")
    if not module_available('app.jobs'):
        gr.HTML(notice_html(missing_capability('the job queue', 'app.jobs')))


def listen(context: UiContext) -> None:
    return None
