"""The banner at the top of the studio: is a ComfyUI reachable? Refreshed on load and on demand.

Tabs that need ComfyUI register a notice (see `backend_notice.render`); this component fills all of
them with the same health check.
"""

from __future__ import annotations

import html

import gradio as gr

from ...services import backend_service, capability_service
from ..context import UiContext
from ..core import get_ui_component, register_ui_component
from ..notices import notice_html
from . import backend_notice


def render(context: UiContext) -> None:
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        banner = gr.HTML(
            notice_html(f"Checking the ComfyUI backend at {html.escape(context.comfyui_url)} …"),
            elem_id="backend-banner",
        )
        refresh = gr.Button("Check backend", size="sm", scale=0, min_width=140, elem_id="backend-refresh")
    register_ui_component("backend_banner", banner)
    register_ui_component("backend_refresh_button", refresh)


def describe(context: UiContext, tabs: list[str] | None = None) -> tuple[str, list[str]]:
    """(banner html, one notice html per tab in `tabs`): what the backend is and what each tab can do on it.

    The banner is green only when every capability can run; a tab's notice only when its own jobs can."""
    tabs = tabs or []
    health = backend_service.check_backend(backend_service.MAIN_BACKEND, context.comfyui_url)
    sentence = html.escape(backend_service.describe_health(health))
    if not health.reachable:
        return notice_html(f"<b>No ComfyUI backend.</b> {sentence}"), [
            notice_html(
                f"<b>Generating on this tab needs ComfyUI.</b> {sentence} "
                "Composing pages from your own images (Comic tab, <i>Pages</i>) works without it."
            )
            for _ in tabs
        ]
    result = capability_service.check(context.comfyui_url, max_age_s=0)
    if result.report is None:
        return notice_html(f"{sentence} {html.escape(result.error)}"), [
            notice_html(html.escape(result.error)) for _ in tabs
        ]
    ready, total = len(result.report.ready), len(result.report.statuses)
    banner = notice_html(
        f"{sentence} {ready} of {total} capabilities can run on it (Settings lists what the rest need).",
        ok=ready == total,
    )
    notices = []
    for tab in tabs:
        wanted = backend_notice.TAB_CAPABILITIES.get(tab, ())
        if not wanted:
            notices.append("")
            continue
        ok, text = capability_service.tab_summary(result, wanted)
        notices.append(notice_html(html.escape(text), ok=ok))
    return banner, notices


def listen(context: UiContext, demo: gr.Blocks) -> None:
    banner = get_ui_component("backend_banner")
    notices = backend_notice.registered_notices()
    tabs = backend_notice.registered_tabs()

    def refresh() -> list[str]:
        banner_html, texts = describe(context, tabs)
        return [banner_html, *texts]

    outputs = [banner, *notices]
    demo.load(refresh, outputs=outputs, show_progress="hidden")
    get_ui_component("backend_refresh_button").click(refresh, outputs=outputs)
