"""Workflows users edit in ComfyUI: load UI/API files, convert to API prompts, bind parameters,
preflight a prompt against a backend's /object_info.

Public API (used by the run/doctor commands, the queue and the UI):
load_workflow, to_api, parameter_schema, apply_overrides, preflight, list_workflows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .convert import Purpose, to_api_prompt, ui_node_types
from .errors import WorkflowError
from .library import list_workflows, resolve_workflow
from .loader import detect_format, load_workflow
from .manifest import ModelEntry, load_manifest
from .missing import MissingNodeTypesError
from .model import Parameter, PreflightReport, Problem, Workflow
from .param_nodes import param_info, resolve_parameter_nodes
from .parameters import apply_overrides, parameter_schema
from .preflight import preflight
from .widgets import NodeSpecs


def to_api(
    workflow_or_json: Workflow | Mapping[str, Any],
    object_info: Mapping[str, Any] | NodeSpecs,
    *,
    strict: bool = False,
    frontend_version: str | None = None,
    purpose: Purpose = "display",
) -> dict[str, Any]:
    """The API prompt of a workflow (UI-format files converted as ComfyUI's frontend does; API ones as they are),
    with Inkframe parameter nodes resolved app-side (`param_nodes.resolve_parameter_nodes`): a backend never needs
    the project's node pack to carry parameters.

    frontend_version: the frontend the backend serves (`ComfyClient.frontend_version()`; None: the default
    rules, see frontend.py). purpose "run" (for a prompt about to be queued) raises MissingNodeTypesError, one
    sentence naming the node types `object_info` lacks and where they come from; purpose "display" (the
    default, kept for callers that preflight the result) returns the frontend's placeholders (no class_type)
    with `_meta.missing_node_type` added so that `preflight` can name the pack.
    strict=True raises WorkflowError when a node's saved widget values do not match its inputs
    (ComfyUI itself tolerates that; `workflows lint` reports it).
    """
    if isinstance(workflow_or_json, Workflow):
        data, fmt = workflow_or_json.raw, workflow_or_json.format
    else:
        data = dict(workflow_or_json)
        fmt = detect_format(data)
    if fmt == "api":
        prompt = (
            data.get("prompt")
            if isinstance(data.get("prompt"), dict) and "class_type" not in data.get("prompt", {})
            else data
        )
        return resolve_parameter_nodes(dict(prompt))
    specs = (
        object_info if isinstance(object_info, NodeSpecs) else {**param_info(), **dict(object_info)}
    )  # NodeSpecs: merged by the caller
    prompt = to_api_prompt(data, specs, strict=strict, frontend_version=frontend_version, purpose=purpose)
    placeholders = [k for k, v in prompt.items() if "class_type" not in v]
    if placeholders:
        types = ui_node_types(data, frontend_version)
        for key in placeholders:  # ComfyUI ignores _meta; preflight reads the type to name the missing pack
            prompt[key].setdefault("_meta", {})["missing_node_type"] = types.get(key, "")
    return resolve_parameter_nodes(prompt)


def output_name(node_id: str, node: Mapping[str, Any]) -> str:
    """What the app calls an output node's files: InkframeOutputImage's `name`, a title "Output: NAME", else the id."""
    named = (node.get("inputs") or {}).get("name")
    if node.get("class_type") == "InkframeOutputImage" and isinstance(named, str) and named:
        return named
    title = str((node.get("_meta") or {}).get("title") or "")
    return title.removeprefix("Output:").strip() if title.startswith("Output:") and title[7:].strip() else str(node_id)


__all__ = [
    "MissingNodeTypesError",
    "ModelEntry",
    "Parameter",
    "PreflightReport",
    "Problem",
    "Workflow",
    "WorkflowError",
    "apply_overrides",
    "detect_format",
    "list_workflows",
    "load_manifest",
    "load_workflow",
    "output_name",
    "parameter_schema",
    "preflight",
    "resolve_workflow",
    "to_api",
    "ui_node_types",
]
