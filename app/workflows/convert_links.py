"""Link resolution for convert.py: an input followed through Reroutes, PrimitiveNodes, bypassed nodes and
subgraph boundaries to the node output (or promoted widget value) it ends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .convert_flatten import _Context, _Dto
from .errors import WorkflowError
from .graph import MODE_BYPASS, MODE_NEVER, SUBGRAPH_INPUT_NODE, Graph, Link


@dataclass(frozen=True)
class _WidgetValue:
    value: Any


def _resolve_input(
    ctx: _Context, dto: _Dto, slot: int, visited: set[str], type_: Any = None
) -> tuple[str, int] | _WidgetValue | None:
    key = f"{dto.id}[I]{slot}"
    if key in visited:
        raise WorkflowError(
            f"Node {dto.id} ({dto.node['type']}) is part of a loop of links; remove the cycle in ComfyUI."
        )
    visited.add(key)
    if slot >= len(dto.inputs):
        return None
    link_id = dto.inputs[slot].get("link")
    if link_id is None:
        return None
    link = dto.graph.links.get(int(link_id))
    if link is None and ctx.rules.missing_link_is_unconnected:
        link = _link_to(ctx, dto, slot)  # 1.58 connects inputs from the graph's links (by target), not saved ids
        if link is None:
            return None
    if link is None:
        raise WorkflowError(
            f"Node {dto.id} ({dto.node['type']}) input '{dto.inputs[slot].get('name')}' "
            f"uses link {link_id}, which the workflow does not contain."
        )
    if dto.instance is not None and link.origin_id == SUBGRAPH_INPUT_NODE:
        outer = dto.instance
        if link.origin_slot >= len(outer.inputs):
            return None
        if outer.inputs[link.origin_slot].get("link") is None:
            return _instance_widget(ctx, outer, link.origin_slot)
        return _resolve_input(ctx, outer, link.origin_slot, visited)
    origin_id = ":".join((*dto.path, str(link.origin_id)))
    origin = ctx.dtos.get(origin_id)
    if origin is None:
        raise WorkflowError(
            f"Node {dto.id} ({dto.node['type']}) input '{dto.inputs[slot].get('name')}' "
            f"is linked to node {link.origin_id}, which the workflow does not contain."
        )
    return _resolve_output(
        ctx, origin, link.origin_slot, type_ if type_ is not None else dto.inputs[slot].get("type"), visited
    )


def _link_to(ctx: _Context, dto: _Dto, slot: int) -> Link | None:
    """The link of the graph that ends on this input's saved slot (frontend 1.58's link store), if any."""
    name = dto.inputs[slot].get("name")
    saved = [i for i in dto.node.get("inputs") or [] if isinstance(i, dict)]
    index = next((k for k, item in enumerate(saved) if item.get("name") == name), None)
    if index is None:
        return None
    node_id = int(dto.node["id"])
    return next(
        (link for link in dto.graph.links.values() if link.target_id == node_id and link.target_slot == index), None
    )


def _resolve_output(
    ctx: _Context, dto: _Dto, slot: int, type_: Any, visited: set[str]
) -> tuple[str, int] | _WidgetValue | None:
    key = f"{dto.id}[O]{slot}"
    if key in visited:
        raise WorkflowError(
            f"Node {dto.id} ({dto.node['type']}) is part of a loop of links; remove the cycle in ComfyUI."
        )
    visited.add(key)
    if dto.mode == MODE_NEVER:
        return None  # a muted node (or a muted nested subgraph instance, whose contents 1.58 still emits) gives nothing
    if dto.mode == MODE_BYPASS:
        index = _bypass_slot(dto, slot, type_)
        return None if index < 0 else _resolve_input(ctx, dto, index, visited)
    if dto.is_subgraph:
        return _resolve_subgraph_output(ctx, dto, slot, type_, visited)
    if dto.virtual:
        if slot < len(dto.inputs):
            return _resolve_input(ctx, dto, slot, visited, type_)
        return None
    return (dto.id, slot)


def _resolve_subgraph_output(
    ctx: _Context, dto: _Dto, slot: int, type_: Any, visited: set[str]
) -> tuple[str, int] | _WidgetValue | None:
    graph = ctx.subgraphs[str(dto.node["type"])]
    if slot >= len(graph.outputs):
        return None
    for link_id in graph.outputs[slot].get("linkIds") or []:
        link = graph.links.get(int(link_id))
        if link is None:
            continue
        inner = ctx.dtos.get(":".join((*dto.path, str(dto.node["id"]), str(link.origin_id))))
        if inner is None:
            return None
        return _resolve_output(ctx, inner, link.origin_slot, type_, visited)
    return None


def _bypass_slot(dto: _Dto, slot: int, type_: Any) -> int:
    inputs = dto.inputs
    outputs = dto.node.get("outputs") or []
    output_type = outputs[slot].get("type") if slot < len(outputs) else None
    if type_ in ("*", ""):
        return slot if len(inputs) > slot else 0
    if (
        slot < len(inputs)
        and _compatible(inputs[slot].get("type"), output_type)
        and _compatible(inputs[slot].get("type"), type_)
    ):
        return slot
    for index, item in enumerate(inputs):
        if item.get("type") == type_:
            return index
    for index, item in enumerate(inputs):
        if _compatible(item.get("type"), output_type) and _compatible(item.get("type"), type_):
            return index
    return -1


def _compatible(a: Any, b: Any) -> bool:
    """LiteGraph.isValidConnection: equal, wildcard, or sharing one of the comma-separated types."""
    if a in (None, "", "*") or b in (None, "", "*") or a == b:
        return True
    a_types = {t.strip().lower() for t in str(a).split(",")}
    b_types = {t.strip().lower() for t in str(b).split(",")}
    return bool(a_types & b_types)


def _instance_widget(ctx: _Context, instance: _Dto, slot: int) -> _WidgetValue | None:
    """The promoted widget value of a subgraph instance input that nothing is linked to.

    A subgraph input whose inner link ends on a widget input gets a promoted widget on the instance;
    the instance's `widgets_values` are positional over those, in subgraph-input order.
    """
    key = str(instance.node["type"])
    promoted = ctx.promoted.get(key)
    if promoted is None:
        graph = ctx.subgraphs[key]
        promoted = ctx.promoted[key] = [index for index in range(len(graph.inputs)) if _feeds_widget(ctx, graph, index)]
    if slot not in promoted:
        return None
    values = instance.node.get("widgets_values") or []
    position = promoted.index(slot)
    if not isinstance(values, list) or position >= len(values):
        return None
    return _WidgetValue(values[position])


def _feeds_widget(ctx: _Context, graph: Graph, index: int) -> bool:
    """Whether subgraph input `index` ends on a widget input (as saved, or declared as a widget by the node type)."""
    for link_id in graph.inputs[index].get("linkIds") or []:
        link = graph.links.get(int(link_id))
        target = graph.nodes.get(link.target_id) if link else None
        if target is None:
            continue
        slot = next((i for i in target.get("inputs") or [] if isinstance(i, dict) and i.get("link") == link.id), None)
        if slot is None:
            return False
        if slot.get("widget"):
            return True
        spec = ctx.specs.get(str(target.get("type")))
        declared = spec.by_name.get(slot.get("name")) if spec is not None else None
        return bool(declared is not None and declared.is_widget)
    return False
