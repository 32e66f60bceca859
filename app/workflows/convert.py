"""UI-format workflow -> API-format prompt, the way ComfyUI's frontend `graphToPrompt` does it.

The rules follow the frontend version the backend serves (frontend.py: the 1.27 and the 1.58 lines, each
checked against golden pairs the official frontend made). Common to both (`graphToPrompt`, `ExecutableNodeDTO`):
- `widgets_values` are positional over the widgets built from `/object_info` (see widgets.py);
  frontend-only widgets (control_after_generate, upload) are dropped; array values are sent as
  `{"__value__": [...]}`; STRING widgets with `dynamicPrompts` lose comments and resolve `{a|b}`.
- PrimitiveNode copies its value into every widget it feeds; Reroute, PrimitiveNode, Note and
  subgraph instances are virtual (never emitted); links are resolved through them.
- Muted nodes (mode 2) are dropped; bypassed nodes (mode 4) are dropped and a link through one is
  resolved to the bypassed node's input of the matching type; inputs left pointing at dropped
  nodes are removed.
- Subgraph instances are flattened: inner nodes get ids `instance:inner`.
Differences between the lines are the flags of `FrontendRules`. One deliberate deviation from both: a saved
widget input the node type does not declare (a backend older than the saving one) is not sent, and promoted
subgraph widgets keep the positions they were saved with (docs/workflows.md).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .dynamic_prompts import process_dynamic_prompt
from .errors import WorkflowError
from .frontend import FrontendRules, rules_for
from .graph import MODE_BYPASS, MODE_NEVER, SUBGRAPH_INPUT_NODE, Graph, Link, parse_graph, parse_subgraphs
from .missing import MissingNodeTypesError, missing_types_sentence
from .widgets import UNDEFINED, NodeSpec, NodeSpecs

VIRTUAL_TYPES = frozenset({"Note", "MarkdownNote", "PrimitiveNode", "Reroute"})
APP_NODE_PREFIX = "Inkframe"
Purpose = Literal["display", "run"]  # show the editor's output / refuse what the backend cannot run
PURPOSES: tuple[Purpose, ...] = ("display", "run")


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


def to_api_prompt(
    workflow: dict[str, Any],
    object_info: dict[str, Any] | NodeSpecs,
    *,
    strict: bool = True,
    rng: random.Random | None = None,
    frontend_version: str | None = None,
    purpose: Purpose = "display",
) -> dict[str, Any]:
    """Convert a UI-format workflow (parsed JSON) into the API prompt the frontend would queue.

    frontend_version: the frontend whose rules apply (the one the backend serves; None: the default, see
    frontend.py). purpose "display" gives the frontend's output exactly, node types the backend lacks
    included as its placeholders (no class_type); purpose "run" raises MissingNodeTypesError, one sentence
    naming those types and where they come from, when any would reach the prompt (Inkframe's own node types
    excepted: the app resolves its parameter nodes itself, and preflight names the pack for the others).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be 'display' or 'run', not {purpose!r}")
    rules = rules_for(frontend_version)
    if isinstance(object_info, NodeSpecs):
        specs = object_info if object_info.rules.name == rules.name else object_info.for_rules(rules)
    else:
        specs = NodeSpecs(object_info, rules)
    root = parse_graph(workflow)
    subgraphs = parse_subgraphs(workflow)
    if rules.renumber_subgraph_ids:
        subgraphs = _renumber_subgraph_nodes(workflow, root, subgraphs)
    ctx = _Context(specs=specs, subgraphs=subgraphs, strict=strict, rng=rng or random.Random(), rules=rules)
    _apply_primitives(ctx, root)
    for graph in ctx.subgraphs.values():
        _apply_primitives(ctx, graph)
    _collect(ctx, root, (), None)
    output: dict[str, Any] = {}
    for dto in ctx.dtos.values():
        if dto.virtual or dto.mode in (MODE_NEVER, MODE_BYPASS):
            continue
        output[dto.id] = _serialize(ctx, dto)
    for entry in output.values():
        inputs = entry["inputs"]
        for name in [n for n, v in inputs.items() if isinstance(v, list) and len(v) == 2 and v[0] not in output]:
            del inputs[name]
    if purpose == "run":  # the app's own Inkframe* nodes are resolved app-side or named by preflight
        missing = [
            ctx.dtos[k].node
            for k, v in output.items()
            if "class_type" not in v and not str(ctx.dtos[k].node["type"]).startswith(APP_NODE_PREFIX)
        ]
        if missing:
            raise MissingNodeTypesError(missing_types_sentence(missing), sorted({str(n["type"]) for n in missing}))
    return output


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


def ui_node_types(workflow: dict[str, Any], frontend_version: str | None = None) -> dict[str, str]:
    """{API node id: UI node type} for every node, subgraph contents flattened (and renumbered) like the conversion."""
    root = parse_graph(workflow)
    subgraphs = parse_subgraphs(workflow)
    if rules_for(frontend_version).renumber_subgraph_ids:
        subgraphs = _renumber_subgraph_nodes(workflow, root, subgraphs)
    types: dict[str, str] = {}

    def walk(graph: Graph, path: tuple[str, ...], depth: int) -> None:
        for node in graph.nodes.values():
            key = (*path, str(node["id"]))
            types[":".join(key)] = str(node["type"])
            if str(node["type"]) in subgraphs and depth < 32:
                walk(subgraphs[str(node["type"])], key, depth + 1)

    walk(root, (), 0)
    return types


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


def _migrate(spec: NodeSpec, values: list[Any]) -> list[Any]:
    """migrateWidgetsValues: drop values saved for inputs that are now forceInput sockets."""
    original, count = _migration_plan(spec)
    if not original or count != len(values):
        return values
    return [v for k, v in enumerate(values) if k >= len(original) or not original[k].options.get("forceInput")]


_MIGRATION_PLANS: dict[int, tuple[list[Any], int]] = {}


def _migration_plan(spec: NodeSpec) -> tuple[list[Any], int]:
    """(inputs the saved values were positional over, their value count), or ([], 0) when no input is forceInput."""
    plan = _MIGRATION_PLANS.get(id(spec))
    if plan is None:
        widget_names = {w.name for w in spec.widgets}
        original = [i for i in spec.inputs if i.name in widget_names or i.options.get("forceInput")]
        if not any(i.options.get("forceInput") for i in original):
            plan = ([], 0)
        else:
            plan = (
                original,
                sum(
                    2 if (i.options.get("control_after_generate") or i.name in ("seed", "noise_seed")) else 1
                    for i in original
                ),
            )
        if len(_MIGRATION_PLANS) > 4096:
            _MIGRATION_PLANS.clear()
        _MIGRATION_PLANS[id(spec)] = plan
    return plan


def widget_values(ctx: _Context, dto: _Dto) -> list[tuple[str, Any]]:
    """(input name, value) for every widget of the node that reaches the API prompt, in widget order."""
    spec, node = dto.spec, dto.node
    raw = node.get("widgets_values")
    if spec is None:
        return _placeholder_values(raw, numbered=ctx.rules.numbered_placeholders)
    overrides = ctx.overrides.get((id(dto.graph), int(node["id"])), {})
    values = list(raw) if isinstance(raw, list) else []
    if values:
        values = _migrate(spec, values)
        if ctx.strict and len(values) != len(spec.widgets):
            raise widget_count_error(dto, spec, len(values))
    result: list[tuple[str, Any]] = []
    for index, slot in enumerate(spec.widgets):
        if isinstance(raw, dict):
            value = raw.get(slot.name, slot.default())
        else:
            value = values[index] if index < len(values) else slot.default()
        value = overrides.get(slot.name, value)
        if not slot.to_api or value is UNDEFINED:
            continue
        if slot.input is not None and slot.input.options.get("dynamicPrompts") and isinstance(value, str):
            value = process_dynamic_prompt(value, ctx.rng)
        result.append((slot.name, value))
    return result


def _placeholder_values(raw: Any, *, numbered: bool) -> list[tuple[str, Any]]:
    """A node type the backend lacks: the frontend shows each saved value as a widget named UNKNOWN
    (1.58: UNKNOWN, UNKNOWN_1, UNKNOWN_2, ...; 1.27: all UNKNOWN, so the last one is sent)."""
    result: list[tuple[str, Any]] = []
    for index, value in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(value, (str, int, float, bool)):
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        result.append(("UNKNOWN" if not numbered or index == 0 else f"UNKNOWN_{index}", value))
    return result


def widget_count_error(dto: _Dto, spec: NodeSpec, found: int) -> WorkflowError:
    names = ", ".join(s.name for s in spec.widgets) or "none"
    return WorkflowError(
        f"Node {dto.id} ({spec.type}) has {found} widget values but its inputs need {len(spec.widgets)} ({names}); "
        "the node pack version differs from the one that saved the workflow."
    )


def _serialize(ctx: _Context, dto: _Dto) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for name, value in widget_values(ctx, dto):
        inputs[name] = {"__value__": value} if isinstance(value, list) else value
    for index, slot in enumerate(dto.inputs):
        resolved = _resolve_input(ctx, dto, index, set())
        if resolved is None:
            continue
        if isinstance(resolved, _WidgetValue):
            if dto.spec is None and ctx.rules.numbered_placeholders:
                continue  # a placeholder has no widget of that name to promote
            inputs[slot["name"]] = {"__value__": resolved.value} if isinstance(resolved.value, list) else resolved.value
            continue
        inputs[slot["name"]] = [resolved[0], int(resolved[1])]
    entry: dict[str, Any] = {"inputs": inputs}
    if dto.spec is not None:
        entry["class_type"] = dto.spec.type
    title = dto.node.get("title")
    if title is None and dto.spec is not None:
        title = dto.spec.display_name
    if title is None and ctx.rules.numbered_placeholders:
        title = ""  # 1.58's placeholder node has an empty title
    meta: dict[str, Any] = {} if title is None else {"title": title}
    if ctx.rules.meta_from_properties:
        meta.update(node_meta(dto.node.get("properties")))
    entry["_meta"] = meta
    return entry


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


_CNR_ID = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$")
_GITHUB_USER = re.compile(r"^(?!-)(?!.*--)[a-zA-Z0-9-]+(?<!-)$")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([\da-z-]+(?:\.[\da-z-]+)*))?(?:\+([\da-z-]+(?:\.[\da-z-]+)*))?$"
)
_GIT_HASH = re.compile(r"^[0-9a-f]{4,40}$", re.IGNORECASE)


def _valid_pack_id(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 100 and bool(_CNR_ID.match(value))


def node_meta(properties: Any) -> dict[str, str]:
    """`cnr_id`, `aux_id`, `ver` from a node's saved properties, validated as the frontend's schema does."""
    if not isinstance(properties, dict):
        return {}
    meta: dict[str, str] = {}
    cnr_id = properties.get("cnr_id")
    if _valid_pack_id(cnr_id):
        meta["cnr_id"] = cnr_id
    aux_id = properties.get("aux_id")
    if isinstance(aux_id, str) and aux_id.count("/") == 1:
        user, repo = aux_id.split("/")
        if 1 <= len(user) <= 39 and _GITHUB_USER.match(user) and _valid_pack_id(repo):
            meta["aux_id"] = aux_id
    ver = properties.get("ver")
    if isinstance(ver, str):
        bare = ver[1:] if ver.startswith("v") else ver
        if _SEMVER.match(bare) or _GIT_HASH.match(bare):
            meta["ver"] = bare
        elif ver == "unknown":
            meta["ver"] = ver
    return meta
