"""Inkframe Studio's ComfyUI node pack.

Load it in a stock ComfyUI through `--extra-model-paths-config` with a `custom_nodes:` entry that
points at this repository's `custom_nodes/` folder; nothing is copied into ComfyUI's tree.
Nodes are thin: each module in `nodes/` declares inputs and outputs and calls the project's pure
libraries through `adapter.py`.
"""

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

WEB_DIRECTORY = None
__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
