"""Inkframe Studio's ComfyUI node pack.

Install it any way node packs are installed: through `extra_model_paths.yaml` (a `custom_nodes:` entry
pointing at this repository's `custom_nodes/`, which `python scripts/download_models.py --extra-model-paths
COMFYUI_DIR` writes), as a symlink in `ComfyUI/custom_nodes/`, or copied there (the registry / ComfyUI-Manager
way; then set INKFRAME_HOME to the Inkframe Studio folder). The built-in workflows need it only for its working
nodes (face swap in the graph, comic pages); parameters never need it. Nodes are thin: each module in `nodes/`
declares inputs and outputs and calls the project's pure libraries through `adapter.py`.
"""

from .adapter import find_app_dir

find_app_dir()  # fails the load with one sentence naming what to install when the studio is not there

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS  # noqa: E402

WEB_DIRECTORY = None
__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
