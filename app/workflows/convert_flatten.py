"""Graph flattening for convert.py: the conversion state (one DTO per node, subgraph instances flattened),
subgraph id renumbering (frontend 1.58), PrimitiveNode values and the input slots each node holds."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .frontend import FrontendRules
from .graph import MODE_BYPASS, MODE_NEVER, Graph, Link
from .widgets import NodeSpec, NodeSpecs

VIRTUAL_TYPES = frozenset({"Note", "MarkdownNote", "PrimitiveNode", "Reroute"})


@dataclass
class _Dto:
    id: str
    node: dict[str, Any]
    graph: Graph
    path: tuple[str, ...]
    instance: _Dto | None
    mode: int
    spec: NodeSpec | None
    is_subgraph: bool
    virtual: bool
    inputs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Context:
    specs: NodeSpecs
    subgraphs: dict[str, Graph]
    strict: bool
    rng: random.Random
    rules: FrontendRules
    dtos: dict[str, _Dto] = field(default_factory=dict)
    overrides: dict[tuple[int, int], dict[str, Any]] = field(
        default_factory=dict
    )  # (graph key, node id) -> widget values
    promoted: dict[str, list[int]] = field(default_factory=dict)  # subgraph id -> indices of inputs that feed a widget
    declared: dict[str, tuple[list[dict[str, Any]], frozenset[str]]] = field(
        default_factory=dict
    )  # node type -> input slots


def _renumber_subgraph_nodes(workflow: dict[str, Any], root: Graph, subgraphs: dict[str, Graph]) -> dict[str, Graph]:
    """normalizeSubgraphDefinitions of frontend 1.58: a node id inside a subgraph definition that is already
    taken (by the root graph, or an earlier definition) gets the next free id after last_node_id."""
    taken = {str(node_id) for node_id in root.nodes}
    numeric = set(root.nodes)
    last = _last_node_id(workflow)
    result: dict[str, Graph] = {}
    for key, graph in subgraphs.items():
        remap: dict[int, int] = {}
        for node_id in graph.nodes:
            if str(node_id) in taken:
                new = last + 1 if last >= 0 else 1
                while new in numeric:
                    new += 1
                last = new
                remap[node_id] = new
                numeric.add(new)
                taken.add(str(new))
            else:
                taken.add(str(node_id))
                numeric.add(node_id)
                last = max(last, node_id)
        result[key] = _remapped(graph, remap) if remap else graph
    return result


def _last_node_id(workflow: dict[str, Any]) -> int:
    last = 0
    state = workflow.get("state")
    if workflow.get("version") != 0.4 and isinstance(state, dict) and isinstance(state.get("lastNodeId"), int):
        last = max(last, state["lastNodeId"])
    if isinstance(workflow.get("last_node_id"), int):
        last = workflow["last_node_id"]
    return last


def _remapped(graph: Graph, remap: dict[int, int]) -> Graph:
    nodes = {
        remap.get(node_id, node_id): ({**node, "id": remap[node_id]} if node_id in remap else node)
        for node_id, node in graph.nodes.items()
    }
    links = {
        link_id: Link(
            link.id,
            remap.get(link.origin_id, link.origin_id),
            link.origin_slot,
            remap.get(link.target_id, link.target_id),
            link.target_slot,
            link.type,
        )
        for link_id, link in graph.links.items()
    }
    return Graph(nodes=nodes, links=links, subgraph_id=graph.subgraph_id, inputs=graph.inputs, outputs=graph.outputs)


def _collect(ctx: _Context, graph: Graph, path: tuple[str, ...], instance: _Dto | None) -> None:
    """Create DTOs in execution order, flattening subgraph instances."""
    for node in sorted(graph.nodes.values(), key=lambda n: (n.get("order", 0), n["id"])):
        node_type = str(node["type"])
        is_subgraph = node_type in ctx.subgraphs
        spec = ctx.specs.get(node_type)
        dto = _Dto(
            id=":".join((*path, str(node["id"]))),
            node=node,
            graph=graph,
            path=path,
            instance=instance,
            mode=int(node.get("mode") or 0),
            spec=spec,
            is_subgraph=is_subgraph,
            virtual=is_subgraph or node_type in VIRTUAL_TYPES,
        )
        dto.inputs = _node_inputs(ctx, node, spec, keep_undeclared=False)
        nested = instance is not None and ctx.rules.expand_nested_when_bypassed
        if is_subgraph and (nested or dto.mode not in (MODE_NEVER, MODE_BYPASS)) and len(path) < 32:
            _collect(ctx, ctx.subgraphs[node_type], (*path, str(node["id"])), dto)
        ctx.dtos[dto.id] = dto


def _apply_primitives(ctx: _Context, graph: Graph) -> None:
    """PrimitiveNode.applyToGraph: copy the primitive's value into each widget it feeds."""
    for node in graph.nodes.values():
        if node.get("type") != "PrimitiveNode":
            continue
        values = node.get("widgets_values") or []
        if not values:
            continue
        outputs = node.get("outputs") or []
        for link_id in (outputs[0].get("links") or []) if outputs else []:
            link = graph.links.get(link_id)
            target = graph.nodes.get(link.target_id) if link else None
            if target is None:
                continue
            slot = next((i for i in target.get("inputs") or [] if i.get("link") == link_id), None)
            name = ((slot or {}).get("widget") or {}).get("name")
            if name:
                ctx.overrides.setdefault((id(graph), link.target_id), {})[name] = values[0]


def _node_inputs(
    ctx: _Context, node: dict[str, Any], spec: NodeSpec | None, *, keep_undeclared: bool = True
) -> list[dict[str, Any]]:
    """The node's input slots as the frontend holds them after loading (definition order, saved links).

    keep_undeclared=False leaves out saved widget inputs the node type does not declare (a value for a widget
    this backend's version of the node does not have must not be sent)."""
    saved = [i for i in node.get("inputs") or [] if isinstance(i, dict)]
    node_type = str(node.get("type"))
    graph = ctx.subgraphs.get(node_type)
    if graph is None and spec is None:
        return [dict(i) for i in saved]
    declared, names = _declared_inputs(ctx, node_type, graph, spec)
    by_name = {i.get("name"): i for i in saved}
    merged = []
    for d in declared:
        found = by_name.get(d["name"])
        merged.append({**found, **d, "link": found.get("link")} if found is not None else {**d, "link": None})
    extra = [
        dict(i)
        for i in saved
        if i.get("name") not in names and (keep_undeclared or graph is not None or not i.get("widget"))
    ]
    return merged + extra


def _declared_inputs(
    ctx: _Context, node_type: str, graph: Graph | None, spec: NodeSpec | None
) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The input slots a node type declares (sockets, then widgets), cached per conversion."""
    cached = ctx.declared.get(node_type)
    if cached is None:
        if graph is not None:
            declared = [{"name": i.get("name"), "type": i.get("type")} for i in graph.inputs]
        else:
            assert spec is not None
            declared = [{"name": s.name, "type": s.type} for s in spec.inputs if not s.is_widget]
            declared += [
                {"name": s.name, "type": s.type, "widget": {"name": s.name}} for s in spec.inputs if s.is_widget
            ]
        cached = ctx.declared[node_type] = (declared, frozenset(d["name"] for d in declared))
    return cached
