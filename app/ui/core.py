"""The registry of widgets shared between UI components (FaceFusion's `uis/core` pattern)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .types import ComponentName

_UI_COMPONENTS: dict[ComponentName, Any] = {}
_PAGE_LOADS: list[tuple[Callable[[], Any], list[Any]]] = []
_PRESET_FIELDS: dict[str, Any] = {}


def register_ui_component(name: ComponentName, component: Any) -> None:
    """Make a widget reachable by name for other components' `listen()`."""
    _UI_COMPONENTS[name] = component


def get_ui_component(name: ComponentName) -> Any | None:
    return _UI_COMPONENTS.get(name)


def register_page_load(function: Callable[[], Any], outputs: list[Any]) -> None:
    """Run `function` when a browser loads the page (the layout wires these to `Blocks.load`)."""
    _PAGE_LOADS.append((function, outputs))


def page_loads() -> list[tuple[Callable[[], Any], list[Any]]]:
    return list(_PAGE_LOADS)


def register_preset_field(key: str, component: Any) -> None:
    """A widget whose value a settings preset saves and restores, under `key`."""
    _PRESET_FIELDS[key] = component


def preset_fields() -> dict[str, Any]:
    return dict(_PRESET_FIELDS)


def clear_ui_components() -> None:
    """Forget every registered widget and page-load hook (a new Blocks is being built)."""
    _UI_COMPONENTS.clear()
    _PAGE_LOADS.clear()
    _PRESET_FIELDS.clear()
