"""The Comic tab: script editor -> panel grid -> page preview with lettering -> export."""

from __future__ import annotations

import gradio as gr

from ..context import UiContext
from . import comic_export, comic_pages, comic_panels, comic_script

SECTIONS = (("Script", comic_script), ("Panels", comic_panels), ("Pages", comic_pages), ("Export", comic_export))


def render(context: UiContext) -> None:
    for title, module in SECTIONS:
        with gr.Accordion(title, open=True, elem_id=f"comic-section-{title.lower()}"):
            module.render(context)


def listen(context: UiContext) -> None:
    for _, module in SECTIONS:
        module.listen(context)
