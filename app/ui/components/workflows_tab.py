"""The workflows tab: every workflow in workflows/ as a form built from its declared parameters."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from ..notices import missing_capability, module_available, notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    gr.Markdown('Every workflow in workflows/ as a form built from its declared parameters.')
    backend_notice.render("workflows")
    if not module_available('app.workflows'):
        gr.HTML(notice_html(missing_capability('the workflow forms', 'app.workflows')))


def listen(context: UiContext) -> None:
    return None
