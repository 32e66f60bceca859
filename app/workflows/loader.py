"""Reading workflow files: JSON errors as sentences, UI vs API format detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import WorkflowError
from .model import Workflow, WorkflowFormat


def detect_format(data: Any) -> WorkflowFormat:
    """'ui' for a graph-editor file (nodes + links), 'api' for a prompt ({id: {class_type, inputs}})."""
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        return "ui"
    if isinstance(data, dict) and isinstance(data.get("prompt"), dict) and _is_api(data["prompt"]):
        return "api"
    if isinstance(data, dict) and data and _is_api(data):
        return "api"
    raise WorkflowError(
        "The file is neither a ComfyUI workflow (a 'nodes' list) "
        "nor an API prompt (node ids mapping to class_type and inputs)."
    )


def _is_api(data: dict[str, Any]) -> bool:
    return all(
        isinstance(v, dict) and "class_type" in v and isinstance(v.get("inputs", {}), dict) for v in data.values()
    )


def parse_workflow_text(text: str, source: str = "the workflow") -> dict[str, Any]:
    if not text.strip():
        raise WorkflowError(f"{source} is empty.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise WorkflowError(
                f"{source} is truncated: the JSON ends at line {exc.lineno} column {exc.colno} before it is complete."
            ) from None
        raise WorkflowError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    if not isinstance(data, dict):
        raise WorkflowError(f"{source} holds a JSON {type(data).__name__}, not a workflow object.")
    return data


def load_workflow(path: str | Path) -> Workflow:
    """Read a UI- or API-format workflow file; declared parameters are filled by parameter_schema."""
    file = Path(path)
    if not file.is_file():
        raise WorkflowError(f"Workflow file {file} does not exist.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise WorkflowError(f"Workflow file {file} is not UTF-8 text.") from None
    data = parse_workflow_text(text, f"Workflow file {file}")
    fmt = detect_format(data)
    if fmt == "api" and isinstance(data.get("prompt"), dict) and "class_type" not in data.get("prompt", {}):
        data = data["prompt"]
    workflow = Workflow(name=file.stem, path=file, format=fmt, raw=data)
    if fmt == "ui":
        _check_links(workflow)
    from .parameters import declared_parameters

    return Workflow(
        name=workflow.name, path=file, format=fmt, raw=data, parameters=tuple(declared_parameters(workflow))
    )


def _check_links(workflow: Workflow) -> None:
    """Every link that reaches a node must come from a node that exists (subgraph IO nodes -10/-20 included).

    A link whose target node is gone is dangling: the frontend never follows it (one official template
    has such links inside a subgraph), so it is ignored here too."""
    from .graph import parse_graph, parse_subgraphs

    graphs = [parse_graph(workflow.raw), *parse_subgraphs(workflow.raw).values()]
    for graph in graphs:
        for link in graph.links.values():
            if link.target_id not in graph.nodes and link.target_id != -20:
                continue
            if link.origin_id not in graph.nodes and link.origin_id != -10:
                raise WorkflowError(
                    f"Workflow {workflow.name} has link {link.id} from node {link.origin_id}, "
                    "which does not exist; re-save it from ComfyUI."
                )
