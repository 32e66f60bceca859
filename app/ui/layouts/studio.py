"""The studio layout: a banner about the backend, then one tab per capability."""

from __future__ import annotations

import importlib
from types import ModuleType

import gradio as gr

from ..components import backend_banner, backend_notice
from ..context import UiContext
from ..core import clear_ui_components, page_loads
from ..types import TAB_TITLES, TabName

# Tab name -> component module under app/ui/components (each has render(context) and listen(context)).
TAB_MODULES: dict[TabName, str] = {
    "comic": "comic_tab",
    "characters": "characters_tab",
    "locations": "locations_tab",
    "faceswap": "faceswap_tab",
    "motion": "motion_tab",
    "video": "video_tab",
    "workflows": "workflows_tab",
    "queue": "queue_tab",
    "settings": "settings_tab",
}


def load_tab_modules() -> dict[TabName, ModuleType]:
    return {tab: importlib.import_module(f"app.ui.components.{name}") for tab, name in TAB_MODULES.items()}


def render(context: UiContext) -> gr.Blocks:
    """Build the whole Blocks app (call once per server)."""
    clear_ui_components()
    backend_notice.clear()
    modules = load_tab_modules()
    with gr.Blocks(title="Inkframe Studio", analytics_enabled=False) as demo:
        with gr.Row(elem_id="studio-header"):
            gr.Markdown("## Inkframe Studio", elem_id="studio-title")
        backend_banner.render(context)
        tabs: dict[TabName, gr.Tab] = {}
        with gr.Tabs(
            elem_id="studio-tabs", overflow_behavior="wrap"
        ):  # phones: every tab on a second line, none behind "..."
            for tab, module in modules.items():
                with gr.Tab(TAB_TITLES[tab], id=tab, elem_id=f"tab-{tab}") as tabs[tab]:
                    module.render(context)
        for tab, module in modules.items():
            module.listen(context)
            hook = getattr(module, "on_tab_select", None)  # optional: react to opening / leaving the tab
            if hook is not None:
                hook(context, tabs[tab], [other for name, other in tabs.items() if name != tab])
        backend_banner.listen(context, demo)
        for function, outputs in page_loads():
            demo.load(function, outputs=outputs, show_progress="hidden")
    return demo
