"""A UI-format workflow read into plain lookup tables (root graph plus subgraph definitions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import WorkflowError

MODE_ALWAYS, MODE_NEVER, MODE_BYPASS = 0, 2, 4
SUBGRAPH_INPUT_NODE, SUBGRAPH_OUTPUT_NODE = -10, -20
FRONTEND_ONLY_TYPES = frozenset({"Note", "MarkdownNote", "PrimitiveNode", "Reroute"})


@dataclass(frozen=True)
class Link:
    id: int
    origin_id: int
    origin_slot: int
    target_id: int
    target_slot: int
    type: Any


@dataclass
class Graph:
    """One level of a workflow: its nodes by id and its links by id."""

    nodes: dict[int, dict[str, Any]]
    links: dict[int, Link]
    subgraph_id: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)  # subgraph IO slots
    outputs: list[dict[str, Any]] = field(default_factory=list)


def parse_link(raw: Any, where: str) -> Link:
    try:
        if isinstance(raw, dict):
            return Link(
                int(raw["id"]),
                int(raw["origin_id"]),
                int(raw["origin_slot"]),
                int(raw["target_id"]),
                int(raw["target_slot"]),
                raw.get("type"),
            )
        return Link(int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]), int(raw[4]), raw[5] if len(raw) > 5 else None)
    except (KeyError, IndexError, TypeError, ValueError):
        raise WorkflowError(
            f"The workflow has a malformed link {str(raw)[:80]} in {where}; re-save it from ComfyUI."
        ) from None


def parse_graph(data: dict[str, Any], subgraph_id: str | None = None) -> Graph:
    where = f"subgraph {subgraph_id}" if subgraph_id else "the main graph"
    nodes_raw = data.get("nodes")
    if not isinstance(nodes_raw, list):
        raise WorkflowError(f"The workflow has no 'nodes' list in {where}; it is not a ComfyUI workflow.")
    nodes: dict[int, dict[str, Any]] = {}
    for node in nodes_raw:
        if not isinstance(node, dict) or "id" not in node or "type" not in node:
            raise WorkflowError(f"The workflow has a node without an id or a type in {where}: {str(node)[:80]}.")
        nodes[int(node["id"])] = node
    links = {link.id: link for link in (parse_link(raw, where) for raw in data.get("links") or [] if raw is not None)}
    return Graph(
        nodes=nodes,
        links=links,
        subgraph_id=subgraph_id,
        inputs=list(data.get("inputs") or []),
        outputs=list(data.get("outputs") or []),
    )


def parse_subgraphs(workflow: dict[str, Any]) -> dict[str, Graph]:
    """Subgraph definitions by id, nested `definitions` flattened after their parent; the first of a
    duplicated id wins (as the frontend loads them)."""
    result: dict[str, Graph] = {}

    def add(definitions: Any, depth: int) -> None:
        for d in definitions if isinstance(definitions, list) else []:
            if not isinstance(d, dict) or "id" not in d:
                continue
            result.setdefault(str(d["id"]), parse_graph(d, str(d["id"])))
            if depth < 32:
                add((d.get("definitions") or {}).get("subgraphs"), depth + 1)

    add((workflow.get("definitions") or {}).get("subgraphs"), 0)
    return result
