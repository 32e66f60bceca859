"""The Inkframe parameter and output-marker node types as data: one source for the node pack's
INPUT_TYPES, for the object_info used offline, and for reading declared parameters from a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ANY = "*"
COMMON_FIELDS: dict[str, Any] = {
    "name": ("STRING", {"default": "", "tooltip": "Parameter name used by forms and `run --set name=value`."}),
    "label": ("STRING", {"default": "", "tooltip": "Label shown in the app's form (defaults to the name)."}),
    "description": ("STRING", {"default": "", "multiline": True, "tooltip": "Help text shown under the field."}),
    "group": ("STRING", {"default": "", "tooltip": "Form section this field belongs to."}),
    "order": ("INT", {"default": 0, "min": -1000, "max": 1000, "tooltip": "Position within the group."}),
    "advanced": ("BOOLEAN", {"default": False, "tooltip": "Hide the field under 'Advanced'."}),
}
INT_LIMIT = 2**53


@dataclass(frozen=True)
class ParamNode:
    """One parameter node type: the parameter kind, the input that carries the value, the value-specific
    inputs (INPUT_TYPES entries) and the return types."""

    kind: str
    value_input: str
    inputs: dict[str, Any]
    returns: tuple[str, ...]


PARAM_NODES: dict[str, ParamNode] = {
    "InkframeText": ParamNode("text", "value", {"value": ("STRING", {"default": ""})}, ("STRING",)),
    "InkframeMultilineText": ParamNode(
        "multiline", "value", {"value": ("STRING", {"default": "", "multiline": True})}, ("STRING",)
    ),
    "InkframeInt": ParamNode(
        "int",
        "value",
        {
            "value": ("INT", {"default": 0, "min": -INT_LIMIT, "max": INT_LIMIT}),
            "min": ("INT", {"default": 0, "min": -INT_LIMIT, "max": INT_LIMIT}),
            "max": ("INT", {"default": 4096, "min": -INT_LIMIT, "max": INT_LIMIT}),
            "step": ("INT", {"default": 1, "min": 1, "max": INT_LIMIT}),
        },
        ("INT",),
    ),
    "InkframeFloat": ParamNode(
        "float",
        "value",
        {
            "value": ("FLOAT", {"default": 0.0, "min": -1e9, "max": 1e9, "step": 0.01}),
            "min": ("FLOAT", {"default": 0.0, "min": -1e9, "max": 1e9, "step": 0.01}),
            "max": ("FLOAT", {"default": 1.0, "min": -1e9, "max": 1e9, "step": 0.01}),
            "step": ("FLOAT", {"default": 0.01, "min": 0.0001, "max": 1e9, "step": 0.0001}),
        },
        ("FLOAT",),
    ),
    "InkframeSeed": ParamNode(
        "seed",
        "value",
        {
            "value": ("INT", {"default": 0, "min": 0, "max": 0xFFFFFFFFFFFFFFFF, "control_after_generate": True}),
        },
        ("INT",),
    ),
    "InkframeBoolean": ParamNode("boolean", "value", {"value": ("BOOLEAN", {"default": False})}, ("BOOLEAN",)),
    "InkframeChoice": ParamNode(
        "choice",
        "value",
        {
            "value": ("STRING", {"default": ""}),
            "choices": ("STRING", {"default": "", "multiline": True, "tooltip": "One allowed value per line."}),
        },
        (ANY,),
    ),
    "InkframeImage": ParamNode(
        "image", "image", {"image": ("COMBO", {"image_upload": True, "options": []})}, ("IMAGE", "MASK")
    ),
    "InkframeMask": ParamNode(
        "mask",
        "image",
        {
            "image": ("COMBO", {"image_upload": True, "options": []}),
            "channel": (["alpha", "red", "green", "blue"], {}),
        },
        ("MASK",),
    ),
    "InkframeVideo": ParamNode(
        "video",
        "value",
        {
            "value": ("STRING", {"default": "", "tooltip": "Path of a video file on the ComfyUI machine."}),
        },
        ("STRING",),
    ),
    "InkframeModel": ParamNode("model", "value", {"value": ("COMBO", {"options": []})}, (ANY,)),
    "InkframeLora": ParamNode("lora", "value", {"value": ("COMBO", {"options": []})}, (ANY,)),
}
MODEL_FOLDERS = {"InkframeModel": "checkpoints", "InkframeLora": "loras"}
OUTPUT_NODES: dict[str, dict[str, Any]] = {
    "InkframeOutputImage": {
        "images": ("IMAGE", {}),
        "name": ("STRING", {"default": "image", "tooltip": "What the app calls this output."}),
        "filename_prefix": ("STRING", {"default": "inkframe/image"}),
    },
}
CATEGORY = "Inkframe/parameters"


def param_input_types(node_type: str, choices: list[str] | None = None) -> dict[str, Any]:
    """INPUT_TYPES of a parameter node; `choices` fills the COMBO value (file lists at runtime)."""
    specific = PARAM_NODES[node_type].inputs
    required: dict[str, Any] = {"name": COMMON_FIELDS["name"]}
    for key, (kind, options) in specific.items():
        if kind == "COMBO":
            required[key] = (list(choices or []), {k: v for k, v in options.items() if k != "options"})
        else:
            required[key] = (kind, dict(options))
    for key in ("label", "description", "group", "order", "advanced"):
        required[key] = COMMON_FIELDS[key]
    return {"required": required}


def object_info_entry(node_type: str) -> dict[str, Any]:
    """The `/object_info` entry ComfyUI serves for one Inkframe node (with empty file lists)."""
    if node_type in OUTPUT_NODES:
        inputs = {
            "required": {k: list(v) for k, v in OUTPUT_NODES[node_type].items()},
            "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
        }
        returns: tuple[str, ...] = ()
        output_node = True
    else:
        inputs = {"required": {k: [v[0], v[1]] for k, v in param_input_types(node_type)["required"].items()}}
        returns = PARAM_NODES[node_type].returns
        output_node = False
    return {
        "input": inputs,
        "input_order": {"required": list(inputs["required"])},
        "output": list(returns),
        "output_is_list": [False] * len(returns),
        "output_name": list(returns),
        "name": node_type,
        "display_name": display_name(node_type),
        "description": "",
        "python_module": "custom_nodes.inkframe_nodes",
        "category": CATEGORY,
        "output_node": output_node,
    }


def display_name(node_type: str) -> str:
    words = node_type.removeprefix("Inkframe")
    spaced = "".join(" " + c if c.isupper() else c for c in words).strip()
    return f"Inkframe {spaced}"


def inkframe_object_info() -> dict[str, Any]:
    return {t: object_info_entry(t) for t in [*PARAM_NODES, *OUTPUT_NODES]}


# Parameter nodes that load a file become the core node that does the same (same outputs, same slots).
CORE_REPLACEMENTS = {"InkframeImage": "LoadImage", "InkframeMask": "LoadImageMask"}


def param_info() -> dict[str, Any]:
    """object_info entries of the parameter nodes only: the app converts them itself, backend or not."""
    return dict(_param_info())


@lru_cache(maxsize=1)
def _param_info() -> dict[str, Any]:
    return {t: object_info_entry(t) for t in PARAM_NODES}


def resolve_parameter_nodes(prompt: dict[str, Any]) -> dict[str, Any]:
    """An API prompt with every Inkframe parameter node resolved app-side, so none reaches a backend.

    A value parameter's value is written into every input linked to it and the node is dropped; an
    image/mask parameter becomes the core LoadImage/LoadImageMask node (same id, outputs and slots).
    """
    params = {str(i): n for i, n in prompt.items() if n.get("class_type") in PARAM_NODES}
    if not params:
        return prompt
    values = {
        i: (n.get("inputs") or {}).get(PARAM_NODES[n["class_type"]].value_input)
        for i, n in params.items()
        if n["class_type"] not in CORE_REPLACEMENTS
    }
    for key, value in values.items():  # a parameter fed by another parameter takes that one's value
        for _ in range(len(values)):
            if not (isinstance(value, list) and len(value) == 2 and str(value[0]) in values):
                break
            value = values[str(value[0])]
        values[key] = value
    result: dict[str, Any] = {}
    for node_id, node in prompt.items():
        node_type = node.get("class_type")
        if node_type in CORE_REPLACEMENTS:
            inputs = node.get("inputs") or {}
            kept = {
                k: inputs[k]
                for k in ("image", "channel")
                if k in inputs and (k == "image" or node_type == "InkframeMask")
            }
            result[node_id] = {
                "inputs": kept,
                "class_type": CORE_REPLACEMENTS[node_type],
                "_meta": dict(node.get("_meta") or {}),
            }
            continue
        if node_type in PARAM_NODES:
            continue
        inputs = {}
        for name, value in (node.get("inputs") or {}).items():
            linked = isinstance(value, list) and len(value) == 2 and str(value[0]) in values
            inputs[name] = values[str(value[0])] if linked else value
        result[node_id] = {**node, "inputs": inputs}
    return result
