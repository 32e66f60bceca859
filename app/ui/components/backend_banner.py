"""The banner at the top of the studio: is a ComfyUI reachable? Refreshed on load and on demand.

Tabs that need ComfyUI register a notice (see `backend_notice.render`); this component fills all of
them with the same health check.
"""

from __future__ import annotations

import html

import gradio as gr

from ...services import backend_service
from ..context import UiContext
from ..core import get_ui_component, register_ui_component
from ..notices import notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        banner = gr.HTML(notice_html(f"Checking the ComfyUI backend at {html.escape(context.comfyui_url)} …"), elem_id="backend-banner")
        refresh = gr.Button("Check backend", size="sm", scale=0, min_width=140, elem_id="backend-refresh")
    register_ui_component("backend_banner", banner)
    register_ui_component("backend_refresh_button", refresh)


def describe(context: UiContext) -> tuple[str, str]:
    """(banner html, notice html for tabs that need ComfyUI)."""
    health = backend_service.check_backend("main", context.comfyui_url)
    sentence = html.escape(backend_service.describe_health(health))
    if health.reachable:
        return notice_html(sentence, ok=True), ""
    return notice_html(f"<b>No ComfyUI backend.</b> {sentence}"), notice_html(
        f"<b>Generating on this tab needs ComfyUI.</b> {sentence} Composing pages from your own images (Comic tab, <i>Pages</i>) works without it."
    )


def listen(context: UiContext, demo: gr.Blocks) -> None:
    banner = get_ui_component("backend_banner")
    notices = backend_notice.registered_notices()

    def refresh() -> list[str]:
        banner_html, notice = describe(context)
        return [banner_html, *[notice for _ in notices]]

    outputs = [banner, *notices]
    demo.load(refresh, outputs=outputs, show_progress="hidden")
    get_ui_component("backend_refresh_button").click(refresh, outputs=outputs)
