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

import random
import re
from typing import Any, Literal

from .convert_flatten import _apply_primitives, _collect, _Context, _Dto, _renumber_subgraph_nodes
from .convert_links import _resolve_input, _WidgetValue
from .convert_widgets import widget_values
from .frontend import rules_for
from .graph import MODE_BYPASS, MODE_NEVER, Graph, parse_graph, parse_subgraphs
from .missing import MissingNodeTypesError, missing_types_sentence
from .widgets import NodeSpecs

APP_NODE_PREFIX = "Inkframe"
Purpose = Literal["display", "run"]  # show the editor's output / refuse what the backend cannot run
PURPOSES: tuple[Purpose, ...] = ("display", "run")


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
