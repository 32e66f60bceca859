"""Collects the node classes of every module listed in NODE_MODULES."""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

# One module per capability; each exposes NODE_CLASS_MAPPINGS and NODE_DISPLAY_NAME_MAPPINGS.
NODE_MODULES: tuple[str, ...] = (
    "params",
    "comic",
    "faceswap",
    "media",
)

NODE_CLASS_MAPPINGS: dict[str, type] = {}
NODE_DISPLAY_NAME_MAPPINGS: dict[str, str] = {}

for _name in NODE_MODULES:
    try:
        _module = importlib.import_module(f".{_name}", __name__)
    except ModuleNotFoundError as exc:  # a capability's Python package is not installed in ComfyUI's environment
        logger.warning("Inkframe nodes: %s nodes not loaded: missing Python package %s", _name, exc.name)
        continue
    NODE_CLASS_MAPPINGS.update(_module.NODE_CLASS_MAPPINGS)
    NODE_DISPLAY_NAME_MAPPINGS.update(getattr(_module, "NODE_DISPLAY_NAME_MAPPINGS", {}))
