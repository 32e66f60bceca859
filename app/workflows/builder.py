"""Builds UI-format workflows (openable in ComfyUI) from a compact description, laid out in columns.

Widget order, control widgets and sockets come from `/object_info`, so a built graph converts and
validates like one saved by ComfyUI's editor.

    g = GraphBuilder(NodeSpecs(object_info))
    ckpt = g.node("CheckpointLoaderSimple", ckpt_name="v1-5-pruned-emaonly.safetensors")
    text = g.node("CLIPTextEncode", text="a cat", clip=ckpt[1])
    workflow = g.build()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import WorkflowError
from .param_nodes import CORE_REPLACEMENTS, PARAM_NODES
from .parameters import PARAM_PROPERTY
from .widgets import UNDEFINED, NodeSpec, NodeSpecs

COLUMN_WIDTH, ROW_GAP, NODE_WIDTH, GROUP_GAP = 380, 40, 320, 90
PRIMITIVE = "PrimitiveNode"  # ComfyUI's frontend-only Primitive node: its value is copied into the widgets it feeds
PRIMITIVE_SPEC = NodeSpec(
    type=PRIMITIVE, display_name="Primitive", inputs=(), widgets=(), outputs=("*",), output_node=False
)


@dataclass(frozen=True)
class Out:
    """Output `slot` of node `node_id`; `value` is what a parameter node feeds (copied into the widget)."""

    node_id: int
    slot: int
    type: str
    value: Any = UNDEFINED


@dataclass
class _Node:
    id: int
    spec: NodeSpec
    values: dict[str, Any]
    links: dict[str, Out]
    title: str | None
    mode: int
    group: str | None
    color: str | None
    depth: int = 0
    outputs: list[list[int]] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    widget: tuple[str, str] | None = None  # a Primitive node: (type, name) of the first widget it feeds

    def __getitem__(self, slot: int) -> Out:
        return Out(
            self.id, slot, self.spec.outputs[slot], self.values.get("value", UNDEFINED) if slot == 0 else UNDEFINED
        )


class GraphBuilder:
    def __init__(self, specs: NodeSpecs) -> None:
        self.specs = specs
        self.nodes: list[_Node] = []
        self.links: list[list[Any]] = []
        self.notes: list[tuple[str, str]] = []

    def node(
        self,
        node_type: str,
        *,
        _title: str | None = None,
        _mode: int = 0,
        _group: str | None = None,
        _color: str | None = None,
        **inputs: Any,
    ) -> _Node:
        """Add a node; keyword arguments are its inputs (an Out or node links, anything else is a widget value)."""
        title, mode, group, color = _title, _mode, _group, _color
        spec = self.specs.get(node_type)
        if spec is None:
            raise WorkflowError(f"Node type {node_type} is not in the object_info used to build workflows.")
        unknown = [k for k in inputs if k not in spec.by_name]
        if unknown:
            raise WorkflowError(f"{node_type} has no input {unknown[0]!r}; it has: {', '.join(spec.by_name)}.")
        links = {k: v for k, v in inputs.items() if isinstance(v, (Out, _Node))}
        links = {k: (v[0] if isinstance(v, _Node) else v) for k, v in links.items()}
        values = {k: v for k, v in inputs.items() if k not in links}
        for key, out in links.items():
            source = self.nodes[out.node_id - 1]
            if source.spec.type == PRIMITIVE and source.widget is None:
                source.widget = (spec.by_name[key].type, key)
        node = _Node(len(self.nodes) + 1, spec, values, links, title, mode, group, color)
        node.depth = 1 + max((self.nodes[o.node_id - 1].depth for o in links.values()), default=-1)
        node.outputs = [[] for _ in spec.outputs]
        self.nodes.append(node)
        return node

    def param(self, node_type: str, name: str, *, group: str = "Parameters", **fields: Any) -> _Node:
        """A workflow parameter carried by core nodes: a frontend Primitive node feeding the widgets it is linked
        to, or LoadImage / LoadImageMask for image and mask parameters; `node_type` names the parameter kind the
        way the Inkframe parameter nodes do, the description sits in `properties.inkframe_parameter`."""
        kind = PARAM_NODES[node_type].kind
        label = fields.pop("label", name.replace("_", " ").capitalize())
        meta = {"name": name, "kind": kind, "group": group}
        for key in ("order", "advanced", "min", "max", "step", "description"):
            if key in fields:
                meta[key] = fields.pop(key)
        if "choices" in fields:
            meta["choices"] = [c.strip() for c in str(fields.pop("choices")).splitlines() if c.strip()]
        if kind in ("image", "mask"):
            core = CORE_REPLACEMENTS[node_type]
            node = self.node(core, _title=label, _group=group, _color="#2a363b", **fields)
        else:
            value = fields.pop("value")
            if fields:
                raise WorkflowError(f"Parameter {name!r} has no field {next(iter(fields))!r}.")
            node = self.primitive(value, title=label, _group=group, _color="#2a363b")
        node.properties = {PARAM_PROPERTY: meta}
        node.depth = -1  # parameters get their own column, left of the graph
        return node

    def primitive(
        self, value: Any, *, title: str = "Primitive", _group: str | None = None, _color: str | None = None
    ) -> _Node:
        """The frontend's Primitive node holding `value`; link its [0] to the widget inputs it should set."""
        node = _Node(len(self.nodes) + 1, PRIMITIVE_SPEC, {"value": value}, {}, title, 0, _group, _color)
        node.outputs = [[]]
        self.nodes.append(node)
        return node

    def note(self, text: str, group: str = "Notes") -> None:
        self.notes.append((text, group))

    def build(self, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        serialized = [self._serialize(node) for node in self.nodes]
        self._layout(serialized)
        notes = [self._note(i, text) for i, (text, _group) in enumerate(self.notes)]
        nodes = notes + serialized
        return {
            "id": "00000000-0000-4000-8000-000000000000",
            "revision": 0,
            "last_node_id": len(self.nodes) + len(self.notes),
            "last_link_id": len(self.links),
            "nodes": nodes,
            "links": self.links,
            "groups": self._groups(serialized),
            "config": {},
            "extra": {"ds": {"scale": 0.75, "offset": [40, 40]}, **(extra or {})},
            "version": 0.4,
        }

    def _serialize(self, node: _Node) -> dict[str, Any]:
        if node.spec.type == PRIMITIVE:
            return self._serialize_primitive(node)
        spec = node.spec
        inputs: list[dict[str, Any]] = []
        for item in spec.inputs:
            linked = item.name in node.links
            if item.is_widget and not linked:
                continue
            slot: dict[str, Any] = {"name": item.name, "type": item.type, "link": None}
            if item.is_widget:
                slot["widget"] = {"name": item.name}
            if not item.required:
                slot["shape"] = 7
            if linked:
                out = node.links[item.name]
                link_id = len(self.links) + 1
                self.links.append([link_id, out.node_id, out.slot, node.id, len(inputs), item.type])
                self.nodes[out.node_id - 1].outputs[out.slot].append(link_id)
                slot["link"] = link_id
            inputs.append(slot)
        return {
            "id": node.id,
            "type": spec.type,
            "pos": [0, 0],
            "size": [NODE_WIDTH, 60 + 26 * len(spec.widgets) + 22 * len(inputs)],
            "flags": {},
            "order": 0,
            "mode": node.mode,
            "inputs": inputs,
            "outputs": [],
            "properties": {"Node name for S&R": spec.type, **node.properties},
            "widgets_values": self._widget_values(node),
            **({"title": node.title} if node.title else {}),
            **({"color": node.color, "bgcolor": "#3f5159"} if node.color else {}),
        }

    def _serialize_primitive(self, node: _Node) -> dict[str, Any]:
        """The frontend's Primitive node (widgetInputs.ts): one value widget, plus value controls for
        numbers and combos."""
        if node.widget is None:
            raise WorkflowError(f"Parameter {node.title!r} feeds no widget; link it to a node input.")
        kind = node.widget[0]
        controls = ["fixed"] if kind in ("INT", "FLOAT") else ["fixed", ""] if kind == "COMBO" else []
        return {
            "id": node.id,
            "type": PRIMITIVE,
            "pos": [0, 0],
            "size": [NODE_WIDTH, 82 + 26 * len(controls)],
            "flags": {},
            "order": 0,
            "mode": node.mode,
            "inputs": [],
            "outputs": [],
            "title": node.title,
            "properties": {"Run widget replace on values": False, **node.properties},
            "widgets_values": [node.values["value"], *controls],
            **({"color": node.color, "bgcolor": "#3f5159"} if node.color else {}),
        }

    def _widget_values(self, node: _Node) -> list[Any]:
        values: list[Any] = []
        for slot in node.spec.widgets:
            if slot.input is None:
                values.append("fixed" if slot.name == "control_after_generate" else slot.default())
                continue
            value = node.values.get(slot.name, UNDEFINED)
            if value is UNDEFINED and slot.name in node.links:
                value = node.links[slot.name].value
            if value is UNDEFINED:
                value = slot.default()
            if value is UNDEFINED:
                raise WorkflowError(f"{node.spec.type} input {slot.name!r} has no default; give it a value.")
            values.append(value)
        return values

    def _layout(self, serialized: list[dict[str, Any]]) -> None:
        columns: dict[int, float] = {}
        last_group: dict[int, str | None] = {}
        for order, (node, data) in enumerate(
            sorted(zip(self.nodes, serialized, strict=True), key=lambda p: (p[0].depth, p[0].group or "", p[0].id))
        ):
            y = columns.get(node.depth, 0.0)
            if node.depth in last_group and last_group[node.depth] != node.group:
                y += GROUP_GAP
            last_group[node.depth] = node.group
            data["pos"] = [node.depth * COLUMN_WIDTH, y]
            columns[node.depth] = y + data["size"][1] + ROW_GAP
            data["order"] = order
        for node, data in zip(self.nodes, serialized, strict=True):
            if node.spec.type == PRIMITIVE and node.widget is not None:
                kind, name = node.widget
                data["outputs"] = [
                    {
                        "name": kind,
                        "type": kind,
                        "links": node.outputs[0] or None,
                        "slot_index": 0,
                        "widget": {"name": name},
                    }
                ]
                continue
            data["outputs"] = [
                {
                    "name": name,
                    "type": kind,
                    "links": node.outputs[i] or None,
                    **({"slot_index": i} if node.outputs[i] else {}),
                }
                for i, (name, kind) in enumerate(zip(self._output_names(node.spec), node.spec.outputs, strict=False))
            ]

    def _output_names(self, spec: NodeSpec) -> list[str]:
        names = (self.specs.object_info.get(spec.type) or {}).get("output_name") or list(spec.outputs)
        return [str(n) for n in names]

    def _note(self, index: int, text: str) -> dict[str, Any]:
        node_id = len(self.nodes) + index + 1
        return {
            "id": node_id,
            "type": "Note",
            "pos": [-2 * COLUMN_WIDTH, index * 220],
            "size": [NODE_WIDTH + 40, 200],
            "flags": {},
            "order": 0,
            "mode": 0,
            "inputs": [],
            "outputs": [],
            "properties": {},
            "widgets_values": [text],
            "color": "#432",
            "bgcolor": "#653",
        }

    def _groups(self, serialized: list[dict[str, Any]]) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for node, data in zip(self.nodes, serialized, strict=True):
            if node.group:
                groups.setdefault(node.group, []).append(data)
        result = []
        for title, members in groups.items():
            x0 = min(m["pos"][0] for m in members) - 20
            y0 = min(m["pos"][1] for m in members) - 60
            x1 = max(m["pos"][0] + m["size"][0] for m in members) + 20
            y1 = max(m["pos"][1] + m["size"][1] for m in members) + 20
            result.append(
                {
                    "id": len(result) + 1,
                    "title": title,
                    "bounding": [x0, y0, x1 - x0, y1 - y0],
                    "color": "#3f789e",
                    "font_size": 24,
                    "flags": {},
                }
            )
        return result
