"""The registry of widgets shared between UI components (FaceFusion's `uis/core` pattern)."""

from __future__ import annotations

from typing import Any

from .types import ComponentName

_UI_COMPONENTS: dict[ComponentName, Any] = {}


def register_ui_component(name: ComponentName, component: Any) -> None:
    """Make a widget reachable by name for other components' `listen()`."""
    _UI_COMPONENTS[name] = component


def get_ui_component(name: ComponentName) -> Any | None:
    return _UI_COMPONENTS.get(name)


def clear_ui_components() -> None:
    """Forget every registered widget (a new Blocks is being built)."""
    _UI_COMPONENTS.clear()
