"""The Comic tab: a workspace with the script editor, the live page preview and an inspector side by side.

Left: the script, composing pages from panel images, the picked balloon's placement and the page's lettering,
building the book on ComfyUI, export. Middle: the page preview (click a balloon to edit it). Right: the page and
balloon pickers with the balloon's text and kind (redrawn as you type), then the panel strip (status and scores;
click a panel to regenerate it). Narrower screens wrap the columns; on a phone they stack.
"""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from . import comic_export, comic_pages, comic_panels, comic_script

MODULES = (comic_script, comic_panels, comic_pages, comic_export)
EDITOR_MIN_WIDTH, PREVIEW_MIN_WIDTH, INSPECTOR_MIN_WIDTH = 300, 340, 260  # px: below these the columns wrap


def render(context: UiContext) -> None:
    with gr.Row(equal_height=False, elem_id="comic-workspace"):
        with gr.Column(scale=4, min_width=EDITOR_MIN_WIDTH, elem_id="comic-editor-column"):
            with gr.Accordion("Script", open=True, elem_id="comic-section-script"):
                comic_script.render(context)
            with gr.Accordion("Pages from panel images", open=True, elem_id="comic-section-pages"):
                comic_pages.render(context)
            with gr.Accordion(
                "Balloon placement and the page's lettering", open=True, elem_id="comic-section-lettering"
            ):
                comic_pages.render_lettering(context)
            with gr.Accordion("Build on ComfyUI", open=True, elem_id="comic-section-panels"):
                comic_panels.render(context)
            with gr.Accordion("Export", open=True, elem_id="comic-section-export"):
                comic_export.render(context)
        with gr.Column(scale=6, min_width=PREVIEW_MIN_WIDTH, elem_id="comic-preview-column"):
            comic_pages.render_preview(context)
        with gr.Column(scale=3, min_width=INSPECTOR_MIN_WIDTH, elem_id="comic-inspector-column"):
            comic_pages.render_toolbar(context)
            comic_panels.render_strip(context)


def listen(context: UiContext) -> None:
    for module in MODULES:
        module.listen(context)
