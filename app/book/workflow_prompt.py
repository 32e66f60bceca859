"""`build_workflow_prompt`: a built-in workflow as an API prompt for one backend's /object_info (optional nodes
enabled, parameters bound, uploaded images set, panel size applied, preflighted), with extra LoRAs chained."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from ..workflows import (
    Workflow,
    apply_overrides,
    parameter_schema,
    preflight,
    to_api,
)
from .backend import BackendUnavailable
from .errors import BookError
from .workflow_planner import BY_NODE_TYPE, EXTRA_LORAS


def build_workflow_prompt(
    workflow: Workflow,
    name: str,
    params: Mapping[str, Any],
    image_names: Mapping[str, str],
    enable: Iterable[str],
    size: tuple[int, int] | None,
    info: Mapping[str, Any],
    *,
    where: str,
    check: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(API prompt, bound parameters) of a built-in workflow for one backend's /object_info: optional nodes of
    `enable` (node types or titles) switched on, parameters bound, `image_names` (uploaded file names) set, panel
    size applied. With `check`, a prompt the backend cannot run raises BackendUnavailable (the queue preflights per
    backend itself)."""
    enable = set(enable)
    if enable:
        raw = copy.deepcopy(workflow.raw)
        for node in raw.get("nodes", []):
            if (node.get("type") in enable or node.get("title") in enable) and node.get("mode") == 4:
                node["mode"] = 0
        workflow = Workflow(workflow.name, workflow.path, workflow.format, raw)
    prompt = to_api(workflow, info)
    schema = {p.name: p for p in parameter_schema(workflow, info)}
    assignments: dict[str, Any] = {k: v for k, v in params.items() if k not in (EXTRA_LORAS, BY_NODE_TYPE)}
    prompt = chain_loras(prompt, params.get(EXTRA_LORAS) or [])
    for class_type, values in (params.get(BY_NODE_TYPE) or {}).items():
        for node in prompt.values():
            if node.get("class_type") == class_type:
                node["inputs"].update(values)
    assignments.update(image_names)
    if size is not None:
        for key, value in zip(("width", "height"), size):
            param = schema.get(key)
            if param is None:
                raise BookError(f"the {name} workflow declares no {key} parameter; the book cannot size its panels.")
            if param.minimum is not None and value < param.minimum:
                assignments[f"{param.node_id}.min"] = value  # a capped preview size below the form's minimum
            assignments[f"{param.node_id}.{param.input}"] = value
    named = {k: v for k, v in assignments.items() if "." not in k}
    prompt = apply_overrides(prompt, named, list(schema.values()))
    prompt = apply_overrides(prompt, {k: v for k, v in assignments.items() if "." in k}, list(schema.values()))
    if check:
        report = preflight(prompt, info)
        if not report.ok:
            raise BackendUnavailable(f"the {name} workflow cannot run on {where}: " + " ".join(report.sentences()))
    bound = dict(assignments)
    if params.get(EXTRA_LORAS):
        bound["extra_loras"] = [list(pair) for pair in params[EXTRA_LORAS]]
    return prompt, bound


def chain_loras(prompt: dict[str, Any], extra: list[tuple[str, float]]) -> dict[str, Any]:
    """Add a LoraLoader per extra (name, weight) after the prompt's LoraLoader; whatever read that loader's
    MODEL/CLIP reads the last one of the chain."""
    if not extra:
        return prompt
    base = next((node_id for node_id, node in prompt.items() if node.get("class_type") == "LoraLoader"), None)
    if base is None:
        return prompt
    prompt = copy.deepcopy(prompt)
    previous = base
    for index, (name, weight) in enumerate(extra, start=1):
        node_id = f"book_lora_{index}"
        prompt[node_id] = {
            "class_type": "LoraLoader",
            "_meta": {"title": f"Book LoRA {index}"},
            "inputs": {
                "model": [previous, 0],
                "clip": [previous, 1],
                "lora_name": name,
                "strength_model": weight,
                "strength_clip": weight,
            },
        }
        previous = node_id
    chain = {base} | {f"book_lora_{i}" for i in range(1, len(extra) + 1)}
    for node_id, node in prompt.items():
        if node_id in chain:
            continue
        for key, value in node.get("inputs", {}).items():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) == base:
                node["inputs"][key] = [previous, value[1]]
    return prompt
