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
from .model import Parameter, Workflow
from .param_nodes import PARAM_NODES, inkframe_object_info

# Core node widget layouts needed to auto-bind parameters without a backend's object_info.
_CORE_LAYOUTS: dict[str, Any] = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [[], {}]}}},
    "CLIPTextEncode": {"input": {"required": {"text": ["STRING", {"multiline": True, "dynamicPrompts": True}], "clip": ["CLIP", {}]}}},
    "EmptyLatentImage": {"input": {"required": {"width": ["INT", {}], "height": ["INT", {}], "batch_size": ["INT", {}]}}},
    "KSampler": {"input": {"required": {
        "model": ["MODEL", {}], "seed": ["INT", {"control_after_generate": True}], "steps": ["INT", {}], "cfg": ["FLOAT", {}],
        "sampler_name": [[], {}], "scheduler": [[], {}], "positive": ["CONDITIONING", {}], "negative": ["CONDITIONING", {}],
        "latent_image": ["LATENT", {}], "denoise": ["FLOAT", {}]}}},
    "KSamplerAdvanced": {"input": {"required": {
        "model": ["MODEL", {}], "add_noise": [["enable", "disable"], {}], "noise_seed": ["INT", {"control_after_generate": True}],
        "steps": ["INT", {}], "cfg": ["FLOAT", {}], "sampler_name": [[], {}], "scheduler": [[], {}], "positive": ["CONDITIONING", {}],
        "negative": ["CONDITIONING", {}], "latent_image": ["LATENT", {}], "start_at_step": ["INT", {}], "end_at_step": ["INT", {}],
        "return_with_leftover_noise": [["disable", "enable"], {}]}}},
}
for _entry in _CORE_LAYOUTS.values():
    _entry["input_order"] = {"required": list(_entry["input"]["required"])}


def api_prompt_of(workflow: Workflow, object_info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if workflow.format == "api":
        return workflow.raw
    info = {**_CORE_LAYOUTS, **inkframe_object_info(), **(object_info or {})}
    return to_api_prompt(workflow.raw, info, strict=False)


def declared_parameters(workflow: Workflow, object_info: Mapping[str, Any] | None = None) -> list[Parameter]:
    """Parameters declared with the Inkframe parameter nodes, sorted by group, order and name."""
    prompt = api_prompt_of(workflow, object_info)
    found: list[Parameter] = []
    consumed = {str(v[0]) for n in prompt.values() for v in (n.get("inputs") or {}).values() if isinstance(v, list) and len(v) == 2}
    for node_id, node in prompt.items():
        entry = PARAM_NODES.get(str(node.get("class_type")))
        if entry is None:
            continue
        kind, value_input, _specific, _returns = entry
        inputs = node.get("inputs") or {}
        name = str(inputs.get("name") or "").strip() or f"{kind}_{node_id}"
        choices = tuple(c.strip() for c in str(inputs.get("choices") or "").splitlines() if c.strip())
        found.append(Parameter(
            name=name, kind=kind, node_id=str(node_id), input=value_input, default=inputs.get(value_input),
            label=str(inputs.get("label") or name), description=str(inputs.get("description") or ""),
            group=str(inputs.get("group") or ""), order=int(inputs.get("order") or 0), advanced=bool(inputs.get("advanced")),
            minimum=inputs.get("min"), maximum=inputs.get("max"), step=inputs.get("step"), choices=choices,
            active=str(node_id) in consumed,
        ))
    names = [p.name for p in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise WorkflowError(f"Workflow {workflow.name} declares the parameter name {duplicates[0]!r} more than once; give each Inkframe parameter node its own name.")
    return sorted(found, key=lambda p: (p.group, p.order, p.name))


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
        params.append(Parameter(name=name, kind=kind, node_id=node_id, input=key, default=value, label=label, order=len(params), declared=False))  # type: ignore[arg-type]

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


def apply_overrides(api_prompt: Mapping[str, Any], assignments: list[str] | Mapping[str, Any], schema: list[Parameter]) -> dict[str, Any]:
    """A copy of the prompt with each assignment applied; raises WorkflowError with one sentence."""
    prompt = copy.deepcopy(dict(api_prompt))
    pairs = _pairs(assignments)
    by_name = {p.name: p for p in schema}
    for key, raw in pairs:
        param = by_name.get(key)
        if param is not None:
            if not param.active:
                raise WorkflowError(f"Parameter {key!r} only feeds nodes that are bypassed or muted in this workflow; "
                                    "enable them in ComfyUI (select, Ctrl+B) and save it to use this parameter.")
            prompt[param.node_id]["inputs"][param.input] = coerce(param, raw)
            continue
        node_id, dot, input_name = key.partition(".")
        if dot and node_id in prompt:
            inputs = prompt[node_id].setdefault("inputs", {})
            inputs[input_name] = _coerce_like(key, inputs.get(input_name), raw)
            continue
        known = ", ".join(sorted(by_name)) or "none (use NODE_ID.INPUT=VALUE)"
        raise WorkflowError(f"Parameter {key!r} does not exist; this workflow has: {known}.")
    return prompt


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
            value = raw if isinstance(raw, bool) else {**{t: True for t in _TRUE}, **{f: False for f in _FALSE}}[str(raw).strip().lower()]
        else:
            value = raw if isinstance(raw, str) else _fail()
    except (ValueError, KeyError, TypeError):
        expected = {"int": "an integer", "seed": "an integer", "float": "a number", "boolean": "true or false"}.get(kind, "text")
        raise WorkflowError(f"Parameter {param.name!r} needs {expected}, not {raw!r}.") from None
    if kind in ("int", "float", "seed"):
        if param.minimum is not None and value < param.minimum or param.maximum is not None and value > param.maximum:
            raise WorkflowError(f"Parameter {param.name!r} must be between {param.minimum} and {param.maximum}, not {value}.")
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
        if not isinstance(value, (int, float)) or (isinstance(current, int) and isinstance(value, float) and not value.is_integer()):
            raise WorkflowError(f"Input {key} needs {'an integer' if isinstance(current, int) else 'a number'}, not {raw!r}.")
        return int(value) if isinstance(current, int) else float(value)
    if isinstance(current, str):
        return raw if isinstance(raw, str) else str(value)
    return value
