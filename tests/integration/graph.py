"""A tiny builder for API-format prompts (the shape of ComfyUI's own comfy_execution/graph_utils.py).

g = GraphBuilder()
image = g.node("EmptyImage", width=64, height=48, batch_size=1, color=0)
inverted = g.node("ImageInvert", image=image.out(0))
g.node("SaveImage", images=inverted.out(0), filename_prefix="it/trivial")
prompt = g.to_prompt()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    id: str
    class_type: str
    inputs: dict[str, Any] = field(default_factory=dict)

    def out(self, index: int = 0) -> list[Any]:
        """A link to output `index` of this node, as API-format inputs spell it."""
        return [self.id, index]

    def set_input(self, name: str, value: Any) -> Node:
        self.inputs[name] = value
        return self


class GraphBuilder:
    def __init__(self, first_id: int = 1) -> None:
        self._next = first_id
        self.nodes: dict[str, Node] = {}

    def node(self, class_type: str, id: str | None = None, **inputs: Any) -> Node:
        node_id = id or str(self._next)
        self._next += 1
        node = Node(node_id, class_type, dict(inputs))
        self.nodes[node_id] = node
        return node

    def to_prompt(self) -> dict[str, dict[str, Any]]:
        return {node.id: {"class_type": node.class_type, "inputs": dict(node.inputs)} for node in self.nodes.values()}


def trivial_image_graph(
    width: int = 64, height: int = 48, color: int = 0x336699, prefix: str = "inkframe_it/trivial"
) -> dict:
    """EmptyImage -> ImageInvert -> SaveImage: core nodes only, runs in well under a second on CPU."""
    g = GraphBuilder()
    image = g.node("EmptyImage", width=width, height=height, batch_size=1, color=color)
    inverted = g.node("ImageInvert", image=image.out(0))
    g.node("SaveImage", images=inverted.out(0), filename_prefix=prefix)
    return g.to_prompt()
