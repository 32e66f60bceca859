"""The studio layout: every tab is a component module with render() and listen(); gradio stays in app/ui."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.config import load_config
from app.ui.context import UiContext
from app.ui.layouts import studio
from app.ui.types import TAB_TITLES

APP = Path(__file__).resolve().parents[2] / "app"


def test_every_tab_module_has_render_and_listen():
    modules = studio.load_tab_modules()
    assert list(modules) == list(TAB_TITLES)
    for module in modules.values():
        assert callable(module.render) and callable(module.listen)


def test_gradio_is_imported_only_under_app_ui():
    offenders = []
    for path in APP.rglob("*.py"):
        if path.is_relative_to(APP / "ui"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "gradio" or name.startswith("gradio.") for name in names):
                offenders.append(str(path.relative_to(APP)))
    assert offenders == []


@pytest.fixture
def context(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    env = {
        "INKFRAME__APP__OUTPUT_DIR": str(tmp_path / "out"),
        "INKFRAME__APP__DATA_DIR": str(tmp_path / "data"),
        "INKFRAME__APP__LIBRARY_DIR": str(tmp_path / "lib"),
        "INKFRAME__QUEUE__SQLITE_PATH": str(tmp_path / "jobs.db"),
    }
    return UiContext(config=load_config(None, environ=env), comfyui_url="http://127.0.0.1:9")


def test_the_studio_builds_with_all_tabs(context):
    import gradio as gr

    demo = studio.render(context)
    tabs = [block for block in demo.blocks.values() if isinstance(block, gr.Tab)]
    assert [tab.label for tab in tabs] == list(TAB_TITLES.values())
    notices = [block.elem_id for block in demo.blocks.values() if (block.elem_id or "").endswith("-backend-notice")]
    assert {"comic-backend-notice", "workflows-backend-notice", "queue-backend-notice"} <= set(notices)


def test_every_wide_table_has_one_width_per_column():
    """Pixel column widths keep tables scrolling instead of stacking letters; a width list one short shifts them all."""
    from app.ui.components import comic_panels, settings_tab

    pairs = {
        "backends": (settings_tab.BACKEND_HEADERS, settings_tab.BACKEND_WIDTHS),
        "models": (settings_tab.MODEL_HEADERS, settings_tab.MODEL_WIDTHS),
        "capabilities": (settings_tab.CAPABILITY_HEADERS, settings_tab.CAPABILITY_WIDTHS),
        "panels": (comic_panels.PANEL_HEADERS, comic_panels.PANEL_WIDTHS),
    }
    assert {name: len(h) for name, (h, _w) in pairs.items()} == {name: len(w) for name, (_h, w) in pairs.items()}
