"""Node-table and UI-node helpers shared by the workflow conversion tests (a recorded /object_info excerpt)."""

from __future__ import annotations

from typing import Any

CORE_INFO: dict[str, Any] = {
    "EmptyImage": {
        "input": {
            "required": {
                "width": ["INT", {"default": 512}],
                "height": ["INT", {"default": 512}],
                "batch_size": ["INT", {"default": 1}],
                "color": ["INT", {"default": 0}],
            }
        },
        "input_order": {"required": ["width", "height", "batch_size", "color"]},
        "output": ["IMAGE"],
        "display_name": "EmptyImage",
    },
    "ImageInvert": {
        "input": {"required": {"image": ["IMAGE", {}]}},
        "output": ["IMAGE"],
        "display_name": "Invert Image",
    },
    "SaveImage": {
        "input": {"required": {"images": ["IMAGE", {}], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}},
        "output": [],
        "output_node": True,
        "display_name": "Save Image",
    },
}


def node(node_id, node_type, widgets=(), inputs=(), outputs=(), mode=0, **extra):
    return {
        "id": node_id,
        "type": node_type,
        "mode": mode,
        "inputs": list(inputs),
        "outputs": list(outputs),
        "widgets_values": list(widgets),
        **extra,
    }
