"""A workflow's parameter schema (declared Inkframe nodes, else auto-bound core inputs) and
assignments `name=value` / `NODE_ID.INPUT=VALUE` applied to an API prompt."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from .convert import to_api_prompt
from .errors import WorkflowError
from .graph import parse_graph
from .model import Parameter, Workflow
from .param_nodes import CORE_REPLACEMENTS, PARAM_NODES, inkframe_object_info
from .preflight import MODEL_EXTENSIONS

PARAM_PROPERTY = "inkframe_parameter"  # node.properties key holding a parameter's name, kind, group, limits ...
NODE_KINDS = {"LoadImage": "image", "LoadImageMask": "mask"}
# Inputs of an Inkframe parameter node that describe it (name, limits ...) and no longer exist once it is resolved.
PARAM_FIELDS = frozenset(
    {"name", "label", "description", "group", "order", "advanced", "min", "max", "step", "choices"}
)

# Core node widget layouts needed to auto-bind parameters without a backend's object_info.
_CORE_LAYOUTS: dict[str, Any] = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [[], {}]}}},
    "CLIPTextEncode": {
        "input": {"required": {"text": ["STRING", {"multiline": True, "dynamicPrompts": True}], "clip": ["CLIP", {}]}}
    },
    "EmptyLatentImage": {
        "input": {"required": {"width": ["INT", {}], "height": ["INT", {}], "batch_size": ["INT", {}]}}
    },
    "KSampler": {
        "input": {
            "required": {
                "model": ["MODEL", {}],
                "seed": ["INT", {"control_after_generate": True}],
                "steps": ["INT", {}],
                "cfg": ["FLOAT", {}],
                "sampler_name": [[], {}],
                "scheduler": [[], {}],
                "positive": ["CONDITIONING", {}],
                "negative": ["CONDITIONING", {}],
                "latent_image": ["LATENT", {}],
                "denoise": ["FLOAT", {}],
            }
        }
    },
    "KSamplerAdvanced": {
        "input": {
            "required": {
                "model": ["MODEL", {}],
                "add_noise": [["enable", "disable"], {}],
                "noise_seed": ["INT", {"control_after_generate": True}],
                "steps": ["INT", {}],
                "cfg": ["FLOAT", {}],
                "sampler_name": [[], {}],
                "scheduler": [[], {}],
                "positive": ["CONDITIONING", {}],
                "negative": ["CONDITIONING", {}],
                "latent_image": ["LATENT", {}],
                "start_at_step": ["INT", {}],
                "end_at_step": ["INT", {}],
                "return_with_leftover_noise": [["disable", "enable"], {}],
            }
        }
    },
}
for _entry in _CORE_LAYOUTS.values():
    _entry["input_order"] = {"required": list(_entry["input"]["required"])}


def api_prompt_of(workflow: Workflow, object_info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if workflow.format == "api":
        return workflow.raw
    info = {**_CORE_LAYOUTS, **inkframe_object_info(), **(object_info or {})}
    return to_api_prompt(workflow.raw, info, strict=False)


def declared_parameters(workflow: Workflow, object_info: Mapping[str, Any] | None = None) -> list[Parameter]:
    """Declared parameters, sorted by group, order and name: core nodes marked in their properties (a frontend
    Primitive node, LoadImage, LoadImageMask), titled Primitive nodes, and Inkframe parameter nodes."""
    prompt = api_prompt_of(workflow, object_info)
    found = _param_node_parameters(prompt) + _property_parameters(workflow, prompt)
    names = [p.name for p in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise WorkflowError(
            f"Workflow {workflow.name} declares the parameter name {duplicates[0]!r} more than once; "
            "give each parameter its own name."
        )
    return sorted(found, key=lambda p: (p.group, p.order, p.name))


def _consumers(prompt: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """{node id: [(consumer id, input name), ...]} over every link of the prompt."""
    found: dict[str, list[tuple[str, str]]] = {}
    for node_id, node in prompt.items():
        for name, value in (node.get("inputs") or {}).items():
            if isinstance(value, list) and len(value) == 2:
                found.setdefault(str(value[0]), []).append((str(node_id), str(name)))
    return found


def _param_node_parameters(prompt: Mapping[str, Any]) -> list[Parameter]:
    """Inkframe parameter nodes (resolved app-side by `to_api`: their value goes to the inputs they feed)."""
    consumers = _consumers(prompt)
    found: list[Parameter] = []
    for node_id, node in prompt.items():
        entry = PARAM_NODES.get(str(node.get("class_type")))
        if entry is None:
            continue
        kind, value_input = entry.kind, entry.value_input
        inputs = node.get("inputs") or {}
        name = str(inputs.get("name") or "").strip() or f"{kind}_{node_id}"
        choices = tuple(c.strip() for c in str(inputs.get("choices") or "").splitlines() if c.strip())
        fed = consumers.get(str(node_id), [])
        targets = ((str(node_id), value_input),) if node["class_type"] in CORE_REPLACEMENTS else tuple(fed)
        found.append(
            Parameter(
                name=name,
                kind=kind,
                node_id=str(node_id),
                input=value_input,
                default=inputs.get(value_input),
                label=str(inputs.get("label") or name),
                description=str(inputs.get("description") or ""),
                group=str(inputs.get("group") or ""),
                order=int(inputs.get("order") or 0),
                advanced=bool(inputs.get("advanced")),
                minimum=inputs.get("min"),
                maximum=inputs.get("max"),
                step=inputs.get("step"),
                choices=choices,
                active=bool(fed),
                targets=targets,
            )
        )
    return found


def _property_parameters(workflow: Workflow, prompt: Mapping[str, Any]) -> list[Parameter]:
    """Parameters carried by core nodes of the root graph: `properties.inkframe_parameter` on a Primitive,
    LoadImage or LoadImageMask node, or a Primitive node given a title of its own in ComfyUI."""
    if workflow.format != "ui":
        return []
    graph = parse_graph(workflow.raw)
    consumers = _consumers(prompt)
    found: list[Parameter] = []
    for node in graph.nodes.values():
        meta = (node.get("properties") or {}).get(PARAM_PROPERTY)
        title = str(node.get("title") or "").strip()
        if meta is None and node.get("type") == "PrimitiveNode" and title not in ("", "Primitive"):
            meta = {"name": slug(title)}
        if not isinstance(meta, dict):
            continue
        node_id, values = str(node["id"]), node.get("widgets_values") or []
        if node.get("type") == "PrimitiveNode":
            targets = tuple(t for t in _primitive_targets(graph, node) if t[0] in prompt)
            value_input = targets[0][1] if targets else "value"
            default = values[0] if isinstance(values, list) and values else None
            active = bool(targets)
        else:
            value_input = str(meta.get("input") or "image")
            default = (prompt.get(node_id) or {}).get("inputs", {}).get(value_input)
            if default is None and isinstance(values, list) and values:  # converted without the node's object_info
                default = values[0]
            targets, active = ((node_id, value_input),), node_id in consumers
        kind = str(meta.get("kind") or NODE_KINDS.get(str(node.get("type"))) or infer_kind(default))
        name = str(meta.get("name") or slug(title) or f"{kind}_{node_id}")
        found.append(
            Parameter(
                name=name,
                kind=kind,
                node_id=node_id,
                input=value_input,
                default=default,  # type: ignore[arg-type]
                label=title or name,
                description=str(meta.get("description") or ""),
                group=str(meta.get("group") or ""),
                order=int(meta.get("order") or 0),
                advanced=bool(meta.get("advanced")),
                minimum=meta.get("min"),
                maximum=meta.get("max"),
                step=meta.get("step"),
                choices=tuple(str(c) for c in meta.get("choices") or ()),
                active=active,
                targets=targets,
            )
        )
    return found


def _primitive_targets(graph: Any, node: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(node id, widget name) of every widget a frontend Primitive node feeds (it copies its value there)."""
    outputs = node.get("outputs") or []
    targets = []
    for link_id in (outputs[0].get("links") or []) if outputs else []:
        link = graph.links.get(link_id)
        target = graph.nodes.get(link.target_id) if link else None
        slot = next((i for i in (target or {}).get("inputs") or [] if i.get("link") == link_id), None)
        if slot is not None:
            targets.append((str(link.target_id), str((slot.get("widget") or {}).get("name") or slot.get("name"))))
    return targets


def slug(text: str) -> str:
    """A parameter name from a node title: 'Lora strength' -> 'lora_strength'."""
    return "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def infer_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str) and value.lower().endswith(MODEL_EXTENSIONS):
        return "model"
    return "multiline" if isinstance(value, str) and "\n" in value else "text"


def parameter_schema(workflow: Workflow, object_info: Mapping[str, Any] | None = None) -> list[Parameter]:
    """Declared parameters, or (when a workflow declares none) the obvious core inputs, as SwarmUI does."""
    declared = declared_parameters(workflow, object_info)
    return declared or auto_parameters(api_prompt_of(workflow, object_info))


def auto_parameters(prompt: Mapping[str, Any]) -> list[Parameter]:
    params: list[Parameter] = []

    def bind(name: str, kind: str, node_id: str, key: str, label: str) -> None:
        value = prompt[node_id]["inputs"].get(key)
        if value is None or isinstance(value, list) or any(p.name == name for p in params):
            return
        params.append(
            Parameter(
                name=name,
                kind=kind,
                node_id=node_id,
                input=key,
                default=value,
                label=label,
                order=len(params),
                declared=False,
            )
        )  # type: ignore[arg-type]

    samplers = [i for i, n in prompt.items() if n.get("class_type") in ("KSampler", "KSamplerAdvanced")]
    for node_id in samplers[:1]:
        inputs = prompt[node_id]["inputs"]
        for role, name, label in (("positive", "prompt", "Prompt"), ("negative", "negative_prompt", "Negative prompt")):
            source = inputs.get(role)
            if isinstance(source, list) and prompt.get(str(source[0]), {}).get("class_type") == "CLIPTextEncode":
                bind(name, "multiline", str(source[0]), "text", label)
        bind("seed", "seed", node_id, "seed" if "seed" in inputs else "noise_seed", "Seed")
        bind("steps", "int", node_id, "steps", "Steps")
        bind("cfg", "float", node_id, "cfg", "CFG scale")
    for node_id, node in prompt.items():
        if node.get("class_type") == "EmptyLatentImage":
            bind("width", "int", node_id, "width", "Width")
            bind("height", "int", node_id, "height", "Height")
        if node.get("class_type") == "CheckpointLoaderSimple":
            bind("checkpoint", "model", node_id, "ckpt_name", "Checkpoint")
    roles = ["prompt", "negative_prompt", "seed", "steps", "cfg", "width", "height", "checkpoint"]
    ordered = sorted(params, key=lambda p: roles.index(p.name))
    return [dataclasses.replace(p, order=i) for i, p in enumerate(ordered)]


def apply_overrides(
    api_prompt: Mapping[str, Any], assignments: list[str] | Mapping[str, Any], schema: list[Parameter]
) -> dict[str, Any]:
    """A copy of the prompt with each assignment applied; raises WorkflowError with one sentence.

    `name=value` writes into every input the parameter feeds; `NODE_ID.INPUT=VALUE` writes one input, where
    NODE_ID may also be a parameter's own node (a Primitive or a resolved parameter node): then its targets.
    """
    prompt = copy.deepcopy(dict(api_prompt))
    pairs = _pairs(assignments)
    by_name = {p.name: p for p in schema}
    by_node = {p.node_id: p for p in schema if p.declared}
    for key, raw in pairs:
        param = by_name.get(key)
        if param is not None:
            if not param.active:
                raise WorkflowError(
                    f"Parameter {key!r} only feeds nodes that are bypassed or muted in this workflow; "
                    "enable them in ComfyUI (select, Ctrl+B) and save it to use this parameter."
                )
            _write(prompt, param, coerce(param, raw))
            continue
        node_id, dot, input_name = key.partition(".")
        if dot and node_id in prompt:
            inputs = prompt[node_id].setdefault("inputs", {})
            inputs[input_name] = _coerce_like(key, inputs.get(input_name), raw)
            continue
        owner = by_node.get(node_id) if dot else None
        if owner is not None and input_name == owner.input:
            first = next(((n, i) for n, i in owner.bindings() if n in prompt), None)
            _write(prompt, owner, _coerce_like(key, prompt[first[0]]["inputs"].get(first[1]) if first else None, raw))
            continue
        if owner is not None and input_name in PARAM_FIELDS:
            continue  # a parameter node's own description (its limits ...): resolved app-side, nothing to write
        known = ", ".join(sorted(by_name)) or "none (use NODE_ID.INPUT=VALUE)"
        raise WorkflowError(f"Parameter {key!r} does not exist; this workflow has: {known}.")
    return prompt


def _write(prompt: dict[str, Any], param: Parameter, value: Any) -> None:
    for node_id, input_name in param.bindings():
        if node_id in prompt:
            prompt[node_id].setdefault("inputs", {})[input_name] = value


def _pairs(assignments: list[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(assignments, Mapping):
        return [(str(k), v) for k, v in assignments.items()]
    pairs = []
    for item in assignments:
        key, eq, value = str(item).partition("=")
        if not eq or not key.strip():
            raise WorkflowError(f"Assignment {item!r} is not of the form name=value or NODE_ID.INPUT=VALUE.")
        pairs.append((key.strip(), value))
    return pairs


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def coerce(param: Parameter, raw: Any) -> Any:
    """Convert a CLI/form value to the parameter's type, checking range and choices."""
    kind = param.kind
    try:
        if kind in ("int", "seed"):
            value: Any = _to_int(raw)
        elif kind == "float":
            value = float(raw) if not isinstance(raw, bool) else _fail()
        elif kind == "boolean":
            value = (
                raw
                if isinstance(raw, bool)
                else {**{t: True for t in _TRUE}, **{f: False for f in _FALSE}}[str(raw).strip().lower()]
            )
        else:
            value = raw if isinstance(raw, str) else _fail()
    except (ValueError, KeyError, TypeError):
        expected = {"int": "an integer", "seed": "an integer", "float": "a number", "boolean": "true or false"}.get(
            kind, "text"
        )
        raise WorkflowError(f"Parameter {param.name!r} needs {expected}, not {raw!r}.") from None
    if kind in ("int", "float", "seed"):
        if param.minimum is not None and value < param.minimum or param.maximum is not None and value > param.maximum:
            raise WorkflowError(
                f"Parameter {param.name!r} must be between {param.minimum} and {param.maximum}, not {value}."
            )
    if param.choices and value not in param.choices:
        raise WorkflowError(f"Parameter {param.name!r} must be one of {', '.join(param.choices)}, not {value!r}.")
    return value


def _fail() -> Any:
    raise ValueError


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return int(str(raw).strip())


def _coerce_like(key: str, current: Any, raw: Any) -> Any:
    """NODE_ID.INPUT=VALUE: parse as JSON when it parses, then check it matches the current value's type."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
    if current is None or isinstance(current, list):
        return value
    if isinstance(current, bool) or isinstance(value, bool):
        if type(current) is not type(value):
            raise WorkflowError(f"Input {key} needs true or false, not {raw!r}.")
        return value
    if isinstance(current, (int, float)):
        if not isinstance(value, (int, float)) or (
            isinstance(current, int) and isinstance(value, float) and not value.is_integer()
        ):
            raise WorkflowError(
                f"Input {key} needs {'an integer' if isinstance(current, int) else 'a number'}, not {raw!r}."
            )
        return int(value) if isinstance(current, int) else float(value)
    if isinstance(current, str):
        return raw if isinstance(raw, str) else str(value)
    return value
